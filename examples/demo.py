"""`make demo`: a scripted editor session against the real server over stdio, and the local emulator.

It plays what a user sees in an editor: the diagnostics of a file with mistakes, a completion list, a hover, a
quick fix applied, and then "Create authorization" against the local ServiceStage emulator, printing the file
before and after; then the life cycle from the command line (plan, import, apply with a rotation of a seeded
overdue authorization, plan again) and the code lenses of the result; then one entry of each kind (a personal
token, a password, an OAuth grant): created, the OAuth one authorized through the emulator's own provider page (the
demo plays the browser), tested and planned. Everything runs on loopback and is cleaned up at the end.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

from lsprotocol import types as lsp
from pygls.lsp.client import LanguageClient

HERE = Path(__file__).resolve().parent
DEMO_TOKEN = "ghp_DemoTokenForTheLocalEmulatorOnly000001"  # a made-up token: the emulator only checks its shape
DEMO_AUTH = "demo-x-auth-token"
DEMO_PASSWORD = "DemoPasswordForTheEmulator-7"  # a made-up password: the emulator accepts 8+ characters
DEADLINE = 30.0

BOLD, DIM, RED, YELLOW, GREEN, RESET = ("\033[1m", "\033[2m", "\033[31m", "\033[33m", "\033[32m", "\033[0m") \
    if sys.stdout.isatty() else ("",) * 6


def heading(text: str) -> None:
    print(f"\n{BOLD}== {text} =={RESET}")


def show_file(text: str, mark_lines: set[int] | None = None) -> None:
    for number, line in enumerate(text.splitlines(), 1):
        marker = f"{GREEN}+{RESET}" if mark_lines and number - 1 in mark_lines else " "
        print(f"  {DIM}{number:3}{RESET} {marker} {line}")


def apply_edits(text: str, edits: list[lsp.TextEdit]) -> str:
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(pos: lsp.Position) -> int:  # the demo's files are ASCII: UTF-16 units are characters
        return starts[min(pos.line, len(lines))] + pos.character

    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end):]
    return text


def start_emulator() -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "servicestage_ls", "emulator", "--port", "0", "--token", DEMO_AUTH,
         "--seed", str(HERE / "seed.yaml")],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    prefix = "servicestage-ls emulator listening on "
    if not line.startswith(prefix):
        process.kill()
        raise SystemExit(f"the emulator did not start: {line!r}")
    return process, line[len(prefix):]


class Editor:
    """The scripted editor: a pygls client that keeps the documents and applies the server's edits."""

    def __init__(self) -> None:
        self.client = LanguageClient("servicestage-demo", "1")
        self.texts: dict[str, str] = {}
        self.versions: dict[str, int] = {}
        self.diagnostics: dict[str, asyncio.Queue[list[lsp.Diagnostic]]] = {}
        self.messages: list[str] = []

        @self.client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def on_diagnostics(params: lsp.PublishDiagnosticsParams) -> None:
            self.diagnostics.setdefault(params.uri, asyncio.Queue()).put_nowait(list(params.diagnostics))

        @self.client.feature(lsp.WINDOW_SHOW_MESSAGE)
        def on_message(params: lsp.ShowMessageParams) -> None:
            self.messages.append(params.message)
            print(f"  {YELLOW}[editor popup]{RESET} {params.message}")

        @self.client.feature(lsp.WINDOW_LOG_MESSAGE)
        def on_log(params: lsp.LogMessageParams) -> None:
            pass

        @self.client.feature(lsp.WORKSPACE_APPLY_EDIT)
        def on_apply_edit(params: lsp.ApplyWorkspaceEditParams) -> lsp.ApplyWorkspaceEditResult:
            for change in params.edit.document_changes or []:
                if isinstance(change, lsp.TextDocumentEdit):
                    self.edit(change.text_document.uri, list(change.edits))  # type: ignore[arg-type]
            for uri, edits in (params.edit.changes or {}).items():
                self.edit(uri, list(edits))
            return lsp.ApplyWorkspaceEditResult(applied=True)

        @self.client.feature(lsp.WINDOW_WORK_DONE_PROGRESS_CREATE)
        def on_progress_create(params: lsp.WorkDoneProgressCreateParams) -> None:
            return None

        @self.client.feature(lsp.PROGRESS)
        def on_progress(params: lsp.ProgressParams) -> None:
            value: Any = params.value
            kind = value.get("kind") if isinstance(value, dict) else getattr(value, "kind", None)
            text = (value.get("title") or value.get("message")) if isinstance(value, dict) else None
            if kind and text:
                print(f"  {DIM}[progress {kind}] {text}{RESET}")

    async def start(self, env: dict[str, str]) -> None:
        await self.client.start_io(sys.executable, "-m", "servicestage_ls", "serve", env=env)
        caps = lsp.ClientCapabilities(
            text_document=lsp.TextDocumentClientCapabilities(
                completion=lsp.CompletionClientCapabilities(
                    completion_item=lsp.ClientCompletionItemOptions(snippet_support=False)
                ),
                hover=lsp.HoverClientCapabilities(content_format=[lsp.MarkupKind.Markdown]),
                publish_diagnostics=lsp.PublishDiagnosticsClientCapabilities(),
                code_action=lsp.CodeActionClientCapabilities(),
            ),
            workspace=lsp.WorkspaceClientCapabilities(
                apply_edit=True, workspace_edit=lsp.WorkspaceEditClientCapabilities(document_changes=True)
            ),
            window=lsp.WindowClientCapabilities(work_done_progress=True),
        )
        await self.client.initialize_async(lsp.InitializeParams(capabilities=caps, process_id=os.getpid()))
        self.client.initialized(lsp.InitializedParams())

    async def open(self, path: Path) -> str:
        uri = path.as_uri()
        self.texts[uri] = path.read_text(encoding="utf-8")
        self.versions[uri] = 1
        self.diagnostics.setdefault(uri, asyncio.Queue())
        self.client.text_document_did_open(
            lsp.DidOpenTextDocumentParams(lsp.TextDocumentItem(uri, "yaml", 1, self.texts[uri]))
        )
        return uri

    def edit(self, uri: str, edits: list[lsp.TextEdit]) -> None:
        self.texts[uri] = apply_edits(self.texts[uri], edits)
        self.versions[uri] += 1
        self.client.text_document_did_change(
            lsp.DidChangeTextDocumentParams(
                lsp.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
                [lsp.TextDocumentContentChangeWholeDocument(self.texts[uri])],
            )
        )

    async def next_diagnostics(self, uri: str) -> list[lsp.Diagnostic]:
        return await asyncio.wait_for(self.diagnostics[uri].get(), DEADLINE)

    def position_after(self, uri: str, needle: str) -> lsp.Position:
        for number, line in enumerate(self.texts[uri].splitlines()):
            if needle in line:
                return lsp.Position(number, line.index(needle) + len(needle))
        raise SystemExit(f"demo file lacks {needle!r}")


def print_diagnostics(path: Path, diagnostics: list[lsp.Diagnostic]) -> None:
    for d in sorted(diagnostics, key=lambda d: (d.range.start.line, d.range.start.character)):
        color = RED if d.severity == lsp.DiagnosticSeverity.Error else YELLOW
        severity = "error" if d.severity == lsp.DiagnosticSeverity.Error else "warning"
        print(f"  {path.name}:{d.range.start.line + 1}:{d.range.start.character + 1}: "
              f"{color}{severity} {d.code}{RESET} {d.message}")


async def demo(workdir: Path, emulator_url: str) -> None:
    editor = Editor()
    env = {**os.environ, "GITHUB_TOKEN": DEMO_TOKEN, "HUAWEICLOUD_AUTH_TOKEN": DEMO_AUTH}
    env.pop("GITLAB_TOKEN", None)
    await editor.start(env)
    try:
        mistakes = workdir / "mistakes.servicestage.yaml"
        uri = await editor.open(mistakes)
        heading(f"1. Diagnostics for {mistakes.name} (as the editor underlines them)")
        diagnostics = await editor.next_diagnostics(uri)
        print_diagnostics(mistakes, diagnostics)

        heading("2. Completion after `repo_type: ` (the list the editor pops up)")
        position = editor.position_after(uri, "repo_type: ")
        items = await editor.client.text_document_completion_async(
            lsp.CompletionParams(lsp.TextDocumentIdentifier(uri), position)
        )
        for item in (items.items if isinstance(items, lsp.CompletionList) else items or []):
            print(f"  {item.label:<10} {DIM}{item.detail or ''}{RESET}")

        heading("3. Hover on `status` (the tooltip)")
        hover = await editor.client.text_document_hover_async(
            lsp.HoverParams(lsp.TextDocumentIdentifier(uri), editor.position_after(uri, "    stat"))
        )
        if hover is not None and isinstance(hover.contents, lsp.MarkupContent):
            print(textwrap.indent(hover.contents.value, "  │ "))

        heading("4. Quick fix for the misspelt repo_type (the light bulb)")
        target = next(d for d in diagnostics if d.code == "SS132")
        actions = await editor.client.text_document_code_action_async(
            lsp.CodeActionParams(lsp.TextDocumentIdentifier(uri), target.range, lsp.CodeActionContext([target]))
        )
        fix = next(a for a in actions or [] if isinstance(a, lsp.CodeAction) and a.edit is not None)
        print(f"  applying: {fix.title}")
        assert fix.edit is not None
        for change in fix.edit.document_changes or []:
            if isinstance(change, lsp.TextDocumentEdit):
                editor.edit(uri, list(change.edits))  # type: ignore[arg-type]
        for changed_uri, edits in (fix.edit.changes or {}).items():
            editor.edit(changed_uri, list(edits))
        line = target.range.start.line
        print(f"  line {line + 1} is now: {editor.texts[uri].splitlines()[line].strip()}")
        after = await editor.next_diagnostics(uri)
        left = [d.code for d in after if d.code == "SS132"]
        print(f"  SS132 diagnostics left: {len(left)} (was 1); {len(after)} diagnostics in all")

        heading("5. Create authorization in ServiceStage (the local emulator)")
        team = workdir / "team.servicestage.yaml"
        text = team.read_text(encoding="utf-8")
        lines = [f"endpoint: {emulator_url}   # the local emulator" if line.startswith("region:") else line
                 for line in text.splitlines(keepends=True)]
        team.write_text("".join(line if line.endswith("\n") else line + "\n" for line in lines), encoding="utf-8")
        team_uri = await editor.open(team)
        await editor.next_diagnostics(team_uri)
        before = editor.texts[team_uri]
        print("  before:")
        show_file(before)
        print(f"  running the code action \"Create authorization 'web-frontend'\" …")
        result = await editor.client.workspace_execute_command_async(
            lsp.ExecuteCommandParams("servicestage-ls.createAuthorization", [{"uri": team_uri, "name": "web-frontend"}])
        )
        print(f"  result: {result}")
        after_lines = editor.texts[team_uri].splitlines()
        added = {i for i, line in enumerate(after_lines) if line not in before.splitlines()}
        print("  after:")
        show_file(editor.texts[team_uri], added)
        print(f"\n  {DIM}The token's value went only to ServiceStage: it is not in the file, the messages or the "
              f"logs.{RESET}")

        await lifecycle(editor, workdir, emulator_url, env)
        await every_kind(editor, workdir, emulator_url, {**env, "CODEHUB_PASSWORD": DEMO_PASSWORD})
    finally:
        await editor.client.shutdown_async(None)
        editor.client.exit(None)
        await editor.client.stop()


def added_lines(before: str, after: str) -> set[int]:
    """The (0-based) lines of ``after`` that ``before`` does not have, by a line diff."""
    import difflib

    matcher = difflib.SequenceMatcher(a=before.splitlines(), b=after.splitlines(), autojunk=False)
    return {j for tag, _, _, j1, j2 in matcher.get_opcodes() if tag in ("insert", "replace") for j in range(j1, j2)}


LIFECYCLE_FILE = """\
# The platform team's authorizations: the file is the source of truth.
project_id: 5e1f0c2b9a8d47f6b3c2a1d0e9f8a7b6
endpoint: {url}   # the local emulator, seeded with examples/seed.yaml
authorizations:
  - name: billing-api
    repo_type: github
    token: ${{GITHUB_TOKEN}}
    host: https://github.com/pay-org
    repo_user: pay-org
    status: 0  # normal
  - name: docs-site
    repo_type: github
    token: ${{GITHUB_TOKEN}}
    host: https://github.com/docs-org
"""


def cli(env: dict[str, str], cwd: Path, *args: str) -> None:
    print(f"  {BOLD}$ servicestage-ls {' '.join(args)}{RESET}")
    done = subprocess.run([sys.executable, "-m", "servicestage_ls", *args], capture_output=True, text=True, env=env,
                          timeout=DEADLINE, stdin=subprocess.DEVNULL, cwd=cwd)
    for line in (done.stdout + done.stderr).splitlines():
        print(f"    {line}")
    print(f"    {DIM}(exit {done.returncode}){RESET}")


async def lifecycle(editor: Editor, workdir: Path, emulator_url: str, env: dict[str, str]) -> None:
    heading("6. The life cycle from the command line: plan, import, apply --rotate, plan")
    path = workdir / "platform.servicestage.yaml"
    path.write_text(LIFECYCLE_FILE.format(url=emulator_url), encoding="utf-8")
    before = path.read_text(encoding="utf-8")
    print("  before:")
    show_file(before)
    cli(env, workdir, "plan", path.name)
    cli(env, workdir, "import", path.name)
    cli(env, workdir, "apply", path.name, "--rotate", "--yes")
    cli(env, workdir, "plan", path.name, "--detailed-exitcode")
    after = path.read_text(encoding="utf-8")
    print("  after:")
    show_file(after, added_lines(before, after))

    heading("7. Code lenses of the result (in the editor, from the file alone)")
    uri = await editor.open(path)
    await editor.next_diagnostics(uri)
    lenses = await editor.client.text_document_code_lens_async(
        lsp.CodeLensParams(text_document=lsp.TextDocumentIdentifier(uri=uri)))
    lines = editor.texts[uri].splitlines()
    for lens in lenses or []:
        title = lens.command.title if lens.command else ""
        print(f"  line {lens.range.start.line + 1:2} [{title}]  {lines[lens.range.start.line].strip()}")


KINDS_FILE = """\
# One entry of each kind: a personal token, a password, an OAuth grant (no secret in the file at all).
project_id: 7c3d2e1f0a9b48c6d5e4f3a2b1c0d9e8
endpoint: {url}   # the local emulator
authorizations:
  - name: web-app
    repo_type: github
    token: ${{GITHUB_TOKEN}}
    host: https://github.com/tom-repo
  - name: codehub-ci
    kind: password
    repo_type: devcloud
    user: acme/tom
    password: ${{CODEHUB_PASSWORD}}
  - name: gitlab-oauth
    kind: oauth
    repo_type: gitlab
    tag: intl
"""


def authorize_in_the_browser(env: dict[str, str], cwd: Path, path: Path, name: str) -> None:
    """`servicestage-ls authorize`, with the demo as the user: it opens the printed address (a plain GET: the
    emulator's provider page sends the browser on to its console page) and pastes where the browser ended."""
    import http.client
    from urllib.parse import urlsplit

    print(f"  {BOLD}$ servicestage-ls authorize {path.name} --name {name}{RESET}")
    process = subprocess.Popen([sys.executable, "-m", "servicestage_ls", "authorize", path.name, "--name", name],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**env, "BROWSER": "true"}, cwd=cwd)
    assert process.stdout is not None and process.stdin is not None
    said, url = process.stdout.readline(), process.stdout.readline().strip()
    print(f"    {said.rstrip()}\n    {url}")
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=DEADLINE)
    connection.request("GET", f"{parts.path}?{parts.query}")
    ended = connection.getresponse().getheader("Location") or ""
    connection.close()
    print(f"  {YELLOW}[browser]{RESET} signed in; the page sent the browser on to "
          f"{urlsplit(ended).path}?code=…&state=…")
    out, err = process.communicate(ended + "\n", timeout=DEADLINE)
    pasted = f"{urlsplit(ended).path}?code=…&state=…\n"  # what the user pasted (the code is a credential)
    for line in (err.replace("): ", "): " + pasted, 1) + out).splitlines():
        print(f"    {line}")
    print(f"    {DIM}(exit {process.returncode}){RESET}")


async def every_kind(editor: Editor, workdir: Path, emulator_url: str, env: dict[str, str]) -> None:
    heading("8. Every kind: create a token and a password entry, authorize an OAuth one, test, plan")
    path = workdir / "kinds.servicestage.yaml"
    path.write_text(KINDS_FILE.format(url=emulator_url), encoding="utf-8")
    before = path.read_text(encoding="utf-8")
    show_file(before)
    cli(env, workdir, "create", path.name, "--name", "web-app", "--name", "codehub-ci")
    authorize_in_the_browser(env, workdir, path, "gitlab-oauth")
    cli(env, workdir, "test", path.name)
    cli(env, workdir, "list", path.name)
    cli(env, workdir, "plan", path.name)
    after = path.read_text(encoding="utf-8")
    print("  after:")
    show_file(after, added_lines(before, after))
    uri = await editor.open(path)
    await editor.next_diagnostics(uri)
    lenses = await editor.client.text_document_code_lens_async(
        lsp.CodeLensParams(text_document=lsp.TextDocumentIdentifier(uri=uri)))
    lines = editor.texts[uri].splitlines()
    print("  the code lenses in the editor (Test runs what `servicestage-ls test` does):")
    for lens in sorted(lenses or [], key=lambda lens: lens.range.start.line):
        title = lens.command.title if lens.command else ""
        print(f"  line {lens.range.start.line + 1:2} [{title}]  {lines[lens.range.start.line].strip()}")


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="servicestage-demo-"))
    emulator, url = start_emulator()
    try:
        for name in ("mistakes.servicestage.yaml", "team.servicestage.yaml"):
            shutil.copy(HERE / name, workdir / name)
        print(f"{BOLD}servicestage-ls demo{RESET}: a scripted editor session over stdio; ServiceStage is the local "
              f"emulator at {url}")
        asyncio.run(demo(workdir, url))
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"\n{GREEN}demo finished{RESET}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
