"""The command line: --version/--help, check (formats, exit codes, directories), schema, serve --tcp."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
from pathlib import Path

from servicestage_ls import __version__

from servicestage_ls.core import schema

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CLI = [sys.executable, "-m", "servicestage_ls"]
CLEAN = ("project_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789\nregion: cn-north-4\nauthorizations:\n"
         "  - name: token1\n    repo_type: github\n    token: ${GITHUB_TOKEN}\n")


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {"PATH": "/usr/bin:/bin", "GITHUB_TOKEN": "x"}
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=60, env={**base, **(env or {})})


def test_version_and_help() -> None:
    assert cli("--version").stdout.strip() == f"servicestage-ls {__version__}"
    helped = cli("--help")
    assert helped.returncode == 0
    for command in ("serve", "check", "schema", "create", "emulator"):
        assert command in helped.stdout


def test_check_text_output_and_exit_code_for_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.servicestage.yaml"
    bad.write_text(CLEAN.replace("github", "githib"), encoding="utf-8")
    result = cli("check", str(bad))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{bad}:5:16: error SS132 unsupported repo_type `githib`; did you mean `github`? Allowed: `github`, `gitlab`",
        "1 error(s), 0 warning(s) in 1 file(s) checked",
    ]
    assert result.stderr == ""


def test_check_warnings_only_exit_zero(tmp_path: Path) -> None:
    warn = tmp_path / "servicestage.yaml"
    warn.write_text(CLEAN + "    status: 1\n", encoding="utf-8")
    result = cli("check", str(warn))
    assert result.returncode == 0
    assert "warning SS160" in result.stdout


def test_check_json_and_github_formats(tmp_path: Path) -> None:
    bad = tmp_path / "a.servicestage.yml"
    bad.write_text(CLEAN.replace("token1", "abc"), encoding="utf-8")
    as_json = json.loads(cli("check", "--format", "json", str(bad)).stdout)
    assert as_json == [{
        "file": str(bad), "line": 4, "column": 11, "endLine": 4, "endColumn": 14, "severity": "error",
        "code": "SS130", "message": "`name` must be 4 to 63 characters long; it has 3",
    }]
    github = cli("check", "--format", "github", str(bad))
    assert github.returncode == 1
    assert github.stdout.splitlines() == [
        f"::error file={bad},line=4,col=11,endLine=4,endColumn=14,title=SS130::"
        "`name` must be 4 to 63 characters long; it has 3"
    ]


def test_check_searches_directories_for_matching_files_only(tmp_path: Path) -> None:
    (tmp_path / "deep" / "er").mkdir(parents=True)
    (tmp_path / "deep" / "er" / "x.servicestage.yaml").write_text(CLEAN.replace("github", "githib"), "utf-8")
    (tmp_path / "deep" / "other.yaml").write_text("region: nowhere\n", "utf-8")
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "node_modules" / "y.servicestage.yaml").write_text("- broken: [\n", "utf-8")
    result = cli("check", str(tmp_path))
    assert result.returncode == 1
    assert [line.split(":")[0] for line in result.stdout.splitlines()[:-1]] == [
        str(tmp_path / "deep" / "er" / "x.servicestage.yaml")]
    assert result.stdout.splitlines()[-1] == "1 error(s), 0 warning(s) in 1 file(s) checked"


def test_check_usage_and_unreadable_input_exit_two(tmp_path: Path) -> None:
    missing = cli("check", str(tmp_path / "nope.servicestage.yaml"))
    assert missing.returncode == 2 and "no such file" in missing.stderr
    binary = tmp_path / "bin.servicestage.yaml"
    binary.write_bytes(b"\xff\xfe\x00junk")
    unreadable = cli("check", str(binary))
    assert unreadable.returncode == 2 and "not UTF-8 text" in unreadable.stderr
    assert cli("check", str(tmp_path / "empty-dir-has-nothing")).returncode == 2
    assert cli("check").returncode == 2  # argparse: a PATH is required
    assert cli("check", "--format", "xml", str(binary)).returncode == 2


def test_check_examples() -> None:
    result = cli("check", str(EXAMPLES), env={"GITHUB_TOKEN": "x", "GITLAB_TOKEN": "y"})
    assert result.returncode == 1  # examples/mistakes.servicestage.yaml has errors on purpose
    assert "team.servicestage.yaml" not in result.stdout  # the clean example has no findings


def test_schema_is_generated_from_the_format_tables() -> None:
    result = cli("schema")
    assert result.returncode == 0
    generated = json.loads(result.stdout)
    assert generated == schema.json_schema()
    entry = generated["properties"]["authorizations"]["items"]
    assert set(entry["properties"]) == set(schema.ENTRY_FIELDS)
    assert entry["required"] == ["name", "repo_type", "token"]
    assert entry["properties"]["repo_type"]["enum"] == list(schema.REPO_TYPES)
    assert entry["properties"]["name"]["pattern"] == schema.NAME_PATTERN
    assert generated["properties"]["region"]["enum"] == list(schema.REGIONS)
    assert set(generated["properties"]) == set(schema.TOP_FIELDS)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _lsp_over_tcp(port: int) -> dict[str, object]:
    deadline = asyncio.get_running_loop().time() + 30
    while True:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            break
        except OSError:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.05)
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                       "params": {"processId": None, "rootUri": None, "capabilities": {}}}).encode()
    writer.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    await writer.drain()
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    answer = json.loads(await reader.readexactly(length))
    writer.close()
    return answer  # type: ignore[no-any-return]


def test_serve_over_tcp() -> None:
    port = _free_port()
    server = subprocess.Popen([*CLI, "serve", "--tcp", f"127.0.0.1:{port}"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
    try:
        answer = asyncio.run(asyncio.wait_for(_lsp_over_tcp(port), 40))
        assert answer["id"] == 1
        result = answer["result"]
        assert isinstance(result, dict)
        assert result["serverInfo"] == {"name": "servicestage-ls", "version": __version__}
        assert result["capabilities"]["completionProvider"]["triggerCharacters"]
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_check_escapes_control_and_bidi_characters_from_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bidi.servicestage.yaml"
    path.write_text(CLEAN + '"evil\\u202ekey\\u001b[31m": 1\n', encoding="utf-8")
    result = cli("check", str(path))
    assert "unknown key `evil\\u202ekey\\u001b[31m` in the top level" in result.stdout
    assert "\u202e" not in result.stdout and "\x1b" not in result.stdout


def test_check_stops_quietly_when_the_reader_goes_away(tmp_path: Path) -> None:
    for i in range(200):
        (tmp_path / f"f{i}.servicestage.yaml").write_text(CLEAN.replace("github", "githib"), encoding="utf-8")
    process = subprocess.Popen([*CLI, "check", str(tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.readline()
    process.stdout.close()  # like `| head -1`
    assert process.wait(timeout=60) == 1
    assert b"Traceback" not in process.stderr.read()


def test_a_bare_stdio_flag_starts_the_server() -> None:
    """`servicestage-ls --stdio` (how many clients start a server) is `serve` over stdio."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                       "params": {"processId": None, "rootUri": None, "capabilities": {}}}).encode()
    exit_body = json.dumps({"jsonrpc": "2.0", "method": "exit"}).encode()
    stdin = b"".join(b"Content-Length: %d\r\n\r\n" % len(b) + b for b in (body, exit_body))
    result = subprocess.run([*CLI, "--stdio"], input=stdin, capture_output=True, timeout=60)
    assert b'"serverInfo"' in result.stdout and b"servicestage-ls" in result.stdout
