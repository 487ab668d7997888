"""Text → a model of the file where every key and value has its exact range.

Positions are ``(line, column)`` with columns in code points and lines split the way LSP splits them
(``\\n``, ``\\r\\n``, ``\\r``); ``positions.py`` converts columns to the client's encoding at the protocol edge.

The text is cut into *chunks*: one per top-level key and one per item of the ``authorizations`` list. Each
chunk is parsed on its own with PyYAML's composer (the C loader where present) and cached by its text, with
positions relative to the chunk's first line, so an edit inside one entry re-parses only that entry. Whenever
the cut could change the meaning (aliases across chunks, a construct that runs past its chunk, directives,
several documents, lone CR line ends) the whole text is parsed at once instead; both paths produce the same
model. A syntax error in one chunk leaves the other chunks validated.

The pieces: ``model.py`` (the nodes and the model), ``yamlparse.py`` (one text → nodes), ``chunks.py`` (the cut),
``assemble.py`` (parses → model), ``incremental.py`` (an edit inside the items → the next model).
"""

from __future__ import annotations

from servicestage_ls.core.assemble import assemble_chunks, assemble_repaired, assemble_whole, shape_ok
from servicestage_ls.core.chunks import Chunk, plan_chunks
from servicestage_ls.core.incremental import incremental, splice_lines
from servicestage_ls.core.model import MAX_TEXT_CHARS, Model, Pos, Problem, Range, split_lines
from servicestage_ls.core.yamlparse import ParsedText, parse_item, parse_text

__all__ = ["ParseCache", "parse", "splice_lines"]


class ParseCache:
    """Per-document cache: chunk parses keyed by the chunk's text, and the last model.

    When an edit stays inside the items of ``authorizations`` (what typing mostly is), only the items around
    it are cut and parsed again; the other entries are reused (moved by the number of lines the edit added).
    """

    def __init__(self) -> None:
        self._entries: dict[str, ParsedText] = {}
        self._last: Model | None = None

    def build(self, text: str) -> Model:
        last = self._last
        if last is not None and last.text == text:
            return last
        model = incremental(last, text, self._entries) if last is not None else None
        if model is None:
            used: dict[str, ParsedText] = {}
            model = _build(text, self._entries, used)
            self._entries = used
        elif len(self._entries) > 2 * len(model.entries) + 64:
            self._entries = {e.text: self._entries[e.text] for e in model.entries
                             if e.text is not None and e.text in self._entries}
        self._last = model
        return model


def parse(text: str, cache: ParseCache | None = None) -> Model:
    """The model of a text (pass the document's ``ParseCache`` to reuse unchanged chunks)."""
    if cache is not None:
        return cache.build(text)
    return _build(text, {}, {})


def _build(text: str, old: dict[str, ParsedText], used: dict[str, ParsedText]) -> Model:
    lines, starts = split_lines(text)
    end_pos: Pos = (len(lines) - 1, len(lines[-1]))
    model = Model(text, lines, starts, "empty", Range((0, 0), end_pos))
    if len(text) > MAX_TEXT_CHARS:
        model.problems.append(
            Problem(
                "SS104",
                f"the file has {len(text):,} characters, more than the {MAX_TEXT_CHARS:,} that are validated; "
                "split it into smaller files",
                Range((0, 0), (0, len(lines[0]))),
            )
        )
        return model
    lone_cr = "\r" in text and text.count("\r") != text.count("\r\n")
    planned = None if lone_cr else plan_chunks(lines)
    if planned is not None:
        plan, item_indent = planned
        parsed = _parse_chunks(text, lines, starts, plan, old, used)
        if parsed is not None and any(result.undefined_alias for _, result in parsed):
            if assemble_repaired(model, plan, parsed):
                return model
        if parsed is not None:
            assemble_chunks(model, plan, parsed)
            model.chunked = True
            model.cut_errors = any(r.error is not None and (r.error_at_end or r.undefined_alias) for _, r in parsed)
            split = model.authorizations is not None and model.authorizations.base == 0 and bool(model.entries)
            model.item_indent = item_indent if split and all(e.text is not None for e in model.entries) else None
            return model
    assemble_whole(model, parse_text(text))
    return model


def _parse_chunks(
    text: str,
    lines: list[str],
    starts: list[int],
    plan: list[Chunk],
    old: dict[str, ParsedText],
    used: dict[str, ParsedText],
) -> list[tuple[str, ParsedText]] | None:
    results: list[tuple[str, ParsedText]] = []
    suspicious = False
    count = len(starts)
    for chunk in plan:
        after = chunk.last + 1
        chunk_text = text[starts[chunk.first] : starts[after] if after < count else len(text)]
        parsed = used.get(chunk_text) or old.get(chunk_text)
        if parsed is None:
            if not chunk.item:
                parsed = parse_text(chunk_text)
            elif after < count or lines[-1]:
                parsed = parse_item(chunk_text, lines[chunk.first : after])
            else:  # the last line is the empty one after the last line break: not a line of the item
                parsed = parse_item(chunk_text, lines[chunk.first : chunk.last])
        used[chunk_text] = parsed
        if parsed.error is not None:
            suspicious = suspicious or parsed.error_at_end or parsed.undefined_alias
        elif not shape_ok(parsed, chunk.item):
            return None
        results.append((chunk_text, parsed))
    if suspicious:
        # An error may come from the cut itself (an alias or a quoted scalar that spans chunks): if the whole
        # text parses, the whole parse is the truth; if it does not, the per-chunk errors are more useful.
        whole = parse_text(text)
        if whole.error is None:
            return None
    return results
