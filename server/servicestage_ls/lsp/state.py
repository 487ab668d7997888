"""One open document as the server keeps it: its text (our own text sync), its analyses (cached), and the
findings pinned to its entries by the cloud features (marks).

Columns from the client are converted with the negotiated encoding (``positions``) when changes are applied.
Nothing here imports the server or the cloud features: both use it.
"""

from __future__ import annotations

import asyncio
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from lsprotocol import types as lsp

from servicestage_ls.lsp.positions import from_client_column

if TYPE_CHECKING:
    from servicestage_ls.cloud.client import Authorization
    from servicestage_ls.core.model import Model
    from servicestage_ls.core.rules import Finding

class _Unstructures(Protocol):
    def unstructure(self, value: Any) -> Any: ...


class DocState:
    """One open document: its text as the client has it, and the analyses of that text (cached)."""

    def __init__(self, uri: str, text: str, version: int | None) -> None:
        self.uri = uri
        self.text = text
        self.version = version
        from servicestage_ls.core.document import ParseCache
        from servicestage_ls.core.rules import RuleCache

        self.parse_cache = ParseCache()
        self.rule_cache = RuleCache()
        self._model: Model | None = None
        self._findings: tuple[str, list[Finding]] | None = None
        self.saved_findings: list[Finding] | None = None  # validate=onSave: what the last save showed
        self.marks: dict[tuple[str, str], Mark] = {}  # SS170 and remote hints, keyed by (entry name, code)
        self._changed = asyncio.Event()
        self.published: str | None = None  # result id of what the client has
        self.converted: dict[int, Converted] = {}  # see diagnostics_for
        # After a change: the lines before it and the lines it touched, to split the new text only there if
        # another change of the same didChange needs its lines (text, lines, starts, length before, first, last).
        self._spliced: tuple[str, list[str], list[int], int, int, int] | None = None

    def model(self) -> Model:
        model = self._model
        if model is None or model.text is not self.text:
            from servicestage_ls.core import collector

            with collector.paused():
                model = self._model = self.parse_cache.build(self.text)
            self._spliced = None
        return model

    def findings(self, env: Mapping[str, str]) -> list[Finding]:
        cached = self._findings
        if cached is not None and cached[0] is self.text:
            return cached[1]
        from servicestage_ls.core import collector
        from servicestage_ls.core.rules import check

        with collector.paused():
            found = check(self.model(), self.rule_cache, env)
        self._findings = (self.text, found)
        return found

    def note_change(self, version: int | None) -> None:
        self.version = version
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_for_change(self, version: int | None, timeout: float) -> bool:
        """Wait until the client sends a version other than ``version``; False on timeout."""
        if self.version != version:
            return True
        try:
            await asyncio.wait_for(self._changed.wait(), timeout)
        except asyncio.TimeoutError:
            return False
        return True

    def apply_change(self, change: lsp.TextDocumentContentChangeEvent, encoding: str) -> None:
        if isinstance(change, lsp.TextDocumentContentChangePartial):
            lines, starts = self._lines()
            start = _offset(self.text, lines, starts, change.range.start, encoding)
            end = _offset(self.text, lines, starts, change.range.end, encoding)
            if end < start:
                start, end = end, start
            before = len(self.text)
            self.text = self.text[:start] + change.text + self.text[end:]
            first, last = bisect_right(starts, start) - 1, bisect_right(starts, end) - 1
            self._spliced = (self.text, lines, starts, before, first, last)
        else:
            self.text = change.text

    def _lines(self) -> tuple[list[str], list[int]]:
        """The current text's lines and their offsets: the model's, or the lines before the last change with
        only the lines it touched split again (a didChange with several changes), or the text split."""
        from servicestage_ls.core.document import splice_lines
        from servicestage_ls.core.model import split_lines

        model = self._model
        if model is not None and model.text is self.text:
            return model.lines, model.line_starts
        spliced = self._spliced
        if spliced is not None and spliced[0] is self.text:
            text, lines, starts, before, first, last = spliced
            if not starts[first] or text[starts[first] - 1] != "\r":  # else a `\n` may join the CR before
                return splice_lines(lines, starts, before, text, first, last)
        return split_lines(self.text)


class Converted:
    """A finding as the client gets it: the diagnostic, converted against these lines, and its JSON form."""

    __slots__ = ("finding", "lines", "diagnostic", "_json")

    def __init__(self, finding: Finding, lines: tuple[str, ...], diagnostic: lsp.Diagnostic) -> None:
        self.finding = finding
        self.lines = lines
        self.diagnostic = diagnostic
        self._json: dict[str, Any] | None = None

    def json(self, protocol: _Unstructures) -> dict[str, Any]:
        if self._json is None:
            self._json = protocol.unstructure(self.diagnostic)
        return self._json


@dataclass
class Mark:
    """A finding pinned to an entry by the cloud features (SS170, remote hints) until the entry changes."""

    finding: Finding
    entry_text: str | None
    entry_line: int


def _offset(text: str, lines: list[str], starts: list[int], pos: lsp.Position, encoding: str) -> int:
    if pos.line >= len(lines):
        return len(text)
    return starts[pos.line] + from_client_column(lines[pos.line], pos.character, encoding)


def drop_stale_marks(state: DocState) -> None:
    """Marks go away when their entry is edited or gone; they follow it when lines above it change."""
    if not state.marks:
        return
    by_name = {e.name: e for e in state.model().entries if e.name}
    keep: dict[tuple[str, str], Mark] = {}
    for key, mark in state.marks.items():
        if key[1] == "SS173":  # on the `authorizations` key, not on an entry: it follows the key
            names = (mark.finding.data or {}).get("names", [])
            renewed = remote_only_mark(state.model(), [n for n in names if isinstance(n, str)])
            if renewed is not None:
                keep[key] = renewed
            continue
        entry = by_name.get(key[0])
        if entry is None or mark.entry_text is None or entry.text != mark.entry_text:
            continue
        shift = entry.first_line - mark.entry_line
        keep[key] = Mark(mark.finding.shifted(shift), mark.entry_text, entry.first_line) if shift else mark
    state.marks = keep


# --- SS173: names only ServiceStage has (remoteCheck onSave) ----------------------------------------------


def remote_only_mark(model: Model, names: list[str]) -> Mark | None:
    """SS173 (``engine.findings``) pinned to the `authorizations` key, for the names only ServiceStage has."""
    from servicestage_ls.engine.findings import remote_only_finding

    found = remote_only_finding(model, names)
    return Mark(found, None, found.range.start[0]) if found is not None else None


def check_remote_only(state: DocState, remote: list[Authorization]) -> None:
    """Set (or clear) SS173 after a remote check's list."""
    from servicestage_ls.engine.findings import REMOTE_ONLY

    state.marks.pop(("", REMOTE_ONLY), None)
    mark = remote_only_mark(state.model(), [a.name for a in remote])
    if mark is not None:
        state.marks[("", REMOTE_ONLY)] = mark
