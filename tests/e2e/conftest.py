"""Shared e2e fixtures: the emulator (a subprocess, one per module) and the in-process emulator."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest

from helpers.cloud_lsp import ALL_SECRETS, API_TOKEN, LIVE_SESSIONS
from helpers.cloud_servers import EmulatorProcess, start_emulator
from helpers.lsp_session import assert_no_secrets
from servicestage_ls.emulator import Emulator


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    """``servicestage-ls emulator --port 0 --token API_TOKEN`` for the module; it must exit cleanly."""
    process = start_emulator(["--port", "0", "--token", API_TOKEN], tmp_path_factory.mktemp("emu") / "stderr.log")
    yield process
    assert process.stop() == 0
    assert API_TOKEN not in process.stderr()


@pytest.fixture(scope="module")
def live_emulator() -> Iterator[Emulator]:
    """The emulator in this process (on a thread), for tests that change its state behind the API's back."""
    with Emulator(token=API_TOKEN, log_stream=io.StringIO()) as emu:
        yield emu


@pytest.fixture(autouse=True)
def _no_secrets_reached_a_client() -> Iterator[None]:
    """After every test: nothing any live LSP session received (or its server logged) holds a secret value."""
    yield
    for session in list(LIVE_SESSIONS):
        assert_no_secrets(session, extra=ALL_SECRETS)
