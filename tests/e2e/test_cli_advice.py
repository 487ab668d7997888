"""A failed connection's advice in the command line's words: what the CLI honours (the file's `endpoint` or
`region`, ``--endpoint``/``--region`` of list and import, ``--ca-bundle``, ``--timeout``), never the editor's
``servicestage.*`` settings. The editor keeps its words (tests/e2e/test_network_faults.py, test_create_lsp.py);
test_cli_connection.py has the command line's TLS and timeout words from a real server."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest

from helpers.cloud_lsp import API_TOKEN, GITHUB_VALUE, closed_port
from helpers.cloud_servers import subprocess_env

DEADLINE = 60.0
CLI = Path(sys.executable).with_name("servicestage-ls")
COMMAND = [str(CLI)] if CLI.exists() else [sys.executable, "-m", "servicestage_ls"]
ENDPOINT_ADVICE = ("check the endpoint (`endpoint` or `region` in the file or on the command line) and that the "
                   "service is reachable")
ENTRY = "  - name: new-one\n    repo_type: github\n    token: ${GITHUB_TOKEN}\n"


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**subprocess_env(), "HUAWEICLOUD_AUTH_TOKEN": API_TOKEN, "GITHUB_TOKEN": GITHUB_VALUE}
    return subprocess.run([*COMMAND, *args], capture_output=True, text=True, env=env, timeout=DEADLINE,
                          stdin=subprocess.DEVNULL)


@pytest.mark.parametrize(("args", "said"), [
    (("plan", "{file}"), "{file}: error: listing the authorizations failed: {refused}"),
    (("apply", "{file}"), "{file}: error: listing the authorizations failed: {refused}"),
    (("create", "{file}"), "{file}: creating 'new-one' failed: {refused}"),
    (("list", "--endpoint", "{url}", "--project-id", "{project}"),
     "servicestage-ls list: error: listing the authorizations failed: {refused}"),
], ids=["plan", "apply", "create", "list"])
def test_a_refused_connection_says_what_the_command_line_honours(tmp_path: Path, args: tuple[str, ...],
                                                                  said: str) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    project = uuid.uuid4().hex
    path = tmp_path / "refused.servicestage.yaml"
    text = f"project_id: {project}\nendpoint: {url}\nauthorizations:\n{ENTRY}"
    path.write_text(text, encoding="utf-8")
    done = cli(*(a.format(file=path, url=url, project=project) for a in args))
    refused = f"Could not connect to {url}: connection refused — {ENDPOINT_ADVICE}"
    assert (done.returncode, done.stdout, done.stderr) == (1, "", said.format(file=path, refused=refused) + "\n")
    assert path.read_text(encoding="utf-8") == text


def test_each_audience_has_its_words_for_a_timeout() -> None:
    from servicestage_ls.cloud.errors import COMMAND_LINE_ADVICE, EDITOR_ADVICE
    from servicestage_ls.cloud.transport import classify

    url = httpx.URL("https://servicestage.cn-north-4.myhuaweicloud.com/v1/p/git/auths")
    late = httpx.ReadTimeout("timed out")
    assert str(classify(late, url, 30, COMMAND_LINE_ADVICE).error) == (
        "No answer from https://servicestage.cn-north-4.myhuaweicloud.com within 30 s — check the network and any "
        "proxy (--timeout SECONDS sets the limit)")
    assert str(classify(late, url, 30, EDITOR_ADVICE).error) == (
        "No answer from https://servicestage.cn-north-4.myhuaweicloud.com within 30 s — check the network and any "
        "proxy (in the editor, `servicestage.timeoutSeconds` sets the limit)")
    assert str(classify(late, url, 30).error) == str(classify(late, url, 30, EDITOR_ADVICE).error)
