"""``servicestage-ls import [FILE | -o FILE]``: entries for the authorizations ServiceStage has and the file
does not. Tokens are written as ``${…}`` references (a variable named after the entry), never as values.

``FILE`` is appended to (atomically, byte-identical elsewhere); ``-o FILE`` creates a new file (atomically too:
whole or not at all, never over an existing file) with the project and region or endpoint; with neither, the
new file's text is printed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, TextIO

from servicestage_ls.cli.files import write_new
from servicestage_ls.cli.front import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    INTERRUPTED_READING,
    FileFront,
    client_for,
    client_for_file,
    read_model,
    run_calls,
)
from servicestage_ls.core.model import Model
from servicestage_ls.core.edits import TextEdit
from servicestage_ls.engine import imports
from servicestage_ls.engine.actions import CloudOptions, Refused
from servicestage_ls.engine.lifecycle import q

if TYPE_CHECKING:
    from servicestage_ls.cloud.client import Authorization, ServiceStageClient


def run_import(file: str | None, *, output: str | None, region: str | None, endpoint: str | None,
               project_id: str | None, names: Sequence[str], options: CloudOptions, env: Mapping[str, str],
               out: TextIO, err: TextIO) -> int:
    where = file or output or "servicestage-ls import"
    if file is not None and output is not None:
        err.write(f"{where}: error: give FILE (to add to it) or -o FILE (a new file), not both\n")
        return EXIT_USAGE
    if output is not None and os.path.lexists(output):
        err.write(f"{output}: error: {_exists(output)}\n")
        return EXIT_USAGE

    async def go() -> int:
        model = read_model(file, writing=True) if file is not None else None
        client = await _client(model, region=region, endpoint=endpoint, project_id=project_id, options=options,
                              env=env)
        async with client:
            remote = await client.list_authorizations()
        remote_names = {a.name for a in remote}
        unknown = [n for n in names if n not in remote_names]
        if unknown:
            err.write(f"{where}: error: ServiceStage has no authorization named {q(unknown[0])}\n")
            return EXIT_FAILED
        auths = imports.importable(model, remote, names)
        if file is None:
            text = imports.new_file_text(auths, project_id=client.project_id, region=None if endpoint else region,
                                          endpoint=endpoint)
            return _new_file(text, auths, output, out, err)
        return await _add_to_file(file, auths, imports.variables_in(model), env, out, err)

    return run_calls(where, go(), err, interrupted=INTERRUPTED_READING)


def _exists(output: str) -> str:
    return f"the file exists; `servicestage-ls import {output}` adds to it"


async def _client(model: Model | None, *, region: str | None, endpoint: str | None, project_id: str | None,
                  options: CloudOptions, env: Mapping[str, str]) -> ServiceStageClient:
    """The file's project unless the command line names a target (which the file completes)."""
    if model is None:
        return await client_for(region=region, endpoint=endpoint, project_id=project_id, options=options, env=env)
    if region or endpoint or project_id:
        return await client_for(region=region or model.top_value("region"),
                                endpoint=endpoint or model.top_value("endpoint"),
                                project_id=project_id or model.top_value("project_id"), options=options, env=env)
    return await client_for_file(model, options, env)


def _new_file(text: str, auths: list[Authorization], output: str | None, out: TextIO, err: TextIO) -> int:
    """The new file's text printed, or written to ``output`` (which must not exist)."""
    if output is None:
        out.write(text)
        return EXIT_OK
    try:
        write_new(output, text)  # whole or not at all, never over a file that appeared since the first look
    except FileExistsError:
        err.write(f"{output}: error: {_exists(output)}\n")
        return EXIT_USAGE
    except OSError as why:
        err.write(f"{output}: error: cannot write it: {why.strerror or why}\n")
        return EXIT_USAGE
    out.write(f"{output}: {imports.imported_message(auths) if auths else 'ServiceStage has no authorization'}\n")
    return EXIT_OK


async def _add_to_file(file: str, auths: list[Authorization], taken: set[str], env: Mapping[str, str], out: TextIO,
                       err: TextIO) -> int:
    if not auths:
        out.write(f"{file}: nothing to import: the file has every authorization ServiceStage has\n")
        return EXIT_OK
    front = FileFront(file, env, out, err)

    def compute(current: Model) -> list[TextEdit]:
        present = {e.name for e in current.entries}
        return imports.import_edits(current, [a for a in auths if a.name not in present])

    try:
        await front.write(compute, "import")
    except (Refused, imports.CannotImport) as why:
        err.write(f"{file}: error: {why}; nothing was written\n")
        return EXIT_FAILED
    out.write(f"{file}: {imports.imported_message(auths, taken)}\n")
    return EXIT_OK
