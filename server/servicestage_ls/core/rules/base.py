"""What every rule makes and shares: ``Finding`` (a diagnostic in the core's terms), ``finding`` (which redacts
token-shaped text), and the checks more than one part of the file uses (duplicate and unknown keys, string values,
URLs)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from servicestage_ls.core import schema
from servicestage_ls.core.model import Node, Pair, Range, Scalar, node_range
from servicestage_ls.core.schema import RULE_BY_CODE, Severity


@dataclass(frozen=True, slots=True)
class Related:
    range: Range
    message: str


@dataclass(frozen=True, slots=True)
class Finding:
    """A diagnostic in the core's terms: code-point ranges, no protocol types."""

    code: str
    message: str
    range: Range
    severity: Severity
    data: dict[str, Any] | None = None
    related: tuple[Related, ...] = ()

    def shifted(self, lines: int) -> Finding:
        if not lines:
            return self
        return Finding(
            self.code,
            self.message,
            self.range.shifted(lines),
            self.severity,
            self.data,
            tuple(Related(r.range.shifted(lines), r.message) for r in self.related),
        )


def finding(code: str, message: str, rng: Range, data: dict[str, Any] | None = None,
            severity: Severity | None = None, related: tuple[Related, ...] = ()) -> Finding:
    """A finding; token-shaped text quoted from the file is redacted here, whatever rule quoted it."""
    if related:
        related = tuple(Related(r.range, schema.redact(r.message)) for r in related)
    return Finding(code, schema.redact(message), rng, severity or RULE_BY_CODE[code].severity, data, related)


def describe(node: Node) -> str:
    if isinstance(node, Scalar):
        return {"str": "a string", "int": "a number", "float": "a number", "bool": "a boolean",
                "null": "empty", "timestamp": "a date"}.get(node.tag, "a scalar")
    return {"mapping": "a mapping", "sequence": "a list"}.get(node.kind, "a nested value")


def quoted(names: Iterable[str]) -> str:
    return ", ".join(f"`{n}`" for n in names)


# --- shared checks -------------------------------------------------------------------------------------


def duplicate_keys(pairs: list[Pair], where: str) -> list[Finding]:
    seen: dict[str, Pair] = {}
    out: list[Finding] = []
    for pair in pairs:
        key = pair.key_text
        if key is None:
            continue
        first = seen.get(key)
        if first is None:
            seen[key] = pair
            continue
        out.append(
            finding(
                "SS101",
                f"duplicate key `{key}` in {where}; YAML keeps only the last one — remove one of them",
                node_range(pair.key),
                related=(Related(node_range(first.key), f"`{key}` first set here"),),
            )
        )
    return out


def unknown_key(key: Node, known: MappingABC[str, schema.Field], where: str, hint: str = "") -> Finding:
    text = key.value if isinstance(key, Scalar) else None
    if text is None:
        return finding("SS110", f"keys in {where} must be plain names; allowed: {quoted(known)}", node_range(key))
    suggestion = schema.closest(text, list(known))
    if suggestion is not None:
        message = f"unknown key `{text}` in {where}; did you mean `{suggestion}`?"
        data: dict[str, Any] | None = {"fix": "rename-key", "replacement": suggestion}
    else:
        message = f"unknown key `{text}` in {where}; allowed: {quoted(known)}"
        data = None
    return finding("SS110", message + hint, node_range(key), data)


def string_value(pair: Pair, field_name: str) -> tuple[Scalar | None, Finding | None]:
    """The value as a string scalar, or the SS112 finding that says why it is not one."""
    value = pair.value
    if isinstance(value, Scalar):
        if value.tag == "str":
            return value, None
        if value.is_null:
            return None, finding("SS112", f"`{field_name}` has no value; it needs a string",
                                 node_range(pair.key))
        return None, finding(
            "SS112",
            f"`{field_name}` must be a string, not {describe(value)}; put the value in quotes",
            node_range(value),
        )
    return None, finding("SS112", f"`{field_name}` must be a string, not {describe(value)}", node_range(value))


_SIMPLE_URL_RE = re.compile(r"(https?)://([A-Za-z0-9.-]+)(?::([0-9]{1,5}))?(?:[/?#]\S*)?")


@functools.lru_cache(maxsize=256)
def url(raw: str) -> tuple[str, str] | None:
    """(scheme, host name) of a URL, or None when it cannot be parsed (bad port, bad IPv6 literal)."""
    simple = _SIMPLE_URL_RE.fullmatch(raw.strip())
    if simple is not None and (simple.group(3) is None or int(simple.group(3)) <= 65535):
        return simple.group(1), simple.group(2).lower()  # what urlsplit says, without its cost
    try:
        parts = urlsplit(raw.strip())
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return None
    return parts.scheme, host


def check_https_url(value: Scalar, code: str, what: str, allow_loopback_http: bool) -> Finding | None:
    parsed = url(value.value)
    if parsed is None:
        return finding(code, f"`{what}` is not a valid URL", node_range(value))
    scheme, host = parsed
    if scheme == "https" and host:
        return None
    if allow_loopback_http and scheme == "http" and host in ("127.0.0.1", "localhost", "::1"):
        return None
    allowed = "an https:// URL (http:// only for 127.0.0.1, localhost or ::1)" if allow_loopback_http \
        else "an https:// URL"
    if scheme in ("http", "https") and not host:
        return finding(code, f"`{what}` has no host name; it must be {allowed}", node_range(value))
    return finding(code, f"`{what}` must be {allowed}", node_range(value))


PUBLIC_HOSTNAMES = {rt.public_host: urlsplit(rt.public_host).hostname or "" for rt in schema.REPO_TYPES.values()}
