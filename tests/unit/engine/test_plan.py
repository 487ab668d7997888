"""The life cycle's pure decisions: the plan, import's entries and edits, removing repo_user/status."""

from __future__ import annotations

import pytest

from servicestage_ls.cloud.client import Authorization
from servicestage_ls.core.document import parse
from servicestage_ls.core.model import Range
from servicestage_ls.core.edits import apply_edits, removal_edits
from servicestage_ls.core.rules import check
from servicestage_ls.engine.imports import CannotImport, import_edits, importable, new_file_text, token_variable
from servicestage_ls.engine.plan import Change, plan, plan_json, plan_lines, status_text

HEAD = "project_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789\nregion: cn-north-4\nauthorizations:\n"


def entry(name: str, extra: str = "") -> str:
    return f"  - name: {name}\n    repo_type: github\n    token: ${{GITHUB_TOKEN}}\n{extra}"


def auth(name: str, user: str = "org", status: int = 0, repo_type: str = "github",
         home: str | None = None) -> Authorization:
    return Authorization(name=name, repo_type=repo_type, repo_user=user, status=status,
                         repo_home=home if home is not None else f"https://github.com/{user}")


def test_plan_has_one_action_per_name_in_file_order_then_remote_only() -> None:
    model = parse(HEAD + entry("brand-new") + entry("renamed-user", "    repo_user: old\n    status: 0\n")
                  + entry("expired", "    repo_user: org\n    status: 0\n")
                  + entry("rejected", "    repo_user: org\n    status: 2\n")
                  + entry("same", "    repo_user: org\n    status: 0  # normal\n")
                  + entry("gone-remote", "    repo_user: org\n    status: 0\n"))
    remote = [auth("only-remote"), auth("same"), auth("renamed-user", user="new"), auth("expired", status=1),
              auth("rejected", status=2)]
    assert plan(model, remote) == [
        Change("brand-new", "create", "in the file, not in ServiceStage", kind="personal"),
        Change("renamed-user", "update-file", "repo_user is new in ServiceStage, old in the file", kind="personal"),
        Change("expired", "rotate", "ServiceStage reports status 1 (overdue): the token must be replaced",
               kind="personal"),
        Change("rejected", "rotate", "ServiceStage reports status 2 (unauthenticated): the token must be replaced",
               kind="personal"),
        Change("same", "none", "up to date: status 0 (normal)", kind="personal"),
        Change("gone-remote", "create", "in the file (repo_user org), not in ServiceStage any more", kind="personal"),
        Change("only-remote", "delete", "in ServiceStage, not in the file"),
    ]


def test_plan_update_file_names_the_status_difference() -> None:
    model = parse(HEAD + entry("stale", "    repo_user: org\n    status: 1\n"))
    assert plan(model, [auth("stale")]) == [
        Change("stale", "update-file", "ServiceStage reports status 0 (normal), the file says status 1 (overdue)",
               kind="personal")]


def test_plan_json_and_text() -> None:
    changes = [Change("a-new", "create", "in the file, not in ServiceStage"), Change("same", "none", "up to date")]
    assert plan_json(changes, "p" * 32, "https://x") == {
        "project_id": "p" * 32, "endpoint": "https://x",
        "changes": [{"name": "a-new", "action": "create", "kind": None, "reason": "in the file, not in ServiceStage"},
                    {"name": "same", "action": "none", "kind": None, "reason": "up to date"}]}
    assert plan_lines(changes, "p" * 32, "https://x") == [
        f"ServiceStage project {'p' * 32} at https://x",
        "",
        "  + a-new  create       in the file, not in ServiceStage",
        "    same   none         up to date",
        "",
        "Plan: 1 create (1 up to date).",
    ]
    assert plan_lines([Change("same", "none", "up to date")], "p", "u")[-1] == (
        "No changes: the file and ServiceStage agree (1 up to date).")


@pytest.mark.parametrize(("name", "variable"), [("payments-api", "PAYMENTS_API_TOKEN"),
                                                ("web.front_end", "WEB_FRONT_END_TOKEN"),
                                                ("2fa-ci", "AUTH_2FA_CI_TOKEN"), ("----", "REPO_TOKEN")])
def test_token_variable_is_derived_from_the_name(name: str, variable: str) -> None:
    assert token_variable(name) == variable


def test_import_appends_after_the_last_entry_in_its_style_and_passes_check() -> None:
    text = ("project_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789\r\nregion: cn-north-4\r\nauthorizations:\r\n"
            "    -   name: existing   # keep me\r\n        repo_type: github\r\n        token: ${GITHUB_TOKEN}\r\n"
            "# the end\r\n")
    model = parse(text)
    remote = [auth("existing"), auth("payments-api", user="pay", status=1),
              auth("lab-team", user="me", repo_type="gitlab", home="http://plain.example/me")]
    wanted = importable(model, remote)
    assert [a.name for a in wanted] == ["payments-api", "lab-team"]
    result = apply_edits(model, import_edits(model, wanted))
    assert result == text.replace("${GITHUB_TOKEN}\r\n# the end", (
        "${GITHUB_TOKEN}\r\n"
        "    -   name: payments-api\r\n        repo_type: github\r\n        token: ${PAYMENTS_API_TOKEN}\r\n"
        "        host: https://github.com/pay\r\n        repo_user: pay\r\n        status: 1  # overdue\r\n"
        "    -   name: lab-team\r\n        repo_type: gitlab\r\n        token: ${LAB_TEAM_TOKEN}\r\n"
        "        repo_user: me\r\n        status: 0  # normal\r\n# the end"))
    codes = sorted({f.code for f in check(parse(result), env={"GITHUB_TOKEN": "x"})})
    assert codes == ["SS142", "SS160"]  # variables not set; the overdue one says so


def test_import_into_files_without_entries() -> None:
    one = [auth("payments-api", user="pay")]
    block = ("  - name: payments-api\n    repo_type: github\n    token: ${PAYMENTS_API_TOKEN}\n"
             "    host: https://github.com/pay\n    repo_user: pay\n    status: 0  # normal")
    for before, after in [
        ("region: cn-north-4\n", "region: cn-north-4\nauthorizations:\n" + block + "\n"),
        ("region: cn-north-4", "region: cn-north-4\nauthorizations:\n" + block + "\n"),
        ("region: cn-north-4\nauthorizations:\n", "region: cn-north-4\nauthorizations:\n" + block + "\n"),
        ("region: cn-north-4\nauthorizations: []  # none yet\n",
         "region: cn-north-4\nauthorizations:\n" + block + "  # none yet\n"),
    ]:
        model = parse(before)
        assert apply_edits(model, import_edits(model, one)) == after, before


def test_import_refuses_shapes_it_cannot_extend() -> None:
    with pytest.raises(CannotImport, match="not a block list"):
        import_edits(parse("region: cn-north-4\nauthorizations: [{name: abcd}]\n".replace("[{name: abcd}]", "x")),
                     [auth("payments-api")])
    with pytest.raises(CannotImport, match="syntax errors"):
        import_edits(parse("region: [\n"), [auth("payments-api")])


def test_new_file_text() -> None:
    assert new_file_text([auth("payments-api", user="pay")], project_id="a" * 32, region="cn-north-4",
                         endpoint=None) == (
        f"project_id: {'a' * 32}\nregion: cn-north-4\nauthorizations:\n  - name: payments-api\n"
        "    repo_type: github\n    token: ${PAYMENTS_API_TOKEN}\n    host: https://github.com/pay\n"
        "    repo_user: pay\n    status: 0  # normal\n")
    assert new_file_text([], project_id="a" * 32, region=None, endpoint="http://127.0.0.1:9") == (
        f"project_id: {'a' * 32}\nendpoint: http://127.0.0.1:9\nauthorizations: []\n")


def test_removal_edits_remove_repo_user_and_status_only() -> None:
    cases = [
        (entry("block", "    repo_user: org   # who\n    status: 1  # overdue\n") + "  - name: next\n",
         entry("block") + "  - name: next\n"),
        (entry("middle", "").replace("    token", "    repo_user: org\n    token") + "    status: 0",
         entry("middle").removesuffix("\n")),
        ("  - {name: flow, repo_user: org, repo_type: github, status: 0}\n",
         "  - {name: flow, repo_type: github}\n"),
        ("  - repo_user: org\n    status: 0\n    name: first\n    repo_type: github\n",
         "  - name: first\n    repo_type: github\n"),
        (entry("last", "    repo_user: org\n    status: 0  # normal\n"), entry("last")),
    ]
    for before, after in cases:
        model = parse(HEAD + before)
        assert apply_edits(model, removal_edits(model, model.entries[0])) == HEAD + after, before


def test_removal_at_the_end_of_the_file_stops_before_its_final_line_break() -> None:
    """A range that ends on the empty line after the final line break goes past a Neovim buffer."""
    model = parse(HEAD + entry("last", "    repo_user: org\n    status: 0  # normal\n"))
    [edit] = removal_edits(model, model.entries[0])
    assert edit.range == Range((5, 26), (7, 23))


@pytest.mark.parametrize(("status", "text"), [(None, "no status"), (0, "status 0 (normal)"), (1, "status 1 (overdue)"),
                                              (2, "status 2 (unauthenticated)"), (5, "status 5 (unknown)")])
def test_status_text_is_how_messages_name_a_status(status: int | None, text: str) -> None:
    assert status_text(status) == text


def test_a_differing_repo_type_or_owner_is_a_replace_and_a_leftover_probe_is_deleted() -> None:
    model = parse(HEAD + entry("legacy-ci", "    repo_user: ci-bot\n    status: 0\n")
                  + entry("moved", "    host: https://github.com/new-org\n    repo_user: old-org\n    status: 1\n")
                  + entry("same-owner", "    host: https://GitHub.com/Org/\n    repo_user: org\n    status: 0\n"))
    remote = [auth("legacy-ci", user="ci-bot", repo_type="gitlab", home="https://gitlab.com/ci-bot"),
              auth("moved", user="old-org", status=1), auth("same-owner"),
              auth("legacy-ci.probe-0a1b2c"), auth("not-a.probe-xyz")]
    changes = plan(model, remote)
    assert changes == [
        Change("legacy-ci", "replace", "repo_type is gitlab in ServiceStage, github in the file: it is deleted and "
                                       "created again with the file's token, proven first", kind="personal"),
        Change("moved", "replace", "host is https://github.com/new-org in the file, ServiceStage's repo_home is "
                                   "https://github.com/old-org: it is deleted and created again with the file's "
                                   "token, proven first", kind="personal"),
        Change("same-owner", "none", "up to date: status 0 (normal)", kind="personal"),
        Change("legacy-ci.probe-0a1b2c", "delete", "a leftover probe of 'legacy-ci' (a rotation or replace was "
                                                   "interrupted): `apply` deletes it", probe=True),
        Change("not-a.probe-xyz", "delete", "in ServiceStage, not in the file"),
    ]
    assert plan_json(changes, "p", "e")["changes"][0] == {
        "name": "legacy-ci", "action": "replace", "kind": "personal",
        "reason": "repo_type is gitlab in ServiceStage, github in the file: it is deleted and created again with the "
                  "file's token, proven first"}
    assert plan_lines(changes, "p", "e") == [
        "ServiceStage project p at e", "",
        "  ! legacy-ci               replace      repo_type is gitlab in ServiceStage, github in the file: it is "
        "deleted and created again with the file's token, proven first",
        "  ! moved                   replace      host is https://github.com/new-org in the file, ServiceStage's "
        "repo_home is https://github.com/old-org: it is deleted and created again with the file's token, proven first",
        "    same-owner              none         up to date: status 0 (normal)",
        "  - legacy-ci.probe-0a1b2c  delete       a leftover probe of 'legacy-ci' (a rotation or replace was "
        "interrupted): `apply` deletes it",
        "  - not-a.probe-xyz         delete       in ServiceStage, not in the file",
        "",
        "Plan: 2 replace, 2 delete (1 up to date).",
        "`apply --replace` replaces them: it proves the file's token with a probe authorization, deletes each one "
        "and creates it again.",
        "`apply --prune` deletes what the file does not have; `import` adds it to the file instead.",
    ]
    assert [a.name for a in importable(model, remote)] == ["not-a.probe-xyz"]
    assert [a.name for a in importable(model, remote, ["legacy-ci.probe-0a1b2c"])] == ["legacy-ci.probe-0a1b2c"]


def test_imported_entries_never_share_a_token_variable() -> None:
    from servicestage_ls.engine.imports import imported_message, token_variables, variables_in

    model = parse(HEAD + "  - name: mine\n    repo_type: github\n    token: ${A_B_C_TOKEN}\n")
    remote = [auth("a-b.c"), auth("a_b-c"), auth("other")]
    assert variables_in(model) == {"A_B_C_TOKEN"}
    assert token_variables(remote) == {"a-b.c": "A_B_C_TOKEN", "a_b-c": "A_B_C_2_TOKEN", "other": "OTHER_TOKEN"}
    assert token_variables(remote, {"A_B_C_TOKEN"}) == {"a-b.c": "A_B_C_2_TOKEN", "a_b-c": "A_B_C_3_TOKEN",
                                                        "other": "OTHER_TOKEN"}
    assert imported_message(remote[1:]) == ("imported 'a_b-c', 'other'; their tokens are read from A_B_C_TOKEN, "
                                            "OTHER_TOKEN when they are created again or rotated (set them in the "
                                            "environment first)")
    added = apply_edits(model, import_edits(model, remote[:2]))
    assert [line for line in added.splitlines() if "token:" in line] == [
        "    token: ${A_B_C_TOKEN}", "    token: ${A_B_C_2_TOKEN}", "    token: ${A_B_C_3_TOKEN}"]
    assert new_file_text(remote[:2], project_id=None, region="cn-north-4", endpoint=None).count("${A_B_C_") == 2
