"""``DocState.apply_change`` with several changes in one didChange: each change after the first finds its offsets
in lines made by splitting only what the change before touched (issue 13: it split the whole text again), and
the text and lines are exactly what splitting the whole new text gives, line breaks joined by a change included."""

from __future__ import annotations

from typing import Any

import pytest
from lsprotocol import types as lsp

from servicestage_ls.core import document, incremental
from servicestage_ls.core.model import split_lines
from servicestage_ls.lsp.state import DocState


def _change(start: tuple[int, int], end: tuple[int, int], text: str) -> lsp.TextDocumentContentChangePartial:
    return lsp.TextDocumentContentChangePartial(
        range=lsp.Range(lsp.Position(*start), lsp.Position(*end)), text=text)


def _split_sizes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The length of every text ``split_lines`` is given from now on (by the document's text sync or core)."""
    sizes: list[int] = []
    real = document.split_lines

    def counting(text: str) -> Any:
        sizes.append(len(text))
        return real(text)

    monkeypatch.setattr(document, "split_lines", counting)
    monkeypatch.setattr(incremental, "split_lines", counting)  # splice_lines splits the changed lines there
    monkeypatch.setattr("servicestage_ls.core.model.split_lines", counting)
    return sizes


def _reference(text: str, start: tuple[int, int], end: tuple[int, int], new: str) -> str:
    """The change applied to the whole text split again (what the server did before)."""
    lines, starts = split_lines(text)
    a = starts[start[0]] + min(start[1], len(lines[start[0]]))
    b = starts[end[0]] + min(end[1], len(lines[end[0]]))
    return text[:a] + new + text[b:]


def test_the_second_change_of_a_did_change_splits_only_the_lines_the_first_touched(
        monkeypatch: pytest.MonkeyPatch) -> None:
    text = "authorizations:\n" + "".join(f"  - name: entry-{i:04d}\n    repo_type: github\n" for i in range(2000))
    state = DocState("file:///w/a.servicestage.yaml", text, 1)
    state.model()
    changes = [((2, 15), (2, 21), "gitlab"), ((1, 10), (1, 20), "renamed\n    x: 1"), ((4, 0), (4, 0), "# note\n")]
    expected = text
    for start, end, new in changes:
        expected = _reference(expected, start, end, new)
    sizes = _split_sizes(monkeypatch)
    for start, end, new in changes:
        state.apply_change(_change(start, end, new), "utf-16")
    assert state.text == expected
    assert state.text.startswith("authorizations:\n  - name: renamed\n    x: 1\n    repo_type: gitlab\n# note\n"
                                 "  - name: entry-0001\n")
    # The first change found its offsets in the model's lines; the next ones in the lines the one before touched.
    assert len(sizes) == 2 and max(sizes) < 100, sizes
    assert state._lines() == split_lines(state.text)


@pytest.mark.parametrize(("text", "changes"), [
    ("a\rb\nc", [((1, 0), (1, 0), "\n"), ((1, 0), (1, 1), "B")]),  # the \n joins the CR before: one break
    ("a\r\nb\nc", [((0, 1), (0, 1), "x\r"), ((2, 0), (2, 1), "Z")]),
    ("a\nb\nc", [((0, 1), (1, 0), ""), ((0, 1), (0, 2), "\r")]),
    ("a\nb", [((1, 1), (1, 1), "\r"), ((2, 0), (2, 0), "\nd"), ((0, 0), (0, 0), "\r\n")]),
    ("x\r\ny", [((0, 0), (1, 1), "p\rq"), ((1, 1), (1, 1), "\n")]),
])
def test_line_breaks_of_every_kind(text: str, changes: list[tuple[tuple[int, int], tuple[int, int], str]]) -> None:
    state = DocState("file:///w/a.servicestage.yaml", text, 1)
    state.model()
    expected = text
    for start, end, new in changes:
        expected = _reference(expected, start, end, new)
        state.apply_change(_change(start, end, new), "utf-16")
        assert state.text == expected
        assert state._lines() == split_lines(expected)
