"""SDK-HMAC-SHA256, pure: the canonical request, the string to sign and the signature exactly as huaweicloudsdkcore's
signer makes them. :class:`~servicestage_ls.cloud.auth.AkSkAuth` signs with them; the emulator verifies with them."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import quote, unquote

ALGORITHM = "SDK-HMAC-SHA256"
SDK_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
#: Headers the signer covers when the request has them (host and the date always).
SIGNED_HEADER_NAMES = ("content-type", "host", "x-project-id", "x-sdk-date", "x-security-token")


def _encode(value: str) -> str:
    return quote(value, safe="~")


def canonical_uri(path: str) -> str:
    """Each path segment percent-encoded (unreserved characters kept); always ends with ``/``."""
    encoded = "/".join(_encode(segment) for segment in unquote(path).split("/"))
    return encoded if encoded.endswith("/") else encoded + "/"


def canonical_query(query: Sequence[tuple[str, str]]) -> str:
    """``k=v`` pairs, both percent-encoded, sorted (as the SDK does: by raw key, then value), joined by ``&``."""
    return "&".join(f"{_encode(key)}={_encode(value)}" for key, value in sorted(query))


def signed_header_names(headers: Mapping[str, str]) -> list[str]:
    """The lowercased, sorted names of the headers to sign."""
    return sorted({name.lower() for name in headers})


def canonical_request(
    method: str,
    path: str,
    query: Sequence[tuple[str, str]],
    headers: Mapping[str, str],
    body: bytes,
) -> str:
    """The canonical request over exactly ``headers`` (the headers to sign)."""
    values = {name.lower(): value.strip() for name, value in headers.items()}
    names = sorted(values)
    return "\n".join(
        (
            method.upper(),
            canonical_uri(path),
            canonical_query(query),
            "".join(f"{name}:{values[name]}\n" for name in names),
            ";".join(names),
            hashlib.sha256(body).hexdigest(),
        )
    )


def string_to_sign(canonical: str, sdk_date: str) -> str:
    return f"{ALGORITHM}\n{sdk_date}\n{hashlib.sha256(canonical.encode('utf-8')).hexdigest()}"


def sign(to_sign: str, sk: str) -> str:
    """hex(HMAC-SHA256(key=SK, message=string to sign))."""
    return hmac.new(sk.encode("utf-8"), to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def authorization_header(ak: str, signed_headers: Sequence[str], signature: str) -> str:
    return f"{ALGORITHM} Access={ak}, SignedHeaders={';'.join(signed_headers)}, Signature={signature}"


@dataclass(frozen=True)
class ParsedAuthorization:
    """The parts of an ``Authorization: SDK-HMAC-SHA256 ...`` header."""

    access: str
    signed_headers: tuple[str, ...]
    signature: str

    def __repr__(self) -> str:
        return f"ParsedAuthorization(signed_headers={self.signed_headers!r})"


def parse_authorization_header(value: str) -> ParsedAuthorization | None:
    """Split an ``SDK-HMAC-SHA256`` Authorization header; None when it is not one."""
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm != ALGORITHM:
        return None
    parts: dict[str, str] = {}
    for item in rest.split(","):
        key, sep, val = item.strip().partition("=")
        if sep:
            parts[key.strip()] = val.strip()
    access, names, signature = parts.get("Access"), parts.get("SignedHeaders"), parts.get("Signature")
    if not access or not names or not signature:
        return None
    return ParsedAuthorization(access, tuple(names.split(";")), signature)


def sdk_date(now: datetime) -> str:
    return now.astimezone(timezone.utc).strftime(SDK_DATE_FORMAT)
