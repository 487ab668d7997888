"""End-to-end helpers for the cloud features: an editor-like LSP client, sessions with chosen environments, and a
loopback proxy that can hold requests until a test releases them.

- :class:`EditorClient` is a :class:`~helpers.lsp_session.RecordingClient` that behaves like a real editor when the
  server sends ``workspace/applyEdit``: it refuses an edit made for another document version (as VS Code does
  with ``documentChanges``), applies it to its copy of the text, and sends ``didChange`` before it answers.
- :class:`Proxy` forwards to an upstream (the emulator), records every request, and holds the ones a predicate
  picks until the test releases them: the way to edit a document while a create is in flight.
- :class:`Scripted` is a fault server whose POSTs get a fixed answer and whose GETs get a list.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Union

import httpx
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig
from pytest_lsp.client import make_test_lsp_client, register_lsp_features

from servicestage_ls.cloud.emulator import Emulator

from helpers.cloud_servers import EmulatorProcess, FaultServer, Request, http_response, send
from helpers.lsp_session import (
    DEADLINE,
    SECRET_ENV,
    SECRETS,
    SERVER_COMMAND,
    RecordingClient,
    _edits_by_uri,
    _install_recorder,
    apply_text_edits,
    assert_no_secrets,
    initialize,
    pulls,
    wait_until,
)

CREATE = "servicestage-ls.createAuthorization"
CREATE_ALL = "servicestage-ls.createAll"
REFRESH = "servicestage-ls.refreshStatus"
SHOW_PLAN = "servicestage-ls.showPlan"
IMPORT = "servicestage-ls.importFromServiceStage"
ROTATE = "servicestage-ls.rotateToken"
DELETE = "servicestage-ls.deleteAuthorization"

#: The X-Auth-Token the emulator is started with and the servers are given (a secret: never shown).
API_TOKEN = "x-auth-token-SECRET-e2e-7f3a9c"
#: A GitHub token value the emulator accepts; the servers read it from GITHUB_TOKEN (lsp_session.SECRET_ENV).
GITHUB_VALUE = SECRET_ENV["GITHUB_TOKEN"]
GITLAB_VALUE = SECRET_ENV["GITLAB_TOKEN"]
#: A token value of the wrong shape: the emulator answers SVCSTG.REPO.0451 for it.
BAD_TOKEN_VALUE = "not-a-token-SECRET-value-0451"
#: A GitHub token of the right shape that the emulated provider refuses (a revoked one): the emulators of the tests
#: list it in ``rejected_tokens``; the servers and the CLI read it from REVOKED_TOKEN.
REVOKED_VALUE = "ghp_REVOKEDsecret" + "0451" * 6
ALL_SECRETS = (*SECRETS, API_TOKEN, BAD_TOKEN_VALUE, REVOKED_VALUE)

CREDENTIAL_PREFIX = "HUAWEICLOUD_"
#: The sessions started by :func:`start_session` and not stopped yet (scanned for secrets after every test).
LIVE_SESSIONS: list[EditorClient] = []


def remote_names(emulator: EmulatorProcess, project: str) -> list[str]:
    """The names of the project's authorizations in the emulator, sorted (asked directly, not through the CLI)."""
    answer = httpx.get(f"{emulator.url}/v1/{project}/git/auths", headers={"X-Auth-Token": API_TOKEN},
                       trust_env=False)
    assert answer.status_code == 200
    return sorted(item["name"] for item in answer.json()["authorizations"])


def lsp_env(*, credentials: bool = True, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The language server's environment: this process's without any Huawei Cloud variable, the repository
    tokens of ``lsp_session.SECRET_ENV``, ``BAD_TOKEN`` and, with ``credentials``, HUAWEICLOUD_AUTH_TOKEN."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(CREDENTIAL_PREFIX)}
    env.update(SECRET_ENV)
    env["BAD_TOKEN"] = BAD_TOKEN_VALUE
    env["REVOKED_TOKEN"] = REVOKED_VALUE
    env.pop("UNSET_TOKEN_FOR_TESTS", None)
    if credentials:
        env["HUAWEICLOUD_AUTH_TOKEN"] = API_TOKEN
    env.update(extra or {})
    return env


class EditorClient(RecordingClient):
    """A recording client that applies the server's edits the way an editor does (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.versions: dict[str, int] = {}
        self.refused_edits: list[lsp.ApplyWorkspaceEditParams] = []
        #: Called with the request before it is handled (once, then cleared): lets a test type "at that moment".
        self.before_apply: Callable[[lsp.ApplyWorkspaceEditParams], None] | None = None
        #: How many of the next edits to answer "applied" without applying (what Neovim 0.7 does when the
        #: buffer is newer than the edit's version).
        self.drop_edits = 0
        #: window/showMessageRequest: the questions asked, and the titles to answer with in turn (None: no answer).
        self.questions: list[lsp.ShowMessageRequestParams] = []
        self.answers: list[str | None] = []
        #: servicestage/promptText: the prompts, and what answers them (None: the client does not know the request
        #: and answers with an error). What window/showDocument opened is pytest-lsp's ``shown_documents``.
        self.prompts: list[Any] = []
        self.prompt_answer: Callable[[Any], str | None] | None = None

    def on_prompt_text(self, params: Any) -> Any:
        self.prompts.append(params)
        if self.prompt_answer is None:
            raise RuntimeError("servicestage/promptText is not handled by this client")
        text = self.prompt_answer(params)
        return None if text is None else {"value": text}

    def on_message_request(self, params: lsp.ShowMessageRequestParams) -> lsp.MessageActionItem | None:
        self.questions.append(params)
        answer = self.answers.pop(0) if self.answers else None
        return lsp.MessageActionItem(title=answer) if answer is not None else None

    def on_apply_edit(self, params: lsp.ApplyWorkspaceEditParams) -> lsp.ApplyWorkspaceEditResult:
        self.applied_edits.append(params)
        if self.before_apply is not None:
            hook, self.before_apply = self.before_apply, None
            hook(params)
        if not self.apply_edit_result:
            self.refused_edits.append(params)
            return lsp.ApplyWorkspaceEditResult(applied=False, failure_reason="refused by the test")
        if self.drop_edits:
            self.drop_edits -= 1
            return lsp.ApplyWorkspaceEditResult(applied=True)
        for change in params.edit.document_changes or []:
            if isinstance(change, lsp.TextDocumentEdit):
                uri, version = change.text_document.uri, change.text_document.version
                if uri not in self.document_texts or (version is not None and version != self.versions.get(uri)):
                    self.refused_edits.append(params)
                    return lsp.ApplyWorkspaceEditResult(
                        applied=False, failure_reason=f"the document is at version {self.versions.get(uri)}"
                    )
        for uri, edits in _edits_by_uri(params.edit).items():
            if uri not in self.document_texts:
                self.refused_edits.append(params)
                return lsp.ApplyWorkspaceEditResult(applied=False, failure_reason=f"{uri} is not open")
            self.set_text(uri, apply_text_edits(self.document_texts[uri], edits, self.encoding))
        return lsp.ApplyWorkspaceEditResult(applied=True)

    # -- documents, as an editor keeps them --

    def open(self, uri: str, text: str) -> None:
        self.document_texts[uri] = text
        self.versions[uri] = 1
        self.diagnostics.pop(uri, None)
        self.text_document_did_open(
            lsp.DidOpenTextDocumentParams(lsp.TextDocumentItem(uri=uri, language_id="yaml", version=1, text=text))
        )

    def set_text(self, uri: str, text: str) -> None:
        """Replace the whole text (one didChange with the next version)."""
        self.versions[uri] += 1
        self.document_texts[uri] = text
        self.text_document_did_change(
            lsp.DidChangeTextDocumentParams(
                text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
                content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )

    def close(self, uri: str) -> None:
        self.document_texts.pop(uri, None)
        self.versions.pop(uri, None)
        self.text_document_did_close(lsp.DidCloseTextDocumentParams(lsp.TextDocumentIdentifier(uri)))

    def save(self, uri: str) -> None:
        self.text_document_did_save(
            lsp.DidSaveTextDocumentParams(lsp.TextDocumentIdentifier(uri), text=self.document_texts.get(uri))
        )

    def text(self, uri: str) -> str:
        return self.document_texts[uri]

    # -- what the server said --

    def shown(self, since: int = 0) -> list[str]:
        return [m.message for m in self.messages[since:]]

    def shown_with_type(self, since: int = 0) -> list[tuple[lsp.MessageType, str]]:
        return [(m.type, m.message) for m in self.messages[since:]]


def make_editor_client() -> EditorClient:
    base = make_test_lsp_client()
    client = EditorClient(converter_factory=lambda: base.protocol._converter)
    register_lsp_features(client)
    _install_recorder(client)
    _fix_code_action_structuring(client)

    @client.feature(lsp.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: lsp.ApplyWorkspaceEditParams) -> lsp.ApplyWorkspaceEditResult:
        return client.on_apply_edit(params)

    @client.feature(lsp.CLIENT_REGISTER_CAPABILITY)
    def register_capability(params: lsp.RegistrationParams) -> None:
        return None

    @client.feature(lsp.WINDOW_SHOW_MESSAGE_REQUEST)
    def message_request(params: lsp.ShowMessageRequestParams) -> lsp.MessageActionItem | None:
        return client.on_message_request(params)

    @client.feature("servicestage/promptText")
    def prompt_text(params: Any) -> Any:
        return client.on_prompt_text(params)

    return client


def _fix_code_action_structuring(client: EditorClient) -> None:
    """lsprotocol 2025.0.0 reads every item of a codeAction answer that has a ``command`` key as a Command (a
    CodeAction's command object becomes a string): tell them apart by the type of ``command``, as the spec does."""
    converter = client.protocol._converter

    def command_or_code_action(value: Any, _: type) -> lsp.Command | lsp.CodeAction:
        if isinstance(value.get("command"), str):
            return converter.structure(value, lsp.Command)
        return converter.structure(value, lsp.CodeAction)

    converter.register_structure_hook(Union[lsp.Command, lsp.CodeAction], command_or_code_action)


async def start_session(preset: str, env: Mapping[str, str], options: Any = None,
                        client_factory: Callable[[], EditorClient] = make_editor_client) -> EditorClient:
    """Start the real server over stdio with exactly ``env`` and initialize it under a client preset."""
    config = ClientServerConfig(server_command=SERVER_COMMAND, server_env=dict(env), client_factory=client_factory)
    client = await config.start()
    assert isinstance(client, EditorClient)
    LIVE_SESSIONS.append(client)
    await initialize(client, preset, options)
    return client


async def stop_session(client: EditorClient, extra_secrets: Iterable[str] = ()) -> None:
    if client in LIVE_SESSIONS:
        LIVE_SESSIONS.remove(client)
    await client.shutdown_session()
    await client.stop()
    assert_no_secrets(client, extra=[*ALL_SECRETS, *extra_secrets])


async def execute(client: EditorClient, command: str, argument: Any) -> Any:
    return await asyncio.wait_for(
        client.workspace_execute_command_async(lsp.ExecuteCommandParams(command=command, arguments=[argument])),
        DEADLINE,
    )


async def round_trip(client: EditorClient, uri: str) -> None:
    """A request answered after every notification sent before it was handled (the server reads in order)."""
    await asyncio.wait_for(
        client.text_document_document_symbol_async(lsp.DocumentSymbolParams(lsp.TextDocumentIdentifier(uri))),
        DEADLINE,
    )


async def current_diagnostics(client: EditorClient, uri: str) -> list[lsp.Diagnostic]:
    if pulls(client):
        report = await client.text_document_diagnostic_async(
            lsp.DocumentDiagnosticParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
        )
        assert isinstance(report, lsp.RelatedFullDocumentDiagnosticReport)
        return list(report.items)
    await round_trip(client, uri)
    return list(client.diagnostics.get(uri, []))


async def wait_diagnostics(client: EditorClient, uri: str, predicate: Callable[[list[lsp.Diagnostic]], bool],
                           what: str) -> list[lsp.Diagnostic]:
    """Pull (or read the pushed set) until ``predicate`` holds, with a deadline."""
    loop = asyncio.get_running_loop()
    end = loop.time() + DEADLINE
    while True:
        found = await current_diagnostics(client, uri)
        if predicate(found):
            return found
        if loop.time() > end:
            raise AssertionError(f"timed out waiting for {what}; diagnostics: {[(d.code, d.message) for d in found]}")
        await asyncio.sleep(0.01)


def with_code(found: Iterable[lsp.Diagnostic], code: str) -> list[lsp.Diagnostic]:
    return [d for d in found if d.code == code]


# --- loopback servers ----------------------------------------------------------------------------------------


def closed_port() -> int:
    """A loopback port that was bound and closed again: connecting to it is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Held:
    request: Request
    release: asyncio.Event = field(default_factory=asyncio.Event)


_HOP_HEADERS = frozenset({"host", "content-length", "connection", "transfer-encoding", "keep-alive"})


class Proxy:
    """A loopback HTTP proxy in front of ``upstream``; requests for which ``hold`` is true wait for a release."""

    def __init__(self, upstream: str, hold: Callable[[Request], bool] | None = None) -> None:
        self.upstream = upstream
        self.hold = hold
        self.held: list[Held] = []
        self.server = FaultServer(self._respond)
        self._http: httpx.AsyncClient | None = None

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def requests(self) -> list[Request]:
        return self.server.requests

    def count(self, method: str) -> int:
        return self.server.count(method)

    async def __aenter__(self) -> Proxy:
        await self.server.__aenter__()
        self._http = httpx.AsyncClient(base_url=self.upstream, trust_env=False, timeout=DEADLINE)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        for item in self.held:
            item.release.set()
        await self.server.__aexit__(*exc_info)
        if self._http is not None:
            await self._http.aclose()

    async def wait_held(self, count: int = 1) -> list[Held]:
        await wait_until(lambda: len(self.held) >= count, f"{count} held request(s) at the proxy")
        return self.held[:count]

    async def _respond(self, request: Request, writer: asyncio.StreamWriter) -> None:
        if self.hold is not None and self.hold(request):
            held = Held(request)
            self.held.append(held)
            await held.release.wait()
        assert self._http is not None
        headers = {k: v for k, v in request.headers.items() if k not in _HOP_HEADERS}
        answer = await self._http.request(request.method, request.path, content=request.body, headers=headers)
        keep = {k: v for k, v in answer.headers.items() if k.lower() in ("content-type", "x-request-id")}
        await send(writer, http_response(answer.status_code, answer.content, keep))


def set_remote_status(emu: Emulator, project_id: str, name: str, status: int) -> None:
    """What ServiceStage does when a token expires: the authorization's status changes (in-process emulator)."""
    with emu._lock:
        emu._auths[project_id][name]["status"] = status


def seed_project(emu: Emulator, project_id: str, seed: str) -> None:
    """Give a project of the in-process emulator these authorizations (the ``--seed`` format)."""
    from servicestage_ls.cloud.emulator import load_seed

    _, records = load_seed(seed, 1700000000000)
    with emu._lock:
        emu._auths[project_id] = {r["name"]: r for r in records}


def remote_statuses(emu: Emulator, project_id: str) -> dict[str, int]:
    with emu._lock:
        return {name: r["status"] for name, r in emu._auths.get(project_id, {}).items()}


def listing(*items: Mapping[str, Any]) -> bytes:
    return http_response(200, json.dumps({"authorizations": list(items), "count": len(items)}).encode(),
                         {"Content-Type": "application/json"})


def auth_json(name: str, repo_user: str = "tom-repo", status: int = 0) -> dict[str, Any]:
    return {
        "name": name, "repo_type": "github", "repo_host": "https://api.github.com",
        "repo_home": f"https://github.com/{repo_user}", "repo_user": repo_user, "avartar": "",
        "token_type": "personal", "create_time": 1649762172340, "update_time": 1649762172340, "status": status,
    }


class Scripted:
    """A fault server: POSTs get ``post`` (raw bytes, or a coroutine function writing the answer), GETs get
    ``get`` (default: an empty list). Requests are counted."""

    def __init__(self, post: bytes | Callable[[Request, asyncio.StreamWriter], Any],
                 get: bytes | None = None) -> None:
        self.post = post
        self.get = get if get is not None else listing()
        self.server = FaultServer(self._respond)

    @property
    def url(self) -> str:
        return self.server.url

    def count(self, method: str) -> int:
        return self.server.count(method)

    async def __aenter__(self) -> Scripted:
        await self.server.__aenter__()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.server.__aexit__(*exc_info)

    async def _respond(self, request: Request, writer: asyncio.StreamWriter) -> None:
        if request.method == "POST":
            if isinstance(self.post, bytes):
                await send(writer, self.post)
            else:
                await self.post(request, writer)
            return
        await send(writer, self.get)
