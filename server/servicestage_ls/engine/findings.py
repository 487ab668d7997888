"""Findings that come from ServiceStage rather than from the file: the last call failed (SS170), the name exists
there already (SS171), the status there differs (SS172), names only ServiceStage has (SS173). The editor pins them
to their entry (SS173: to the ``authorizations`` key) until it changes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from servicestage_ls.core.model import Entry, Model, Range
from servicestage_ls.core.rules import Finding, finding
from servicestage_ls.engine.lifecycle import q
from servicestage_ls.engine.plan import status_text

if TYPE_CHECKING:
    from servicestage_ls.cloud.client import Authorization

REMOTE_CODES = ("SS171", "SS172")
REMOTE_ONLY = "SS173"


def failure_finding(entry: Entry, message: str) -> Finding:
    """SS170 on the entry's name (or its first line): the last call for it failed with ``message``."""
    scalar = entry.scalar("name")
    rng = entry.range_of(scalar) if scalar is not None else Range((entry.first_line, 0), (entry.first_line, 0))
    return finding("SS170", f"the last ServiceStage call for this entry failed: {message}", rng)


def remote_findings(model: Model, remote: list[Authorization]) -> list[tuple[Entry, Finding]]:
    """SS171 and SS172 for the entries whose name exists in ``remote``, on the entry's name."""
    by_name = {a.name: a for a in remote}
    out: list[tuple[Entry, Finding]] = []
    for entry in model.entries:
        name = entry.name
        auth = by_name.get(name) if name is not None else None
        scalar = entry.scalar("name")
        if name is None or auth is None or scalar is None or entry.mapping is None:
            continue
        rng = entry.range_of(scalar)
        if entry.mapping.get("repo_user") is None:
            message = (f"an authorization named '{name}' already exists in ServiceStage; creating it again fails "
                       "with SVCSTG.REPO.0403 — run Refresh status to write its repo_user and status")
            out.append((entry, finding("SS171", message, rng)))
            continue
        local = entry.status
        if auth.status is not None and local != auth.status:
            said = local if local is not None else "nothing"
            message = (f"ServiceStage reports {status_text(auth.status)} for '{name}', the file says {said} — "
                       "run Refresh status")
            out.append((entry, finding("SS172", message, rng)))
    return out


def remote_only_finding(model: Model, names: list[str]) -> Finding | None:
    """SS173 on the ``authorizations`` key for the names only ServiceStage has (None when there are none)."""
    present = {e.name for e in model.entries}
    names = [n for n in names if n not in present]
    item = model.authorizations
    if not names or item is None:
        return None
    rng = item.range_of(item.key)
    shown = ", ".join(f"{q(n)}" for n in names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    message = (f"ServiceStage has {len(names)} authorization{'s' if len(names) > 1 else ''} the file does not: "
               f"{shown} — Import from ServiceStage adds {'them' if len(names) > 1 else 'it'}")
    return finding(REMOTE_ONLY, message, rng, data={"names": names})
