"""``servicestage-ls test FILE [--name NAME…]``: whether each authorization works — the namespaces it sees in its
repository (``X-Repo-Auth``), or why not and what fixes it. It only reads ServiceStage."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TextIO

from servicestage_ls.cli.front import (
    EXIT_FAILED,
    EXIT_OK,
    INTERRUPTED_READING,
    Usage,
    client_for_file,
    read_model,
    run_calls,
)
from servicestage_ls.core.schema import redact
from servicestage_ls.engine import probe
from servicestage_ls.engine.actions import CloudOptions, Refused


def run_test(path: str, *, names: Sequence[str], fmt: str, options: CloudOptions, env: Mapping[str, str],
             out: TextIO, err: TextIO) -> int:
    """Exit 0 when every authorization tested works, 1 when one does not (or a call failed), 2 for usage."""

    async def go() -> int:
        model = read_model(path)
        try:
            wanted = probe.targets(model, names)
        except Refused as why:
            raise Usage(redact(str(why))) from None
        if not wanted:
            raise Usage("the file has no entry to test")
        client = await client_for_file(model, options, env)
        async with client:
            results = await probe.probe(client, wanted, probe.command_line_fixes(path))
        if fmt == "json":
            json.dump({"project_id": client.project_id, "endpoint": client.endpoint,
                       "results": [r.as_json() for r in results]}, out, indent=2)
            out.write("\n")
        else:
            for result in results:
                (out if result.ok else err).write(f"{path}: {result.line}\n")
            if len(results) > 1:
                out.write(f"{path}: {probe.summary_line(results)}\n")
        return EXIT_OK if all(r.ok for r in results) else EXIT_FAILED

    return run_calls(path, go(), err, failed_call=None, interrupted=INTERRUPTED_READING)
