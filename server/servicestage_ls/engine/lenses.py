"""The code lenses of the life cycle, from the file alone (no network): create a new entry, or its status with what
to do about it, in the words of the entry's kind. The editor shows them (``lsp.lifecycle``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from servicestage_ls.core.model import Model

LENS_CREATE = "Create in ServiceStage"
LENS_TITLES = {0: "✓ normal · Refresh", 1: "⚠ overdue · Rotate token", 2: "⚠ unauthenticated · Rotate token"}


@dataclass(frozen=True)
class Lens:
    line: int
    title: str
    action: str  # "create", "refresh" or "rotate"
    name: str


def lenses(model: Model, env: Mapping[str, str]) -> list[Lens]:
    """A lens on each entry's first line: create an entry without repo_user and without errors, or its status with
    what to do about it. A password entry's rotation is its password's; an OAuth entry is neither created nor
    rotated from here (it is authorized in the browser): it gets its status lens only when the status is normal."""
    from servicestage_ls.core.rules import entry_errors

    out: list[Lens] = []
    for entry in model.entries:
        mapping, name = entry.mapping, entry.name
        if mapping is None or not name:
            continue
        line = entry.range().start[0]
        kind = entry.kind
        if mapping.get("repo_user") is None:
            if kind != "oauth" and not entry_errors(model, entry, env):
                out.append(Lens(line, LENS_CREATE, "create", name))
            continue
        status = entry.status
        if status == 0 or (status in LENS_TITLES and kind != "oauth"):
            title = LENS_TITLES[status].replace("token", "password") if kind == "password" else LENS_TITLES[status]
            out.append(Lens(line, title, "refresh" if status == 0 else "rotate", name))
    return out
