"""A dead endpoint stops the run: the first connection-level failure (here a refused connection, after two calls
went through) ends ``create``, ``apply``, ``delete`` and the editor's Create all; what was done is written back,
the rest is listed once as not attempted, and the exit code is 1."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from helpers.cloud_lsp import ALL_SECRETS, API_TOKEN, CREATE_ALL, GITHUB_VALUE, EditorClient, execute
from helpers.cloud_servers import FaultServer, Request, http_response, send, subprocess_env

pytestmark = pytest.mark.asyncio(loop_scope="session")
DEADLINE = 60.0
CLI = Path(sys.executable).with_name("servicestage-ls")
COMMAND = [str(CLI)] if CLI.exists() else [sys.executable, "-m", "servicestage_ls"]
NAMES = ["dead-one", "dead-two", "dead-three", "dead-four", "dead-five"]


def dying(remote: list[str]) -> FaultServer:
    """A ServiceStage whose list shows ``remote``; it answers two creates or deletes, closing the connection after
    the second and refusing every new one from then on (the endpoint went away)."""

    async def respond(request: Request, writer: asyncio.StreamWriter) -> None:
        if request.method == "GET":
            items = [{"name": n, "repo_type": "github", "repo_user": "org", "status": 0} for n in remote]
            await send(writer, http_response(200, json.dumps({"authorizations": items}).encode(),
                                             {"Content-Type": "application/json"}))
            return
        changes = server.count("POST") + server.count("DELETE")
        last = {"Connection": "close"} if changes == 2 else {}
        if request.method == "DELETE":
            await send(writer, http_response(204, b"", last))
        else:
            name = json.loads(request.body)["name"]
            body = {"authorization": {"name": name, "repo_type": "github", "repo_user": "org", "status": 0}}
            await send(writer, http_response(200, json.dumps(body).encode(),
                                             {"Content-Type": "application/json", **last}))
        if changes == 2:
            server.stop_listening()
            writer.close()

    server = FaultServer(respond)
    return server


def entries(extra: str = "") -> str:
    return "".join(f"  - name: {n}\n    repo_type: github\n    token: ${{GITHUB_TOKEN}}\n{extra}" for n in NAMES)


async def cli(*args: str) -> tuple[int, str, str]:
    env = {**subprocess_env(), "HUAWEICLOUD_AUTH_TOKEN": API_TOKEN, "GITHUB_TOKEN": GITHUB_VALUE}
    process = await asyncio.create_subprocess_exec(*COMMAND, *args, env=env, stdin=subprocess.DEVNULL,
                                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), DEADLINE)
    for secret in ALL_SECRETS:
        assert secret.encode() not in out + err
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def refused(server: FaultServer) -> str:
    return (f"Could not connect to {server.url}: connection refused — check the endpoint (`endpoint` or `region` in "
            "the file or on the command line) and that the service is reachable")


STOPPED = "stopped: ServiceStage cannot be reached, so the rest was not attempted (2): 'dead-four', 'dead-five'"


@pytest.mark.parametrize("command", ["create", "apply"])
async def test_create_and_apply_stop_at_the_first_refused_connection(tmp_path: Path, command: str) -> None:
    async with dying([]) as server:
        path = tmp_path / "dead.servicestage.yaml"
        path.write_text(f"project_id: {uuid.uuid4().hex}\nendpoint: {server.url}\nauthorizations:\n{entries()}",
                        encoding="utf-8")
        code, out, err = await cli(command, str(path))
        assert server.count("POST") == 2  # the third create found nobody listening; nothing after it was sent
    assert code == 1
    assert err == (f"{path}: creating 'dead-three' failed: {refused(server)}\n{path}: {STOPPED}\n")
    done = [f"{path}: created '{n}': repo_user org, status 0 (normal)" for n in NAMES[:2]]
    assert out.splitlines() == done + ([f"{path}: apply: 2 done, 1 failed (dead-three), 2 not attempted"]
                                       if command == "apply" else [])
    written = path.read_text(encoding="utf-8")
    assert written.count("    repo_user: org\n    status: 0  # normal\n") == 2
    assert written.endswith("  - name: dead-five\n    repo_type: github\n    token: ${GITHUB_TOKEN}\n")


async def test_delete_stops_at_the_first_refused_connection(tmp_path: Path) -> None:
    async with dying(NAMES) as server:
        path = tmp_path / "dead.servicestage.yaml"
        path.write_text(f"project_id: {uuid.uuid4().hex}\nendpoint: {server.url}\nauthorizations:\n"
                        + entries("    repo_user: org\n    status: 0\n"), encoding="utf-8")
        code, out, err = await cli("delete", str(path), *[a for n in NAMES for a in ("--name", n)], "--yes")
        assert server.count("DELETE") == 2
    assert code == 1
    assert out == f"{path}: deleted 'dead-one' from ServiceStage\n{path}: deleted 'dead-two' from ServiceStage\n"
    assert err == f"{path}: deleting 'dead-three' failed: {refused(server)}\n{path}: {STOPPED}\n"


async def test_create_all_in_the_editor_stops_at_the_first_refused_connection(
        lsp_sessions: dict[str, EditorClient]) -> None:
    client, uri = lsp_sessions["visual-studio-code"], "file:///work/project/dead-endpoint.servicestage.yaml"
    async with dying([]) as server:
        text = f"project_id: {uuid.uuid4().hex}\nendpoint: {server.url}\nauthorizations:\n{entries()}"
        client.open(uri, text)
        since = len(client.messages)
        result = await execute(client, CREATE_ALL, {"uri": uri})
        assert server.count("POST") == 2
    assert result == {"created": NAMES[:2], "updated": [], "failed": ["dead-three"], "refused": [],
                      "not_attempted": NAMES[3:]}
    editor_refused = (f"Could not connect to {server.url}: connection refused — check the endpoint (the file's "
                      "`endpoint` or `region`, or the editor's `servicestage.endpoint` setting) and that the service "
                      "is reachable")
    assert client.shown(since) == [
        "ServiceStage: created authorization 'dead-one': repo_user org, status 0 (normal)",
        "ServiceStage: created authorization 'dead-two': repo_user org, status 0 (normal)",
        f"ServiceStage: creating 'dead-three' failed: {editor_refused}",
        f"ServiceStage: {STOPPED}",
        "ServiceStage: created 2; failed 1 (dead-three); not attempted 2",
    ]
    assert client.text(uri).count("    repo_user: org\n    status: 0  # normal\n") == 2
    client.close(uri)
