"""The server as ``setup`` puts it together: each handler of the list answers its method (pulled diagnostics only
for a client that pulls, registered during initialize), and the cloud and life-cycle features are made — and their
modules imported — only when first used, once per server."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from lsprotocol import types as lsp

from servicestage_ls.engine.findings import failure_finding
from servicestage_ls.lsp.cloud import CloudFeature
from servicestage_ls.lsp.lifecycle import LifecycleFeature
from servicestage_ls.lsp.setup import HANDLERS, PULL_DIAGNOSTICS, LazyFeature, create_server
from servicestage_ls.lsp.state import DocState, Mark

ROOT = Path(__file__).resolve().parents[3]
URI = "file:///w/a.servicestage.yaml"
TEXT = ("project_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789\nregion: cn-north-4\nauthorizations:\n"
        "  - name: frontend\n    repo_type: github\n    token: ${GITHUB_TOKEN}\n")


def test_every_handler_of_the_list_answers_its_method_once() -> None:
    methods = [handler.method for handler in (*HANDLERS, PULL_DIAGNOSTICS)]
    assert len(methods) == len(set(methods))
    server = create_server({})
    assert set(server.protocol.fm.features) == {lsp.INITIALIZE, *(h.method for h in HANDLERS)}
    for handler in HANDLERS:
        if handler.options is not None:
            assert server.protocol.fm.feature_options[handler.method] is handler.options


def test_creating_the_server_imports_no_cloud_feature() -> None:
    script = ("import sys\nfrom servicestage_ls.lsp.setup import create_server\ncreate_server({})\n"
              "print(sorted(m for m in sys.modules if m in ('httpx', 'servicestage_ls.lsp.cloud', "
              "'servicestage_ls.lsp.lifecycle', 'servicestage_ls.lsp.kinds', 'servicestage_ls.lsp.run', "
              "'servicestage_ls.lsp.apply', "
              "'servicestage_ls.cloud.client')))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                            cwd=ROOT, check=True)
    assert result.stdout == "[]\n"


def test_a_lazy_feature_is_made_once_on_first_use_and_shows_nothing_before() -> None:
    server = create_server({"GITHUB_TOKEN": "x"})
    cloud, lifecycle, kinds = server.features
    assert isinstance(cloud, LazyFeature) and isinstance(lifecycle, LazyFeature) and isinstance(kinds, LazyFeature)
    state = DocState(URI, TEXT, 1)
    assert cloud.findings(server, state) == []  # not made for a diagnostic
    assert cloud._feature is None and lifecycle._feature is None and kinds._feature is None
    assert server.current_findings(state)[1] == state.findings(server.env)
    lenses = lifecycle.code_lenses(server, state)
    assert [(lens.range.start.line, lens.command and lens.command.command) for lens in lenses] == [
        (3, "servicestage-ls.createAuthorization")]
    made = lifecycle.loaded()
    assert isinstance(made, LifecycleFeature) and lifecycle.loaded() is made
    assert isinstance(cloud.loaded(), CloudFeature)  # made for the life cycle, which shares its state
    assert made.shared is cloud.loaded().shared  # type: ignore[attr-defined]
    entry = state.model().entries[0]
    failed = failure_finding(entry, "ServiceStage said no")
    state.marks[("frontend", "SS170")] = Mark(failed, entry.text, entry.first_line)
    assert cloud.findings(server, state) == [failed]  # the cloud feature shows what its commands pinned
    assert failed in server.current_findings(state)[1]


def test_the_commands_of_the_features_are_the_servers() -> None:
    server = create_server({})
    commands = {command for feature in server.features if isinstance(feature, LazyFeature)
                for command in feature.commands()}
    assert commands == set(server.protocol.fm.commands)
