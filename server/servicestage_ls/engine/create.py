"""The create loop shared by ``servicestage-ls create`` and the editor's Create / Create all commands: prepare the
entries (a refused one is skipped, the others go on), then for each one send the create, record a failure
(``mark``) or write ``repo_user``/``status`` back, and report — with the same words in both front ends (where
they differ, the :class:`~servicestage_ls.engine.actions.Audience` says how).

The front end gives a :class:`CreateFront`: the CLI's rewrites the file and prints, the editor's applies a
workspace edit, shows messages and keeps the SS170 marks. The cloud modules are imported only when the loop
runs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from servicestage_ls.core.edits import TextEdit
from servicestage_ls.core.model import Entry, Model
from servicestage_ls.engine import actions
from servicestage_ls.engine.actions import Audience, EntryRefused, Prepared, Refused, Snapshot
from servicestage_ls.engine.lifecycle import ERROR, INFO, WARNING, not_attempted_message, unreachable

if TYPE_CHECKING:
    from servicestage_ls.cloud.client import Authorization, ServiceStageClient

LOST = " (its answer was lost; the list shows it was created)"


class CreateFront(Protocol):
    """What the create loop needs of a front end (a part of :class:`~servicestage_ls.engine.lifecycle.Front`)."""

    env: Mapping[str, str]
    audience: Audience

    def progress(self, message: str, percentage: int | None = None) -> None: ...

    def say(self, level: str, message: str) -> None: ...

    async def write(self, compute: Callable[[Model], list[TextEdit]], label: str) -> None:
        """Apply the edits computed on the file as it is when they are written; Refused when they cannot be."""

    def mark(self, name: str, message: str) -> None:
        """The create of this entry failed (the editor's SS170; nothing in a terminal)."""

    def unmark(self, name: str) -> None:
        """The create of this entry succeeded: what ``mark`` showed is over."""


@dataclass
class CreateOutcome:
    """Names, in the order of the loop. ``created`` holds every authorization the loop created, ``unwritten`` those
    of them whose write-back was refused; ``refused`` entries were not sent (their label when they have no name)."""

    created: list[str] = field(default_factory=list)
    unwritten: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    #: Left when the loop stopped at a connection-level failure (``lifecycle.unreachable``).
    not_attempted: list[str] = field(default_factory=list)


def prepare_each(front: CreateFront, model: Model, entries: Sequence[Entry],
                 outcome: CreateOutcome) -> list[Prepared]:
    """The entries that may be sent; each refused one is said ("skipped …") and recorded in ``outcome.refused``."""
    prepared: list[Prepared] = []
    for entry in entries:
        try:
            prepared.append(actions.prepare(model, entry, front.env, front.audience))
        except EntryRefused as why:
            outcome.refused.append(entry.name or f"entry {entry.index + 1}")
            front.say(WARNING, why.skipped())
    return prepared


async def create_each(front: CreateFront, client: ServiceStageClient, prepared: Sequence[Prepared],
                      outcome: CreateOutcome | None = None) -> CreateOutcome:
    """Create the prepared entries one after the other; a failure does not stop the others, except a
    connection-level one (refused, DNS, TLS, timeout): the rest are then listed once as not attempted. ``outcome``
    (a new one when not given) is filled as the loop goes, so that a cancelled loop still tells what it did."""
    from servicestage_ls.cloud.errors import CloudError

    outcome = CreateOutcome() if outcome is None else outcome
    for index, item in enumerate(prepared):
        snap = item.snapshot
        front.progress(f"'{snap.name}' ({index + 1}/{len(prepared)})", int(100 * index / len(prepared)))
        try:
            auth = await actions.create_call(client, snap, item.token, snap.name)
        except CloudError as error:
            outcome.failed.append(snap.name)
            front.mark(snap.name, str(error))
            front.say(ERROR, failed_message(snap.name, error))
            if unreachable(error) and prepared[index + 1:]:
                outcome.not_attempted.extend(p.snapshot.name for p in prepared[index + 1:])
                front.say(ERROR, not_attempted_message(outcome.not_attempted))
                break
            continue
        front.unmark(snap.name)
        await _write_back(front, snap, auth, outcome)
    return outcome


async def _write_back(front: CreateFront, snap: Snapshot, auth: Authorization, outcome: CreateOutcome) -> None:
    try:
        await front.write(lambda model: actions.writeback(model, snap, auth, front.audience),
                          f"ServiceStage: created '{snap.name}'")
    except Refused as why:
        outcome.created.append(snap.name)
        outcome.unwritten.append(snap.name)
        front.say(WARNING, unwritten_message(front.audience, snap.name, auth, why))
        return
    outcome.created.append(snap.name)
    front.say(INFO, created_message(front.audience, snap.name, auth))


def failed_message(name: str, error: object) -> str:
    return f"creating '{name}' failed: {error}"


def created_message(audience: Audience, name: str, auth: Authorization) -> str:
    lost = LOST if auth.recovered else ""
    return f"{audience.created} '{name}'{lost}: {actions.describe(auth)}"


def unwritten_message(audience: Audience, name: str, auth: Authorization, why: object) -> str:
    lost = LOST if auth.recovered else ""
    reason = actions.reason(why) if isinstance(why, Refused) else why
    return f"created '{name}'{lost} ({actions.describe(auth)}){audience.unwritten} {reason}"


def summary(outcome: CreateOutcome) -> tuple[str, str]:
    """The level and the line that end a create-all: "created 2; failed 1 (b); skipped 1 (c)"."""
    parts = [f"created {len(outcome.created)}"]
    if outcome.failed:
        parts.append(f"failed {len(outcome.failed)} ({', '.join(outcome.failed)})")
    if outcome.refused:
        parts.append(f"skipped {len(outcome.refused)} ({', '.join(outcome.refused)})")
    if outcome.not_attempted:
        parts.append(f"not attempted {len(outcome.not_attempted)}")
    return (ERROR if outcome.failed else INFO), "; ".join(parts)
