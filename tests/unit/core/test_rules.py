"""Rules: one test per diagnostic code, with exact codes, ranges, messages and fix data."""

from __future__ import annotations

import pytest

from servicestage_ls.core.document import parse
from servicestage_ls.core.model import Range
from servicestage_ls.core.rules import RuleCache, check
from servicestage_ls.core.schema import RULES, Severity

ENV = {"GITHUB_TOKEN": "x", "GITLAB_TOKEN": "y"}
HEADER = "project_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789\nregion: cn-north-4\nauthorizations:\n"
GOOD_ENTRY = "  - name: token1\n    repo_type: github\n    token: ${GITHUB_TOKEN}\n"


def findings(text: str, env: dict[str, str] | None = None) -> list[tuple[str, Range, str]]:
    return [(f.code, f.range, f.message) for f in check(parse(text), env=ENV if env is None else env)]


def only(text: str, env: dict[str, str] | None = None) -> tuple[str, Range, str]:
    found = findings(text, env)
    assert len(found) == 1, found
    return found[0]


def test_a_valid_file_is_clean() -> None:
    assert findings(HEADER + GOOD_ENTRY + "    host: https://github.com/tom-repo\n    repo_user: tom\n"
                    "    status: 0\n    create_time: 1649762172340\n") == []


def test_every_catalogue_code_has_a_test_below() -> None:
    tested = {name.split("_")[1].upper() for name in globals() if name.startswith("test_ss")}
    assert {r.code for r in RULES} - {"SS170", "SS171", "SS172", "SS173"} <= tested  # these come from the cloud features


def test_ss100_syntax_error() -> None:
    code, rng, message = only(HEADER + "  - name: [token1\n")
    assert (code, rng) == ("SS100", Range((3, 10), (3, 17)))
    assert message.startswith("YAML syntax error: while parsing a flow sequence")


def test_ss101_duplicate_key_points_to_the_first() -> None:
    (f,) = [f for f in check(parse(HEADER + GOOD_ENTRY + "    name: token2\n"), env=ENV) if f.code != "SS131"]
    assert (f.code, f.range) == ("SS101", Range((6, 4), (6, 8)))
    assert f.message == "duplicate key `name` in this entry; YAML keeps only the last one — remove one of them"
    assert [(r.range, r.message) for r in f.related] == [(Range((3, 4), (3, 8)), "`name` first set here")]


def test_ss101_duplicate_top_level_key() -> None:
    code, rng, _ = only(HEADER.replace("region: cn-north-4\n", "region: cn-north-4\nregion: cn-north-1\n")
                        + GOOD_ENTRY)
    assert (code, rng) == ("SS101", Range((2, 0), (2, 6)))


def test_ss102_wrong_containers() -> None:
    assert only("- a\n- b\n")[:2] == ("SS102", Range((0, 0), (0, 3)))
    code, rng, message = only("project_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789\nregion: cn-north-4\n"
                              "authorizations: {a: 1}\n")
    assert (code, rng) == ("SS102", Range((2, 16), (2, 22)))
    assert message == "`authorizations` must be a list of entries (`- name: …`), not a mapping"
    code, rng, message = only(HEADER + "  - just a string\n")
    assert (code, rng) == ("SS102", Range((3, 4), (3, 17)))
    assert message == "an entry must be a mapping with `name`, `repo_type` and `token`, not a string"


def test_ss103_second_document() -> None:
    assert [c for c, _, _ in findings(HEADER + GOOD_ENTRY + "---\nregion: cn-north-1\n")] == ["SS103"]


def test_ss104_too_large() -> None:
    from servicestage_ls.core.model import MAX_TEXT_CHARS

    assert [c for c, _, _ in findings("a: " + "x" * MAX_TEXT_CHARS)] == ["SS104"]


def test_ss110_unknown_key_with_suggestion() -> None:
    f = check(parse(HEADER + GOOD_ENTRY + "    avatar: https://a/b.png\n"), env=ENV)
    (unknown,) = f
    assert (unknown.code, unknown.range) == ("SS110", Range((6, 4), (6, 10)))
    assert unknown.message == "unknown key `avatar` in an entry; did you mean `avartar`?"
    assert unknown.data == {"fix": "rename-key", "replacement": "avartar"}


def test_ss110_unknown_top_level_key_without_suggestion() -> None:
    code, rng, message = only(HEADER.replace("region", "zzz: 1\nregion") + GOOD_ENTRY)
    assert (code, rng) == ("SS110", Range((1, 0), (1, 3)))
    assert message == ("unknown key `zzz` in the top level; allowed: `project_id`, `region`, `endpoint`, "
                       "`authorizations`")


def test_ss111_missing_entry_key_with_insert_data() -> None:
    (f,) = check(parse(HEADER + "  - name: token1\n    repo_type: gitlab\n"), env=ENV)
    assert (f.code, f.range) == ("SS111", Range((3, 4), (3, 8)))
    assert f.message == "missing required key `token` in this entry"
    assert f.data == {"fix": "insert-key", "key": "token", "value": "${GITLAB_TOKEN}", "scope": "entry"}


def test_ss111_missing_top_level_keys() -> None:
    found = check(parse("authorizations: []\n"), env={})
    assert [(f.code, f.range, f.data and f.data["key"]) for f in found] == [
        ("SS111", Range((0, 0), (0, 14)), "region"),
        ("SS111", Range((0, 0), (0, 14)), "project_id"),
    ]
    assert found[1].message == ("missing `project_id` (32 lowercase hex characters): it is looked up from IAM "
                                "only for a `region`; set `project_id` or `region`, or HUAWEICLOUD_SDK_PROJECT_ID "
                                "in the environment")
    assert check(parse("region: cn-north-4\nauthorizations: []\n"),
                 env={"HUAWEICLOUD_SDK_PROJECT_ID": "0" * 32}) == []


def test_a_region_without_project_id_is_valid_the_id_is_looked_up_from_iam() -> None:
    assert check(parse("region: cn-north-4\nauthorizations: []\n"), env={}) == []
    assert check(parse("endpoint: https://x.example\nregion: cn-north-4\nauthorizations: []\n"), env={}) == []


def test_endpoint_without_region_says_the_project_id_lookup_needs_a_region() -> None:
    (f,) = check(parse("endpoint: http://127.0.0.1:8080\nauthorizations: []\n"), env={})
    assert (f.code, f.range, f.data and f.data["key"]) == ("SS111", Range((0, 0), (0, 8)), "project_id")
    assert f.message == ("missing `project_id` (32 lowercase hex characters): with `endpoint` and no `region` it "
                         "cannot be looked up from IAM (the lookup needs a region); set `project_id` or `region`, "
                         "or HUAWEICLOUD_SDK_PROJECT_ID in the environment")
    assert check(parse("endpoint: http://127.0.0.1:8080\nauthorizations: []\n"),
                 env={"HUAWEICLOUD_SDK_PROJECT_ID": "0" * 32}) == []


@pytest.mark.parametrize("text,end", [("", (0, 0)), ("# just a comment\n", (0, 16)), ("\n\n", (0, 0)),
                                      ("# a\n# b\n", (0, 3)), ("---\n", (0, 3))])
def test_an_empty_or_comments_only_file_misses_the_same_keys_as_a_file_with_only_region(
        text: str, end: tuple[int, int]) -> None:
    found = check(parse(text), env={})
    assert [(f.code, f.range, f.data and f.data["key"]) for f in found] == [
        ("SS111", Range((0, 0), end), "authorizations"),
        ("SS111", Range((0, 0), end), "region"),
        ("SS111", Range((0, 0), end), "project_id"),
    ]
    region_only = check(parse("region:\n"), env={})
    missing = {f.data["key"] for f in region_only if f.code == "SS111" and f.data}
    assert missing == {"authorizations", "project_id"}
    assert {f.data["key"] for f in found if f.data} - missing == {"region"}


def test_ss112_wrong_types() -> None:
    code, rng, message = only(HEADER + GOOD_ENTRY.replace("token1", "1234"))
    assert (code, rng, message) == ("SS112", Range((3, 10), (3, 14)),
                                    "`name` must be a string, not a number; put the value in quotes")
    code, rng, message = only(HEADER + GOOD_ENTRY + "    status: normal\n")
    assert (code, rng) == ("SS112", Range((6, 12), (6, 18)))
    assert message == "`status` must be 0 (normal), 1 (overdue) or 2 (unauthenticated), not a string"


def test_ss120_project_id() -> None:
    code, rng, message = only(HEADER.replace("0a1b2c3d4e5f67890a1b2c3d4e5f6789", "0A1B2C3D4E5F67890A1B2C3D4E5F6789")
                              + GOOD_ENTRY)
    assert (code, rng) == ("SS120", Range((0, 12), (0, 44)))
    assert message == "`project_id` must be 32 lowercase hexadecimal characters; it has upper case letters"


@pytest.mark.parametrize("value,why", [
    ("0A1B2C3D4E5F", "12 characters and upper case letters"),
    ("0a1b2c3d4e5f", "12 characters"),
    ("0a1b2c3d4e5f67890a1b2c3d4e5f678g", "characters other than 0-9 and a-f"),
    ("0A1B2C3D4E5F67890A1B2C3D4E5F678G", "upper case letters and characters other than 0-9 and a-f"),
    ("0a1b-2c3d", "9 characters and characters other than 0-9 and a-f"),
    ("'0A1B2C3D4E5F67890A1B2C3D4E5F6789 '", "leading or trailing spaces and upper case letters"),
    ("'x'", "1 character and characters other than 0-9 and a-f"),
])
def test_ss120_gives_every_reason(value: str, why: str) -> None:
    code, _, message = only(HEADER.replace("0a1b2c3d4e5f67890a1b2c3d4e5f6789", value) + GOOD_ENTRY)
    assert (code, message) == ("SS120", f"`project_id` must be 32 lowercase hexadecimal characters; it has {why}")


def test_ss121_region_with_closest() -> None:
    (f,) = check(parse(HEADER.replace("cn-north-4", "cn-nort-4") + GOOD_ENTRY), env=ENV)
    assert (f.code, f.range, f.message) == ("SS121", Range((1, 8), (1, 17)),
                                            "unknown region `cn-nort-4`; did you mean `cn-north-4`?")
    assert f.data == {"fix": "replace-value", "replacement": "cn-north-4"}


@pytest.mark.parametrize("url,ok", [
    ("https://servicestage.example.com", True), ("http://127.0.0.1:8080", True), ("http://localhost", True),
    ("http://[::1]:9", True), ("http://example.com", False), ("ftp://x", False), ("https://", False),
])
def test_ss122_endpoint(url: str, ok: bool) -> None:
    found = findings("project_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789\nendpoint: " + url + "\nauthorizations: []\n")
    assert found == [] if ok else [c for c, _, _ in found] == ["SS122"]


def test_ss130_name_length_and_characters() -> None:
    assert only(HEADER + GOOD_ENTRY.replace("token1", "abc"))[1:] == (
        Range((3, 10), (3, 13)), "`name` must be 4 to 63 characters long; it has 3")
    assert only(HEADER + GOOD_ENTRY.replace("token1", "tok/en"))[2] == (
        "`name` may only contain letters, digits, `.`, `_` and `-`; it contains `/`")


def test_ss131_repeated_name_points_to_the_first() -> None:
    (f,) = check(parse(HEADER + GOOD_ENTRY + GOOD_ENTRY), env=ENV)
    assert (f.code, f.range) == ("SS131", Range((6, 10), (6, 16)))
    assert [r.range for r in f.related] == [Range((3, 10), (3, 16))]


def test_ss132_repo_type_with_closest() -> None:
    (f,) = check(parse(HEADER + GOOD_ENTRY.replace("github", "githib")), env=ENV)
    assert (f.code, f.range) == ("SS132", Range((4, 15), (4, 21)))
    assert f.message == "unsupported repo_type `githib`; did you mean `github`? Allowed: `github`, `gitlab`"
    assert f.data == {"fix": "replace-value", "replacement": "github"}


def test_ss133_gitee_is_a_warning() -> None:
    (f,) = check(parse(HEADER + GOOD_ENTRY.replace("github", "gitee")), env=ENV)
    assert (f.code, f.severity) == ("SS133", Severity.WARNING)


def test_ss140_literal_token_never_in_the_message() -> None:
    literal = "ghp_" + "A" * 36
    (f,) = check(parse(HEADER + GOOD_ENTRY.replace("${GITHUB_TOKEN}", literal)), env=ENV)
    assert (f.code, f.range, f.severity) == ("SS140", Range((5, 11), (5, 51)), Severity.WARNING)
    assert literal not in f.message
    assert f.data == {"fix": "use-env-reference", "variable": "GITHUB_TOKEN"}


def test_ss141_token_of_the_other_repo_type() -> None:
    literal = "glpat-" + "a" * 20
    found = check(parse(HEADER + GOOD_ENTRY.replace("${GITHUB_TOKEN}", literal)), env=ENV)
    assert [(f.code, f.severity) for f in found] == [("SS140", Severity.WARNING), ("SS141", Severity.ERROR)]
    assert all(literal not in f.message for f in found)


def test_ss141_is_a_warning_for_self_managed_gitlab() -> None:
    entry = "  - name: token1\n    repo_type: gitlab\n    token: custom-prefix-123\n    host: https://git.corp.example\n"
    found = check(parse(HEADER + entry), env=ENV)
    assert [(f.code, f.severity) for f in found] == [("SS140", Severity.WARNING), ("SS141", Severity.WARNING)]


def test_ss142_unset_and_malformed_references() -> None:
    code, rng, message = only(HEADER + GOOD_ENTRY, env={})
    assert (code, rng) == ("SS142", Range((5, 11), (5, 26)))
    assert message.startswith("environment variable `GITHUB_TOKEN` is not set")
    code, _, message = only(HEADER + GOOD_ENTRY.replace("${GITHUB_TOKEN}", "$GITHUB_TOKEN"))
    assert code == "SS142" and message.startswith("malformed environment reference")


@pytest.mark.parametrize("variable", ["HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_AUTH_TOKEN",
                                      "HUAWEICLOUD_IAM_PASSWORD", "HUAWEICLOUD_SDK_SECURITY_TOKEN", "AWS_SECRET_ACCESS_KEY",
                                      "AZURE_CLIENT_SECRET", "GOOGLE_APPLICATION_CREDENTIALS", "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
                                      "TENCENTCLOUD_SECRET_KEY", "SERVICESTAGE_EMULATOR_SK", "aws_session_token"])
@pytest.mark.parametrize("env", [{}, "set"], ids=["unset", "set"])
def test_ss144_a_reference_to_a_cloud_credential_variable(variable: str, env: object) -> None:
    environment = {variable: "the-secret-value"} if env == "set" else {}
    (f,) = check(parse(HEADER + GOOD_ENTRY.replace("GITHUB_TOKEN", variable)), env=environment)
    end = 11 + len(variable) + 3
    assert (f.code, f.range, f.severity) == ("SS144", Range((5, 11), (5, end)), Severity.ERROR)
    assert f.message == (f"`${{{variable}}}` is a cloud credential variable, not a repository token: it is never "
                         "sent; put the token in a variable such as `GITHUB_TOKEN` and write `${GITHUB_TOKEN}`")
    assert f.data == {"fix": "use-env-reference", "variable": "GITHUB_TOKEN"}


def test_ss144_on_a_password_entry_too() -> None:
    entry = ("  - name: token1\n    kind: password\n    repo_type: bitbucket\n    user: tom\n"
             "    password: ${HUAWEICLOUD_IAM_PASSWORD}\n")
    (f,) = check(parse(HEADER + entry), env={"HUAWEICLOUD_IAM_PASSWORD": "p"})
    assert (f.code, f.range) == ("SS144", Range((7, 14), (7, 41)))
    assert f.message == ("`${HUAWEICLOUD_IAM_PASSWORD}` is a cloud credential variable, not a repository password: "
                         "it is never sent; put the password in a variable such as `BITBUCKET_PASSWORD` and write "
                         "`${BITBUCKET_PASSWORD}`")


@pytest.mark.parametrize(("value", "end", "intended"), [
    ("$GITHUB_TOKEN", 24, "GITHUB_TOKEN"), ("${GITHUB_TOKEN", 25, "GITHUB_TOKEN"),
    ('"${GITHUB_TOKEN}suffix"', 34, "GITHUB_TOKEN"), ("$HUAWEICLOUD_SDK_SK", 30, None), ("$", 12, None),
])
def test_ss142_a_malformed_reference_is_never_a_literal_and_offers_the_reference(value: str, end: int,
                                                                                 intended: str | None) -> None:
    (f,) = check(parse(HEADER + GOOD_ENTRY.replace("${GITHUB_TOKEN}", value)), env=ENV)
    meant = f"; did you mean `${{{intended}}}`?" if intended else ""
    assert (f.code, f.range, f.severity) == ("SS142", Range((5, 11), (5, end)), Severity.WARNING)
    assert f.message == ("malformed environment reference, never sent as it is; write it as `${NAME}` with a name of "
                         f"letters, digits and `_`{meant}")
    assert f.data == ({"fix": "use-env-reference", "variable": intended} if intended else None)


def test_ss150_host_must_be_https() -> None:
    assert only(HEADER + GOOD_ENTRY + "    host: http://github.com/x\n")[:2] == ("SS150", Range((6, 10), (6, 29)))


def test_ss151_host_of_the_other_repo_type() -> None:
    code, _, message = only(HEADER + GOOD_ENTRY + "    host: https://gitlab.com/x\n")
    assert code == "SS151"
    assert message == "`host` points at https://gitlab.com, the public gitlab host, but `repo_type` is github"


def test_ss160_status_overdue_and_unauthenticated() -> None:
    for status in (1, 2):
        code, rng, _ = only(HEADER + GOOD_ENTRY + f"    status: {status}\n")
        assert (code, rng) == ("SS160", Range((6, 12), (6, 13)))


def test_rule_cache_reuses_unchanged_entries() -> None:
    text = HEADER + GOOD_ENTRY + GOOD_ENTRY.replace("token1", "token2").replace("github", "githib")
    cache = RuleCache()
    first = check(parse(text), cache, ENV)
    kept = dict(cache.entries)
    second = check(parse("# moved down\n" + text), cache, ENV)
    assert [f.range.start[0] + 1 for f in first] == [f.range.start[0] for f in second]
    assert cache.entries.keys() == kept.keys()


def test_ss142_never_repeats_a_token_pasted_into_a_reference() -> None:
    pasted = "ghp_" + "P4st3d" * 6
    code, _, message = only(HEADER + ENTRY_WITH_TOKEN.format(token="${" + pasted + "}"))
    assert code == "SS142" and pasted not in message and "GITHUB_TOKEN" in message


def test_create_refuses_a_token_pasted_into_a_reference_without_repeating_it() -> None:
    from servicestage_ls.engine.actions import Refused, prepare

    pasted = "ghp_" + "P4st3d" * 6
    model = parse(HEADER + ENTRY_WITH_TOKEN.format(token="${" + pasted + "}"))
    try:
        prepare(model, model.entries[0], ENV)
    except Refused as refused:
        assert pasted not in str(refused) and "looks like a token" in str(refused)
    else:
        raise AssertionError("a pasted token was accepted as a reference")


ENTRY_WITH_TOKEN = "  - name: token1\n    repo_type: github\n    token: {token}\n"


GHP = "ghp_" + "A1b2C3d4E5" * 3 + "f6G7h8"  # 36 characters after the prefix: the shape of a classic GitHub token
GLPAT = "glpat-" + "x1Y2z3W4v5" * 2


@pytest.mark.parametrize("text,rng", [
    (HEADER + GOOD_ENTRY.replace("token1", GHP), Range((3, 10), (3, 50))),  # a name
    (HEADER + GOOD_ENTRY.replace("repo_type: github", f"repo_type: {GHP}"), Range((4, 15), (4, 55))),
    (HEADER + GOOD_ENTRY + f"    {GHP}: x\n", Range((6, 4), (6, 44))),  # a key
    (HEADER + GOOD_ENTRY + f"    host: https://github.com/{GHP}/x\n", Range((6, 29), (6, 69))),
    (HEADER + GOOD_ENTRY + f"    repo_user: '{GLPAT}'\n", Range((6, 16), (6, 42))),
    (HEADER + GOOD_ENTRY + f"    # old token {GHP}\n", Range((6, 16), (6, 56))),  # a comment
    (f"# {GLPAT}\n" + HEADER + GOOD_ENTRY, Range((0, 2), (0, 28))),
    (HEADER.replace("cn-north-4", GHP) + GOOD_ENTRY, Range((1, 8), (1, 48))),  # a top-level value
    (HEADER + GOOD_ENTRY + f"  - name: [broken\n    token: {GHP}\n    host: {GHP}\n", Range((8, 10), (8, 50))),
])
def test_ss143_token_shaped_text_outside_token_is_a_finding_and_never_printed(text: str, rng: Range) -> None:
    found = check(parse(text), env=ENV)
    assert [f.range for f in found if f.code == "SS143"] == [rng]
    (f,) = [f for f in found if f.code == "SS143"]
    kind = "gitlab" if GLPAT in text else "github"
    prefix = "glpat-" if GLPAT in text else "ghp_"
    variable = "GITLAB_TOKEN" if GLPAT in text else "GITHUB_TOKEN"
    assert (f.severity, f.message) == (Severity.ERROR, (
        f"this looks like a {kind} token (`{prefix}…`) outside `token`: a secret in a file that is committed; "
        f"remove it (and revoke the token) — a token belongs in the environment, referenced from an entry's "
        f"`token` as `${{{variable}}}`"))
    for each in found:
        assert GHP not in each.message and GLPAT not in each.message
        assert all(GHP not in r.message for r in each.related)


def test_other_rules_quote_token_shaped_text_redacted() -> None:
    found = check(parse(HEADER + GOOD_ENTRY.replace("repo_type: github", f"repo_type: {GHP}")), env=ENV)
    assert [(f.code, f.message) for f in found if f.code != "SS143"] == [
        ("SS132", "unsupported repo_type `ghp_…`; allowed: `github`, `gitlab`")]
    found = check(parse(HEADER + GOOD_ENTRY + f"    {GHP}: x\n    {GHP}: y\n"), env=ENV)
    assert [(f.code, f.message) for f in found if f.code not in ("SS143", "SS101")] == [
        ("SS110", "unknown key `ghp_…` in an entry; allowed: `name`, `repo_type`, `token`, `host`, `kind`, `user`, "
         "`password`, `tag`, `repo_user`, "
                  "`status`, `repo_host`, `repo_home`, `avartar`, `token_type`, `create_time`, `update_time`"),
        ("SS110", "unknown key `ghp_…` in an entry; allowed: `name`, `repo_type`, `token`, `host`, `kind`, `user`, "
         "`password`, `tag`, `repo_user`, "
                  "`status`, `repo_host`, `repo_home`, `avartar`, `token_type`, `create_time`, `update_time`")]
    (dup,) = [f for f in found if f.code == "SS101"]
    assert dup.message.startswith("duplicate key `ghp_…` in this entry")
    assert [r.message for r in dup.related] == ["`ghp_…` first set here"]


def test_a_token_in_its_place_is_not_ss143() -> None:
    for value in (GHP, f"'{GHP}'", f'"{GHP}"'):
        found = check(parse(HEADER + GOOD_ENTRY.replace("${GITHUB_TOKEN}", value)), env=ENV)
        assert [f.code for f in found] == ["SS140"]
    found = check(parse(HEADER + "  - {name: flow-entry, repo_type: github, token: " + GHP + "}\n"), env=ENV)
    assert [f.code for f in found] == ["SS140"]
    found = check(parse(HEADER + GOOD_ENTRY.replace("${GITHUB_TOKEN}", "${" + GHP + "}")), env=ENV)
    assert [f.code for f in found] == ["SS142"]


@pytest.mark.parametrize("text,rng", [
    (HEADER + "  - name: token1\n\trepo_type: github\n", Range((4, 0), (4, 1))),
    (HEADER + "\t- name: token1\n", Range((3, 0), (3, 1))),
    ("authorizations:\n  - name: token1\n    repo_type: github\n  \t token: x\n", Range((3, 2), (3, 3))),
    ("\tregion: cn-north-4\nauthorizations: []\n", Range((0, 0), (0, 1))),
])
def test_ss100_a_tab_used_for_indentation_says_so(text: str, rng: Range) -> None:
    (f,) = [f for f in check(parse(text), env=ENV) if f.code == "SS100"]
    assert (f.range, f.message) == (rng, "YAML syntax error: a tab is used for indentation; YAML indents with spaces "
                                         "only — replace the tab with spaces")


@pytest.mark.parametrize("text,reference,where", [
    (HEADER + "  - {name: token1, repo_type: github, token: ${GITHUB_TOKEN}}\n", "${GITHUB_TOKEN}",
     "a flow mapping (`{…}`)"),
    (HEADER + "  - {name: token1, token: ${GITHUB_TOKEN}, repo_type: github}\n", "${GITHUB_TOKEN}",
     "a flow mapping (`{…}`)"),
    ("region: cn-north-4\nauthorizations: [{name: token1, token: ${X}}]\n", "${X}", "a flow mapping (`{…}`)"),
    ("region: cn-north-4\nx-tokens: [${X}, b]\nauthorizations: []\n", "${X}", "a flow list (`[…]`)"),
])
def test_ss100_an_unquoted_reference_in_a_flow_collection_says_to_quote_it(text: str, reference: str,
                                                                             where: str) -> None:
    line = next(i for i, t in enumerate(text.split("\n")) if "${" in t)
    col = text.split("\n")[line].index("${")
    (f,) = [f for f in check(parse(text), env=ENV) if f.code == "SS100"]
    assert (f.range, f.message) == (Range((line, col), (line, col + len(reference))),
                                    f"YAML syntax error: an unquoted `${{…}}` inside {where}: YAML reads its braces "
                                    f"as a mapping — quote it: `\"{reference}\"`")


def test_ss100_other_syntax_errors_keep_the_parsers_words() -> None:
    (f,) = [f for f in check(parse(HEADER + "  - name: [token1\n"), env=ENV) if f.code == "SS100"]
    assert f.message.startswith("YAML syntax error: while parsing a flow sequence")
    (f,) = [f for f in check(parse(HEADER + "  - {name: a b c d, x: {y}\n"), env=ENV) if f.code == "SS100"]
    assert "tab" not in f.message and "unquoted" not in f.message


# --- merge keys, extension fields, aliases (YAML's reuse features) ------------------------------------------

DEFAULTS = 'x-defaults: &defaults {repo_type: github, token: "${GITHUB_TOKEN}"}\n'


@pytest.mark.parametrize("text", [
    DEFAULTS + HEADER + "  - <<: *defaults\n    name: token1\n",
    DEFAULTS + HEADER + "  - name: token1\n    <<: *defaults\n",
    DEFAULTS + HEADER + "  - {<<: *defaults, name: token1}\n",
    "x-a: &a {repo_type: github}\nx-b: &b {token: \"${GITHUB_TOKEN}\", repo_type: gitlab}\n" + HEADER
    + "  - <<: [*a, *b]\n    name: token1\n",  # the first mapping of a list wins
    HEADER + "  - <<: {repo_type: github, token: \"${GITHUB_TOKEN}\"}\n    name: token1\n",
    DEFAULTS + HEADER + "  - <<: *defaults\n    name: token1\n    repo_type: github\n",  # the entry's own key wins
    DEFAULTS + HEADER + GOOD_ENTRY + "  - <<: *defaults\n    name: token2\n",
])
def test_merge_keys_and_extension_fields_are_accepted(text: str) -> None:
    assert findings(text) == []


def test_merged_keys_count_and_their_problems_point_at_the_merge_key() -> None:
    text = 'x-bad: &bad {repo_type: githib, tokn: "${GITHUB_TOKEN}"}\n' + HEADER + "  - <<: *bad\n    name: token1\n"
    found = check(parse(text), env=ENV)
    assert [(f.code, f.range, f.message, f.data) for f in found] == [
        ("SS110", Range((4, 4), (4, 6)), "unknown key `tokn` merged into this entry with `<<`; allowed: `name`, "
         "`repo_type`, `token`, `host`, `kind`, `user`, `password`, `tag`, `repo_user`, `status`, `repo_host`, `repo_home`, `avartar`, `token_type`, "
         "`create_time`, `update_time`", None),
        ("SS111", Range((4, 4), (4, 6)), "missing required key `token` in this entry",
         {"fix": "insert-key", "key": "token", "value": "${REPO_TOKEN}", "scope": "entry"}),
        ("SS132", Range((4, 4), (4, 6)), "unsupported repo_type `githib`; did you mean `github`? Allowed: `github`, "
         "`gitlab` (merged with `<<`)", None),
    ]
    (f,) = check(parse(HEADER + "  - <<: 5\n    name: token1\n    repo_type: github\n    token: ${GITHUB_TOKEN}\n"),
                 env=ENV)
    assert (f.code, f.range, f.message) == ("SS102", Range((3, 8), (3, 9)), "a merge key `<<` takes a mapping or a "
                                            "list of mappings (`<<: *defaults`), not a number")


def test_merged_values_are_what_create_sends() -> None:
    model = parse(DEFAULTS + HEADER + "  - <<: *defaults\n    name: token1\n")
    (entry,) = model.entries
    assert (entry.name, entry.value_of("repo_type"), entry.value_of("token")) == ("token1", "github",
                                                                                  "${GITHUB_TOKEN}")


def test_extension_fields_are_ignored_but_other_unknown_keys_are_not() -> None:
    assert findings("x-anything: [1, {a: b}]\nx-: 1\n" + HEADER + GOOD_ENTRY) == []
    code, rng, _ = only("xdefaults: 1\n" + HEADER + GOOD_ENTRY)
    assert (code, rng) == ("SS110", Range((0, 0), (0, 9)))
    code, rng, _ = only(HEADER + GOOD_ENTRY + "    x-note: 1\n")  # extension fields are top-level only
    assert (code, rng) == ("SS110", Range((6, 4), (6, 10)))


def test_ss131_on_the_alias_of_a_repeated_entry() -> None:
    text = HEADER + '  - &e {name: token1, repo_type: github, token: "${GITHUB_TOKEN}"}\n  - *e\n  -   *e  # again\n'
    found = check(parse(text), env=ENV)
    assert [(f.code, f.range, [(r.range, r.message) for r in f.related]) for f in found] == [
        ("SS131", Range((4, 4), (4, 6)), [(Range((3, 14), (3, 20)), "first used here")]),
        ("SS131", Range((5, 6), (5, 8)), [(Range((3, 14), (3, 20)), "first used here")]),
    ]
    line = 'authorizations: [&e {name: token1, repo_type: github, token: "${GITHUB_TOKEN}"}, *e]'
    flow = check(parse(f"region: cn-north-4\n{line}\n"), env=ENV)
    assert [(f.code, f.range) for f in flow] == [("SS131", Range((1, line.index("*e")), (1, line.index("*e") + 2)))]


def test_an_entry_that_is_an_alias_of_an_extension_field_is_checked_once() -> None:
    text = "x-e: &e {name: token1, repo_type: githib, token: x}\n" + HEADER + "  - *e\n  - *e\n"
    found = check(parse(text), env={})
    assert [(f.code, f.range) for f in found] == [
        ("SS132", Range((0, 34), (0, 40))), ("SS140", Range((0, 49), (0, 50))), ("SS131", Range((5, 4), (5, 6)))]


@pytest.mark.parametrize("broken", [
    "  - name: [broken\n",  # an entry
    "  - name: token9\n\trepo_type: github\n",  # a tab
])
def test_an_unrelated_syntax_error_does_not_turn_aliases_into_undefined_alias_errors(broken: str) -> None:
    text = DEFAULTS + HEADER + "  - <<: *defaults\n    name: token1\n" + broken + "  - <<: *defaults\n    name: token2\n"
    found = check(parse(text), env=ENV)
    assert [f.code for f in found] == ["SS100"]
    assert "alias" not in found[0].message
    assert found[0].range.start[0] in (6, 7)
    model = parse(text)
    assert [(e.name, e.first_line, e.node is None) for e in model.entries] == [
        ("token1", 4, False), (None, 6, True), ("token2", 6 + broken.count("\n"), False)]
    top_broken = DEFAULTS + "endpoint: [\n" + HEADER + "  - <<: *defaults\n    name: token1\n"
    assert [f.code for f in check(parse(top_broken), env=ENV)] == ["SS100"]


# --- the kinds of entry ----------------------------------------------------------------------------------------

KIND_ENV = {**ENV, "BITBUCKET_PASSWORD": "p", "DEVCLOUD_PASSWORD": "q"}
PASSWORD_ENTRY = ("  - name: pw-one\n    kind: password\n    repo_type: bitbucket\n    user: tom\n"
                  "    password: ${BITBUCKET_PASSWORD}\n")
OAUTH_ENTRY = "  - name: oauth-one\n    kind: oauth\n    repo_type: devcloud\n    tag: intl\n"


def kind_findings(entry: str) -> list[tuple[str, Range, str, dict[str, object] | None]]:
    return [(f.code, f.range, f.message, f.data) for f in check(parse(HEADER + entry), env=KIND_ENV)]


def test_every_kind_of_entry_is_valid_as_written() -> None:
    assert kind_findings(PASSWORD_ENTRY + OAUTH_ENTRY + GOOD_ENTRY.replace("token1", "token2")
                         + "  - name: token3\n    kind: personal\n    repo_type: gitlab\n"
                           "    token: ${GITLAB_TOKEN}\n"
                         + "  - name: devcloud-pw\n    kind: password\n    repo_type: devcloud\n"
                           "    user: my-domain/my-tenant\n    password: ${DEVCLOUD_PASSWORD}\n") == []


def test_ss134_a_repo_type_the_kind_does_not_have() -> None:
    assert kind_findings("  - name: token1\n    repo_type: bitbucket\n    token: ${GITHUB_TOKEN}\n") == [
        ("SS134", Range((4, 15), (4, 24)), "`repo_type: bitbucket` is not available for a personal-token entry "
         "(the default without `kind`): bitbucket takes `kind: password` or `kind: oauth`; a personal-token entry "
         "takes `github`, `gitlab`",
         {"fix": "kind-or-repo-type", "kinds": ["password", "oauth"], "repo_types": ["github", "gitlab"]})]
    assert kind_findings(PASSWORD_ENTRY.replace("bitbucket", "github")) == [
        ("SS134", Range((5, 15), (5, 21)), "`repo_type: github` is not available for a password entry: github "
         "takes `kind: personal` or `kind: oauth`; a password entry takes `devcloud`, `bitbucket`",
         {"fix": "kind-or-repo-type", "kinds": ["personal", "oauth"], "repo_types": ["devcloud", "bitbucket"]})]


def test_ss132_and_ss133_follow_the_kind() -> None:
    assert kind_findings(OAUTH_ENTRY.replace("devcloud", "bitbuket")) == [
        ("SS132", Range((5, 15), (5, 23)), "unsupported repo_type `bitbuket`; did you mean `bitbucket`? Allowed: "
         "`github`, `gitlab`, `bitbucket`, `devcloud`", {"fix": "replace-value", "replacement": "bitbucket"})]
    assert kind_findings(OAUTH_ENTRY.replace("devcloud", "gitee")) == [
        ("SS133", Range((5, 15), (5, 20)), "`repo_type: gitee` is only supported on ServiceStage's Chinese site; "
         "the international API accepts `github`, `gitlab`, `bitbucket`, `devcloud`", None)]


def test_ss135_unknown_kind_and_what_people_call_it() -> None:
    assert kind_findings("  - name: oauth-one\n    kind: oath\n    repo_type: github\n") == [
        ("SS135", Range((4, 10), (4, 14)), "unknown kind `oath`; did you mean `oauth`? A kind is `personal` (the "
         "default), `password` or `oauth`", {"fix": "replace-value", "replacement": "oauth"})]
    assert kind_findings(GOOD_ENTRY + "    kind: token\n") == [
        ("SS135", Range((6, 10), (6, 15)), "unknown kind `token`; did you mean `personal`? A kind is `personal` "
         "(the default), `password` or `oauth`", {"fix": "replace-value", "replacement": "personal"})]
    assert kind_findings(GOOD_ENTRY + "    kind: ssh-key\n") == [
        ("SS135", Range((6, 10), (6, 17)), "unknown kind `ssh-key`; a kind is `personal` (the default), "
         "`password` or `oauth`", None)]
    assert kind_findings(GOOD_ENTRY + "    kind: 42\n") == [
        ("SS112", Range((6, 10), (6, 12)), "`kind` must be a string, not a number; put the value in quotes", None)]


def test_ss136_keys_of_another_kind() -> None:
    assert kind_findings(PASSWORD_ENTRY.replace("    password: ${BITBUCKET_PASSWORD}\n",
                                                "    token: ${BITBUCKET_PASSWORD}\n")) == [
        ("SS111", Range((3, 4), (3, 8)), "missing required key `password` in this entry",
         {"fix": "insert-key", "key": "password", "value": "${BITBUCKET_PASSWORD}", "scope": "entry"}),
        ("SS136", Range((7, 4), (7, 9)), "`token` is a key of a personal-token entry, not of a password entry: a "
         "password entry holds `user` and `password`; rename `token` to `password`",
         {"fix": "rename-key", "replacement": "password"})]
    assert kind_findings(OAUTH_ENTRY + "    token: ${GITHUB_TOKEN}\n    host: https://github.com\n") == [
        ("SS136", Range((7, 4), (7, 9)), "`token` is a key of a personal-token entry, not of an OAuth entry: an "
         "OAuth entry holds no secret (ServiceStage keeps the grant made in the browser); remove it", None),
        ("SS136", Range((8, 4), (8, 8)), "`host` is a key of a personal-token entry, not of an OAuth entry; "
         "remove it", None)]
    assert kind_findings(GOOD_ENTRY + "    tag: intl\n") == [
        ("SS136", Range((6, 4), (6, 7)), "`tag` is a key of an OAuth entry, not of a personal-token entry (the "
         "default without `kind`): add `kind: oauth`, or remove `tag`",
         {"fix": "insert-key", "key": "kind", "value": "oauth", "scope": "entry"})]


def test_ss136_a_key_merged_from_an_anchor_is_reported_on_the_merge_key() -> None:
    text = ("x-pw: &pw {user: tom}\n" + HEADER + "  - <<: *pw\n    name: token1\n    repo_type: github\n"
            "    token: ${GITHUB_TOKEN}\n")
    assert [(f.code, f.range, f.message, f.data) for f in check(parse(text), env=KIND_ENV)] == [
        ("SS136", Range((4, 4), (4, 6)), "`user` is a key of a password entry, not of a personal-token entry (the "
         "default without `kind`): add `kind: password`, or remove `user` (merged with `<<`)", None)]


def test_ss137_a_devcloud_user_is_domain_slash_tenant() -> None:
    entry = PASSWORD_ENTRY.replace("bitbucket", "devcloud").replace("BITBUCKET", "DEVCLOUD")
    assert kind_findings(entry) == [
        ("SS137", Range((6, 10), (6, 13)), "a devcloud `user` is `{domain name}/{tenant name}`: two parts without "
         "blanks around one `/` (e.g. `my-domain/my-tenant`)", None)]
    assert kind_findings(entry.replace("user: tom", "user: a/b/c"))[0][0] == "SS137"
    assert kind_findings(entry.replace("user: tom", "user: dom/tenant")) == []
    assert kind_findings(PASSWORD_ENTRY.replace("user: tom", "user: ''")) == [
        ("SS112", Range((6, 10), (6, 12)), "`user` is empty; write the repository user (`my-user`)", None)]


def test_password_entries_need_user_and_password_oauth_entries_nothing_secret() -> None:
    assert kind_findings("  - name: pw-one\n    kind: password\n    repo_type: devcloud\n") == [
        ("SS111", Range((3, 4), (3, 8)), "missing required key `user` in this entry",
         {"fix": "insert-key", "key": "user", "value": "my-domain/my-tenant", "scope": "entry"}),
        ("SS111", Range((3, 4), (3, 8)), "missing required key `password` in this entry",
         {"fix": "insert-key", "key": "password", "value": "${DEVCLOUD_PASSWORD}", "scope": "entry"})]
    assert kind_findings("  - name: oauth-one\n    kind: oauth\n    repo_type: github\n") == []


def test_a_password_has_every_rule_a_token_has_and_is_never_repeated() -> None:
    literal = PASSWORD_ENTRY.replace("${BITBUCKET_PASSWORD}", "hunter2-secret")
    found = kind_findings(literal)
    assert found == [
        ("SS140", Range((7, 14), (7, 28)), "the password is written in the file: a plaintext secret in a file that "
         "is committed; use a reference such as `${BITBUCKET_PASSWORD}` and set BITBUCKET_PASSWORD in the "
         "environment", {"fix": "use-env-reference", "variable": "BITBUCKET_PASSWORD"})]
    assert "hunter2" not in repr(found)
    assert kind_findings(PASSWORD_ENTRY.replace("BITBUCKET_PASSWORD", "NOPE_PASSWORD")) == [
        ("SS142", Range((7, 14), (7, 30)), "environment variable `NOPE_PASSWORD` is not set; set it where the "
         "language server (or `servicestage-ls create`) runs", {"variable": "NOPE_PASSWORD", "unset": True})]
    assert kind_findings(PASSWORD_ENTRY.replace("${BITBUCKET_PASSWORD}", "$BITBUCKET_PASSWORD"))[0][::2] == (
        "SS142", "malformed environment reference, never sent as it is; write it as `${NAME}` with a name of letters, "
        "digits and `_`; did you mean `${BITBUCKET_PASSWORD}`?")
    assert kind_findings(PASSWORD_ENTRY.replace("${BITBUCKET_PASSWORD}", "''")) == [
        ("SS112", Range((7, 14), (7, 16)), "`password` is empty; write a reference such as `${BITBUCKET_PASSWORD}`",
         None)]
    pasted = kind_findings(PASSWORD_ENTRY.replace("BITBUCKET_PASSWORD", GHP))
    assert [(code, message) for code, _, message, _ in pasted] == [
        ("SS142", "the reference holds what looks like a GitHub token, not the name of an environment variable; put "
         "the password in a variable such as `BITBUCKET_PASSWORD` and write `${BITBUCKET_PASSWORD}`")]


def test_token_shaped_text_in_a_password_is_its_literal_not_ss143() -> None:
    found = kind_findings(PASSWORD_ENTRY.replace("${BITBUCKET_PASSWORD}", GHP))
    assert [code for code, *_ in found] == ["SS140"]
    assert GHP not in repr(found)


def test_ss123_an_endpoint_the_user_has_not_trusted() -> None:
    """Not from ``check`` (the text alone cannot tell): the server adds it with its settings' trusted hosts."""
    from servicestage_ls.core.rules.top import untrusted_endpoint

    text = HEADER.replace("region: cn-north-4\n", "region: cn-north-4\nendpoint: https://Capture.Test:8443/api\n")
    (f,) = untrusted_endpoint(parse(text), (), {})
    assert (f.code, f.range, f.severity) == ("SS123", Range((2, 10), (2, 39)), Severity.WARNING)
    assert f.message == (
        "the endpoint's host capture.test:8443 is not trusted to receive your credentials: nothing is sent to it "
        "until you trust it with the user setting servicestage.trustedEndpoints (trustedEndpoints in the client's "
        "initializationOptions) or SERVICESTAGE_TRUSTED_ENDPOINTS=capture.test:8443 in the language server's "
        "environment")
    assert untrusted_endpoint(parse(text), ("capture.test:8443",), {}) == []
    assert untrusted_endpoint(parse(text), (), {"SERVICESTAGE_TRUSTED_ENDPOINTS": "other.test, capture.test"}) == []
    assert untrusted_endpoint(parse(text), ("capture.test:443",), {})[0].code == "SS123"  # another port
    trusted = HEADER + "endpoint: https://servicestage.cn-north-4.myhuaweicloud.com\n"
    assert untrusted_endpoint(parse(trusted), (), {}) == []
    assert untrusted_endpoint(parse(HEADER + "endpoint: http://capture.test\n"), (), {}) == []  # SS122's
    assert untrusted_endpoint(parse(HEADER), (), {}) == []


def test_ss160_speaks_the_kinds_words() -> None:
    assert [(c, m) for c, _, m, _ in kind_findings(PASSWORD_ENTRY + "    repo_user: tom\n    status: 2\n")] == [
        ("SS160", "status 2: unauthenticated: the repository rejected the user or the password; set the right "
                  "password and rotate it.")]
    assert [(c, m) for c, _, m, _ in kind_findings(OAUTH_ENTRY + "    repo_user: tom\n    status: 1\n")] == [
        ("SS160", "status 1: overdue: the OAuth grant expired; authorize it again in the browser.")]
