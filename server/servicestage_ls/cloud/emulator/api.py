"""What the emulated API says and checks, without HTTP: its constants and naming rules, its error answers (the
service's and the gateway's and IAM's bodies), the project id it derives for a region and the AUTH object it answers
with."""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

NAME_RULE = re.compile(r"^[A-Za-z0-9_.-]{4,63}$")
REPO_TYPES = ("github", "gitlab", "gitee")
#: The repo types of each kind of authorization (``token_type``): the union of the documentation and the SDK.
KIND_REPO_TYPES: dict[str, tuple[str, ...]] = {
    "personal": REPO_TYPES,
    "password": ("devcloud", "bitbucket"),
    "oauth": ("github", "gitlab", "gitee", "bitbucket", "devcloud"),
}
SDK_DATE_TOLERANCE_SECONDS = 15 * 60
TOKEN_LIFETIME_SECONDS = 24 * 3600
MAX_BODY_BYTES = 1 << 20
CONTENT_TYPE = "application/json;charset=utf8"

TOKEN_SHAPES: dict[str, re.Pattern[str]] = {
    "github": re.compile(r"^(ghp_[A-Za-z0-9]{1,251}|github_pat_[A-Za-z0-9_]{1,244})$"),
    "gitlab": re.compile(r"^glpat-[0-9A-Za-z_.-]{1,249}$"),
    "gitee": re.compile(r"^[A-Za-z0-9]{8,255}$"),
}
PUBLIC_WEB = {"github": "https://github.com", "gitlab": "https://gitlab.com", "gitee": "https://gitee.com",
              "bitbucket": "https://bitbucket.org", "devcloud": "https://codehub.devcloud.huaweicloud.com"}
PUBLIC_API = {"github": "https://api.github.com", "gitlab": "https://gitlab.com", "gitee": "https://gitee.com",
              "bitbucket": "https://api.bitbucket.org", "devcloud": "https://codehub.devcloud.huaweicloud.com"}

REPO_MEANINGS = {
    "SVCSTG.REPO.0400": "parameter invalid",
    "SVCSTG.REPO.0401": "repository not implemented",
    "SVCSTG.REPO.0402": "oauth code or state invalid",
    "SVCSTG.REPO.0403": "resource already exist",
    "SVCSTG.REPO.0450": "no repository authorization",
    "SVCSTG.REPO.0451": "repository authorization invalid",
    "SVCSTG.REPO.0452": "clone url invalid",
}


PROJECT_ID_RE = re.compile(r"[0-9a-f]{32}")


def project_id_for(region: str) -> str:
    """The emulator's deterministic project id for a region name (32 lowercase hex characters)."""
    return hashlib.md5(f"servicestage-ls-emulator:{region}".encode()).hexdigest()


class ApiError(Exception):
    """An error answer: status and the body to send."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


def repo_error(code: str, detail: str | None = None) -> ApiError:
    meaning = REPO_MEANINGS[code]
    return ApiError(400, {"error_code": code, "error_msg": f"{meaning}: {detail}" if detail else meaning})


def gateway_error(reason: str) -> ApiError:
    return ApiError(
        401, {"error_code": "APIGW.0301", "error_msg": f"Incorrect IAM authentication information: {reason}"}
    )


def not_found() -> ApiError:
    return ApiError(
        404,
        {
            "error_code": "APIGW.0101",
            "error_msg": "The API does not exist or has not been published in the environment",
        },
    )


def iam_error(status: int, message: str) -> ApiError:
    titles = {400: "Bad Request", 401: "Unauthorized"}
    return ApiError(status, {"error": {"code": status, "message": message, "title": titles.get(status, "Error")}})


def misdirected(host: str | None) -> ApiError:
    """421: the request named a host that is not the emulator's address (a DNS rebinding page, for one)."""
    named = f"Host {host!r}" if host else "a request without a Host header"
    return ApiError(421, {"error_code": "SVCSTG.EMULATOR.0421",
                          "error_msg": f"misdirected request: {named} is not this emulator's address"})


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def host_allowed(header: str | None, listen_host: str, port: int) -> bool:
    """Whether a request's ``Host`` names the address the emulator listens on: its IP (any IP literal when it
    listens on every address) or, on loopback, ``localhost``; with its port. A name that merely resolves here (a DNS
    rebinding attack's) is refused: names are never resolved."""
    if not header:
        return False
    name, sep, given_port = header.strip().lower().rpartition(":")
    if not sep or "]" in given_port:  # no port: 80 (an IPv6 literal's colons are inside the brackets)
        name, given_port = header.strip().lower(), "80"
    if not given_port.isdigit() or int(given_port) != port:
        return False
    name = name[1:-1] if name.startswith("[") and name.endswith("]") else name
    listening, named = _ip(listen_host.strip("[]")), _ip(name)
    if listening is None:  # listening by name (localhost): only that name
        return name == listen_host.lower()
    if name == "localhost":
        return listening.is_loopback or listening.is_unspecified
    if named is None:
        return False
    return named == listening or listening.is_unspecified


def json_object(body: bytes, error: Callable[[], ApiError]) -> dict[str, Any]:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise error() from None
    if not isinstance(data, dict):
        raise error()
    return data


def auth_record(name: str, repo_type: str, host: str | None, now_ms: int, *, token_type: str = "personal",
                user: str | None = None) -> dict[str, Any]:
    """The AUTH object the emulator answers with. repo_user is ``user`` (a password's or OAuth login's user), else
    the host's first path segment, else the name."""
    parts = urlsplit(host) if host else None
    first_segment = next((s for s in parts.path.split("/") if s), None) if parts else None
    repo_user = user or first_segment or name
    origin = f"{parts.scheme}://{parts.netloc}" if parts else None
    public = origin is None or parts is None or parts.hostname in ("github.com", "gitlab.com", "gitee.com")
    avatar_id = int(hashlib.sha256(repo_user.encode()).hexdigest()[:7], 16)
    avatars = {
        "github": f"https://avatars.githubusercontent.com/u/{avatar_id}?v=4",
        "gitlab": f"https://gitlab.com/uploads/-/system/user/avatar/{avatar_id}/avatar.png",
        "gitee": "https://gitee.com/assets/no_portrait.png",
        "bitbucket": f"https://bitbucket.org/account/{repo_user}/avatar/",
        "devcloud": "https://res.hc-cdn.com/codehub/avatar/default.png",
    }
    return {
        "name": name,
        "repo_type": repo_type,
        "repo_host": PUBLIC_API[repo_type] if public else origin,
        "repo_home": host.rstrip("/") if host else f"{PUBLIC_WEB[repo_type]}/{repo_user}",
        "repo_user": repo_user,
        "avartar": avatars[repo_type],
        "token_type": token_type,
        "create_time": now_ms,
        "update_time": now_ms,
        "status": 0,
    }


#: What a record keeps beside the AUTH object: never in an answer (``public``).
PRIVATE_KEYS = ("namespaces", "tag")


def public(record: dict[str, Any], *, with_tag: bool = False) -> dict[str, Any]:
    """The AUTH object of a stored record; list items also carry ``tag`` (empty when the record has none)."""
    answer = {k: v for k, v in record.items() if k not in PRIVATE_KEYS}
    if with_tag:
        answer["tag"] = record.get("tag") or ""
    return answer


def namespaces_of(record: dict[str, Any]) -> list[dict[str, str]]:
    """The namespaces an authorization sees: the seed's, else one named after its user."""
    names = record.get("namespaces") or [record.get("repo_user") or record["name"]]
    return [{"id": str(int(hashlib.sha256(f"{record['repo_type']}:{n}".encode()).hexdigest()[:8], 16)), "name": n}
            for n in names]
