"""Rotation and replace prove the token first (its shape, then a probe authorization), delete the probe whatever
happens, and say what exists when they stop: ``engine.lifecycle.recreate_one`` against a scripted client."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest

from servicestage_ls.cli.front import FileFront
from servicestage_ls.cloud.client import Authorization
from servicestage_ls.cloud.errors import CloudError
from servicestage_ls.engine import lifecycle

HEAD = "region: cn-north-4\nproject_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789\nauthorizations:\n"
GOOD = "ghp_" + "b" * 36
ENTRY = "  - name: web-app\n    repo_type: github\n    token: ${GITHUB_TOKEN}\n    repo_user: tom\n    status: 1\n"
PROBE = "web-app.probe-0a1b2c"
REFUSED = CloudError("http", "SVCSTG.REPO.0451 repository authorization invalid", status=400)
GONE = CloudError("network", "Could not connect to http://127.0.0.1:9: connection refused")


class Scripted:
    """Answers each call from ``fail`` (a call such as ``"create web-app"`` → the error it raises); records them."""

    def __init__(self, fail: dict[str, BaseException] | None = None) -> None:
        self.fail = fail or {}
        self.calls: list[str] = []

    async def create_personal_authorization(self, repo_type: str, name: str, token: str,
                                            host: str | None) -> Authorization:
        self.calls.append(f"create {name}")
        if f"create {name}" in self.fail:
            raise self.fail[f"create {name}"]
        return Authorization(name, repo_user="tom", status=0)

    async def delete_authorization(self, name: str) -> None:
        self.calls.append(f"delete {name}")
        if f"delete {name}" in self.fail:
            raise self.fail[f"delete {name}"]


@pytest.fixture(autouse=True)
def fixed_probe(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lifecycle.secrets, "token_hex", lambda n: "0a1b2c")


async def recreate(tmp_path: Path, client: Scripted, token: str = GOOD, entry: str = ENTRY,
                   why: lifecycle.Recreation = lifecycle.ROTATION) -> tuple[str, str, str, Path]:
    path = tmp_path / "team.servicestage.yaml"
    path.write_text(HEAD + entry, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    front = FileFront(str(path), {"GITHUB_TOKEN": token}, out, err)
    result = await lifecycle.recreate_one(front, client, "web-app", why)  # type: ignore[arg-type]
    return result, out.getvalue(), err.getvalue(), path


async def test_a_proven_rotation_creates_the_probe_first_and_deletes_it_last(tmp_path: Path) -> None:
    client = Scripted()
    result, out, err, path = await recreate(tmp_path, client)
    assert (result, err) == ("done", "")
    assert client.calls == [f"create {PROBE}", "delete web-app", "create web-app", f"delete {PROBE}"]
    assert out == f"{path}: rotated the token of 'web-app': repo_user tom, status 0 (normal)\n"
    assert path.read_text(encoding="utf-8").endswith("    repo_user: tom\n    status: 0  # normal\n")


async def test_a_token_of_the_wrong_shape_sends_nothing(tmp_path: Path) -> None:
    client = Scripted()
    result, out, err, path = await recreate(tmp_path, client, token="glpat-" + "c" * 20)
    assert (result, out, client.calls) == ("failed", "", [])
    assert err == (f"{path}: rotating the token of 'web-app' failed: the token from ${{GITHUB_TOKEN}} does not look "
                   "like a github token: a GitHub token starts with `ghp_` (classic) or `github_pat_` (fine-grained); "
                   "nothing was sent\n")


async def test_a_refused_probe_changes_nothing(tmp_path: Path) -> None:
    client = Scripted({f"create {PROBE}": REFUSED})
    result, out, err, path = await recreate(tmp_path, client, why=lifecycle.REPLACEMENT)
    assert (result, out, client.calls) == ("failed", "", [f"create {PROBE}"])  # ServiceStage answered: go on
    assert err == (f"{path}: replacing 'web-app' failed: the probe authorization '{PROBE}' that proves the token "
                   "from ${GITHUB_TOKEN} was not created: ServiceStage refused the request: SVCSTG.REPO.0451 "
                   "repository authorization invalid (HTTP 400); nothing was changed\n")
    assert path.read_text(encoding="utf-8") == HEAD + ENTRY


async def test_a_failed_delete_still_deletes_the_probe(tmp_path: Path) -> None:
    client = Scripted({"delete web-app": GONE})
    result, out, err, path = await recreate(tmp_path, client)
    assert (result, out) == ("unreachable", "")  # a connection-level failure: apply stops there
    assert client.calls == [f"create {PROBE}", "delete web-app", f"delete {PROBE}"]
    assert err == (f"{path}: rotating the token of 'web-app' failed: deleting it failed: Could not connect to "
                   "http://127.0.0.1:9: connection refused; it was not changed (the token was proven)\n")


async def test_a_create_that_fails_after_the_delete_says_what_exists_and_how_to_finish(tmp_path: Path) -> None:
    client = Scripted({"create web-app": GONE, f"delete {PROBE}": GONE})
    result, out, err, path = await recreate(tmp_path, client, why=lifecycle.REPLACEMENT)
    assert (result, out) == ("incomplete", "")
    assert client.calls == [f"create {PROBE}", "delete web-app", "create web-app", f"delete {PROBE}"]
    assert err.splitlines() == [
        f"{path}: the probe authorization '{PROBE}' was left in ServiceStage (deleting it failed: Could not connect "
        f"to http://127.0.0.1:9: connection refused); `servicestage-ls plan {path}` lists it as a leftover and "
        f"`servicestage-ls apply {path}` deletes it",
        f"{path}: REPLACE INCOMPLETE: 'web-app' was deleted from ServiceStage, but creating it again failed: Could not "
        "connect to http://127.0.0.1:9: connection refused. 'web-app' does not exist in ServiceStage now; the file "
        f"no longer says it does. To finish: fix the cause, then run `servicestage-ls apply {path}` (it creates "
        f"'web-app' again) (the probe '{PROBE}' that proved the token is still there)",
    ]
    assert path.read_text(encoding="utf-8") == HEAD + ENTRY.replace("    repo_user: tom\n    status: 1\n", "")


async def test_a_cancelled_rotation_deletes_its_probe(tmp_path: Path) -> None:
    client = Scripted({"delete web-app": asyncio.CancelledError()})
    with pytest.raises(asyncio.CancelledError):
        await recreate(tmp_path, client)
    assert client.calls == [f"create {PROBE}", "delete web-app", f"delete {PROBE}"]
