"""Transport failures: an httpx (or deadline) exception as one clear :class:`CloudError` with advice, and whether
the request may have reached the service (a create whose answer is lost is then checked by listing, never retried
blindly)."""

from __future__ import annotations

import asyncio
import re
import socket
import ssl
from dataclasses import dataclass

import httpx

from servicestage_ls.cloud.errors import EDITOR_ADVICE, Advice, CloudError, ConfigurationError, single_line

ADVICE_DNS = "check the spelling of the endpoint or region, and your network's DNS"
ADVICE_DROPPED = "try again; if it keeps happening, check proxies or load balancers on the way"
ADVICE_NOT_TLS = ("check the endpoint's scheme and port: an https:// endpoint must speak TLS (http:// is for loopback "
                  "only)")
#: OpenSSL's reasons when the other side's first bytes are not a TLS record (a plain-http server, for one).
_NOT_TLS = frozenset({"WRONG_VERSION_NUMBER", "HTTP_REQUEST", "PACKET_LENGTH_TOO_LONG", "RECORD_LAYER_FAILURE"})


@dataclass
class Failure:
    """A transport failure: the error to show, and whether the request may have reached the service."""

    error: CloudError
    maybe_sent: bool


def _origin(url: httpx.URL) -> str:
    return f"{url.scheme}://{url.netloc.decode('ascii', errors='replace')}"


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception, its causes and contexts, and the members of any exception group among them."""
    seen: list[BaseException] = []
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop(0)
        if any(current is known for known in seen):
            continue
        seen.append(current)
        pending.extend(e for e in (current.__cause__, current.__context__) if e is not None)
        pending.extend(getattr(current, "exceptions", ()) or ())
    return seen


def _tls_reason(exc: BaseException) -> str | None:
    for item in _chain(exc):
        if isinstance(item, ssl.SSLCertVerificationError):
            return single_line(item.verify_message or "certificate verify failed", 120)
        if isinstance(item, ssl.SSLError):
            return single_line(item.reason or str(item), 120)
    text = str(exc)
    if "CERTIFICATE_VERIFY_FAILED" in text or "SSL" in text:
        match = re.search(r"certificate verify failed: ([^(]+)", text)
        return single_line(match.group(1) if match else "TLS handshake failed", 120)
    return None


_DNS_HINTS = ("name or service not known", "getaddrinfo", "nodename nor servname", "name resolution",
              "no address associated", "errno -2", "errno -3", "errno 11001", "errno -5")


def classify(exc: Exception, url: httpx.URL, timeout: float, advice: Advice = EDITOR_ADVICE) -> Failure:
    """Turn an httpx (or deadline) exception into a user-facing CloudError, with ``advice``'s words."""
    where = _origin(url)
    text = str(exc).lower()
    if isinstance(exc, (httpx.ConnectTimeout, httpx.PoolTimeout)):
        return Failure(CloudError("timeout", f"Timed out connecting to {where}", advice=advice.timeout), False)
    if isinstance(exc, (httpx.TimeoutException, asyncio.TimeoutError)):
        return Failure(
            CloudError("timeout", f"No answer from {where} within {timeout:g} s", advice=advice.timeout), True
        )
    if isinstance(exc, httpx.ConnectError):
        tls = _tls_reason(exc)
        if tls and tls.upper().replace(" ", "_") in _NOT_TLS:  # an answer that is not TLS at all, not a certificate
            return Failure(CloudError("tls", f"The server at {where} did not answer TLS: is it plain http?",
                                      advice=ADVICE_NOT_TLS), False)
        if tls:
            return Failure(CloudError("tls", f"TLS verification failed for {where}: {tls}", advice=advice.tls), False)
        causes = _chain(exc)
        if any(isinstance(e, socket.gaierror) for e in causes) or any(hint in text for hint in _DNS_HINTS):
            return Failure(
                CloudError("network", f"Could not resolve the host name {url.host}", advice=ADVICE_DNS), False
            )
        if any(isinstance(e, ConnectionRefusedError) for e in causes) or "refused" in text:
            return Failure(
                CloudError("network", f"Could not connect to {where}: connection refused", advice=advice.endpoint),
                False,
            )
        reason = single_line(str(exc), 120) or type(exc).__name__
        return Failure(CloudError("network", f"Could not connect to {where}: {reason}", advice=advice.endpoint), False)
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)):
        return Failure(
            CloudError(
                "network", f"The connection to {where} was closed before the answer was complete", advice=ADVICE_DROPPED
            ),
            True,
        )
    if isinstance(exc, (httpx.UnsupportedProtocol, httpx.InvalidURL, httpx.LocalProtocolError)):
        return Failure(ConfigurationError(f"Cannot call {where}: {single_line(str(exc), 120)}"), False)
    reason = single_line(str(exc), 120) or type(exc).__name__
    return Failure(CloudError("network", f"Network error talking to {where}: {reason}", advice=advice.endpoint), True)


class Failed(Exception):
    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.error.message)
        self.failure = failure


def failed_request_url(exc: BaseException, fallback: httpx.URL) -> httpx.URL:
    """The URL of the request that failed (an IAM request inside an auth flow has its own)."""
    if isinstance(exc, httpx.RequestError):
        try:
            return exc.request.url
        except RuntimeError:
            pass
    return fallback
