"""``servicestage-ls apply``, ``refresh`` and ``delete``: make ServiceStage and the file agree.

Replacing, rotation and pruning destroy something: they run with ``--yes`` or a yes typed at the prompt; without a
terminal and without ``--yes`` nothing at all is done (exit 2). Deleting a leftover probe (a rotation's, see
``engine.lifecycle``) is not asked about: the tool made it and nothing else uses it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, TextIO

from servicestage_ls.cli.front import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    INTERRUPTED_READING,
    FileFront,
    Usage,
    client_for_file,
    confirm,
    read_model,
    run_calls,
)
from servicestage_ls.core.model import Model
from servicestage_ls.core.edits import TextEdit
from servicestage_ls.engine import actions, lifecycle
from servicestage_ls.engine import plan as planning
from servicestage_ls.engine.actions import Refused
from servicestage_ls.engine.lifecycle import Outcome, q
from servicestage_ls.engine.plan import DELETE, REPLACE, ROTATE

if TYPE_CHECKING:
    from servicestage_ls.cloud.client import ServiceStageClient

INTERRUPTED = ("interrupted; a call that was already sent may have happened — run `servicestage-ls plan {path}` "
               "to see where things are")


def _no_confirmation(path: str, what: Sequence[str], err: TextIO) -> int:
    err.write(f"{path}: error: {', '.join(what)} cannot be undone: pass --yes, or run the command in a terminal to "
              "be asked; nothing was changed\n")
    return EXIT_USAGE


def _refused_answer(path: str, err: TextIO) -> int:
    err.write(f"{path}: not confirmed; nothing was changed\n")
    return EXIT_USAGE


#: The flag that lets apply carry out each destructive action.
NEEDS = {REPLACE: "--replace", ROTATE: "--rotate", DELETE: "--prune"}


def run_apply(path: str, *, rotate: bool, prune: bool, yes: bool, dry_run: bool, options: actions.CloudOptions,
              env: Mapping[str, str], out: TextIO, err: TextIO, stdin: TextIO | None = None,
              replace: bool = False) -> int:
    front = FileFront(path, env, out, err)
    allowed = {REPLACE: replace, ROTATE: rotate, DELETE: prune}

    async def go() -> int:
        client = await client_for_file(read_model(path, writing=not dry_run), options, env)
        async with client:
            remote = await client.list_authorizations()
            changes = planning.plan(front.current(), remote, env)
            if dry_run:
                out.write("".join(f"{line}\n" for line in
                                  planning.plan_lines(changes, client.project_id, client.endpoint)))
                out.write(f"{path}: dry run: nothing was changed\n")
                return EXIT_OK
            destructive = [c for c in changes if allowed.get(c.action) and not c.probe]
            if destructive:
                what = [f"{c.action} {q(c.name)}" for c in destructive]
                answer = confirm(f"{path}: apply will {', '.join(what)} in ServiceStage; this cannot be undone.",
                                 yes=yes, out=out, stdin=stdin)
                if answer is None:
                    return _no_confirmation(path, what, err)
                if not answer:
                    return _refused_answer(path, err)
            if not planning.pending(changes):
                out.write(f"{path}: no changes: the file and ServiceStage agree\n")
                return EXIT_OK
            outcome = await lifecycle.apply(front, client, changes, remote, rotate=rotate, prune=prune,
                                            replace=replace)
        return _summary(path, outcome, changes, out)

    return run_calls(path, go(), err, interrupted=INTERRUPTED.format(path=path))


def _summary(path: str, outcome: Outcome, changes: Sequence[planning.Change], out: TextIO) -> int:
    actions_by_name = {c.name: c.action for c in changes}
    for name in outcome.skipped:
        action = actions_by_name[name]
        out.write(f"{path}: not done: {action} {q(name)} (needs {NEEDS[action]})\n")
    parts = [f"{len(outcome.done)} done"]
    if outcome.failed:
        parts.append(f"{len(outcome.failed)} failed ({', '.join(outcome.failed)})")
    if outcome.not_attempted:
        parts.append(f"{len(outcome.not_attempted)} not attempted")
    if outcome.incomplete:
        parts.append(f"{len(outcome.incomplete)} INCOMPLETE ({', '.join(outcome.incomplete)})")
    if outcome.unwritten:
        parts.append(f"{len(outcome.unwritten)} not written to the file ({', '.join(outcome.unwritten)})")
    if outcome.errors:
        parts.append(f"{len(outcome.errors)} skipped (has errors: {', '.join(outcome.errors)})")
    if outcome.refused:
        parts.append(f"{len(outcome.refused)} skipped ({', '.join(outcome.refused)})")
    if outcome.skipped:
        parts.append(f"{len(outcome.skipped)} not done")
    out.write(f"{path}: apply: {', '.join(parts)}\n")
    incomplete = outcome.failed or outcome.incomplete or outcome.unwritten or outcome.errors or outcome.refused
    return EXIT_FAILED if incomplete else EXIT_OK


def run_refresh(path: str, *, options: actions.CloudOptions, env: Mapping[str, str], out: TextIO,
                err: TextIO) -> int:
    front = FileFront(path, env, out, err)

    async def go() -> int:
        client = await client_for_file(read_model(path, writing=True), options, env)
        async with client:
            remote = await client.list_authorizations()
        missing: list[str] = []
        updated: list[str] = []

        def compute(current: Model) -> list[TextEdit]:
            edits, names, absent = actions.refresh_edits(current, remote)
            updated[:], missing[:] = names, absent
            return edits

        try:
            await front.write(compute, "refresh")
        except Refused as why:
            err.write(f"{path}: error: {why}\n")
            return EXIT_FAILED
        replace = planning.to_replace(front.current(), remote)
        parts = [f"updated {', '.join(updated)}" if updated else
                 ("repo_user and status are up to date" if replace else "everything is up to date")]
        if missing:
            parts.append(f"not in ServiceStage: {', '.join(missing)}")
        if replace:
            parts.append(replace)
        out.write(f"{path}: {'; '.join(parts)}\n")
        return EXIT_OK

    return run_calls(path, go(), err, interrupted=INTERRUPTED_READING)


def run_delete(path: str, *, names: Sequence[str], yes: bool, options: actions.CloudOptions,
               env: Mapping[str, str], out: TextIO, err: TextIO, stdin: TextIO | None = None) -> int:
    front = FileFront(path, env, out, err)
    try:
        model = read_model(path, writing=True)  # before asking: a file that cannot be used asks nothing
    except Usage as why:
        err.write(f"{path}: error: {why}\n")
        return EXIT_USAGE
    what = [f"delete {q(name)}" for name in names]
    answer = confirm(" ".join(lifecycle.delete_question(name) for name in names), yes=yes, out=out, stdin=stdin)
    if answer is None:
        return _no_confirmation(path, what, err)
    if not answer:
        return _refused_answer(path, err)

    async def go() -> int:
        client: ServiceStageClient = await client_for_file(model, options, env)
        failed = 0
        async with client:
            for index, name in enumerate(names):
                result = await lifecycle.delete_one(front, client, name)
                if result != "done":
                    failed += 1
                if result == "unreachable" and names[index + 1:]:
                    err.write(f"{path}: {lifecycle.not_attempted_message(names[index + 1:])}\n")
                    break
        return EXIT_FAILED if failed else EXIT_OK

    # failed_call=None: delete_one says what failed in each of its calls (opening the client is run_calls's).
    return run_calls(path, go(), err, failed_call=None, interrupted=INTERRUPTED.format(path=path))
