"""The real client against small loopback servers that misbehave on purpose: every failure is one clear line."""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests.helpers.cloud_servers import (
    FaultServer,
    Request,
    http_response,
    make_self_signed_certificate,
    send,
)

from servicestage_ls.cloud.client import ServiceStageClient, open_client
from servicestage_ls.cloud.errors import ADVICE_AUTH, ADVICE_SERVER, ADVICE_THROTTLED, CloudError

PROJECT = "0123456789abcdef0123456789abcdef"
API_TOKEN = "api-token-SECRET-9"
REPO_TOKEN = "ghp_" + "Zz9" * 12
SECRETS = (API_TOKEN, REPO_TOKEN)
AUTH = {
    "name": "token1", "repo_type": "github", "repo_host": "https://api.github.com",
    "repo_home": "https://github.com/tom-repo", "repo_user": "tom-repo", "avartar": "", "token_type": "personal",
    "create_time": 1, "update_time": 1, "status": 0,
}
LIST_PATH = f"/v1/{PROJECT}/git/auths"


async def connect(url: str, *, timeout: float = 2.0, ca_bundle: str | None = None) -> ServiceStageClient:
    return await open_client(
        region=None, file_endpoint=url, setting_endpoint=None, project_id=PROJECT, timeout=timeout,
        ca_bundle=ca_bundle, env={"HUAWEICLOUD_AUTH_TOKEN": API_TOKEN},
    )


async def failure(url: str, *, create: bool = True, timeout: float = 2.0, ca_bundle: str | None = None) -> CloudError:
    """The CloudError a create (or a list) against ``url`` ends with, checked free of secrets."""
    async with await connect(url, timeout=timeout, ca_bundle=ca_bundle) as client:
        with pytest.raises(CloudError) as caught:
            if create:
                await client.create_personal_authorization("github", "token1", REPO_TOKEN)
            else:
                await client.list_authorizations()
    text = str(caught.value) + repr(caught.value)
    for secret in SECRETS:
        assert secret not in text
    assert "\n" not in str(caught.value)
    return caught.value


def listing(*items: dict) -> bytes:
    return http_response(200, json.dumps({"authorizations": list(items), "count": len(items)}).encode())


async def hang_forever(request: Request, writer: asyncio.StreamWriter) -> None:
    await asyncio.Event().wait()


async def test_connection_refused() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    err = await failure(f"http://127.0.0.1:{port}")
    assert (err.kind, err.status) == ("network", None)
    assert str(err) == (
        f"Could not connect to http://127.0.0.1:{port}: connection refused — check the endpoint (the file's "
        "`endpoint` or `region`, or the editor's `servicestage.endpoint` setting) and that the service is reachable"
    )


async def test_a_server_that_never_answers_times_out_and_nothing_is_retried() -> None:
    async with FaultServer(hang_forever) as server:
        err = await failure(server.url, timeout=0.5)
        assert server.count("POST") == 1 and server.count("GET") == 1  # the POST, then the list to find out
    assert err.kind == "timeout"
    assert str(err) == (
        f"No answer from {server.url} within 0.5 s; whether 'token1' was created is unknown (listing the "
        f"authorizations failed too: No answer from {server.url} within 0.5 s) — list the authorizations "
        "(Refresh status, or the ServiceStage console) before trying again"
    )


async def test_post_timeout_then_the_list_shows_it_was_created() -> None:
    async def respond(request: Request, writer: asyncio.StreamWriter) -> None:
        if request.method == "POST":
            await asyncio.Event().wait()
        await send(writer, listing(AUTH))

    async with FaultServer(respond) as server, await connect(server.url, timeout=0.5) as client:
        created = await client.create_personal_authorization("github", "token1", REPO_TOKEN)
        assert (server.count("POST"), server.count("GET")) == (1, 1)
    assert created.recovered and created.repo_user == "tom-repo"


async def test_post_timeout_then_the_list_shows_it_was_not_created() -> None:
    async def respond(request: Request, writer: asyncio.StreamWriter) -> None:
        if request.method == "POST":
            await asyncio.Event().wait()
        await send(writer, listing())

    async with FaultServer(respond) as server:
        err = await failure(server.url, timeout=0.5)
        assert server.count("POST") == 1
    assert str(err) == (
        f"No answer from {server.url} within 0.5 s; 'token1' was not created (it is not in the list of "
        "authorizations) — it is safe to try again"
    )


def answer_with(data: bytes):  # type: ignore[no-untyped-def]
    async def respond(request: Request, writer: asyncio.StreamWriter) -> None:
        await send(writer, data)

    return respond


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (
            http_response(429, b'{"error_code":"APIGW.0308","error_msg":"The throttling threshold has been reached"}',
                          {"X-Request-Id": "t-1", "Content-Type": "application/json"}),
            ("ServiceStage refused the request: APIGW.0308 The throttling threshold has been reached "
            f"(HTTP 429, request id t-1) — {ADVICE_THROTTLED}"),
        ),
        (
            http_response(429),
            f"ServiceStage refused the request: Too Many Requests (HTTP 429) — {ADVICE_THROTTLED}",
        ),
        (
            http_response(503, b'{"error": {"code": "SVCSTG.00100500", "message": "backend busy"}}'),
            f"ServiceStage had an internal problem: SVCSTG.00100500 backend busy (HTTP 503) — {ADVICE_SERVER}",
        ),
        (
            http_response(502),
            f"ServiceStage had an internal problem: Bad Gateway (HTTP 502) — {ADVICE_SERVER}",
        ),
        (
            http_response(500, b"<!DOCTYPE html><html><head><title>Oops</title></head><body><h1>Internal error</h1>"
                               b"<p>Something broke &mdash; sorry.</p></body></html>", {"Content-Type": "text/html"}),
            ("ServiceStage had an internal problem: Internal Server Error: Internal error Something broke \u2014 sorry."
            f" (HTTP 500) — {ADVICE_SERVER}"),
        ),
        (
            http_response(401, b'{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information: '
                               b'decrypt token fail"}'),
            ("ServiceStage refused the request: APIGW.0301 Incorrect IAM authentication information: decrypt token "
            f"fail (HTTP 401) — {ADVICE_AUTH}"),
        ),
    ],
    ids=["429-json", "429-empty", "503-nested", "502-empty", "500-html", "401-apigw"],
)
async def test_error_statuses(response: bytes, expected: str) -> None:
    async with FaultServer(answer_with(response)) as server:
        err = await failure(server.url)
        assert server.count("POST") == 1 and server.count("GET") == 0  # an error answer is never retried
    assert err.kind == "http"
    assert str(err) == expected


async def test_200_without_the_authorization_object() -> None:
    async with FaultServer(answer_with(http_response(200, b'{"name": "token1"}'))) as server:
        err = await failure(server.url)
    assert (err.kind, err.status) == ("protocol", 200)
    assert str(err) == (
        "ServiceStage answered HTTP 200 to create authorization 'token1' without the 'authorization' object — "
        "check that the endpoint is the ServiceStage API (a proxy or a login page may be answering)"
    )


async def test_a_connection_dropped_mid_body_while_listing() -> None:
    async def respond(request: Request, writer: asyncio.StreamWriter) -> None:
        await send(writer, b"HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n{\"authorizations\": [")
        writer.close()

    async with FaultServer(respond) as server:
        err = await failure(server.url, create=False)
    assert err.kind == "network"
    assert str(err) == (
        f"The connection to {server.url} was closed before the answer was complete — try again; if it keeps "
        "happening, check proxies or load balancers on the way"
    )


async def test_a_create_whose_answer_is_cut_off_is_confirmed_by_listing() -> None:
    async def respond(request: Request, writer: asyncio.StreamWriter) -> None:
        if request.method == "POST":
            await send(writer, b"HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n{\"authorization\": {")
            writer.close()
            return
        await send(writer, listing(AUTH))

    async with FaultServer(respond) as server, await connect(server.url) as client:
        created = await client.create_personal_authorization("github", "token1", REPO_TOKEN)
        assert (server.count("POST"), server.count("GET")) == (1, 1)
    assert created.recovered and created.name == "token1"


# --- TLS -----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    yield make_self_signed_certificate(tmp_path_factory.mktemp("tls"))


def server_tls(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*map(str, certificate))
    return context


async def test_tls_verification_failure(certificate: tuple[Path, Path]) -> None:
    async with FaultServer(answer_with(listing()), ssl_context=server_tls(certificate)) as server:
        err = await failure(server.url, create=True)
        assert server.requests == []  # nothing was sent
    assert err.kind == "tls"
    assert str(err) == (
        f"TLS verification failed for {server.url}: self-signed certificate — if the endpoint uses a private CA, "
        "point the editor's `servicestage.caBundle` setting at its certificate (PEM)"
    )


async def test_the_ca_bundle_makes_the_same_server_trusted(certificate: tuple[Path, Path]) -> None:
    async with FaultServer(answer_with(listing(AUTH)), ssl_context=server_tls(certificate)) as server, \
            await connect(server.url, ca_bundle=str(certificate[0])) as client:
        items = await client.list_authorizations()
    assert [item.name for item in items] == ["token1"]


# --- DNS (no real resolver involved) -------------------------------------------------------------------------


async def test_dns_failure_through_open_client() -> None:
    def unresolvable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno -3] Temporary failure in name resolution", request=request)

    client = await open_client(
        region="ap-southeast-3", file_endpoint=None, setting_endpoint=None, project_id=PROJECT, timeout=1,
        ca_bundle=None, env={"HUAWEICLOUD_AUTH_TOKEN": API_TOKEN}, transport=httpx.MockTransport(unresolvable),
    )
    async with client:
        with pytest.raises(CloudError) as caught:
            await client.create_personal_authorization("github", "token1", REPO_TOKEN)
    assert (caught.value.kind, caught.value.message) == (
        "network", "Could not resolve the host name servicestage.ap-southeast-3.myhuaweicloud.com"
    )
