"""Costs that must not grow with the file: a request near the cursor reads a few lines near the cursor."""

from __future__ import annotations

import pytest

from reliability import corpus
from servicestage_ls.core import completion, context, document
from servicestage_ls.core.lines import LineInfo


def test_completion_cost_does_not_grow_with_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """A completion request should cost a few line scans near the cursor whatever the size of the file
    (context.py's own contract); at the end of a file whose ``authorizations:`` header does not parse it
    reads every line above (3.9 MB: ~4 s per keystroke; 10 MB, unparsed: ~8 s)."""
    entries = "".join(corpus.ENTRY.format(i=i) for i in range(5000))
    model = document.parse("authorizations: [\n" + entries)
    calls = 0
    real = context.analyze_line

    def counting(line: str) -> LineInfo:
        nonlocal calls
        calls += 1
        return real(line)

    monkeypatch.setattr(context, "analyze_line", counting)
    completion.complete(model, (len(model.lines) - 1, 0), snippets=True, env={})
    assert calls < 1000, f"{calls} lines analysed for one completion in a {len(model.lines)}-line file"
