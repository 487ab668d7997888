"""The composition of the language server: the editor features (``server``) plus the cloud and life-cycle
features (``cloud``, ``lifecycle``), and ``serve``.

``server`` does not import the cloud features and they import ``server`` (and ``state``), so this module is the
only one that knows both: there is no import cycle in the package (tests/unit/test_architecture.py checks it).
The cloud modules are imported when one of their commands, code actions, code lenses or on-save checks first runs.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Mapping
from typing import Any

from lsprotocol import types as lsp

from servicestage_ls.lsp import server as server_module
from servicestage_ls.lsp.commands import CREATE, CREATE_ALL, DELETE, IMPORT, REFRESH, ROTATE, SHOW_PLAN
from servicestage_ls.lsp.compat import TracebacksAtDebug
from servicestage_ls.lsp.server import ServiceStageServer
from servicestage_ls.lsp.state import DocState


def create_server(env: Mapping[str, str] | None = None) -> ServiceStageServer:
    """The server with every feature registered."""
    server = server_module.build_server(env)
    for command, entry_point in ((CREATE, "create"), (CREATE_ALL, "create_all"), (REFRESH, "refresh")):
        server.command(command)(_cloud_command(entry_point))
    for command, entry_point in ((SHOW_PLAN, "show_plan"), (IMPORT, "import_remote"), (ROTATE, "rotate"),
                                 (DELETE, "delete")):
        server.command(command)(_cloud_command(entry_point, "lifecycle"))
    server.code_action_hooks.append(_cloud_code_actions)
    server.code_action_hooks.append(_lifecycle_code_actions)
    server.code_lens_hooks.append(_lifecycle_code_lenses)
    server.on_save_hooks.append(_cloud_on_save)
    return server


def _cloud_command(entry_point: str, module: str = "cloud") -> Callable[..., Any]:
    # No annotations: pygls converts a command's arguments by them; these are plain JSON objects that the
    # command checks itself.
    async def command(ls, *args):  # type: ignore[no-untyped-def]
        import importlib

        return await getattr(importlib.import_module(f"servicestage_ls.lsp.{module}"), entry_point)(ls, args)

    return command


def _lifecycle_code_actions(ls: ServiceStageServer, state: DocState,
                            params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
    from servicestage_ls.lsp import lifecycle

    return lifecycle.code_actions(ls, state, params)


def _cloud_code_actions(ls: ServiceStageServer, state: DocState,
                        params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
    from servicestage_ls.lsp import cloud as lsp_cloud

    return lsp_cloud.code_actions(ls, state, params)


def _cloud_on_save(ls: ServiceStageServer, state: DocState) -> None:
    from servicestage_ls.lsp import cloud as lsp_cloud

    lsp_cloud.on_save(ls, state)


def _lifecycle_code_lenses(ls: ServiceStageServer, state: DocState) -> list[lsp.CodeLens]:
    from servicestage_ls.lsp import lifecycle

    return lifecycle.code_lenses(ls, state)


def serve(tcp: tuple[str, int] | None = None, env: Mapping[str, str] | None = None) -> int:
    """Run the server until the client says exit. Nothing but the protocol goes to stdout."""
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.addFilter(TracebacksAtDebug())
        handler.addFilter(server_module.RedactTokenShapes())
    level = (os.environ if env is None else env).get(server_module.LOG_LEVEL_VARIABLE, "").strip().upper()
    server_module.log.setLevel(level if level in ("DEBUG", "INFO", "WARNING", "ERROR") else logging.INFO)
    server = create_server(env)
    if tcp is not None:
        server.start_tcp(*tcp)
        return 0
    protocol_out = sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print() must not corrupt the protocol stream
    server.start_io(sys.stdin.buffer, protocol_out)
    return 0
