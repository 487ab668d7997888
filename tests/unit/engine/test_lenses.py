"""The code lenses come from the file alone: create a new entry (authorize a new OAuth one), or the status with
what to do about it (an OAuth entry is authorized again, never rotated)."""

from __future__ import annotations

from servicestage_ls.core.document import parse
from servicestage_ls.engine.lenses import Lens, lenses

HEAD = "project_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789\nregion: cn-north-4\nauthorizations:\n"


def test_each_kind_gets_its_lens() -> None:
    text = HEAD + (
        "  - name: new-token\n    repo_type: github\n    token: ${GITHUB_TOKEN}\n"
        "  - name: new-oauth\n    kind: oauth\n    repo_type: gitlab\n"
        "  - name: old-oauth\n    kind: oauth\n    repo_type: github\n    repo_user: tom\n    status: 2\n"
        "  - name: ok-oauth\n    kind: oauth\n    repo_type: github\n    repo_user: tom\n    status: 0\n"
        "  - name: old-token\n    repo_type: github\n    token: ${GITHUB_TOKEN}\n    repo_user: tom\n    status: 1\n"
        "  - name: x\n    kind: oauth\n    repo_type: github\n"
    )
    assert lenses(parse(text), {"GITHUB_TOKEN": "ghp_" + "a" * 36}) == [
        Lens(3, "Create in ServiceStage", "create", "new-token"),
        Lens(6, "Authorize in the browser", "authorize", "new-oauth"),
        Lens(9, "⚠ unauthenticated · Authorize again", "authorize", "old-oauth"),
        Lens(14, "✓ normal · Refresh", "refresh", "ok-oauth"),
        Lens(19, "⚠ overdue · Rotate token", "rotate", "old-token"),
    ]  # "x" breaks the naming rule: no lens
