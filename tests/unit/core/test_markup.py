"""Markdown → plain text for clients that accept only plain text."""

from __future__ import annotations

import pytest

from servicestage_ls.core import schema
from servicestage_ls.core.schema import field_markdown
from servicestage_ls.core.markup import plain_text


@pytest.mark.parametrize(
    ("markdown", "plain"),
    [
        ("**status** · integer", "status · integer"),
        ("run *Create authorization* now", "run Create authorization now"),
        ("write `${NAME}` (letters, digits and `_`)", "write ${NAME} (letters, digits and _)"),
        ("`**not bold**` and `*x*`", "**not bold** and *x*"),
        ("``a`b`` and `` `tick` ``", "a`b and `tick`"),
        ("**host**: <https://github.com/tom-repo>", "host: https://github.com/tom-repo"),
        ("see [the API](https://example.com/api) or [https://x.io](https://x.io)",
         "see the API (https://example.com/api) or https://x.io"),
        ("2 * 3 * 4, a*b, \\*literal\\*", "2 * 3 * 4, a*b, *literal*"),
        ("⚠️ **Plaintext secret**: this token", "⚠️ Plaintext secret: this token"),
        ("no markup at all\n\nsecond paragraph", "no markup at all\n\nsecond paragraph"),
        ("an unclosed `tick and **bold", "an unclosed `tick and **bold"),
    ],
)
def test_plain_text(markdown: str, plain: str) -> None:
    assert plain_text(markdown) == plain


@pytest.mark.parametrize("key", sorted({*schema.TOP_FIELDS, *schema.ENTRY_FIELDS}))
def test_every_field_documentation_reads_without_markup(key: str) -> None:
    spec = schema.TOP_FIELDS.get(key) or schema.ENTRY_FIELDS[key]
    text = plain_text(field_markdown(spec))
    assert "**" not in text and "`" not in text and "](" not in text
    assert text.startswith(f"{key} · ")
