"""Test an authorization: list the namespaces it sees in its repository (``X-Repo-Auth``), or say in plain words
why it does not work and what fixes it. One set of words for ``servicestage-ls test`` and the editor's Test."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from servicestage_ls.core import schema
from servicestage_ls.engine.actions import find_entry

if TYPE_CHECKING:
    from servicestage_ls.cloud.client import ServiceStageClient
    from servicestage_ls.cloud.errors import CloudError
    from servicestage_ls.core.model import Model

#: How many namespace names a line shows before "and N more".
SHOWN_NAMESPACES = 5
KINDS = ("personal", "password", "oauth")


@dataclass(frozen=True)
class Fixes:
    """What the front tells the user to run, per entry name and kind: create it, renew its secret (rotate the token
    or password, authorize an OAuth entry again)."""

    create: Callable[[str, str], str]  # (name, kind) -> "run `servicestage-ls create FILE --name NAME`"
    renew: Callable[[str, str], str]


def command_line_fixes(path: str) -> Fixes:
    def create(name: str, kind: str) -> str:
        if kind == "oauth":
            return f"authorize it: `servicestage-ls authorize {path} --name {name}`"
        return f"create it: `servicestage-ls create {path} --name {name}`"

    def renew(name: str, kind: str) -> str:
        if kind == "oauth":
            return f"authorize it again: `servicestage-ls authorize {path} --name {name}`"
        secret = "password" if kind == "password" else "token"
        return f"rotate its {secret}: set a new one, then `servicestage-ls apply {path} --rotate`"

    return Fixes(create, renew)


def _editor_create(name: str, kind: str) -> str:
    return "authorize it: run Authorize in the browser on it (its code lens)" if kind == "oauth" else (
        "create it: run Create in ServiceStage on it (its code lens)")


def _editor_renew(name: str, kind: str) -> str:
    if kind == "oauth":
        return "authorize it again: run Authorize in the browser on it"
    secret = "password" if kind == "password" else "token"
    return f"rotate its {secret}: set a new one, then run Rotate on it (its code lens)"


EDITOR_FIXES = Fixes(_editor_create, _editor_renew)


@dataclass(frozen=True)
class Probe:
    """One authorization tested: the namespaces it sees, or why it does not work (``code`` the API's)."""

    name: str
    kind: str
    namespaces: tuple[str, ...] | None
    line: str
    code: str | None = None

    @property
    def ok(self) -> bool:
        return self.namespaces is not None

    def as_json(self) -> dict[str, object]:
        return {"name": schema.redact(self.name), "kind": self.kind, "ok": self.ok,
                "namespaces": list(self.namespaces) if self.namespaces is not None else None,
                "message": self.line, "code": self.code}


def kind_of(model: Model, name: str) -> str:
    """The entry's kind (``personal`` when it says none or one this version does not know)."""
    kind = (find_entry(model, name).value_of("kind") or "personal").strip().lower()
    return kind if kind in KINDS else "personal"


def targets(model: Model, names: Sequence[str]) -> list[tuple[str, str]]:
    """(name, kind) of the named entries (each must be in the file), else of every named entry."""
    wanted = list(dict.fromkeys(names)) or [e.name for e in model.entries if e.name]
    return [(name, kind_of(model, name)) for name in wanted]


def seen_line(name: str, namespaces: Sequence[str]) -> str:
    """``✓ web-frontend sees 3 namespaces: tom-repo, acme, acme-labs``."""
    label = schema.redact(name)
    if not namespaces:
        return f"✓ {label} works but sees no namespace"
    shown = ", ".join(namespaces[:SHOWN_NAMESPACES])
    more = len(namespaces) - SHOWN_NAMESPACES
    noun = "namespace" if len(namespaces) == 1 else "namespaces"
    return f"✓ {label} sees {len(namespaces)} {noun}: {shown}" + (f" and {more} more" if more > 0 else "")


def failed_line(name: str, kind: str, err: CloudError, fixes: Fixes) -> str:
    """0450 and 0451 in plain words with their fix; any other failure as the client words it."""
    label = schema.redact(name)
    code = (err.code or "").upper()
    if code == "SVCSTG.REPO.0450":
        return (f"✗ {label}: ServiceStage has no authorization of this name (SVCSTG.REPO.0450) — "
                f"{fixes.create(name, kind)}")
    if code == "SVCSTG.REPO.0451":
        return (f"✗ {label}: the repository no longer accepts this authorization, it expired or was revoked "
                f"(SVCSTG.REPO.0451) — {fixes.renew(name, kind)}")
    return f"✗ {label}: {err}"


async def probe(client: ServiceStageClient, wanted: Sequence[tuple[str, str]], fixes: Fixes,
                progress: Callable[[str], None] = lambda message: None) -> list[Probe]:
    """Ask ServiceStage which namespaces each authorization sees, one after the other; a failed call is that
    entry's answer, never the end of the run."""
    from servicestage_ls.cloud.errors import CloudError

    results: list[Probe] = []
    for name, kind in wanted:
        progress(f"testing {schema.redact(name)}")
        try:
            seen = tuple(n.name for n in await client.namespaces(name))
        except CloudError as err:
            results.append(Probe(name, kind, None, failed_line(name, kind, err, fixes), err.code))
            continue
        results.append(Probe(name, kind, seen, seen_line(name, seen)))
    return results


def summary_line(results: Sequence[Probe]) -> str:
    """``2 of 3 authorizations work`` (or ``the authorization works``)."""
    working = sum(1 for r in results if r.ok)
    if len(results) == 1:
        return "the authorization works" if working else "the authorization does not work"
    return f"{working} of {len(results)} authorizations work"
