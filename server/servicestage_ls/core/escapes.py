"""A secret as a server may echo it: as is, percent-encoded (``%67%68%70%5F…``, all of it or some characters, hex
in either case), URL-encoded (``+`` for a space) or JSON-escaped (``\\u0067…``, ``\\/``) — any mix of these.

``unescape`` decodes such text so that ``schema.redact`` finds a token shape written that way; ``mask`` replaces
each known secret value (an SK, a password, a token) in whatever of these forms it appears. Pure: no imports of
the package.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote

_JSON_U = re.compile(
    r"\\u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})|\\u([0-9a-fA-F]{4})|\\([\"\\/])"
)
_JSON_ESCAPED = frozenset('"\\/')
_ROUNDS = 3  # `%255C` → `%5C` → `\`: a few layers of encoding, never a loop


def _json_u(match: re.Match[str]) -> str:
    high, low, single, plain = match.groups()
    if plain is not None:
        return plain
    if single is not None:
        code = int(single, 16)
        return match.group(0) if 0xD800 <= code <= 0xDFFF else chr(code)  # a lone surrogate stays as written
    return chr(0x10000 + ((int(high, 16) - 0xD800) << 10) + (int(low, 16) - 0xDC00))


def unescape(text: str) -> str:
    """``text`` with percent-escapes and JSON's ``\\uXXXX``, ``\\"``, ``\\\\`` and ``\\/`` decoded (up to three
    layers)."""
    for _ in range(_ROUNDS):
        decoded = _JSON_U.sub(_json_u, unquote(text))
        if decoded == text:
            break
        text = decoded
    return text


def _char_forms(char: str) -> str:
    """A regex for one character of a secret in any of its forms (the escapes' hex in either case, the
    character itself only in its own case)."""
    code = ord(char)
    if code < 0x10000:
        json_u = f"\\\\u{code:04x}"
    else:
        high, low = 0xD800 + ((code - 0x10000) >> 10), 0xDC00 + ((code - 0x10000) & 0x3FF)
        json_u = f"\\\\u{high:04x}\\\\u{low:04x}"
    percent = "".join(f"%{byte:02x}" for byte in char.encode("utf-8"))
    forms = [re.escape(char), f"(?i:{percent})", f"(?i:{json_u})"]
    if char == " ":
        forms.append(r"\+")
    if char in _JSON_ESCAPED:
        forms.append(re.escape("\\" + char))
    return "(?:" + "|".join(forms) + ")"


def secret_pattern(secret: str) -> re.Pattern[str]:
    """A regex matching ``secret`` with each character as is, percent-encoded or JSON-escaped."""
    return re.compile("".join(_char_forms(char) for char in secret))


def mask(text: str, secrets: Iterable[str | None], replacement: str) -> str:
    """``text`` with every secret replaced, in whatever form it was echoed."""
    for secret in secrets:
        if not secret:
            continue
        text = text.replace(secret, replacement)
        if _echoed_encoded(text, secret):  # the regex only then: a long IAM token's takes a while to compile
            text = secret_pattern(secret).sub(replacement, text)
    return text


def _echoed_encoded(text: str, secret: str) -> bool:
    if "%" not in text and "\\" not in text:
        return False
    return secret in unescape(text) or (" " in secret and secret in unescape(text.replace("+", " ")))
