"""The life cycle's pure decisions and the kinds: the plan compares kinds (a differing one is a replace) and says
how each kind is renewed; import writes each kind's entry; the lenses speak the kind's words."""

from __future__ import annotations

from servicestage_ls.cloud.client import Authorization
from servicestage_ls.core.document import parse
from servicestage_ls.core.rules import check
from servicestage_ls.engine.lenses import Lens, lenses
from servicestage_ls.engine.imports import entry_lines, imported_message, new_file_text
from servicestage_ls.engine.plan import Change, plan, plan_json, plan_lines

HEAD = "project_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789\nregion: cn-north-4\nauthorizations:\n"
PASSWORD = ("  - name: codehub-pw\n    kind: password\n    repo_type: devcloud\n    user: my-domain/tom\n"
            "    password: ${DEVCLOUD_PASSWORD}\n")
OAUTH = "  - name: octo-oauth\n    kind: oauth\n    repo_type: github\n"
TOKEN = "  - name: web-frontend\n    repo_type: github\n    token: ${GITHUB_TOKEN}\n"
ENV = {"DEVCLOUD_PASSWORD": "pw", "GITHUB_TOKEN": "ghp_" + "a" * 36}


def auth(name: str, kind: str | None, repo_type: str = "github", status: int = 0, user: str = "tom",
         tag: str | None = None) -> Authorization:
    return Authorization(name=name, repo_type=repo_type, repo_user=user, status=status, token_type=kind, tag=tag)


def written(extra: str) -> str:
    return f"    repo_user: tom\n    status: {extra}\n"


def test_a_kind_that_differs_is_a_replace_and_each_kind_is_renewed_its_way() -> None:
    model = parse(HEAD + PASSWORD + written("1") + OAUTH + written("2") + TOKEN + written("0"))
    remote = [auth("codehub-pw", "password", "devcloud", status=1), auth("octo-oauth", "oauth", status=2),
              auth("web-frontend", "oauth"), auth("only-there", "password", "bitbucket")]
    changes = plan(model, remote)
    assert changes == [
        Change("codehub-pw", "rotate", "ServiceStage reports status 1 (overdue): the password must be replaced",
               kind="password"),
        Change("octo-oauth", "rotate", "ServiceStage reports status 2 (unauthenticated): authorize it again in the "
                                       "browser (apply does not rotate an OAuth authorization)", kind="oauth"),
        Change("web-frontend", "replace", "kind is oauth in ServiceStage, personal in the file: it is deleted and "
                                          "created again with the file's token, proven first", kind="personal"),
        Change("only-there", "delete", "in ServiceStage, not in the file", kind="password"),
    ]
    assert [(c["name"], c["kind"]) for c in plan_json(changes, "p", "e")["changes"]] == [
        ("codehub-pw", "password"), ("octo-oauth", "oauth"), ("web-frontend", "personal"),
        ("only-there", "password")]
    assert plan_lines(changes, "p", "e")[-4:] == [
        "`apply --replace` replaces them: it proves the file's token with a probe authorization, deletes each one "
        "and creates it again.",
        "`apply --rotate` rotates tokens: it proves the new token with a probe authorization, deletes each "
        "authorization and creates it again.",
        "An OAuth authorization is renewed in the browser: `servicestage-ls authorize FILE --name NAME` (Authorize "
        "in the editor); apply does not rotate it.",
        "`apply --prune` deletes what the file does not have; `import` adds it to the file instead.",
    ]


def test_a_file_entry_turned_oauth_is_replaced_in_the_browser() -> None:
    model = parse(HEAD + OAUTH + written("0"))
    assert plan(model, [auth("octo-oauth", "personal")]) == [
        Change("octo-oauth", "replace", "kind is personal in ServiceStage, oauth in the file: delete it, then "
                                        "authorize it again in the browser (apply does not)", kind="oauth")]


def test_an_entry_without_kind_and_a_personal_authorization_agree() -> None:
    model = parse(HEAD + TOKEN + written("0"))
    assert plan(model, [auth("web-frontend", "personal")]) == [
        Change("web-frontend", "none", "up to date: status 0 (normal)", kind="personal")]


def test_import_writes_each_kinds_entry_and_the_file_passes_check() -> None:
    remote = [auth("codehub-pw", "password", "devcloud", user="tom", status=2),
              auth("bb-pw", "password", "bitbucket", user="acme-bot"),
              auth("gitee-oauth", "oauth", "gitee", user="octo", status=1, tag="intl"),
              Authorization("web-frontend", repo_type="github", repo_user="tom", status=0, token_type="personal",
                            repo_home="https://github.com/tom")]
    assert [entry_lines(a) for a in remote] == [
        [("name", "codehub-pw"), ("kind", "password"), ("repo_type", "devcloud"),
         ("password", "${CODEHUB_PW_PASSWORD}"), ("repo_user", "tom"), ("status", "2  # unauthenticated")],
        [("name", "bb-pw"), ("kind", "password"), ("repo_type", "bitbucket"), ("user", "acme-bot"),
         ("password", "${BB_PW_PASSWORD}"), ("repo_user", "acme-bot"), ("status", "0  # normal")],
        [("name", "gitee-oauth"), ("kind", "oauth"), ("repo_type", "gitee"), ("tag", "intl"), ("repo_user", "octo"),
         ("status", "1  # overdue")],
        [("name", "web-frontend"), ("repo_type", "github"), ("token", "${WEB_FRONTEND_TOKEN}"),
         ("host", "https://github.com/tom"), ("repo_user", "tom"), ("status", "0  # normal")],
    ]
    assert imported_message(remote) == (
        "imported 'codehub-pw', 'bb-pw', 'gitee-oauth', 'web-frontend'; their secrets are read from "
        "CODEHUB_PW_PASSWORD, BB_PW_PASSWORD, WEB_FRONTEND_TOKEN when they are created again or rotated (set them in "
        "the environment first); 'gitee-oauth' is OAuth: renewed by authorizing in the browser, no secret in the "
        "file; write the `user` of 'codehub-pw' (`{domain name}/{tenant name}`): ServiceStage does not report it")
    text = new_file_text(remote[1:], project_id="0a1b2c3d4e5f67890a1b2c3d4e5f6789", region="cn-north-4",
                         endpoint=None)
    env = {"BB_PW_PASSWORD": "x", "WEB_FRONTEND_TOKEN": "y"}
    assert [(f.code, f.message) for f in check(parse(text), env=env)] == [
        ("SS133", "`repo_type: gitee` is only supported on ServiceStage's Chinese site; the international API "
                  "accepts `github`, `gitlab`, `bitbucket`, `devcloud`"),
        ("SS160", "status 1: overdue: the OAuth grant expired; authorize it again in the browser.")]


def test_import_of_personal_tokens_says_what_it_said() -> None:
    assert imported_message([auth("web-frontend", "personal")]) == (
        "imported 'web-frontend'; its token is read from WEB_FRONTEND_TOKEN when it is created again or rotated (set "
        "it in the environment first)")
    assert imported_message([auth("octo-oauth", "oauth")]) == (
        "imported 'octo-oauth'; 'octo-oauth' is OAuth: renewed by authorizing in the browser, no secret in the file")


def test_lenses_speak_the_kinds_words() -> None:
    model = parse(HEAD + PASSWORD + written("1") + OAUTH + written("2") + OAUTH.replace("octo-oauth", "new-oauth")
                  + PASSWORD.replace("codehub-pw", "new-pw") + OAUTH.replace("octo-oauth", "fine-oauth")
                  + written("0"))
    assert lenses(model, ENV) == [
        Lens(3, "⚠ overdue · Rotate password", "rotate", "codehub-pw"),
        Lens(10, "⚠ unauthenticated · Authorize again", "authorize", "octo-oauth"),
        Lens(15, "Authorize in the browser", "authorize", "new-oauth"),
        Lens(18, "Create in ServiceStage", "create", "new-pw"),
        Lens(23, "✓ normal · Refresh", "refresh", "fine-oauth"),
    ]


def test_import_never_gives_two_password_entries_the_same_variable_and_oauth_takes_none() -> None:
    from servicestage_ls.engine.imports import token_variables

    remote = [auth("a-b.c", "password", "bitbucket"), auth("a_b-c", "password", "bitbucket"),
              auth("a-b-c", "oauth"), auth("a.b.c", "personal")]
    assert token_variables(remote, {"A_B_C_PASSWORD"}) == {
        "a-b.c": "A_B_C_2_PASSWORD", "a_b-c": "A_B_C_3_PASSWORD", "a.b.c": "A_B_C_TOKEN"}
    assert imported_message(remote[:2], {"A_B_C_PASSWORD"}) == (
        "imported 'a-b.c', 'a_b-c'; their passwords are read from A_B_C_2_PASSWORD, A_B_C_3_PASSWORD when they are "
        "created again or rotated (set them in the environment first); A_B_C_PASSWORD was taken, so 'a-b.c' reads "
        "A_B_C_2_PASSWORD; A_B_C_PASSWORD was taken, so 'a_b-c' reads A_B_C_3_PASSWORD")
