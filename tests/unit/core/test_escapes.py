"""A secret as a server may echo it — percent-encoded, URL-encoded (form), JSON-escaped, any mix — is masked, and a
token shape written so is redacted."""

from __future__ import annotations

import json
from urllib.parse import quote, quote_plus

import pytest

from servicestage_ls.core.escapes import mask, unescape
from servicestage_ls.core.schema import redact

SK = 'Sk/9+q=Z "x"\\é😀'  # every character that an encoding changes
TOKEN = "ghp_" + "Ab1" * 12


def percent_all(text: str, upper: bool = True) -> str:
    return "".join(("%%%02X" if upper else "%%%02x") % byte for byte in text.encode("utf-8"))


ENCODINGS = {
    "as-is": lambda s: s,
    "url-encoded": lambda s: quote(s, safe=""),
    "form-encoded": quote_plus,
    "percent-every-byte": percent_all,
    "percent-lowercase-hex": lambda s: percent_all(s, upper=False),
    "json-escaped": lambda s: json.dumps(s)[1:-1],
    "json-ascii-escaped": lambda s: json.dumps(s, ensure_ascii=True)[1:-1],
    "json-u-every-character": lambda s: "".join(
        json.dumps(c, ensure_ascii=True)[1:-1] if not c.isascii() else f"\\u{ord(c):04X}" for c in s),
    "mixed": lambda s: quote(s[:5], safe="") + json.dumps(s[5:], ensure_ascii=True)[1:-1],
}


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_known_secret_is_masked_in_every_encoding(encoding: str) -> None:
    echoed = ENCODINGS[encoding](SK)
    assert mask(f"key {echoed} is wrong", [None, "", SK], "***") == "key *** is wrong"


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_token_shape_is_redacted_in_every_encoding(encoding: str) -> None:
    echoed = ENCODINGS[encoding](TOKEN)
    assert redact(f"token {echoed} is malformed") == "token ghp_… is malformed"


def test_text_that_only_looks_encoded_is_left_alone() -> None:
    assert mask("100% sure, path C:\\u0000x", ["secret-value"], "***") == "100% sure, path C:\\u0000x"
    assert redact("50%25 off: https://x/a%20b") == "50%25 off: https://x/a%20b"  # no token: not decoded
    assert mask("sk-secret-value but SK-SECRET-VALUE", ["sk-secret-value"], "***") == "*** but SK-SECRET-VALUE"


def test_unescape_decodes_layers_and_pairs_but_not_lone_surrogates() -> None:
    assert unescape("%2567%2568") == "gh"
    assert unescape("\\ud83d\\ude00 \\/ \\\" \\\\") == "😀 / \" \\"
    assert unescape("\\ud83d alone") == "\\ud83d alone"
