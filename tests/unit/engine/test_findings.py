"""Findings from ServiceStage: SS171 (the name exists there, not created here), SS172 (another status), SS170."""

from __future__ import annotations

from servicestage_ls.cloud.client import Authorization
from servicestage_ls.core.document import parse
from servicestage_ls.core.model import Range
from servicestage_ls.engine.findings import failure_finding, remote_findings

TEXT = ("region: cn-north-4\nproject_id: p\nauthorizations:\n"
        "  - name: new-here\n    repo_type: github\n"
        "  - name: same\n    repo_user: tom\n    status: 0\n"
        "  - name: differs\n    repo_user: tom\n    status: 0\n"
        "  - name: unknown-there\n")


def test_remote_findings_name_what_exists_and_what_differs() -> None:
    model = parse(TEXT)
    remote = [Authorization("new-here", repo_user="ann", status=0), Authorization("same", repo_user="tom", status=0),
              Authorization("differs", repo_user="tom", status=1)]
    found = [(entry.name, f.code, f.message, f.range) for entry, f in remote_findings(model, remote)]
    assert found == [
        ("new-here", "SS171", "an authorization named 'new-here' already exists in ServiceStage; creating it again "
                              "fails with SVCSTG.REPO.0403 — run Refresh status to write its repo_user and status",
         Range((3, 10), (3, 18))),
        ("differs", "SS172", "ServiceStage reports status 1 (overdue) for 'differs', the file says 0 — run Refresh "
                             "status", Range((8, 10), (8, 17))),
    ]


def test_a_failure_is_pinned_to_the_name_or_else_the_first_line() -> None:
    model = parse(TEXT + "  - repo_type: github\n")
    named = failure_finding(model.entries[0], "timed out")
    assert (named.code, named.message, named.range) == (
        "SS170", "the last ServiceStage call for this entry failed: timed out", Range((3, 10), (3, 18)))
    assert failure_finding(model.entries[4], "x").range == Range((12, 0), (12, 0))
