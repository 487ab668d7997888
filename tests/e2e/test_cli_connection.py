"""``--ca-bundle FILE`` and ``--timeout SECONDS`` of the commands that call ServiceStage (the editor's
``servicestage.caBundle`` and ``servicestage.timeoutSeconds``): a server whose certificate a test CA signed is
trusted with the CA's file only (not by the operating system's store, which the calls use otherwise), the flag
wins over ``SSL_CERT_FILE``, which (or ``SSL_CERT_DIR``) the user may set instead, a held call stops at the given
limit, and a bad value is a usage error before anything is sent."""

from __future__ import annotations

import asyncio
import json
import shutil
import ssl
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers.cloud_lsp import API_TOKEN, GITHUB_VALUE
from helpers.cloud_servers import (
    EmulatorProcess,
    FaultServer,
    Request,
    http_response,
    make_ca_signed_certificate,
    make_self_signed_certificate,
    subprocess_env,
)
from servicestage_ls.cli import main

DEADLINE = 60.0
CLI = Path(sys.executable).with_name("servicestage-ls")
COMMAND = [str(CLI)] if CLI.exists() else [sys.executable, "-m", "servicestage_ls"]
#: The command line's advice names its own flags (the editor's, its settings: tests/e2e/test_network_faults.py).
TLS_ADVICE = "if the endpoint uses a private CA, pass its certificate (PEM) with --ca-bundle FILE"
TIMEOUT_ADVICE = "check the network and any proxy (--timeout SECONDS sets the limit)"
ENTRY = "  - name: tls-one\n    repo_type: github\n    token: ${GITHUB_TOKEN}\n    repo_user: u\n    status: 0\n"
CLOUD_COMMANDS = [("create", "{file}"), ("list", "{file}"), ("refresh", "{file}"), ("plan", "{file}"),
                  ("apply", "{file}"), ("import", "{file}"), ("delete", "{file}", "--name", "tls-one", "--yes")]


def cli(*args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
    env = {**subprocess_env(), "HUAWEICLOUD_AUTH_TOKEN": API_TOKEN, "GITHUB_TOKEN": GITHUB_VALUE}
    env.pop("SSL_CERT_FILE", None)  # only where a test sets it
    env.pop("SSL_CERT_DIR", None)
    env.update(extra_env)
    return subprocess.run([*COMMAND, *args], capture_output=True, text=True, env=env, timeout=DEADLINE,
                          stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path, Path, Path]]:
    """(the test CA, the server's certificate it signed, the server's key, an unrelated self-signed certificate)."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make test certificates")
    ca, cert, key = make_ca_signed_certificate(tmp_path_factory.mktemp("ca"))
    other, _ = make_self_signed_certificate(tmp_path_factory.mktemp("other"))
    yield ca, cert, key, other


async def listing(request: Request, writer: asyncio.StreamWriter) -> None:
    body = json.dumps({"authorizations": [{"name": "tls-one", "repo_type": "github", "repo_user": "u",
                                           "status": 0, "update_time": 0}], "count": 1}).encode()
    writer.write(http_response(200, body, {"Content-Type": "application/json"}))
    await writer.drain()


def tls_server(certificates: tuple[Path, Path, Path, Path]) -> FaultServer:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(certificates[1]), str(certificates[2]))
    return FaultServer(listing, ssl_context=context)


def team_file(tmp_path: Path, url: str) -> tuple[Path, str]:
    path = tmp_path / "tls.servicestage.yaml"
    text = f"project_id: {uuid.uuid4().hex}\nendpoint: {url}\nauthorizations:\n{ENTRY}"
    path.write_text(text, encoding="utf-8")
    return path, text


async def test_a_server_signed_by_a_private_ca_is_trusted_with_ca_bundle_only(
        tmp_path: Path, certificates: tuple[Path, Path, Path, Path]) -> None:
    async with tls_server(certificates) as server:
        path, text = team_file(tmp_path, server.url)
        untrusted = await asyncio.to_thread(cli, "plan", str(path))
        trusted = await asyncio.to_thread(cli, "plan", str(path), "--ca-bundle", str(certificates[0]))
    assert (untrusted.returncode, untrusted.stdout, untrusted.stderr) == (1, "", (
        f"{path}: error: listing the authorizations failed: TLS verification failed for {server.url}: unable to get "
        f"local issuer certificate — {TLS_ADVICE}\n"))
    project = text.split("\n", 1)[0].removeprefix("project_id: ")
    assert (trusted.returncode, trusted.stderr) == (0, "")
    assert trusted.stdout == (
        f"ServiceStage project {project} at {server.url}\n\n"
        "    tls-one  none         up to date: status 0 (normal)\n\n"
        "No changes: the file and ServiceStage agree (1 up to date).\n")
    assert path.read_text(encoding="utf-8") == text


async def test_ca_bundle_wins_over_ssl_cert_file(tmp_path: Path,
                                                 certificates: tuple[Path, Path, Path, Path]) -> None:
    async with tls_server(certificates) as server:
        args = ("list", "--endpoint", server.url, "--project-id", uuid.uuid4().hex, "--format", "json")
        elsewhere = await asyncio.to_thread(cli, *args, SSL_CERT_FILE=str(certificates[3]))
        flag = await asyncio.to_thread(cli, *args, "--ca-bundle", str(certificates[0]),
                                       SSL_CERT_FILE=str(certificates[3]))
    assert (elsewhere.returncode, elsewhere.stdout, elsewhere.stderr) == (1, "", (
        "servicestage-ls list: error: listing the authorizations failed: TLS verification failed for "
        f"{server.url}: unable to get local issuer certificate — {TLS_ADVICE}\n"))
    assert (flag.returncode, flag.stderr) == (0, "")
    assert [a["name"] for a in json.loads(flag.stdout)["authorizations"]] == ["tls-one"]


async def test_ssl_cert_file_or_dir_of_the_environment_is_trusted_instead_of_the_systems_store(
        tmp_path: Path, certificates: tuple[Path, Path, Path, Path]) -> None:
    hashed = tmp_path / "hashed"
    hashed.mkdir()
    subject_hash = subprocess.run(["openssl", "x509", "-hash", "-noout", "-in", str(certificates[0])],
                                  capture_output=True, text=True, check=True, timeout=30).stdout.strip()
    shutil.copy(certificates[0], hashed / f"{subject_hash}.0")
    async with tls_server(certificates) as server:
        args = ("list", "--endpoint", server.url, "--project-id", uuid.uuid4().hex, "--format", "json")
        by_file = await asyncio.to_thread(cli, *args, SSL_CERT_FILE=str(certificates[0]))
        by_dir = await asyncio.to_thread(cli, *args, SSL_CERT_DIR=str(hashed))
    for done in (by_file, by_dir):
        assert (done.returncode, done.stderr) == (0, "")
        assert [a["name"] for a in json.loads(done.stdout)["authorizations"]] == ["tls-one"]


async def test_timeout_stops_a_held_call_at_the_given_limit(tmp_path: Path) -> None:
    arrived = asyncio.Event()

    async def hold(request: Request, writer: asyncio.StreamWriter) -> None:
        arrived.set()
        await asyncio.Event().wait()  # never answered: cancelled when the server stops

    async with FaultServer(hold) as server:
        path, text = team_file(tmp_path, server.url)
        done = await asyncio.to_thread(cli, "plan", str(path), "--timeout", "1.5")
    assert arrived.is_set()
    assert (done.returncode, done.stdout, done.stderr) == (1, "", (
        f"{path}: error: listing the authorizations failed: No answer from {server.url} within 1.5 s — "
        f"{TIMEOUT_ADVICE}\n"))
    assert path.read_text(encoding="utf-8") == text


@pytest.mark.parametrize(("option", "value", "said"), [
    ("--timeout", "0", "argument --timeout: expected a number of seconds from 1 to 600, got '0'"),
    ("--timeout", "-5", "argument --timeout: expected a number of seconds from 1 to 600, got '-5'"),
    ("--timeout", "601", "argument --timeout: expected a number of seconds from 1 to 600, got '601'"),
    ("--timeout", "soon", "argument --timeout: expected a number of seconds from 1 to 600, got 'soon'"),
    ("--timeout", "nan", "argument --timeout: expected a number of seconds from 1 to 600, got 'nan'"),
    ("--ca-bundle", "{missing}", "argument --ca-bundle: cannot read '{missing}': No such file or directory"),
    ("--ca-bundle", "{folder}", "argument --ca-bundle: cannot read '{folder}': Is a directory"),
    ("--ca-bundle", "{not_pem}", "argument --ca-bundle: '{not_pem}' holds no PEM certificate"),
], ids=["zero", "negative", "over-600", "not-a-number", "nan", "missing-file", "a-folder", "not-pem"])
@pytest.mark.parametrize("args", CLOUD_COMMANDS, ids=lambda args: args[0])
def test_a_bad_value_is_a_usage_error_before_anything_is_sent(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                              args: tuple[str, ...], option: str, value: str,
                                                              said: str) -> None:
    """Checked by the argument parser: the file is not even read, and nothing listens at its endpoint."""
    names = {"missing": str(tmp_path / "missing.pem"), "folder": str(tmp_path), "not_pem": str(tmp_path / "x.pem")}
    (tmp_path / "x.pem").write_text("not a certificate\n", encoding="utf-8")
    path = tmp_path / "absent.servicestage.yaml"
    with pytest.raises(SystemExit) as stopped:
        main([*(a.format(file=path) for a in args), option, value.format(**names)])
    out, err = capsys.readouterr()
    assert (stopped.value.code, out, err.splitlines()[-1]) == (
        2, "", f"servicestage-ls {args[0]}: error: " + said.format(**names))
    assert err.startswith(f"usage: servicestage-ls {args[0]} ")
    assert not path.exists()


@pytest.mark.parametrize("args", CLOUD_COMMANDS, ids=lambda args: args[0])
def test_every_command_that_calls_servicestage_shows_both_options_in_its_help(
        capsys: pytest.CaptureFixture[str], args: tuple[str, ...]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main([args[0], "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert stopped.value.code == 0
    assert "--ca-bundle FILE trust the CA certificates of this PEM file for TLS instead of the system's" in shown
    assert "--timeout SECONDS how long to wait for each ServiceStage or IAM call (1 to 600; default 30)" in shown


def test_https_to_a_plain_http_server_says_it_did_not_answer_tls(emulator: EmulatorProcess) -> None:
    """Not a certificate problem: the emulator speaks plain http, and the advice is not --ca-bundle."""
    url = emulator.url.replace("http://", "https://")
    done = cli("list", "--endpoint", url, "--project-id", uuid.uuid4().hex)
    assert (done.returncode, done.stdout, done.stderr) == (1, "", (
        f"servicestage-ls list: error: listing the authorizations failed: The server at {url} did not answer TLS: is "
        "it plain http? — check the endpoint's scheme and port: an https:// endpoint must speak TLS (http:// is for "
        "loopback only)\n"))
