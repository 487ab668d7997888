"""``servicestage-ls list`` and ``servicestage-ls plan``: what ServiceStage has, and what differs from the file.

Both only read (the list API); neither changes anything.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, TextIO

from servicestage_ls.cli.front import (
    EXIT_OK,
    EXIT_PENDING,
    INTERRUPTED_READING,
    client_for,
    client_for_file,
    read_model,
    run_calls,
)
from servicestage_ls.engine import plan as planning
from servicestage_ls.engine.actions import CloudOptions
from servicestage_ls.core.schema import redact
from servicestage_ls.engine.plan import status_text

if TYPE_CHECKING:
    from servicestage_ls.cloud.client import Authorization, ServiceStageClient


def utc(ms: int | None) -> str:
    if ms is None:
        return "-"
    return datetime.fromtimestamp(ms / 1000, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


async def listed(client: ServiceStageClient) -> list[Authorization]:
    async with client:
        return await client.list_authorizations()


def run_list(file: str | None, *, region: str | None, endpoint: str | None, project_id: str | None, fmt: str,
             options: CloudOptions, env: Mapping[str, str], out: TextIO, err: TextIO) -> int:
    async def go() -> int:
        if file is not None:
            client = await client_for_file(read_model(file), options, env)
        else:
            client = await client_for(region=region, endpoint=endpoint, project_id=project_id, options=options,
                                          env=env)
        _print_list(client, await listed(client), fmt, out)
        return EXIT_OK

    return run_calls(file or "servicestage-ls list", go(), err, interrupted=INTERRUPTED_READING)


def _print_list(client: ServiceStageClient, remote: list[Authorization], fmt: str, out: TextIO) -> None:
    if fmt == "json":
        items = [{"name": a.name, "token_type": a.token_type, "repo_type": a.repo_type, "repo_user": a.repo_user,
                  "status": a.status, "tag": a.tag, "update_time": a.update_time} for a in remote]
        json.dump({"project_id": client.project_id, "endpoint": client.endpoint, "authorizations": items}, out,
                  indent=2)
        out.write("\n")
        return
    out.write(f"ServiceStage project {client.project_id} at {client.endpoint}: {len(remote)} authorization"
              f"{'' if len(remote) == 1 else 's'}\n")
    tags = any(a.tag for a in remote)  # the TAG column only when an OAuth authorization has one
    rows = [(redact(a.name), a.token_type or "-", a.repo_type or "-", redact(a.repo_user or "-"),
             status_text(a.status), *((a.tag or "-",) if tags else ()), utc(a.update_time)) for a in remote]
    if rows:
        heads = ("NAME", "KIND", "REPO_TYPE", "REPO_USER", "STATUS", *(("TAG",) if tags else ()), "UPDATED")
        widths = [max(len(r[i]) for r in [heads, *rows]) for i in range(len(heads) - 1)]
        for row in [heads, *rows]:
            out.write("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:-1])) + "  " + row[-1] + "\n")


def run_plan(file: str, *, fmt: str, detailed_exitcode: bool, options: CloudOptions, env: Mapping[str, str],
             out: TextIO, err: TextIO) -> int:
    async def go() -> int:
        model = read_model(file)
        client = await client_for_file(model, options, env)
        changes = planning.plan(model, await listed(client), env)
        if fmt == "json":
            json.dump(planning.plan_json(changes, client.project_id, client.endpoint), out, indent=2)
            out.write("\n")
        else:
            out.write("".join(line + "\n" for line in planning.plan_lines(changes, client.project_id,
                                                                          client.endpoint)))
        return EXIT_PENDING if detailed_exitcode and planning.pending(changes) else EXIT_OK

    return run_calls(file, go(), err, interrupted=INTERRUPTED_READING)
