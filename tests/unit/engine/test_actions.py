"""``refresh_edits``: what Refresh status writes."""

from __future__ import annotations

from servicestage_ls.cloud.client import Authorization
from servicestage_ls.core.document import parse
from servicestage_ls.core.edits import apply_edits
from servicestage_ls.engine.actions import refresh_edits

HEAD = "region: cn-north-4\nproject_id: p\nauthorizations:\n"
TEXT = HEAD + (
    "  - name: fresh\n    repo_user: tom\n    status: 0\n"
    "  - name: stale\n    repo_user: tom\n    status: 0  # normal\n"
    "  - name: bare\n    repo_type: github\n"
    "  - name: local-only\n"
    "  - name: odd\n    status: '1'\n"
)


def test_refresh_updates_what_differs_and_names_what_is_missing() -> None:
    remote = [
        Authorization("fresh", repo_user="tom", status=0),
        Authorization("stale", repo_user="tom", status=2),
        Authorization("bare", repo_user="ann", status=0),
        Authorization("odd", repo_user=None, status=1),
        Authorization("elsewhere", repo_user="x", status=0),
    ]
    model = parse(TEXT)
    edits, updated, missing = refresh_edits(model, remote)
    assert updated == ["stale", "bare", "odd"]
    assert missing == ["local-only"]
    assert apply_edits(model, edits) == HEAD + (
        "  - name: fresh\n    repo_user: tom\n    status: 0\n"
        "  - name: stale\n    repo_user: tom\n    status: 2  # unauthenticated\n"
        "  - name: bare\n    repo_type: github\n    repo_user: ann\n    status: 0  # normal\n"
        "  - name: local-only\n"
        "  - name: odd\n    status: 1  # overdue\n"
    )


def test_a_refreshed_file_needs_no_second_refresh() -> None:
    remote = [Authorization("fresh", repo_user="tom", status=0), Authorization("stale", repo_user="tom", status=2)]
    model = parse(TEXT)
    again = parse(apply_edits(model, refresh_edits(model, remote)[0]))
    assert refresh_edits(again, remote)[:2] == ([], [])
