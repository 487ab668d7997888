"""``servicestage-ls create FILE [--name NAME…] [--dry-run]``: the create action from a terminal.

The file is re-read just before writing and the entries are found again by name, so an edit made meanwhile is
kept (or the write is refused for an entry that changed); it is rewritten atomically (a temporary file in the
same folder, fsync, rename) with its permissions, and byte-identical outside the written keys.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import TextIO

from servicestage_ls.cli.files import Unreadable, read_only_problem, read_with_bom
from servicestage_ls.cli.front import FileFront, client_for_file, read_model, run_calls
from servicestage_ls.core.document import parse
from servicestage_ls.core.model import Model
from servicestage_ls.core.schema import redact
from servicestage_ls.engine import actions, create
from servicestage_ls.engine.actions import Prepared, Refused
from servicestage_ls.engine.lifecycle import INFO

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
INTERRUPTED = ("interrupted; a create that was already sent may have happened — check the authorizations in the "
               "ServiceStage console before running `servicestage-ls create` again")


def run_create(path: str, *, names: Sequence[str], dry_run: bool, options: actions.CloudOptions,
               out: TextIO | None = None, err: TextIO | None = None, env: dict[str, str] | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    environment = dict(os.environ) if env is None else env
    try:
        text, _ = read_with_bom(path)
    except Unreadable as exc:
        err.write(f"{path}: error: {exc}\n")
        return EXIT_USAGE
    model = parse(text)
    try:
        actions.refuse_file_errors(model, environment)
    except Refused as problem:
        err.write(f"{path}: error: {problem}\n")
        return EXIT_USAGE
    read_only = None if dry_run else read_only_problem(path)
    if read_only is not None:
        err.write(f"{path}: error: {read_only}; nothing was sent\n")
        return EXIT_USAGE
    if names:
        try:
            entries = [actions.find_entry(model, name) for name in names]
        except Refused as problem:
            err.write(f"{path}: error: {redact(str(problem))}\n")
            return EXIT_USAGE
    else:
        entries = actions.new_entries(model)
        if not entries:
            out.write(f"{path}: every entry already has repo_user; nothing to create\n")
            return EXIT_OK
    front = FileFront(path, environment, out, err)
    outcome = create.CreateOutcome()
    prepared = create.prepare_each(front, model, entries, outcome)
    refused = len(outcome.refused)
    if dry_run:
        return _dry_run(path, model, prepared, refused, out, err, environment, options)
    if not prepared:
        return EXIT_FAILED
    # failed_call=None: each create says its own failure.
    return run_calls(path, _create(front, prepared, outcome, options), err, failed_call=None, interrupted=INTERRUPTED)


def _dry_run(path: str, model: Model, prepared: list[Prepared], refused: int, out: TextIO, err: TextIO,
             env: dict[str, str], options: actions.CloudOptions) -> int:
    """What a real run would call, with which kind of credentials and which project id; exit 2 when a real run
    would stop for configuration, 1 when entries would be skipped."""
    plan = actions.call_plan(model, options, env)
    out.write(f"{path}: dry run, nothing is sent\n")
    out.write(f"  endpoint: {plan.endpoint or 'none'}\n")
    out.write(f"  credentials: {plan.credentials or 'none'}\n")
    out.write(f"  project id: {plan.project_origin}\n")
    for item in prepared:
        snap = item.snapshot
        host = f", host {snap.host}" if snap.host else ""
        url = plan.create_url(snap.repo_type, snap.kind) if plan.endpoint else "no URL without an endpoint"
        user = f", user {snap.user}" if snap.user else ""
        out.write(f"  would create '{snap.name}' ({snap.repo_type}{host}{user}) with the {snap.secret} from "
                  f"{item.token_origin}: POST {url}\n")
    if plan.problem is not None:
        err.write(f"{path}: note: a real run would stop here: {plan.problem}\n")
        return EXIT_USAGE
    return EXIT_FAILED if refused else EXIT_OK


async def _create(front: FileFront, prepared: list[Prepared], outcome: create.CreateOutcome,
                  options: actions.CloudOptions) -> int:
    model = read_model(front.path)  # as it is now: a file gone or made unreadable since the checks stops here
    client = await client_for_file(model, options, front.env)
    note = actions.project_id_note(model, front.env, client.project_id)
    if note is not None:  # how the id was found, when the file and the environment did not say
        front.say(INFO, note)
    async with client:
        await create.create_each(front, client, prepared, outcome)
    return EXIT_FAILED if outcome.refused or outcome.failed or outcome.unwritten else EXIT_OK
