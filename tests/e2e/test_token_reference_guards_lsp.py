"""Issue 18 item 2 in the editor: Create and Create all never send a cloud credential as a repository's secret —
not by naming a credential variable (SS144 on the reference), not as a literal equal to the credential in use, not
through a malformed reference — and nothing reaches the endpoint; Rotate token refuses before it asks. The same words
as the command line."""

from __future__ import annotations

import itertools
import uuid

import pytest

from servicestage_ls.cloud.emulator import Emulator

from helpers.cloud_lsp import (
    API_TOKEN,
    CREATE,
    CREATE_ALL,
    ROTATE,
    EditorClient,
    Scripted,
    execute,
    remote_statuses,
    seed_project,
)
from helpers.cloud_servers import http_response

pytestmark = pytest.mark.asyncio(loop_scope="session")
_counter = itertools.count()
EMPTY_SUMMARY = {"created": [], "updated": [], "failed": [], "refused": []}
IN_USE = ("the token (a literal in the file) is one of the cloud credentials in use (an AK, SK, security token, "
          "X-Auth-Token or password); it is never sent (nothing was sent)")
MALFORMED = "the token reference is malformed; write it as ${NAME} (${GITHUB_TOKEN}?) (nothing was sent)"
SS144 = ("it has errors, fix them first: SS144 `${HUAWEICLOUD_AUTH_TOKEN}` is a cloud credential variable, not a "
         "repository token: it is never sent; put the token in a variable such as `GITHUB_TOKEN` and write "
         "`${GITHUB_TOKEN}`")


@pytest.fixture
def client(lsp_sessions: dict[str, EditorClient]) -> EditorClient:
    return lsp_sessions["visual-studio-code"]


GITHUB = "    repo_type: github\n    token: {token}\n"
SELF_MANAGED_GITLAB = "    repo_type: gitlab\n    token: {token}\n    host: https://git.corp.example\n"  # SS141: a warning


@pytest.mark.parametrize(("entry", "token", "reason"), [
    (GITHUB, "${HUAWEICLOUD_AUTH_TOKEN}", SS144), (SELF_MANAGED_GITLAB, API_TOKEN, IN_USE),
    (GITHUB, "$GITHUB_TOKEN", MALFORMED),
], ids=["credential-variable", "credential-value", "malformed"])
async def test_create_and_create_all_send_nothing(client: EditorClient, entry: str, token: str, reason: str) -> None:
    async with Scripted(http_response(500)) as server:
        uri = f"file:///work/project/guard{next(_counter)}.servicestage.yaml"
        client.open(uri, f"project_id: {uuid.uuid4().hex}\nendpoint: {server.url}\nauthorizations:\n"
                         "  - name: web-frontend\n" + entry.format(token=token))
        since = len(client.messages)
        one = await execute(client, CREATE, {"uri": uri, "name": "web-frontend"})
        every = await execute(client, CREATE_ALL, {"uri": uri})
        assert server.server.requests == []
    assert (one, every) == (EMPTY_SUMMARY, {**EMPTY_SUMMARY, "refused": ["web-frontend"]})
    shown = [message for _, message in client.shown_with_type(since)]
    assert shown == [f"ServiceStage: cannot create 'web-frontend': {reason}",
                     f"ServiceStage: skipped 'web-frontend': {reason}"]


@pytest.mark.parametrize(("token", "reason"), [
    ("${HUAWEICLOUD_AUTH_TOKEN}", SS144),
    ("$GITHUB_TOKEN", MALFORMED),
], ids=["credential-variable", "malformed"])
async def test_rotate_refuses_before_asking_and_changes_nothing(client: EditorClient, live_emulator: Emulator,
                                                               token: str, reason: str) -> None:
    project = uuid.uuid4().hex
    seed_project(live_emulator, project, "- {name: web-frontend, repo_type: github, repo_user: web-org, status: 1}\n")
    uri = f"file:///work/project/guard{next(_counter)}.servicestage.yaml"
    client.open(uri, f"project_id: {project}\nendpoint: {live_emulator.url}\nauthorizations:\n"
                     f"  - name: web-frontend\n    repo_type: github\n    token: {token}\n    repo_user: web-org\n"
                     "    status: 1\n")
    since, asked = len(client.messages), len(client.questions)
    result = await execute(client, ROTATE, {"uri": uri, "name": "web-frontend"})
    assert len(client.questions) == asked  # refused before the question: nothing to confirm
    assert remote_statuses(live_emulator, project) == {"web-frontend": 1}
    assert result == EMPTY_SUMMARY
    assert [message for _, message in client.shown_with_type(since)] == [
        f"ServiceStage: cannot create 'web-frontend': {reason}"]
