"""How the VS Code extension starts Python, run for real in a hostile repository (tests/fixtures/hostile-repo/):
the interpreter probe (``python -I -c …``) and the server (``python -I <extension>/tool/server.py DIR``) import
nothing of the folder they run in — not even when that folder is the working directory, which the extension
never makes it (it runs both in its own folder). The control cases show that the same commands without ``-I``
(or the old ``python -m servicestage_ls serve``) do import the repository's modules."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from helpers.hostile import copy_hostile_repo, traces

REPO = Path(__file__).resolve().parents[2]
LAUNCHER = REPO / "client-vscode" / "tool" / "server.py"
SERVER_DIR = REPO / "server"
PROBE = "import json, sys; print(json.dumps({'version': list(sys.version_info[:3]), 'executable': sys.executable}))"
MISTAKE = ("project_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789\nregion: cn-north-4\nauthorizations:\n  - name: web-frontend\n"
           "    repo_type: githib\n    token: ${GH_TOKEN}\n    host: https://github.com/tom-repo\n")


def frame(message: dict[str, object]) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def messages(output: bytes) -> list[dict[str, object]]:
    found = []
    while output:
        header, _, rest = output.partition(b"\r\n\r\n")
        lengths = [line.split(b":")[1] for line in header.split(b"\r\n") if line.lower().startswith(b"content-length:")]
        length = int(lengths[0])
        found.append(json.loads(rest[:length]))
        output = rest[length:]
    return found


def lsp_exchange(command: list[str], cwd: Path) -> list[dict[str, object]]:
    """initialize, open a file with a mistake, shutdown, exit: what the server wrote."""
    uri = (cwd / "servicestage.yaml").as_uri()
    script = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize",
         "params": {"processId": None, "rootUri": cwd.as_uri(), "capabilities": {}}},
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
        {"jsonrpc": "2.0", "method": "textDocument/didOpen",
         "params": {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": MISTAKE}}},
        {"jsonrpc": "2.0", "id": 2, "method": "shutdown", "params": None},
        {"jsonrpc": "2.0", "method": "exit", "params": None},
    ]
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(cwd), "GH_TOKEN": "set"}  # -I ignores PYTHONPATH too
    done = subprocess.run(command, input=b"".join(frame(m) for m in script), capture_output=True, cwd=cwd, env=env,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return messages(done.stdout)


def test_the_probe_imports_no_json_py_of_the_folder_it_runs_in(tmp_path: Path) -> None:
    repo = copy_hostile_repo(tmp_path / "repo")
    done = subprocess.run([sys.executable, "-I", "-c", PROBE], capture_output=True, text=True, cwd=repo, check=True)
    assert json.loads(done.stdout)["executable"] == sys.executable
    assert traces(repo) == []
    # The control: without -I the folder's json.py is imported.
    subprocess.run([sys.executable, "-c", PROBE], capture_output=True, cwd=repo, check=False)
    assert traces(repo) == ["IMPORTED-json"]


def test_the_server_started_as_the_extension_does_imports_nothing_of_the_repository(tmp_path: Path) -> None:
    repo = copy_hostile_repo(tmp_path / "repo")
    out = lsp_exchange([sys.executable, "-I", str(LAUNCHER), str(SERVER_DIR)], cwd=repo)
    assert traces(repo) == []
    assert out[0]["id"] == 1 and "capabilities" in out[0]["result"]  # type: ignore[operator]
    published = [m["params"] for m in out if m.get("method") == "textDocument/publishDiagnostics"]
    assert [d["code"] for p in published for d in p["diagnostics"]] == ["SS132"]  # type: ignore[index]


def test_the_old_launch_from_the_repository_imported_its_modules(tmp_path: Path) -> None:
    """What issue 18 found: ``python -m servicestage_ls serve`` in the repository runs the repository's package."""
    repo = copy_hostile_repo(tmp_path / "repo")
    subprocess.run([sys.executable, "-m", "servicestage_ls", "serve"], input=b"", capture_output=True, cwd=repo,
                   timeout=60, check=False)
    assert traces(repo) == ["IMPORTED-servicestage_ls"]
