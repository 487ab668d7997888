"""Errors of the ServiceStage and IAM APIs, as one exception type with a user-facing line.

Every failure of a cloud call (an HTTP error answer, a refused connection, a timeout, a TLS problem, missing
configuration, an answer of the wrong shape) becomes a :class:`CloudError` whose ``str()`` is one line that
says what happened and what to do. Nothing here ever sees a secret: messages are built from status codes,
error bodies and host names only, and :meth:`CloudError.scrub` removes any value a caller knows to be secret
(a server may echo a request body back).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Literal

from servicestage_ls.core.escapes import mask
from servicestage_ls.core.schema import redact
from servicestage_ls.core.trust import COMMAND_LINE_WAYS, EDITOR_WAYS

ErrorKind = Literal["http", "network", "timeout", "tls", "config", "protocol"]

#: The ServiceStage repository error codes: meaning and what the user should do (ServiceStage error-code page).
REPO_ERRORS: Mapping[str, tuple[str, str]] = {
    "SVCSTG.REPO.0400": ("parameter invalid", "fix the request parameters"),
    "SVCSTG.REPO.0401": ("repository not implemented", "use another repository type"),
    "SVCSTG.REPO.0402": ("oauth code or state invalid", "start again: a state works once"),
    "SVCSTG.REPO.0403": ("resource already exist", "list authorizations; the name is taken"),
    "SVCSTG.REPO.0450": ("no repository authorization", "check the authorization name"),
    "SVCSTG.REPO.0451": ("repository authorization invalid", "authorize again (token rejected/expired)"),
    "SVCSTG.REPO.0452": ("clone url invalid", "fix the clone URL"),
}

CREDENTIAL_VARIABLES = (
    "HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK (plus HUAWEICLOUD_SDK_SECURITY_TOKEN for temporary keys), "
    "or HUAWEICLOUD_AUTH_TOKEN, or HUAWEICLOUD_IAM_USER, HUAWEICLOUD_IAM_PASSWORD and HUAWEICLOUD_IAM_DOMAIN"
)

ADVICE_AUTH = (
    "check the credentials in the environment (HUAWEICLOUD_SDK_AK/_SK, HUAWEICLOUD_AUTH_TOKEN or "
    "HUAWEICLOUD_IAM_USER/_PASSWORD/_DOMAIN) and that they belong to the project"
)
ADVICE_THROTTLED = "too many requests: wait a minute and try again"
ADVICE_SERVER = "a problem on the service side: try again later, and quote the request id if it persists"
ADVICE_NOT_FOUND = "check the endpoint and the project id"



@dataclass(frozen=True)
class Advice:
    """What the advice on a failed connection tells the user to change, in the words of who shows it: the
    editor's settings, or what the command line honours (the idea of the engine's ``Audience``)."""

    endpoint: str  # the connection was refused or failed
    tls: str  # the certificate was not trusted
    timeout: str  # no answer in time
    trust: str  # how the user trusts a host ({entry}): core.trust's COMMAND_LINE_WAYS or EDITOR_WAYS


EDITOR_ADVICE = Advice(
    endpoint="check the endpoint (the file's `endpoint` or `region`, or the editor's `servicestage.endpoint` setting) "
             "and that the service is reachable",
    tls="if the endpoint uses a private CA, point the editor's `servicestage.caBundle` setting at its certificate "
        "(PEM)",
    timeout="check the network and any proxy (in the editor, `servicestage.timeoutSeconds` sets the limit)",
    trust=EDITOR_WAYS,
)
#: The command line's words: the file (or ``--endpoint``/``--region`` of list and import) says the endpoint, and
#: ``--ca-bundle`` and ``--timeout`` do what the editor's settings do.
COMMAND_LINE_ADVICE = Advice(
    endpoint="check the endpoint (`endpoint` or `region` in the file or on the command line) and that the service "
             "is reachable",
    tls="if the endpoint uses a private CA, pass its certificate (PEM) with --ca-bundle FILE",
    timeout="check the network and any proxy (--timeout SECONDS sets the limit)",
    trust=COMMAND_LINE_WAYS,
)

EXCERPT_LIMIT = 200
_MESSAGE_LIMIT = 300
_MASK = "***"


class CloudError(Exception):
    """A failed cloud call, with everything the user needs to understand it and nothing secret.

    ``kind`` is one of "http" (the service answered with an error), "network", "timeout", "tls", "config"
    and "protocol" (an answer of the wrong shape). ``code`` is the service's error code (``SVCSTG.REPO.0403``,
    ``APIGW.0301``) when it sent one; ``advice`` is what the user should do about it.
    """

    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        advice: str | None = None,
        service: str = "ServiceStage",
    ) -> None:
        super().__init__(message)
        self.kind: ErrorKind = kind
        self.message = message
        self.status = status
        self.code = code
        self.request_id = request_id
        self.advice = advice
        self.service = service

    def __str__(self) -> str:
        if self.kind == "http":
            verb = "had an internal problem" if self.status is not None and self.status >= 500 else (
                "refused the request"
            )
            what = " ".join(part for part in (self.code, self.message) if part) or "no details"
            details = [f"HTTP {self.status}"] if self.status is not None else []
            if self.request_id:
                details.append(f"request id {self.request_id}")
            line = f"{self.service} {verb}: {what}" + (f" ({', '.join(details)})" if details else "")
        else:
            line = self.message
            if self.request_id:
                line += f" (request id {self.request_id})"
        # A service may echo what it was sent (a name, a URL): never a token-shaped text in full.
        return redact(f"{line} — {self.advice}" if self.advice else line)

    def __repr__(self) -> str:
        return redact(
            f"{type(self).__name__}(kind={self.kind!r}, status={self.status!r}, code={self.code!r}, "
            f"message={self.message!r}, request_id={self.request_id!r})"
        )

    def scrub(self, secrets: Iterable[str | None]) -> CloudError:
        """Replace every known secret value in the texts with ``***`` (in place), also where it was echoed
        percent-encoded, URL-encoded or JSON-escaped; returns self."""
        known = [secret for secret in secrets if secret]
        self.message = mask(self.message, known, _MASK)
        if self.request_id:
            self.request_id = mask(self.request_id, known, _MASK)
        if self.advice:
            self.advice = mask(self.advice, known, _MASK)
        self.args = (self.message,)
        return self


class ConfigurationError(CloudError):
    """Something the user has to set before a cloud call can be made; the message says exactly what."""

    def __init__(self, message: str) -> None:
        super().__init__("config", message)


def single_line(text: str, limit: int = _MESSAGE_LIMIT) -> str:
    """Collapse whitespace to single spaces and cut at ``limit`` characters (with an ellipsis)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


_SCRIPT_OR_STYLE = re.compile(r"<(script|style|head)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")


def shown(text: str, secrets: Iterable[str | None] = ()) -> str:
    """Text a server sent, as it may be shown: the known secrets masked and token shapes redacted, in whatever
    encoding they were echoed — before it is cut short, so that a cut never leaves part of one."""
    return redact(mask(text, secrets, _MASK))


def body_excerpt(body: bytes, content_type: str = "", limit: int = EXCERPT_LIMIT,
                 secrets: Iterable[str | None] = ()) -> str:
    """A short single-line excerpt of a response body (``shown``); HTML is reduced to its text."""
    text = body.decode("utf-8", errors="replace")
    looks_html = "html" in content_type.lower() or text.lstrip()[:1] == "<"
    if looks_html:
        text = _SCRIPT_OR_STYLE.sub(" ", text)
        text = html.unescape(_TAG.sub(" ", text))
    return single_line(shown(text, secrets), limit)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def _text(value: object) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


# The error-body shapes Huawei Cloud services use: (code field, message fields in order of preference).
_SHAPES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("error_code", ("error_msg", "error_message", "message")),
    ("errorCode", ("errorMessage", "errorMsg", "message")),
    ("code", ("message", "msg", "error_msg")),
)


def _code_and_message(data: object) -> tuple[str | None, str | None]:
    if not isinstance(data, dict):
        return None, None
    nested = data.get("error")
    if isinstance(nested, dict):
        code, message = _code_and_message(nested)
        if code or message:
            return code, message
    if isinstance(nested, str) and nested.strip() and not any(k in data for k, _ in _SHAPES):
        return None, nested.strip()
    found = [
        (_text(data.get(code_key)), next((m for m in (_text(data.get(k)) for k in keys) if m), None))
        for code_key, keys in _SHAPES
    ]
    with_code = [pair for pair in found if pair[0]]
    with_message = [pair for pair in found if pair[1]]
    return (with_code or with_message or [(None, None)])[0]


def advice_for(status: int | None, code: str | None) -> str | None:
    """What the user should do about an error answer."""
    if code and code.upper() in REPO_ERRORS:
        return REPO_ERRORS[code.upper()][1]
    if status in (401, 403):
        return ADVICE_AUTH
    if status == 429:
        return ADVICE_THROTTLED
    if status is not None and status >= 500:
        return ADVICE_SERVER
    if status == 404:
        return ADVICE_NOT_FOUND
    return None


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "unexpected status"


def parse_error_response(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    service: str = "ServiceStage",
    secrets: Iterable[str | None] = (),
) -> CloudError:
    """Turn an error answer (any of the documented body shapes, HTML, text or nothing) into a CloudError; what
    it quotes of the body is ``shown`` (``secrets`` masked, token shapes redacted) before it is cut short."""
    request_id = _header(headers, "X-Request-Id")
    code: str | None = None
    message: str | None = None
    try:
        data = json.loads(body.decode("utf-8")) if body.strip() else None
    except (UnicodeDecodeError, ValueError):
        data = None
    if data is not None:
        code, message = _code_and_message(data)
        if isinstance(data, dict) and not request_id:
            request_id = _text(data.get("request_id")) or _text(data.get("requestId"))
    if code is not None and code.isdigit():
        code = None  # a bare number (IAM's nested bodies) only repeats the HTTP status
    if code is None and message is None:
        excerpt = body_excerpt(body, _header(headers, "Content-Type") or "", secrets=secrets) if body.strip() else ""
        message = f"{_reason(status)}: {excerpt}" if excerpt else _reason(status)
    elif message is None and code and code.upper() in REPO_ERRORS:
        message = REPO_ERRORS[code.upper()][0]
    return CloudError(
        "http",
        single_line(shown(message or "", secrets)),
        status=status,
        code=single_line(shown(code, secrets), 64) if code else None,
        request_id=single_line(shown(request_id, secrets), 128) if request_id else None,
        advice=advice_for(status, code),
        service=service,
    )
