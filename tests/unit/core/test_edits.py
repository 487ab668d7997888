"""``writeback_edits``: repo_user and status written into one entry, everything else byte for byte."""

from __future__ import annotations

import pytest

from servicestage_ls.core.document import parse
from servicestage_ls.core.edits import apply_edits, status_value, writeback_edits

HEAD = "region: cn-north-4\nproject_id: p\nauthorizations:\n"


def _written(text: str, repo_user: str | None, status: int | None, index: int = 0) -> str:
    model = parse(text)
    return apply_edits(model, writeback_edits(model, model.entries[index], repo_user, status))


def test_missing_keys_go_after_the_last_key_with_the_entry_indentation() -> None:
    text = HEAD + "  - name: web\n    repo_type: github\n    token: ${GITHUB_TOKEN}\n  - name: next\n"
    assert _written(text, "tom", 0) == HEAD + (
        "  - name: web\n    repo_type: github\n    token: ${GITHUB_TOKEN}\n    repo_user: tom\n"
        "    status: 0  # normal\n  - name: next\n")


def test_existing_values_are_replaced_in_place_and_the_status_comment_follows() -> None:
    text = HEAD + "  - name: web\n    repo_user: old   # mine\n    status: 0  # normal\n    host: h\n"
    assert _written(text, "new-user", 2) == HEAD + (
        "  - name: web\n    repo_user: new-user   # mine\n    status: 2  # unauthenticated\n    host: h\n")


def test_the_users_own_comment_after_status_stays() -> None:
    text = HEAD + "  - name: web\n    status: 0 # checked by Ann\n"
    assert _written(text, None, 1) == HEAD + "  - name: web\n    status: 1 # checked by Ann\n"


def test_values_already_there_give_no_edit() -> None:
    model = parse(HEAD + "  - name: web\n    repo_user: tom\n    status: 0\n")
    assert writeback_edits(model, model.entries[0], "tom", 0) == []


def test_none_leaves_a_key_alone() -> None:
    text = HEAD + "  - name: web\n    repo_user: tom\n"
    assert _written(text, None, 0) == HEAD + "  - name: web\n    repo_user: tom\n    status: 0  # normal\n"


def test_an_empty_value_gets_the_value_after_its_colon() -> None:
    text = HEAD + "  - name: web\n    repo_user:\n    status:\n"
    assert _written(text, "tom", 0) == HEAD + "  - name: web\n    repo_user: tom\n    status: 0  # normal\n"


def test_a_flow_entry_gets_the_keys_before_its_closing_brace() -> None:
    text = HEAD + "  - {name: web, repo_type: github}\n"
    assert _written(text, "tom", 0) == HEAD + "  - {name: web, repo_type: github, repo_user: tom, status: 0}\n"


def test_a_flow_entry_with_a_trailing_comma_keeps_its_style() -> None:
    text = HEAD + "  - {name: web, }\n"
    assert _written(text, "tom", 1) == HEAD + "  - {name: web, repo_user: tom, status: 1, }\n"


def test_a_user_name_that_yaml_would_read_otherwise_is_quoted() -> None:
    text = HEAD + "  - name: web\n"
    assert _written(text, "true", None) == HEAD + '  - name: web\n    repo_user: "true"\n'
    assert _written(text, "a b", None) == HEAD + '  - name: web\n    repo_user: "a b"\n'


def test_the_files_line_breaks_are_kept() -> None:
    text = (HEAD + "  - name: web\n    repo_type: github\n").replace("\n", "\r\n")
    assert _written(text, "tom", 0) == (HEAD + "  - name: web\n    repo_type: github\n    repo_user: tom\n"
                                        "    status: 0  # normal\n").replace("\n", "\r\n")


def test_an_entry_that_is_not_a_mapping_is_refused() -> None:
    model = parse(HEAD + "  - just-a-name\n")
    with pytest.raises(ValueError, match="the entry is not a mapping"):
        writeback_edits(model, model.entries[0], "tom", 0)


@pytest.mark.parametrize(("status", "written"), [(0, "0  # normal"), (1, "1  # overdue"), (2, "2  # unauthenticated"),
                                                 (7, "7")])
def test_status_value_is_the_number_and_its_meaning_as_a_comment(status: int, written: str) -> None:
    assert status_value(status) == written
