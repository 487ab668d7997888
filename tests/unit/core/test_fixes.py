"""Quick fixes: each applied to the text re-validates without its finding and without a new error."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from servicestage_ls.core import document, rules
from servicestage_ls.core.fixes import Fix, TextEdit, fixes_for
from servicestage_ls.core.model import Range, split_lines
from servicestage_ls.core.schema import Severity

ENV: dict[str, str] = {}  # the server's environment in these tests: nothing is set
HEAD = "project_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789\nregion: cn-north-4\nauthorizations:\n"


def apply(text: str, edits: Iterable[TextEdit]) -> str:
    """Apply edits (code-point ranges) from the last to the first."""
    starts = split_lines(text)[1]
    for edit in sorted(edits, key=lambda e: e.range.start, reverse=True):
        start = starts[edit.range.start[0]] + edit.range.start[1]
        end = starts[edit.range.end[0]] + edit.range.end[1]
        text = text[:start] + edit.new_text + text[end:]
    return text


def fix_first(text: str, code: str) -> tuple[Fix, str]:
    """Fix the first finding with ``code``; check the result re-validates as promised; return fix and text."""
    model = document.parse(text)
    before = rules.check(model, env=ENV)
    targets = [f for f in before if f.code == code]
    assert targets, f"no {code} in {[f.code for f in before]}"
    found = fixes_for(model, code, targets[0].range, targets[0].data)
    assert len(found) == 1
    after_text = apply(text, found[0].edits)
    after = rules.check(document.parse(after_text), env=ENV)
    assert sum(f.code == code for f in after) == len(targets) - 1
    errors_before = Counter((f.code, f.message) for f in before if f.severity == Severity.ERROR)
    errors_after = Counter((f.code, f.message) for f in after if f.severity == Severity.ERROR)
    assert not errors_after - errors_before, errors_after - errors_before
    assert not any(f.code == "SS100" for f in after)
    return found[0], after_text


def test_rename_unknown_key() -> None:
    text = HEAD + "  - name: token1\n    repo_type: github\n    token: ${GITHUB_TOKEN}\n    avatar: x\n"
    fix, after = fix_first(text, "SS110")
    assert fix.title == "Rename 'avatar' to 'avartar'"
    assert fix.code == "SS110"
    assert fix.preferred is True
    assert fix.edits == (TextEdit(Range((6, 4), (6, 10)), "avartar"),)
    assert after == HEAD + "  - name: token1\n    repo_type: github\n    token: ${GITHUB_TOKEN}\n    avartar: x\n"


def test_replace_region() -> None:
    fix, after = fix_first("project_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789\nregion: cn-nrth-4\nauthorizations: []\n",
                           "SS121")
    assert fix.title == "Change to 'cn-north-4'"
    assert fix.preferred is True
    assert after == "project_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789\nregion: cn-north-4\nauthorizations: []\n"


def test_replace_repo_type_after_cjk_and_emoji() -> None:
    text = HEAD + "  - {name: 名前🎉ab, repo_type: githb, token: \"${GITHUB_TOKEN}\"}\n"
    fix, after = fix_first(text, "SS132")
    assert fix.title == "Change to 'github'"
    assert fix.edits == (TextEdit(Range((3, 29), (3, 34)), "github"),)
    assert after == HEAD + "  - {name: 名前🎉ab, repo_type: github, token: \"${GITHUB_TOKEN}\"}\n"


def test_insert_missing_token_after_the_entry_last_key_line() -> None:
    text = HEAD + "  - name: token1\n    repo_type: gitlab  # self-managed\n  - name: token2\n" \
        "    repo_type: github\n    token: ${GITHUB_TOKEN}\n"
    fix, after = fix_first(text, "SS111")
    assert fix.title == "Add 'token: ${GITLAB_TOKEN}'"
    assert fix.preferred is False
    assert after == HEAD + "  - name: token1\n    repo_type: gitlab  # self-managed\n    token: ${GITLAB_TOKEN}\n" \
        "  - name: token2\n    repo_type: github\n    token: ${GITHUB_TOKEN}\n"


def test_insert_missing_keys_one_after_another_at_the_end_of_the_file() -> None:
    text = HEAD + "  - repo_type: github"
    _, after = fix_first(text, "SS111")
    assert after == HEAD + "  - repo_type: github\n    name: my-authorization"
    _, after = fix_first(after, "SS111")
    assert after == HEAD + "  - repo_type: github\n    name: my-authorization\n    token: ${GITHUB_TOKEN}"


def test_insert_into_a_flow_entry_quotes_the_reference() -> None:
    text = HEAD + "  - {name: abcd, repo_type: github}\n"
    fix, after = fix_first(text, "SS111")
    assert fix.edits == (TextEdit(Range((3, 34), (3, 34)), ', token: "${GITHUB_TOKEN}"'),)
    assert after == HEAD + '  - {name: abcd, repo_type: github, token: "${GITHUB_TOKEN}"}\n'


def test_insert_into_a_flow_entry_with_a_trailing_comma_and_blank() -> None:
    _, after = fix_first(HEAD + "  - {name: abcd, repo_type: github, }\n", "SS111")
    assert after == HEAD + '  - {name: abcd, repo_type: github, token: "${GITHUB_TOKEN}" }\n'


def test_insert_keeps_crlf() -> None:
    text = HEAD.replace("\n", "\r\n") + "  - name: token1\r\n    token: ${GITHUB_TOKEN}\r\n"
    _, after = fix_first(text, "SS111")
    assert after == HEAD.replace("\n", "\r\n") + \
        "  - name: token1\r\n    token: ${GITHUB_TOKEN}\r\n    repo_type: github\r\n"


def test_insert_top_level_keys() -> None:
    text = "# my file\nproject_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789\nendpoint_x: 1\n"
    model = document.parse(text)
    titles = {f.data["key"]: f for f in rules.check(model, env=ENV) if f.code == "SS111" and f.data}
    assert set(titles) == {"authorizations", "region"}
    _, after = fix_first(text, "SS111")
    assert after == text + "authorizations: []\n"
    _, after = fix_first(after, "SS111")
    assert after == ("# my file\nproject_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789\nregion: cn-north-4\nendpoint_x: 1\n"
                     "authorizations: []\n")


def test_insert_project_id_before_the_first_key_and_authorizations_without_final_line_break() -> None:
    text = "# my file\r\nendpoint: http://127.0.0.1:8080"
    _, after = fix_first(text, "SS111")
    assert after == "# my file\r\nendpoint: http://127.0.0.1:8080\r\nauthorizations: []"
    _, after = fix_first(after, "SS111")
    assert after == "# my file\r\nproject_id: 00000000000000000000000000000000\r\nendpoint: http://127.0.0.1:8080" \
        "\r\nauthorizations: []"


def test_literal_token_becomes_a_reference() -> None:
    secret = "glpat-" + "abcdefghij" * 3
    text = HEAD + f"  - name: token1\n    repo_type: gitlab\n    token: {secret}  # oops\n"
    fix, after = fix_first(text, "SS140")
    assert fix.title == "Use ${GITLAB_TOKEN} from the environment"
    assert fix.edits == (TextEdit(Range((5, 11), (5, 11 + len(secret))), "${GITLAB_TOKEN}"),)
    assert after == HEAD + "  - name: token1\n    repo_type: gitlab\n    token: ${GITLAB_TOKEN}  # oops\n"
    assert secret not in repr(fix)


def test_literal_token_in_a_flow_entry_becomes_a_quoted_reference() -> None:
    text = HEAD + "  - {name: token1, repo_type: github, token: 'ghp_" + "a" * 36 + "'}\n"
    _, after = fix_first(text, "SS140")
    assert after == HEAD + '  - {name: token1, repo_type: github, token: "${GITHUB_TOKEN}"}\n'


def test_no_fix_without_data_for_another_code_or_for_a_stale_range() -> None:
    model = document.parse(HEAD + "  - name: token1\n    avatar: x\n")
    data = {"fix": "rename-key", "replacement": "avartar"}
    assert fixes_for(model, "SS110", Range((4, 4), (4, 10)), None) == []
    assert fixes_for(model, "SS132", Range((4, 4), (4, 10)), data) == []
    assert fixes_for(model, "SS110", Range((40, 4), (40, 10)), data) == []
    assert fixes_for(model, "SS110", Range((4, 4), (4, 99)), data) == []
    assert fixes_for(model, "SS142", Range((4, 4), (4, 10)), {"variable": "X"}) == []
    assert fixes_for(model, "SS111", Range((3, 4), (3, 8)), {"fix": "insert-key", "key": "name", "value": "x",
                                                             "scope": "entry"}) == []


def test_a_malformed_reference_is_fixed_to_the_reference_it_meant() -> None:
    for value in ("$GITHUB_TOKEN", "${GITHUB_TOKEN", '"${GITHUB_TOKEN}suffix"'):
        text = HEAD + f"  - name: token1\n    repo_type: github\n    token: {value}\n"
        model = document.parse(text)
        (target,) = [f for f in rules.check(model, env=ENV) if f.code == "SS142" and "malformed" in f.message]
        (fix,) = fixes_for(model, "SS142", target.range, target.data)
        assert fix.title == "Use ${GITHUB_TOKEN} from the environment"
        assert apply(text, fix.edits) == HEAD + "  - name: token1\n    repo_type: github\n    token: ${GITHUB_TOKEN}\n"


def test_a_credential_reference_is_fixed_to_the_repo_types_variable() -> None:
    text = HEAD + "  - name: token1\n    repo_type: gitlab\n    token: ${HUAWEICLOUD_SDK_SK}\n"
    fix, after = fix_first(text, "SS144")
    assert fix.title == "Use ${GITLAB_TOKEN} from the environment"
    assert after == HEAD + "  - name: token1\n    repo_type: gitlab\n    token: ${GITLAB_TOKEN}\n"
