"""Costs that must not grow with the file: a request near the cursor reads a few lines near the cursor."""

from __future__ import annotations

from typing import Any

import pytest

from reliability import corpus
from servicestage_ls.core import completion, context, document, incremental
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


def _edit_work(entries: int, edit: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """What one edit of the middle entry costs the server in a file of ``entries`` entries, one in fifty with a
    mistake: lines split, entries parsed, entries checked, findings placed, diagnostics converted."""
    from servicestage_ls.core import rules
    from servicestage_ls.core.rules import file as rules_file
    from servicestage_ls.lsp.setup import create_server
    from servicestage_ls.lsp.state import DocState

    middle = entries // 2
    text = corpus.HEADER + "".join(
        corpus.ENTRY.format(i=i).replace("github", "githib" if i % 50 == 7 and i != middle else "github")
        for i in range(entries)
    )
    server = create_server({"GITHUB_TOKEN": "x"})
    state = DocState("file:///w/a.servicestage.yaml", text, 1)
    assert len(server.diagnostics_for(state)) == len(range(7, entries, 50))
    work = dict.fromkeys(("lines split", "parsed", "checked", "placed", "converted"), 0)

    def counting(name: str, real: Any, size: Any = lambda result: 1) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            result = real(*args, **kwargs)
            work[name] += size(result)
            return result

        return wrapper

    split = counting("lines split", document.split_lines, lambda r: len(r[0]))
    parse_item = counting("parsed", document.parse_item)
    for module in (document, incremental):  # a full build, and an edit inside the items
        monkeypatch.setattr(module, "split_lines", split)
        monkeypatch.setattr(module, "parse_item", parse_item)
    monkeypatch.setattr(rules_file, "_entry_result", counting("checked", rules_file._entry_result))
    monkeypatch.setattr(rules.Finding, "shifted", counting("placed", rules.Finding.shifted))
    monkeypatch.setattr(server, "to_diagnostic", counting("converted", server.to_diagnostic))
    old, new = edit
    at = text.index(old, text.index(f"token{middle:05d}"))
    state.text = text[:at] + new + text[at + len(old):]
    diagnostics = server.diagnostics_for(state)
    assert len(diagnostics) == len(range(7, entries, 50)) + (new == "githux")
    return work


def test_the_work_of_a_one_value_edit_does_not_grow_with_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """The issue-13 contract: an edit of one value re-reads that entry and converts its new diagnostic, whatever
    the number of entries (before, each edit split every line, placed every finding and converted every
    diagnostic again)."""
    edit = ("github", "githux")
    expected = {"lines split": 2, "parsed": 1, "checked": 1, "placed": 1, "converted": 1}
    assert _edit_work(1_000, edit, monkeypatch) == expected
    assert _edit_work(10_000, edit, monkeypatch) == expected


def test_an_edit_that_adds_a_line_moves_only_the_diagnostics_below_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Adding a line moves every finding below it (they change: their line does); nothing else grows."""
    edit = ("repo_type: github\n", "repo_type: github\n    status: 0\n")
    for entries in (1_000, 10_000):
        below = len(range(7, entries, 50)) // 2
        assert _edit_work(entries, edit, monkeypatch) == {"lines split": 3, "parsed": 1, "checked": 1,
                                                         "placed": below, "converted": below}
