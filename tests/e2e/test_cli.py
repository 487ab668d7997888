"""The command line: --version/--help, check (formats, exit codes, directories), schema, serve --tcp."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from servicestage_ls import __version__

from servicestage_ls.core import jsonschema, schema

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CLI = [sys.executable, "-m", "servicestage_ls"]
CLEAN = ("project_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789\nregion: cn-north-4\nauthorizations:\n"
         "  - name: token1\n    repo_type: github\n    token: ${GITHUB_TOKEN}\n")


def cli(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    base = {"PATH": "/usr/bin:/bin", "GITHUB_TOKEN": "x"}
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=60, env={**base, **(env or {})},
                          input=stdin if stdin is not None else "")


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
        "1 error, 0 warnings in 1 file checked",
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
    assert result.stdout.splitlines()[-1] == "1 error, 0 warnings in 1 file checked"


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
    assert generated == jsonschema.json_schema()
    entry = generated["properties"]["authorizations"]["items"]
    assert set(entry["properties"]) == set(schema.ENTRY_FIELDS)
    assert entry["required"] == ["name", "repo_type"]  # and each kind's own keys (tests/unit/core/test_kinds.py)
    assert entry["properties"]["repo_type"]["enum"] == ["github", "gitlab", "gitee", "bitbucket", "devcloud"]
    assert entry["properties"]["name"]["pattern"] == schema.NAME_PATTERN
    assert generated["properties"]["region"]["enum"] == list(schema.REGIONS)
    assert set(generated["properties"]) == set(schema.TOP_FIELDS)
    # Extension fields (`x-…`, where anchors live) are allowed at the top level, as the validator allows them.
    assert generated["patternProperties"] == {"^x-": {"description": schema.EXTENSION_DOC}}
    assert generated["additionalProperties"] is False
    assert generated["required"] == ["authorizations"]  # project_id is optional (looked up from IAM)


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


def test_check_summary_counts_only_checked_files_in_plain_english(tmp_path: Path) -> None:
    missing = cli("check", str(tmp_path / "nope.servicestage.yaml"))
    assert (missing.returncode, missing.stdout) == (2, "0 errors, 0 warnings in 0 files checked\n")
    for count in (1, 2):
        for i in range(count):
            (tmp_path / f"d{count}").mkdir(exist_ok=True)
            (tmp_path / f"d{count}" / f"f{i}.servicestage.yaml").write_text(CLEAN + "    status: 1\n", "utf-8")
    one = cli("check", str(tmp_path / "d1"))
    assert (one.returncode, one.stdout.splitlines()[-1]) == (0, "0 errors, 1 warning in 1 file checked")
    two = cli("check", str(tmp_path / "d2"), str(tmp_path / "d1" / "f0.servicestage.yaml"))
    assert (two.returncode, two.stdout.splitlines()[-1]) == (0, "0 errors, 3 warnings in 3 files checked")


def test_check_fails_on_a_file_it_did_not_validate_unless_allowed(tmp_path: Path) -> None:
    big = tmp_path / "big.servicestage.yaml"
    big.write_text(CLEAN + "#" * 4_000_001 + "\n", "utf-8")
    size = len(CLEAN) + 4_000_002
    small = tmp_path / "small.servicestage.yaml"
    small.write_text(CLEAN, "utf-8")
    refused = cli("check", str(big), str(small))
    assert refused.returncode == 1
    assert refused.stdout.splitlines() == [
        f"{big}:1:1: warning SS104 the file has {size:,} characters, more than the 4,000,000 that are validated; "
        "split it into smaller files",
        "0 errors, 1 warning in 1 file checked; 1 file not checked (too large: SS104), which fails the check unless "
        "--allow-unchecked is given",
    ]
    allowed = cli("check", "--allow-unchecked", str(big), str(small))
    assert allowed.returncode == 0
    assert allowed.stdout.splitlines()[-1] == "0 errors, 1 warning in 1 file checked; 1 file not checked (too large: " \
        "SS104)"
    assert cli("check", "--format", "json", str(big)).returncode == 1
    assert cli("check", "--format", "json", "--allow-unchecked", str(big)).returncode == 0


def test_check_reads_standard_input_with_a_name_for_messages(tmp_path: Path) -> None:
    bad = CLEAN.replace("github", "githib")
    piped = cli("check", "-", stdin=bad)
    assert piped.returncode == 1
    assert piped.stdout.splitlines() == [
        "<stdin>:5:16: error SS132 unsupported repo_type `githib`; did you mean `github`? Allowed: `github`, `gitlab`",
        "1 error, 0 warnings in 1 file checked",
    ]
    named = cli("check", "--stdin-filename", "deploy/team.servicestage.yaml", "--format", "github", "-", stdin=bad)
    assert named.returncode == 1
    assert named.stdout.splitlines() == [
        "::error file=deploy/team.servicestage.yaml,line=5,col=16,endLine=5,endColumn=22,title=SS132::"
        "unsupported repo_type `githib`; did you mean `github`? Allowed: `github`, `gitlab`"]
    clean = cli("check", "-", stdin=CLEAN)
    assert (clean.returncode, clean.stdout, clean.stderr) == (0, "0 errors, 0 warnings in 1 file checked\n", "")
    other = cli("check", "--stdin-filename", "docker-compose.yaml", "-", stdin=bad)
    assert (other.returncode, other.stdout) == (0, "0 errors, 0 warnings in 0 files checked\n")
    assert other.stderr == ("docker-compose.yaml: not checked: the name does not match *.servicestage.yaml, "
                            "*.servicestage.yml, servicestage.yaml or servicestage.yml\n")
    binary = subprocess.run([*CLI, "check", "-"], input=b"\xff\xfe", capture_output=True, timeout=60,
                            env={"PATH": "/usr/bin:/bin"})
    assert binary.returncode == 2
    assert binary.stderr.decode() == "<stdin>: error: not UTF-8 text (invalid byte 0xff at offset 0)\n"
    mixed = cli("check", "-", str(tmp_path / "nope.servicestage.yaml"), stdin=CLEAN)
    assert mixed.returncode == 2 and mixed.stdout == "0 errors, 0 warnings in 1 file checked\n"


SARIF_LEVELS = {"error", "warning", "note", "none"}


def assert_valid_sarif(log: dict[str, object]) -> None:
    """The SARIF 2.1.0 schema's requirements for what we emit (sarifLog, run, tool, reportingDescriptor, result,
    location, region), and what code scanning requires on top (rule help, relative URIs)."""
    assert log["version"] == "2.1.0"
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    runs = log["runs"]
    assert isinstance(runs, list) and len(runs) == 1
    run = runs[0]
    assert set(run) <= {"tool", "results", "columnKind", "artifacts", "invocations"}
    assert run["columnKind"] in ("utf16CodeUnits", "unicodeCodePoints")
    driver = run["tool"]["driver"]
    assert isinstance(driver["name"], str) and driver["name"]
    rules = driver["rules"]
    ids = [rule["id"] for rule in rules]
    assert len(ids) == len(set(ids))
    for rule in rules:
        assert set(rule) <= {"id", "name", "shortDescription", "fullDescription", "help", "helpUri",
                             "defaultConfiguration", "properties"}
        for key in ("shortDescription", "fullDescription", "help"):
            assert isinstance(rule[key]["text"], str) and rule[key]["text"]
        assert rule["defaultConfiguration"]["level"] in SARIF_LEVELS
    for result in run["results"]:
        assert set(result) <= {"ruleId", "ruleIndex", "level", "message", "locations"}
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in SARIF_LEVELS
        assert isinstance(result["message"]["text"], str) and result["message"]["text"]
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        assert isinstance(physical["artifactLocation"]["uri"], str)
        region = physical["region"]
        assert all(isinstance(region[k], int) and region[k] >= 1
                   for k in ("startLine", "startColumn", "endLine", "endColumn"))
        assert (region["startLine"], region["startColumn"]) <= (region["endLine"], region["endColumn"])


def test_check_sarif_for_code_scanning(tmp_path: Path) -> None:
    (tmp_path / "deploy").mkdir()
    bad = tmp_path / "deploy" / "team.servicestage.yaml"
    bad.write_text(CLEAN.replace("github", "githib") + "    status: 1\n", encoding="utf-8")
    result = subprocess.run([*CLI, "check", "--format", "sarif", "deploy"], capture_output=True, text=True,
                            timeout=60, cwd=tmp_path, env={"PATH": "/usr/bin:/bin", "GITHUB_TOKEN": "x"})
    assert result.returncode == 1 and result.stderr == ""
    log = json.loads(result.stdout)
    assert_valid_sarif(log)
    run = log["runs"][0]
    assert [rule["id"] for rule in run["tool"]["driver"]["rules"]] == [rule.code for rule in schema.RULES]
    ss132 = next(rule for rule in run["tool"]["driver"]["rules"] if rule["id"] == "SS132")
    assert ss132["shortDescription"]["text"] == "`repo_type` not supported (with the closest one)"
    assert ss132["defaultConfiguration"] == {"level": "error"}
    assert [(r["ruleId"], r["level"], r["message"]["text"], r["locations"][0]["physicalLocation"]) for r in
            run["results"]] == [
        ("SS132", "error", "unsupported repo_type `githib`; did you mean `github`? Allowed: `github`, `gitlab`",
         {"artifactLocation": {"uri": "deploy/team.servicestage.yaml"},
          "region": {"startLine": 5, "startColumn": 16, "endLine": 5, "endColumn": 22}}),
        ("SS160", "warning", "status 1: overdue: the token expired; create a new token and a new authorization.",
         {"artifactLocation": {"uri": "deploy/team.servicestage.yaml"},
          "region": {"startLine": 7, "startColumn": 13, "endLine": 7, "endColumn": 14}}),
    ]
    clean = cli("check", "--format", "sarif", "-", stdin=CLEAN)
    assert clean.returncode == 0
    assert json.loads(clean.stdout)["runs"][0]["results"] == []
    assert_valid_sarif(json.loads(clean.stdout))


def test_check_warns_of_an_unset_variable_only_with_check_env(tmp_path: Path) -> None:
    """CI runners lack the variables: `check` is quiet about them unless --check-env; a malformed reference is
    reported either way."""
    path = tmp_path / "env.servicestage.yaml"
    path.write_text("region: cn-north-4\nauthorizations:\n"
                    "  - name: web-frontend\n    repo_type: github\n    token: ${UNSET_FOR_CHECK_ENV}\n"
                    "  - name: web-backend\n    repo_type: github\n    token: $GITHUB_TOKEN\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "UNSET_FOR_CHECK_ENV"}
    malformed = (f"{path}:8:12: warning SS142 malformed environment reference, never sent as it is; write it as "
                 "`${NAME}` with a name of letters, digits and `_`; did you mean `${GITHUB_TOKEN}`?")
    plain = subprocess.run([sys.executable, "-m", "servicestage_ls", "check", str(path)], capture_output=True,
                           text=True, env=env, timeout=60)
    assert (plain.returncode, plain.stdout) == (0, f"{malformed}\n0 errors, 1 warning in 1 file checked\n")
    checked = subprocess.run([sys.executable, "-m", "servicestage_ls", "check", "--check-env", str(path)],
                             capture_output=True, text=True, env=env, timeout=60)
    assert (checked.returncode, checked.stdout) == (0, (
        f"{path}:5:12: warning SS142 environment variable `UNSET_FOR_CHECK_ENV` is not set; set it where the "
        f"language server (or `servicestage-ls create`) runs\n{malformed}\n0 errors, 2 warnings in 1 file checked\n"))


def test_check_reports_only_the_undefined_alias(tmp_path: Path) -> None:
    path = tmp_path / "alias.servicestage.yaml"
    path.write_text("region: cn-north-4\nx-defaults: &defaults\n  repo_type: github\nauthorizations:\n"
                    "  - <<: *defaults\n    name: first-one\n    token: ${GITHUB_TOKEN}\n"
                    "  - <<: *nosuch\n    name: second-one\n    token: ${GITHUB_TOKEN}\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "servicestage_ls", "check", str(path)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 1
    assert [line for line in done.stdout.splitlines() if "SS100" in line] == [
        f"{path}:8:9: error SS100 YAML syntax error: `*nosuch` is not defined; defined: defaults"]


def test_usage_errors_show_the_subcommands_usage_and_name_the_flag() -> None:
    def run(*args: str) -> tuple[int, str]:
        done = subprocess.run([sys.executable, "-m", "servicestage_ls", *args], capture_output=True, text=True,
                              timeout=60, env={k: v for k, v in os.environ.items()
                                               if not k.startswith(("HUAWEICLOUD_", "SERVICESTAGE_EMULATOR_"))})
        assert done.stdout == ""
        return done.returncode, done.stderr

    code, err = run("list", "--bogus")
    assert code == 2 and err.startswith("usage: servicestage-ls list ")
    assert err.endswith("servicestage-ls list: error: unrecognized arguments: --bogus\n")
    code, err = run("emulator", "--ak", "x")
    assert code == 2 and err.startswith("usage: servicestage-ls emulator ")
    assert err.endswith("servicestage-ls emulator: error: --ak and --sk go together (or SERVICESTAGE_EMULATOR_AK and "
                        "SERVICESTAGE_EMULATOR_SK)\n")
    code, err = run("list", "--endpoint", "http://10.255.255.1", "--project-id", "0a1b2c3d4e5f67890a1b2c3d4e5f6789")
    assert code == 2 and err.endswith("servicestage-ls list: error: argument --endpoint: --endpoint "
                                      "'http://10.255.255.1' must be an https URL (http is allowed only for "
                                      "127.0.0.1, localhost and ::1)\n")
    code, err = run("import", "--endpoint", "http://127.0.0.1:9", "--project-id", "XYZ")
    assert code == 2 and err.endswith("servicestage-ls import: error: argument --project-id: `project_id` must be 32 "
                                      "lowercase hexadecimal characters; it has 3 characters, upper case letters "
                                      "and characters other than 0-9 and a-f\n")
