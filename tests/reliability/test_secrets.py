"""No token leaks: with known secret values in play everywhere, none reaches the client, a log or the CLI's output.

In play: literal tokens in the file (plain, quoted, flow style, under the wrong repo type), ``${NAME}`` references
whose values are in the server's environment, and HUAWEICLOUD_SDK_AK/SK/SECURITY_TOKEN, HUAWEICLOUD_AUTH_TOKEN and
HUAWEICLOUD_IAM_PASSWORD set to distinctive values. Probed: hover on every character of every line, completion
everywhere (token value completion included), diagnostics, code actions and their edits, document symbols, a
create against a hostile server that echoes every header and the body back in its error, and ``check`` /
``create --dry-run`` / ``create`` on the command line.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types as lsp

from helpers.cloud_servers import FaultServer, Request, http_response, send
from helpers.lsp_session import SECRET_TOKEN_VALUE, open_document, wait_until
from reliability.conftest import (
    ALL_SECRETS,
    CLOUD_SECRETS,
    LITERAL_SECRETS,
    ReliabilityClient,
    assert_secrets_absent,
    current_diagnostics,
    lsp_lines,
    reliability_config,
    server_environment,
    start_session,
    units,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

GITHUB_LITERAL, GITLAB_LITERAL, ODD_LITERAL = LITERAL_SECRETS
SECRET_FILE = f"""\
project_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789
endpoint: http://127.0.0.1:{{port}}
authorizations:
  - name: from-env
    repo_type: github
    token: ${{REL_GITHUB_TOKEN}}
  - name: from-env-gitlab
    repo_type: gitlab
    token: "${{REL_GITLAB_TOKEN}}"
    host: https://gitlab.com/group
  - name: literal-plain
    repo_type: github
    token: {GITHUB_LITERAL}
  - name: literal-quoted
    repo_type: github
    token: '{GITLAB_LITERAL}'
  - {{name: literal-flow, repo_type: gitlab, token: "{ODD_LITERAL}"}}
  - name: plain-secret-ref
    repo_type: github
    token: ${{REL_PLAIN_SECRET}}
  - name: default-ref
    repo_type: github
    token: ${{GITHUB_TOKEN}}
  - name: broken-ref
    repo_type: github
    token: ${{REL_GITHUB_TOKEN
"""


def secret_file(port: int) -> str:
    return SECRET_FILE.replace("{port}", str(port))


@pytest_lsp.fixture(config=reliability_config(), scope="module")
async def client(lsp_client: ReliabilityClient):
    await start_session(lsp_client, "visual-studio-code")
    yield
    await lsp_client.shutdown_session()
    assert_secrets_absent(lsp_client.everything_received(), ALL_SECRETS)


def positions(text: str, encoding: str, only_token_lines: bool = False) -> list[lsp.Position]:
    out = []
    for number, line in enumerate(lsp_lines(text)):
        if only_token_lines and "token" not in line:
            continue
        out.extend(lsp.Position(number, units(line[:col], encoding)) for col in range(len(line) + 1))
    return out


def dump(value: object) -> str:
    return json.dumps(value, default=lambda o: getattr(o, "__dict__", repr(o)))


async def test_hover_everywhere_shows_no_token(client: ReliabilityClient) -> None:
    uri = "file:///work/secrets/hover.servicestage.yaml"
    text = secret_file(1)
    open_document(client, uri, text)
    doc = lsp.TextDocumentIdentifier(uri)
    hovers = await asyncio.gather(*(client.text_document_hover_async(lsp.HoverParams(doc, p))
                                    for p in positions(text, client.encoding)))
    contents = {(p.line, p.character): h.contents.value for p, h in zip(positions(text, client.encoding), hovers)
                if h is not None and isinstance(h.contents, lsp.MarkupContent)}
    assert_secrets_absent(dump(list(contents.values())))
    lines = lsp_lines(text)

    def hover_on(needle: str) -> str:
        line = next(i for i, text_line in enumerate(lines) if needle in text_line)
        col = units(lines[line][: lines[line].index(needle) + 2], client.encoding)
        return contents[(line, col)]

    # The hovers exist (the probe would prove nothing otherwise) and say what matters, without the value.
    assert "REL_GITHUB_TOKEN" in hover_on("${REL_GITHUB_TOKEN}")
    assert hover_on(GITHUB_LITERAL)
    assert hover_on(GITLAB_LITERAL)
    assert hover_on(ODD_LITERAL)


async def test_completion_everywhere_offers_names_never_values(client: ReliabilityClient) -> None:
    uri = "file:///work/secrets/completion.servicestage.yaml"
    text = secret_file(1) + "  - name: new-one\n    repo_type: github\n    token: \n    token: ${REL_\n"
    open_document(client, uri, text)
    doc = lsp.TextDocumentIdentifier(uri)
    found = await asyncio.gather(*(client.text_document_completion_async(lsp.CompletionParams(doc, p))
                                   for p in positions(text, client.encoding, only_token_lines=True)))
    labels = set()
    for result in found:
        if result is not None:
            assert_secrets_absent(dump(client.protocol._converter.unstructure(result)))
            labels.update(item.label for item in result.items)
    # Token value completion ran and offered the variables by name.
    assert {"${REL_GITHUB_TOKEN}", "${GITHUB_TOKEN}"} <= labels


async def test_diagnostics_actions_and_symbols_show_no_token(client: ReliabilityClient) -> None:
    uri = "file:///work/secrets/actions.servicestage.yaml"
    text = secret_file(1)
    open_document(client, uri, text)
    found = await current_diagnostics(client, uri, 1)
    assert {"SS140", "SS141"} <= {d.code for d in found}
    doc = lsp.TextDocumentIdentifier(uri)
    whole = lsp.Range(lsp.Position(0, 0), lsp.Position(len(lsp_lines(text)) - 1, 0))
    actions = await client.text_document_code_action_async(
        lsp.CodeActionParams(doc, whole, lsp.CodeActionContext(diagnostics=found)))
    assert actions
    converter = client.protocol._converter
    assert_secrets_absent(dump(converter.unstructure(list(actions))))
    symbols = await client.text_document_document_symbol_async(lsp.DocumentSymbolParams(doc))
    assert_secrets_absent(dump(converter.unstructure(list(symbols or []))))
    assert_secrets_absent(dump(converter.unstructure(found)))


async def echo_everything(request: Request, writer: asyncio.StreamWriter) -> None:
    """A hostile server: its error repeats every header and the whole body it received."""
    echoed = f"rejected {request.method} {request.path} headers={request.headers} body={request.body.decode()}"
    body = json.dumps({"error_code": "SVCSTG.REPO.4000", "error_msg": echoed}).encode()
    await send(writer, http_response(400, body, {"Content-Type": "application/json", "X-Request-Id": "req-echo"}))


async def test_a_server_that_echoes_credentials_and_token_gets_nothing_through(client: ReliabilityClient) -> None:
    async with FaultServer(echo_everything) as server:
        uri = "file:///work/secrets/echo.servicestage.yaml"
        open_document(client, uri, secret_file(server.port))
        for count, name in enumerate(("from-env", "plain-secret-ref", "default-ref"), start=1):
            result = await asyncio.wait_for(client.workspace_execute_command_async(lsp.ExecuteCommandParams(
                command="servicestage-ls.createAuthorization", arguments=[{"uri": uri, "name": name}])), 30)
            await wait_until(lambda n=count: sum("SVCSTG.REPO.4000" in m.message for m in client.messages) >= n,
                             "the failure shown to the user")
            assert_secrets_absent(dump(result))
        # The requests really carried the secrets (so the echo really contained them).
        sent = " ".join(f"{r.headers} {r.body.decode()}" for r in server.requests)
        assert CLOUD_SECRETS["HUAWEICLOUD_SDK_AK"] in sent and CLOUD_SECRETS["REL_GITHUB_TOKEN"] in sent
        assert SECRET_TOKEN_VALUE in sent
        assert any("SVCSTG.REPO.4000" in m.message for m in client.messages)
        assert_secrets_absent(client.everything_received())


async def test_a_token_pasted_into_a_reference_is_not_repeated(client: ReliabilityClient) -> None:
    """``token: ${ghp_…}`` (the token pasted where the variable name goes) used to be echoed by SS142 ("environment
    variable `ghp_…` is not set") — into the editor and, through ``check``, into CI logs."""
    uri = "file:///work/secrets/pasted.servicestage.yaml"
    text = secret_file(1).replace("${REL_GITHUB_TOKEN}\n", "${" + GITHUB_LITERAL + "}\n", 1)
    open_document(client, uri, text)
    found = [d for d in await current_diagnostics(client, uri, 1) if d.code == "SS142"]
    assert [d.range.start.line for d in found] == [5, 25]  # the pasted token, and the broken reference
    assert found[0].message == ("the reference holds what looks like a GitHub token, not the name of an environment "
                                "variable; put the token in a variable such as `GITHUB_TOKEN` and write "
                                "`${GITHUB_TOKEN}`")
    assert_secrets_absent(client.everything_received())


# --- the command line --------------------------------------------------------------------------------------------

CLI_ENV = server_environment()


async def run_cli(*args: str, cwd: Path) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "servicestage_ls", *args, cwd=cwd, env=CLI_ENV,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    stdout, stderr = await asyncio.wait_for(proc.communicate(), 60)
    output = stdout.decode() + stderr.decode()
    assert "Traceback" not in output, output
    assert proc.returncode is not None
    return proc.returncode, output


async def test_check_and_create_print_no_token(tmp_path: Path) -> None:
    async with FaultServer(echo_everything) as server:
        path = tmp_path / "team.servicestage.yaml"
        original = secret_file(server.port)
        path.write_text(original, encoding="utf-8")
        pasted = tmp_path / "pasted.servicestage.yaml"
        pasted.write_text(original.replace("${REL_GITHUB_TOKEN}\n", "${" + GITHUB_LITERAL + "}\n", 1))
        for fmt in ("text", "json", "github", "sarif"):
            code, output = await run_cli("check", "--format", fmt, path.name, pasted.name, cwd=tmp_path)
            assert code == 1 and "SS140" in output and "looks like a GitHub token" in output
            assert_secrets_absent(output)
        code, output = await run_cli("create", "--dry-run", path.name, cwd=tmp_path)
        assert "would create 'from-env'" in output and "REL_GITHUB_TOKEN" in output
        assert_secrets_absent(output)
        code, output = await run_cli("create", path.name, "--name", "from-env", "--name", "plain-secret-ref",
                                     cwd=tmp_path)
        assert code == 1 and "SVCSTG.REPO.4000" in output
        assert len(server.requests) >= 2
        assert_secrets_absent(output)
        assert path.read_text(encoding="utf-8") == original


# A token pasted where no token belongs: every place but `token`.
MISPLACED_FILE = f"""\
project_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789
region: cn-north-4
{GITLAB_LITERAL}: 1
authorizations:
  # the old token was {GITHUB_LITERAL}
  - name: {GITHUB_LITERAL}
    repo_type: {GITLAB_LITERAL}
    token: ${{GITHUB_TOKEN}}
    host: https://github.com/{GITHUB_LITERAL}/repo
  - {{name: flow-one, repo_type: github, token: "${{GITHUB_TOKEN}}", repo_user: {GITHUB_LITERAL}}}
"""


async def test_token_shaped_text_anywhere_is_a_finding_and_never_shown(client: ReliabilityClient) -> None:
    uri = "file:///work/secrets/misplaced.servicestage.yaml"
    open_document(client, uri, MISPLACED_FILE)
    found = await current_diagnostics(client, uri, 1)
    assert sorted(d.range.start.line for d in found if d.code == "SS143") == [2, 4, 5, 6, 8, 9]
    converter = client.protocol._converter
    assert_secrets_absent(dump(converter.unstructure(found)))
    doc = lsp.TextDocumentIdentifier(uri)
    hovers = await asyncio.gather(*(client.text_document_hover_async(lsp.HoverParams(doc, p))
                                    for p in positions(MISPLACED_FILE, client.encoding)))
    assert any(h is not None for h in hovers)
    assert_secrets_absent(dump([h.contents.value for h in hovers if h is not None]))
    whole = lsp.Range(lsp.Position(0, 0), lsp.Position(len(lsp_lines(MISPLACED_FILE)) - 1, 0))
    actions = await client.text_document_code_action_async(
        lsp.CodeActionParams(doc, whole, lsp.CodeActionContext(diagnostics=found)))
    assert_secrets_absent(dump(converter.unstructure(list(actions or []))))
    symbols = await client.text_document_document_symbol_async(lsp.DocumentSymbolParams(doc))
    assert symbols
    assert_secrets_absent(dump(converter.unstructure(list(symbols))))


async def test_check_prints_no_token_shaped_text_in_any_format(tmp_path: Path) -> None:
    path = tmp_path / "misplaced.servicestage.yaml"
    path.write_text(MISPLACED_FILE, encoding="utf-8")
    for fmt in ("text", "json", "github", "sarif"):
        code, output = await run_cli("check", "--format", fmt, path.name, cwd=tmp_path)
        assert code == 1 and "SS143" in output, output
        assert_secrets_absent(output)
    code, output = await run_cli("create", "--dry-run", path.name, cwd=tmp_path)
    assert code == 2 and "unknown key `glpat-…`" in output  # a file-level error: nothing would be sent
    assert_secrets_absent(output)
