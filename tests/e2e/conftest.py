"""Shared e2e fixtures of the cloud tests, one of each for the whole run (starting servers is most of their cost):
the emulator as a subprocess, the emulator in this process, and the language servers (``lsp_sessions``).

Tests that use ``lsp_sessions`` run in the session's event loop: ``pytest.mark.asyncio(loop_scope="session")``.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio

from helpers.cloud_lsp import (
    ALL_SECRETS,
    API_TOKEN,
    LIVE_SESSIONS,
    REVOKED_VALUE,
    EditorClient,
    lsp_env,
    start_session,
    stop_session,
)
from helpers.cloud_servers import EmulatorProcess, start_emulator
from helpers.lsp_session import assert_no_secrets
from servicestage_ls.cloud.emulator import Emulator


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    """``servicestage-ls emulator --port 0 --token API_TOKEN``; it must exit cleanly. Tests keep apart by using
    a fresh project id each (the emulator keeps authorizations per project)."""
    process = start_emulator(["--port", "0", "--token", API_TOKEN], tmp_path_factory.mktemp("emu") / "stderr.log")
    yield process
    assert process.stop() == 0
    assert API_TOKEN not in process.stderr()


@pytest.fixture(scope="session")
def live_emulator() -> Iterator[Emulator]:
    """The emulator in this process (on a thread), for tests that change its state behind the API's back."""
    with Emulator(token=API_TOKEN, log_stream=io.StringIO(), rejected_tokens=frozenset({REVOKED_VALUE})) as emu:
        yield emu


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def lsp_sessions() -> AsyncIterator[dict[str, EditorClient]]:
    """The language servers of the cloud tests, started at once:

    - "visual-studio-code": VS Code preset (pushed diagnostics, versioned document changes, work-done progress),
      credentials, and remoteCheck onSave (it acts only on didSave: the create tests never save);
    - "neovim": Neovim preset (pulled diagnostics without refresh, unversioned `changes`), credentials;
    - "impatient": VS Code preset, credentials, timeoutSeconds 1 (the smallest allowed) from initializationOptions;
    - "anonymous": VS Code preset, remoteCheck onSave, and no Huawei Cloud credentials at all.
    """
    specs = {
        "visual-studio-code": ("visual-studio-code", lsp_env(), {"remoteCheck": "onSave"}),
        "neovim": ("neovim", lsp_env(), None),
        "impatient": ("visual-studio-code", lsp_env(), {"timeoutSeconds": 1}),
        "anonymous": ("visual-studio-code", lsp_env(credentials=False), {"remoteCheck": "onSave"}),
    }
    started = await asyncio.gather(*(start_session(*spec) for spec in specs.values()))
    yield dict(zip(specs, started))
    await asyncio.gather(*(stop_session(one) for one in started))


@pytest.fixture(autouse=True)
def _no_secrets_reached_a_client() -> Iterator[None]:
    """After every test: nothing any live LSP session received (or its server logged) holds a secret value."""
    yield
    for session in list(LIVE_SESSIONS):
        assert_no_secrets(session, extra=ALL_SECRETS)
