"""The code lenses of the life cycle, from the file alone (no network): create a new entry (authorize a new OAuth
one), or its status with what to do about it (an OAuth entry is authorized again, never rotated). The editor shows
them (``lsp.lifecycle``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from servicestage_ls.core.model import Model

LENS_CREATE = "Create in ServiceStage"
LENS_TITLES = {0: "✓ normal · Refresh", 1: "⚠ overdue · Rotate token", 2: "⚠ unauthenticated · Rotate token"}
LENS_AUTHORIZE = "Authorize in the browser"
#: An OAuth entry has no token to rotate: it is authorized again in the browser.
OAUTH_LENS_TITLES = {1: "⚠ overdue · Authorize again", 2: "⚠ unauthenticated · Authorize again"}


@dataclass(frozen=True)
class Lens:
    line: int
    title: str
    action: str  # "create", "refresh", "rotate" or "authorize"
    name: str


def lenses(model: Model, env: Mapping[str, str]) -> list[Lens]:
    """A lens on each entry's first line: create (an OAuth entry: authorize) an entry without repo_user and without
    errors, or its status with what to do about it. No network: the file says it all."""
    from servicestage_ls.core.rules import entry_errors

    out: list[Lens] = []
    for entry in model.entries:
        mapping, name = entry.mapping, entry.name
        if mapping is None or not name:
            continue
        line = entry.range().start[0]
        oauth = entry.kind == "oauth"
        if mapping.get("repo_user") is None:
            if not entry_errors(model, entry, env):
                out.append(Lens(line, LENS_AUTHORIZE, "authorize", name) if oauth else Lens(line, LENS_CREATE,
                                                                                              "create", name))
            continue
        status = entry.status
        if oauth and status in OAUTH_LENS_TITLES:
            out.append(Lens(line, OAUTH_LENS_TITLES[status], "authorize", name))
        elif status in LENS_TITLES:  # a password entry's rotation is its password's
            title = LENS_TITLES[status]
            title = title.replace("token", "password") if entry.kind == "password" else title
            out.append(Lens(line, title, "refresh" if status == 0 else "rotate", name))
    return out
