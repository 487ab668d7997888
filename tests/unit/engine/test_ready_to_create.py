"""create-all's count (the code action's title) is prepare's decision, made for all new entries in one pass."""

from __future__ import annotations

import pytest

from servicestage_ls.core.document import parse
from servicestage_ls.core.rules import check
from servicestage_ls.engine import actions
from servicestage_ls.engine.actions import Refused

HEADER = "project_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789\nregion: cn-north-4\nauthorizations:\n"
ENV = {"GITHUB_TOKEN": "ghp_" + "A1b2" * 9, "GITLAB_TOKEN": "glpat-" + "x1Y2z3" * 4}
ENTRIES = [
    "  - name: web-frontend\n    repo_type: github\n    token: ${GITHUB_TOKEN}\n",
    "  - name: bad-type\n    repo_type: githib\n    token: ${GITHUB_TOKEN}\n",
    "  - name: unset-var\n    repo_type: github\n    token: ${NOT_SET_ANYWHERE}\n",
    "  - {name: flow-entry, repo_type: gitlab, token: \"${GITLAB_TOKEN}\"}\n",
    "  - name: made\n    repo_type: github\n    token: ${GITHUB_TOKEN}\n    repo_user: x\n",
    "  - name: web-frontend\n    repo_type: gitlab\n    token: ${GITLAB_TOKEN}\n",
    "  - name: no-token\n    repo_type: gitlab\n",
    "  - name: x\n    repo_type: github\n    token: ${GITHUB_TOKEN}\n",
    "  - name: payments-api\n    repo_type: gitlab\n    token: ${GITLAB_TOKEN}\n    avatar: y\n",
]


def prepare_accepts(text: str, entry_index: int) -> bool:
    model = parse(text)
    try:
        actions.refuse_file_errors(model, ENV)
        actions.prepare(model, model.entries[entry_index], ENV)
    except Refused:
        return False
    return True


@pytest.mark.parametrize("header", [HEADER, HEADER.replace("cn-north-4", "cn-nort-4"), ""])
def test_the_count_agrees_with_prepare_for_each_entry(header: str) -> None:
    text = header + "".join(ENTRIES)
    model = parse(text)
    ready, skipped = actions.ready_to_create(model, check(model, None, ENV), ENV)
    fresh = actions.new_entries(model)
    expected = [e.name for i, e in enumerate(model.entries) if e in fresh and prepare_accepts(text, i)]
    assert [e.name for e in ready] == expected
    assert skipped == len(fresh) - len(expected)


def test_the_example_count() -> None:
    model = parse(HEADER + "".join(ENTRIES))
    ready, skipped = actions.ready_to_create(model, check(model, None, ENV), ENV)
    assert ([e.name for e in ready], skipped) == (["web-frontend", "flow-entry"], 6)
