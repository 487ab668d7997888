"""``servicestage-ls create``'s side of the create loop: the file on disk as its front (re-read before the write,
rewritten atomically) and what a refused write-back prints."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from servicestage_ls.cli.front import FileFront
from servicestage_ls.cloud.client import Authorization
from servicestage_ls.core.document import parse
from servicestage_ls.engine import actions
from servicestage_ls.engine.create import CreateOutcome, create_each, prepare_each

HEAD = "region: cn-north-4\nproject_id: p\nauthorizations:\n"
ENV = {"GITHUB_TOKEN": "ghp_" + "b" * 36}
ENTRY = "  - name: web-app\n    repo_type: github\n    token: ${GITHUB_TOKEN}\n"


class ChangesTheFile:
    """Creates every authorization; ``meanwhile`` runs while ServiceStage answers (the user edits the file)."""

    def __init__(self, meanwhile: object = None) -> None:
        self.meanwhile = meanwhile

    async def create_personal_authorization(self, repo_type: str, name: str, token: str,
                                            host: str | None) -> Authorization:
        if callable(self.meanwhile):
            self.meanwhile()
        return Authorization(name, repo_user="tom", status=0)


async def run(path: Path, client: ChangesTheFile) -> tuple[CreateOutcome, str, str]:
    out, err = io.StringIO(), io.StringIO()
    front = FileFront(str(path), ENV, out, err)
    model = parse(path.read_text(encoding="utf-8"))
    outcome = CreateOutcome()
    prepared = prepare_each(front, model, actions.new_entries(model), outcome)
    await create_each(front, client, prepared, outcome)  # type: ignore[arg-type]
    return outcome, out.getvalue(), err.getvalue()


async def test_the_file_is_written_back_with_its_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "team.servicestage.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + (HEAD + ENTRY).encode())
    outcome, out, err = await run(path, ChangesTheFile())
    assert (out, err) == (f"{path}: created 'web-app': repo_user tom, status 0 (normal)\n", "")
    written = HEAD + ENTRY + "    repo_user: tom\n    status: 0  # normal\n"
    assert path.read_bytes() == b"\xef\xbb\xbf" + written.encode()
    assert outcome == CreateOutcome(created=["web-app"])


async def test_an_entry_edited_meanwhile_is_kept_and_the_write_back_refused(tmp_path: Path) -> None:
    path = tmp_path / "team.servicestage.yaml"
    path.write_text(HEAD + ENTRY, encoding="utf-8")
    typed = HEAD + ENTRY.replace("github", "gitlab")
    outcome, out, err = await run(path, ChangesTheFile(lambda: path.write_text(typed, encoding="utf-8")))
    assert out == ""
    assert err == (f"{path}: created 'web-app' (repo_user tom, status 0 (normal)) but did not write it back: "
                   "'web-app' changed while ServiceStage answered (repo_type); nothing was written — write repo_user "
                   "and status with Refresh status in the editor, or by hand\n")
    assert path.read_text(encoding="utf-8") == typed
    assert outcome == CreateOutcome(created=["web-app"], unwritten=["web-app"])


async def test_a_file_gone_meanwhile_is_said_with_the_reason_alone(tmp_path: Path) -> None:
    path = tmp_path / "team.servicestage.yaml"
    path.write_text(HEAD + ENTRY, encoding="utf-8")
    outcome, out, err = await run(path, ChangesTheFile(path.unlink))
    assert (out, err) == ("", f"{path}: created 'web-app' (repo_user tom, status 0 (normal)) but did not write it "
                              "back: no such file\n")
    assert outcome.unwritten == ["web-app"]


class DeletesThenFails:
    """A rotation's probe is created and its delete succeeds, then the file goes away and the create is refused."""

    def __init__(self, path: Path) -> None:
        self.path = path

    async def delete_authorization(self, name: str) -> None:
        if name == "web-app":
            self.path.unlink()

    async def create_personal_authorization(self, repo_type: str, name: str, token: str,
                                            host: str | None) -> Authorization:
        from servicestage_ls.cloud.errors import CloudError

        if name != "web-app":  # the probe
            return Authorization(name, repo_user="tom", status=0)
        raise CloudError("http", "SVCSTG.REPO.0451 repository authorization invalid", status=400)


async def test_an_incomplete_rotation_of_a_file_gone_meanwhile_says_the_reason_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from servicestage_ls.engine import lifecycle

    monkeypatch.setattr(lifecycle.secrets, "token_hex", lambda n: "0a1b2c")

    path = tmp_path / "team.servicestage.yaml"
    path.write_text(HEAD + ENTRY + "    repo_user: tom\n    status: 1\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    front = FileFront(str(path), ENV, out, err)
    assert await lifecycle.rotate_one(front, DeletesThenFails(path), "web-app") == "incomplete"  # type: ignore[arg-type]
    assert (out.getvalue(), err.getvalue()) == ("", (
        f"{path}: ROTATION INCOMPLETE: 'web-app' was deleted from ServiceStage, but creating it again failed: "
        "ServiceStage refused the request: SVCSTG.REPO.0451 repository authorization invalid (HTTP 400). 'web-app' "
        "does not exist in ServiceStage now; the file no longer says it does. To finish: fix the cause, then run "
        f"`servicestage-ls apply {path}` (it creates 'web-app' again) (the probe 'web-app.probe-0a1b2c' that proved the "
        "token was deleted) (the file was not changed: no such file)\n"))
