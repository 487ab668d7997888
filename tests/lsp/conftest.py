"""The real server as a subprocess, driven by pytest-lsp under the VS Code and Neovim client presets."""

from __future__ import annotations

import pytest
import pytest_lsp

from helpers.eglot import EGLOT_1_9
from helpers.lsp_session import RecordingClient, assert_no_secrets, initialize, server_config

PRESETS = ["visual-studio-code", "neovim", EGLOT_1_9]


@pytest_lsp.fixture(params=PRESETS, config=server_config(), scope="module")
async def client(request: pytest.FixtureRequest, lsp_client: RecordingClient):
    await initialize(lsp_client, request.param)
    yield
    await lsp_client.shutdown_session()
    assert_no_secrets(lsp_client)
