"""The kinds of entry (personal token, password, OAuth) in the editor features: quick fixes, completion, hover,
the outline, the JSON Schema and the model's accessors (the rules' own tests are in test_rules.py)."""

from __future__ import annotations

from bisect import bisect_right

from servicestage_ls.core import document, rules
from servicestage_ls.core.completion import complete
from servicestage_ls.core.fixes import fixes_for
from servicestage_ls.core.hover import hover
from servicestage_ls.core.jsonschema import json_schema
from servicestage_ls.core.model import Model, Pos, Range, split_lines
from servicestage_ls.core.symbols import document_symbols

HEAD = "project_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789\nregion: cn-north-4\nauthorizations:\n"
ENV = {"GITHUB_TOKEN": "x", "BITBUCKET_PASSWORD": "hunter2-secret", "MY_PASS": "p", "HUAWEICLOUD_SDK_SK": "s"}
PASSWORD = ("  - name: pw-one\n    kind: password\n    repo_type: bitbucket\n    user: tom\n"
            "    password: ${BITBUCKET_PASSWORD}\n")


def at_cursor(marked: str) -> tuple[Model, Pos]:
    index = marked.index("|")
    text = marked[:index] + marked[index + 1 :]
    starts = split_lines(text)[1]
    line = bisect_right(starts, index) - 1
    return document.parse(text), (line, index - starts[line])


def fixed(text: str, code: str) -> list[tuple[str, str]]:
    """Each quick fix of the first ``code`` finding: its title and the text it makes."""
    model = document.parse(text)
    finding = next(f for f in rules.check(model, env=ENV) if f.code == code)
    out = []
    starts = split_lines(text)[1]
    for fix in fixes_for(model, code, finding.range, finding.data):
        (edit,) = fix.edits
        start = starts[edit.range.start[0]] + edit.range.start[1]
        end = starts[edit.range.end[0]] + edit.range.end[1]
        out.append((fix.title, text[:start] + edit.new_text + text[end:]))
    return out


# --- quick fixes -------------------------------------------------------------------------------------------


def test_a_token_under_kind_password_is_renamed_to_password() -> None:
    text = HEAD + PASSWORD.replace("    password:", "    token:")
    assert fixed(text, "SS136") == [("Rename 'token' to 'password'", HEAD + PASSWORD)]


def test_a_repo_type_of_another_kind_offers_the_kinds_that_have_it_and_the_kinds_repo_types() -> None:
    text = HEAD + "  - name: token1\n    repo_type: bitbucket\n    token: ${GITHUB_TOKEN}\n"
    assert fixed(text, "SS134") == [
        ("Make it a password entry (kind: password)", text + "    kind: password\n"),
        ("Make it an OAuth entry (kind: oauth)", text + "    kind: oauth\n"),
        ("Change to 'github'", text.replace("bitbucket", "github")),
        ("Change to 'gitlab'", text.replace("bitbucket", "gitlab")),
    ]
    text = HEAD + PASSWORD.replace("bitbucket", "github")
    assert [title for title, _ in fixed(text, "SS134")] == [
        "Make it a personal-token entry (kind: personal)", "Make it an OAuth entry (kind: oauth)",
        "Change to 'devcloud'", "Change to 'bitbucket'"]
    assert fixed(text, "SS134")[1][1] == text.replace("kind: password", "kind: oauth")


def test_an_unknown_kind_and_a_key_of_another_kind_have_their_fixes() -> None:
    text = HEAD + "  - name: oauth-one\n    kind: oath\n    repo_type: github\n"
    assert fixed(text, "SS135") == [("Change to 'oauth'", text.replace("oath", "oauth"))]
    text = HEAD + "  - {name: token1, repo_type: github, token: '${GITHUB_TOKEN}', tag: intl}\n"
    assert fixed(text, "SS136") == [("Add 'kind: oauth'", text.replace("intl}", "intl, kind: oauth}"))]


# --- completion --------------------------------------------------------------------------------------------


def labels(marked: str, env: dict[str, str] | None = None) -> list[str]:
    model, pos = at_cursor(marked)
    result = complete(model, pos, snippets=False, env=ENV if env is None else env)
    return [c.label for c in sorted(result, key=lambda c: c.sort_text or "")]


def test_keys_follow_the_kind() -> None:
    assert labels(HEAD + "  - name: pw-one\n    kind: password\n    |\n")[:4] == [
        "repo_type", "user", "password", "repo_user"]
    assert labels(HEAD + "  - name: oauth-one\n    kind: oauth\n    |\n")[:3] == ["repo_type", "tag", "repo_user"]
    assert labels(HEAD + "  - name: token1\n    |\n")[:4] == ["repo_type", "token", "host", "kind"]


def test_values_of_kind_repo_type_password_and_tag() -> None:
    assert labels(HEAD + "  - name: x1234\n    kind: |\n") == ["personal", "password", "oauth"]
    assert labels(HEAD + "  - name: x1234\n    kind: password\n    repo_type: |\n") == ["devcloud", "bitbucket"]
    assert labels(HEAD + "  - name: x1234\n    kind: oauth\n    repo_type: |\n") == [
        "github", "gitlab", "gitee", "bitbucket", "devcloud"]
    assert labels(HEAD + "  - name: x1234\n    repo_type: |\n") == ["github", "gitlab", "gitee"]
    # a password reference: the conventional name first, then what looks like a password, never a cloud credential
    assert labels(HEAD + "  - name: x1234\n    kind: password\n    repo_type: bitbucket\n    password: |\n") == [
        "${BITBUCKET_PASSWORD}", "${MY_PASS}"]
    assert labels(HEAD + "  - name: x1234\n    kind: oauth\n    tag: |\n") == ["intl"]


def test_a_new_entry_of_each_kind() -> None:
    model, pos = at_cursor(HEAD + "  - |\n")
    result = {c.label: c for c in complete(model, pos, snippets=False, env={})}
    assert result["new password entry"].insert_text == (
        "name: my-authorization\n    kind: password\n    repo_type: bitbucket\n    user: my-user\n"
        "    password: ${BITBUCKET_PASSWORD}")
    assert result["new OAuth entry"].insert_text == "name: my-authorization\n    kind: oauth\n    repo_type: github"
    assert result["new authorization entry"].insert_text == (
        "name: my-authorization\n    repo_type: github\n    token: ${GITHUB_TOKEN}")
    snippet = {c.label: c for c in complete(model, pos, snippets=True, env={})}["new password entry"]
    assert snippet.insert_text == (
        "name: ${1:my-authorization}\n    kind: password\n    repo_type: ${3:bitbucket}\n    user: ${4:my-user}\n"
        "    password: ${5:\\${BITBUCKET_PASSWORD\\}}$0")


# --- hover -------------------------------------------------------------------------------------------------


def hover_text(marked: str) -> str | None:
    model, pos = at_cursor(marked)
    info = hover(model, pos, ENV)
    return info.markdown if info is not None else None


def test_hover_on_a_password_never_shows_it() -> None:
    assert hover_text(HEAD + PASSWORD.replace("password: ${BITBUCKET", "password: ${BIT|BUCKET")) == (
        "**password** from the environment variable `BITBUCKET_PASSWORD`\n\n`BITBUCKET_PASSWORD` is **set** in the "
        "language server's environment; its value is read when *Create authorization* runs and is never shown.")
    literal = HEAD + PASSWORD.replace("${BITBUCKET_PASSWORD}", "hunter2-sec|ret")
    assert hover_text(literal) == (
        "⚠️ **Plaintext secret**: this password is written in the file, and the file is committed. Put it in an "
        "environment variable of the language server and write `${BITBUCKET_PASSWORD}` instead (quick fix: *Use "
        "${…} from the environment*).")


def test_hover_on_kind_and_on_a_repo_type_of_other_kinds() -> None:
    assert hover_text(HEAD + PASSWORD.replace("kind: password", "kind: pass|word")) == (
        "**kind: password** — password\n\nA user name and a password, read from the environment at create time "
        "(`user: tom`, `password: ${BITBUCKET_PASSWORD}`). For `devcloud` the user is `{domain name}/{tenant "
        "name}`; for `bitbucket` the account name. Repo types: `devcloud`, `bitbucket`.")
    assert hover_text(HEAD + PASSWORD.replace("repo_type: bitbucket", "repo_type: bit|bucket")) == (
        "**bitbucket** — Bitbucket (bitbucket.org): the account name and an app password (`kind: password`), or "
        "OAuth.\n\nKinds: `password`, `oauth`.")
    assert hover_text(HEAD + PASSWORD.replace("    kind:", "    ki|nd:")) == (
        "**kind** · string · optional\n\nThe kind of authorization: `personal` (a private token, the default when "
        "`kind` is left out), `password` (`user` and `password`) or `oauth` (authorized in the browser, no secret "
        "in the file).")
    assert hover_text(HEAD + PASSWORD.replace("    user:", "    us|er:")) == (
        "**user** · string · required · password entries only\n\nThe repository user: for `devcloud` `{domain "
        "name}/{tenant name}`, for `bitbucket` the account name.")


# --- outline, JSON Schema, model -------------------------------------------------------------------------


def test_the_outline_names_the_kind_unless_it_is_the_default() -> None:
    text = HEAD + PASSWORD + "  - name: oauth-one\n    kind: oauth\n    repo_type: github\n" \
        + "  - name: token1\n    repo_type: github\n    token: ${GITHUB_TOKEN}\n"
    (authorizations,) = [s for s in document_symbols(document.parse(text)) if s.name == "authorizations"]
    assert [(s.name, s.detail, s.selection_range) for s in authorizations.children] == [
        ("pw-one", "bitbucket · password", Range((3, 10), (3, 16))),
        ("oauth-one", "github · OAuth", Range((8, 10), (8, 19))),
        ("token1", "github", Range((11, 10), (11, 16))),
    ]


def test_the_json_schema_says_what_each_kind_holds() -> None:
    entry = json_schema()["properties"]["authorizations"]["items"]
    assert entry["properties"]["kind"]["enum"] == ["personal", "password", "oauth"]
    assert entry["properties"]["password"]["anyOf"] == entry["properties"]["token"]["anyOf"]
    assert entry["allOf"] == [
        {"if": {"properties": {"kind": {"const": "personal"}}},
         "then": {"properties": {"repo_type": {"enum": ["github", "gitlab", "gitee"]}, "user": False,
                                 "password": False, "tag": False}, "required": ["token"]}},
        {"if": {"properties": {"kind": {"const": "password"}}, "required": ["kind"]},
         "then": {"properties": {"repo_type": {"enum": ["devcloud", "bitbucket"]}, "token": False, "host": False,
                                 "tag": False}, "required": ["user", "password"]}},
        {"if": {"properties": {"kind": {"const": "oauth"}}, "required": ["kind"]},
         "then": {"properties": {"repo_type": {"enum": ["github", "gitlab", "gitee", "bitbucket", "devcloud"]},
                                 "token": False, "host": False, "user": False, "password": False}}},
    ]


def test_the_model_gives_each_entrys_kind_user_secret_and_tag() -> None:
    text = HEAD + PASSWORD + "  - name: oauth-one\n    kind: oauth\n    repo_type: github\n    tag: intl\n" \
        + "  - name: token1\n    repo_type: github\n    token: ${GITHUB_TOKEN}\n"
    entries = document.parse(text).entries
    assert [(e.kind, e.user, e.secret_key, e.secret_source, e.tag) for e in entries] == [
        ("password", "tom", "password", "${BITBUCKET_PASSWORD}", None),
        ("oauth", None, None, None, "intl"),
        ("personal", None, "token", "${GITHUB_TOKEN}", None),
    ]


def test_hover_on_a_status_speaks_the_kinds_words() -> None:
    assert hover_text(HEAD + PASSWORD + "    status: |2\n") == (
        "**status 2** — unauthenticated: the repository rejected the user or the password; set the right password "
        "and rotate it.")
    assert hover_text(HEAD + "  - name: oauth-one\n    kind: oauth\n    repo_type: github\n    status: |1\n") == (
        "**status 1** — overdue: the OAuth grant expired; authorize it again in the browser.")
