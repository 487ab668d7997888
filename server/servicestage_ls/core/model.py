"""The model of a file: nodes where every key and value has its exact range, the entries and the top-level keys.

Positions are ``(line, column)`` with columns in code points and lines split the way LSP splits them
(``\\n``, ``\\r\\n``, ``\\r``); ``lsp/positions.py`` converts columns to the client's encoding at the protocol edge.
Nodes inside a chunk (see ``document.py``) hold positions relative to the chunk's first line (``base``).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import accumulate, count
from operator import add
from typing import NamedTuple

from servicestage_ls.core.kinds import DEFAULT_KIND, SECRET_KEY_OF_KIND

Pos = tuple[int, int]

MAX_TEXT_CHARS = 4_000_000
"""Larger texts are not parsed (SS104): bounded time and memory whatever the input."""
MAX_DEPTH = 8
"""Nodes deeper than this are kept as opaque ``Other`` nodes: no rule looks that deep."""

_LINE_BREAK_RE = re.compile(r"\r\n|\r|\n")


# --- nodes ---------------------------------------------------------------------------------------------


class Node:
    """A YAML node; ``start``/``end`` are relative to the chunk that holds it (see ``Chunk.base``)."""

    __slots__ = ("start", "end")

    def __init__(self, start: Pos, end: Pos) -> None:
        self.start = start
        self.end = end

    kind = "node"


class Scalar(Node):
    """A scalar. ``tag`` is its resolved type: str, int, float, bool, null, timestamp, binary or other."""

    __slots__ = ("value", "tag", "style")
    kind = "scalar"

    def __init__(self, start: Pos, end: Pos, value: str, tag: str, style: str | None) -> None:
        self.start = start
        self.end = end
        self.value = value
        self.tag = tag
        self.style = style  # None (plain), "'", '"', "|", ">"

    @property
    def is_null(self) -> bool:
        return self.tag == "null"

    @property
    def digits_int(self) -> int | None:
        """The value when it is an int written as plain digits (how ``status`` is written back), else None."""
        return int(self.value) if self.tag == "int" and self.value.isdigit() else None

    def __repr__(self) -> str:
        return f"Scalar({self.tag}, {self.start}-{self.end})"  # never the value: it may be a secret


class Pair:
    __slots__ = ("key", "value")

    def __init__(self, key: Node, value: Node) -> None:
        self.key = key
        self.value = value

    @property
    def key_text(self) -> str | None:
        return self.key.value if isinstance(self.key, Scalar) else None


class Mapping(Node):
    __slots__ = ("pairs", "flow")
    kind = "mapping"

    def __init__(self, start: Pos, end: Pos, pairs: list[Pair], flow: bool) -> None:
        self.start = start
        self.end = end
        self.pairs = pairs
        self.flow = flow

    def get(self, key: str) -> Pair | None:
        """The first pair with this key, else the pair a merge key (``<<: *defaults``) brings in."""
        for pair in self.pairs:
            if pair.key_text == key:
                return pair
        for pair in self.pairs:
            if pair.key_text == MERGE_KEY:
                for merged in merged_mappings(pair.value):
                    found = next((p for p in merged.pairs if p.key_text == key), None)
                    if found is not None:
                        return found
        return None


MERGE_KEY = "<<"


def merged_mappings(value: Node) -> list[Mapping]:
    """The mappings a merge key's value brings in, first one first (YAML: earlier ones win)."""
    if isinstance(value, Mapping):
        return [value]
    if isinstance(value, Sequence):
        return [item for item in value.items if isinstance(item, Mapping)]
    return []


class Sequence(Node):
    __slots__ = ("items", "flow")
    kind = "sequence"

    def __init__(self, start: Pos, end: Pos, items: list[Node], flow: bool) -> None:
        self.start = start
        self.end = end
        self.items = items
        self.flow = flow


class Other(Node):
    """A node below ``MAX_DEPTH`` or of a kind no rule inspects; only its range and kind are kept."""

    __slots__ = ("what",)
    kind = "other"

    def __init__(self, start: Pos, end: Pos, what: str) -> None:
        super().__init__(start, end)
        self.what = what


# --- model ---------------------------------------------------------------------------------------------


class Range(NamedTuple):
    """A range of code-point positions (a tuple: cheap to make, compared and sorted as one)."""

    start: Pos
    end: Pos

    def shifted(self, lines: int) -> Range:
        return Range((self.start[0] + lines, self.start[1]), (self.end[0] + lines, self.end[1]))

    def contains(self, pos: Pos) -> bool:
        return self.start <= pos <= self.end


def node_range(node: Node, base: int = 0) -> Range:
    return Range((node.start[0] + base, node.start[1]), (node.end[0] + base, node.end[1]))


@dataclass(frozen=True, slots=True)
class Problem:
    """A problem found while parsing (SS100, SS103, SS104), with an absolute range."""

    code: str
    message: str
    range: Range


@dataclass(slots=True)
class TopItem:
    """One top-level key and its value (relative to ``base``)."""

    key: Node
    value: Node
    base: int

    @property
    def key_text(self) -> str | None:
        return self.key.value if isinstance(self.key, Scalar) else None

    def range_of(self, node: Node) -> Range:
        """The absolute range of ``key``, ``value`` or a node inside them."""
        return node_range(node, self.base)


@dataclass(slots=True)
class Entry:
    """One item of ``authorizations``: its node (relative to ``base``) and what it was parsed from.

    ``text`` is the item's own source when it was parsed on its own (the cache key for per-entry results),
    else None. ``node`` is None when the item has a syntax error.
    """

    index: int
    node: Node | None
    base: int
    first_line: int
    last_line: int
    text: str | None
    alias: Range | None = None
    """Where the item is an alias (``- *e``): its absolute range; ``node`` is then the anchored node."""

    @property
    def mapping(self) -> Mapping | None:
        return self.node if isinstance(self.node, Mapping) else None

    def scalar(self, key: str) -> Scalar | None:
        mapping = self.mapping
        pair = mapping.get(key) if mapping is not None else None
        return pair.value if pair is not None and isinstance(pair.value, Scalar) else None

    def value_of(self, key: str) -> str | None:
        """The scalar value of a key, or None when missing, null or not a scalar."""
        scalar = self.scalar(key)
        return None if scalar is None or scalar.is_null else scalar.value

    @property
    def name(self) -> str | None:
        return self.value_of("name")

    @property
    def kind(self) -> str:
        """`kind` as written, ``personal`` (the default) without one; an unknown kind as it is (SS135)."""
        return self.value_of("kind") or DEFAULT_KIND

    @property
    def user(self) -> str | None:  # a password entry's `user` (`{domain name}/{tenant name}` for devcloud)
        return self.value_of("user")

    @property
    def tag(self) -> str | None:  # an OAuth entry's `tag` (``intl``)
        return self.value_of("tag")

    @property
    def secret_key(self) -> str | None:
        """Where the kind's secret reference is: `token` (personal), `password`; None (OAuth, an unknown kind)."""
        return SECRET_KEY_OF_KIND.get(self.kind)

    @property
    def secret_source(self) -> str | None:  # the secret's text (a `${NAME}` reference or a literal): never shown
        return self.value_of(self.secret_key) if self.secret_key is not None else None

    @property
    def status(self) -> int | None:
        """``status`` as written back (plain digits), or None when missing or written otherwise."""
        scalar = self.scalar("status")
        return scalar.digits_int if scalar is not None else None

    def range(self) -> Range:
        if self.alias is not None:
            return self.alias
        if self.node is None:
            return Range((self.first_line, 0), (self.last_line, 0))
        return node_range(self.node, self.base)

    def range_of(self, node: Node) -> Range:
        """The absolute range of a node of this entry (nodes hold positions relative to ``base``)."""
        return node_range(node, self.base)


_GENERATIONS = count(1)


@dataclass(frozen=True, slots=True)
class Edit:
    """How a model was made from the previous one when an edit re-parsed only a few entries: entries
    ``start``..``stop`` (exclusive) of the model of generation ``previous`` (its lines ``first_line``..``last_line``)
    were replaced by the ``count`` entries from ``start`` on; the entries after them moved by ``lines`` lines."""

    previous: int
    start: int
    stop: int
    count: int
    first_line: int
    last_line: int
    lines: int


@dataclass
class Model:
    """The parsed file. ``lines`` are the LSP lines without their line breaks."""

    text: str
    lines: list[str]
    line_starts: list[int]
    root_kind: str  # "mapping", "empty" (nothing but comments) or the kind of a wrong root
    root_range: Range
    top: list[TopItem] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    _entry_firsts: list[int] | None = field(default=None, repr=False)
    chunked: bool = False
    """Parsed chunk by chunk (else as one text)."""
    item_indent: str | None = None
    """The prefix of an item line of ``authorizations`` (e.g. ``"  -"``) when its items were parsed one by one."""
    cut_errors: bool = False
    """Some chunk failed in a way the cut may have caused (kept because the whole text fails too)."""
    top_incomplete: bool = False
    """A top-level part could not be parsed: which keys are present is unknown."""
    authorizations: TopItem | None = None
    """The first ``authorizations`` key. Its ``value`` is an empty block Sequence when the items were parsed
    one by one (they are in ``entries``)."""
    edit: Edit | None = None
    """Set when this model was made from the previous one by re-parsing a few entries."""
    generation: int = field(default_factory=lambda: next(_GENERATIONS))

    def top_item(self, key: str) -> TopItem | None:
        for item in self.top:
            if item.key_text == key:
                return item
        return None

    def top_value(self, key: str) -> str | None:
        item = self.top_item(key)
        if item is None or not isinstance(item.value, Scalar) or item.value.is_null:
            return None
        return item.value.value

    def entry_firsts(self) -> list[int]:
        """The first line of each entry, in order (made once; do not change it)."""
        firsts = self._entry_firsts
        if firsts is None or len(firsts) != len(self.entries):
            firsts = self._entry_firsts = [e.first_line for e in self.entries]
        return firsts

    def remember_entry_firsts(self, firsts: list[int]) -> None:
        """Give the first lines of the entries when they are known already (an incremental build)."""
        self._entry_firsts = firsts

    def entry_at_line(self, line: int) -> Entry | None:
        """The entry whose lines include ``line`` (comments after an entry belong to it)."""
        i = bisect_right(self.entry_firsts(), line) - 1
        if i < 0:
            return None
        entry = self.entries[i]
        return entry if entry.first_line <= line <= entry.last_line else None

    def position(self, offset: int) -> Pos:
        """The position of a character offset."""
        line = bisect_right(self.line_starts, offset) - 1
        return (line, offset - self.line_starts[line])

    def offset(self, pos: Pos) -> int:
        """Character offset of a position (clamped to the text)."""
        line, col = pos
        if line >= len(self.line_starts):
            return len(self.text)
        return min(self.line_starts[line] + min(col, len(self.lines[line])), len(self.text))

    def line_end_pos(self, line: int) -> Pos:
        return (line, len(self.lines[line]))

    def line_break(self, line: int) -> str:
        """The line break the file uses at ``line`` (or the one before it, or its first), for inserted lines."""
        starts = self.line_starts
        for i in (line, line - 1, 0):
            if 0 <= i < len(starts) - 1:
                return self.text[starts[i] + len(self.lines[i]) : starts[i + 1]] or "\n"
        return "\n"

    @property
    def has_syntax_errors(self) -> bool:
        return any(p.code == "SS100" for p in self.problems)


# --- lines ---------------------------------------------------------------------------------------------


def split_lines(text: str) -> tuple[list[str], list[int]]:
    """LSP lines (without line breaks) and the offset where each starts."""
    if "\r" not in text:
        lines = text.split("\n")
        # starts[i] = len(lines[0]) + … + len(lines[i-1]) + i, all in C (no Python code per line)
        starts = [0, *map(add, accumulate(map(len, lines[:-1])), count(1))]
        return lines, starts
    lines, starts, pos = [], [0], 0
    for match in _LINE_BREAK_RE.finditer(text):
        lines.append(text[pos : match.start()])
        pos = match.end()
        starts.append(pos)
    lines.append(text[pos:])
    return lines, starts


def rebased(node: Node, base: int) -> Node:
    """A key with absolute positions: itself, or a copy moved down ``base`` lines (a scalar, else ``Other``)."""
    if not base:
        return node
    if isinstance(node, Scalar):
        return Scalar((node.start[0] + base, node.start[1]), (node.end[0] + base, node.end[1]), node.value,
                      node.tag, node.style)
    return Other((node.start[0] + base, node.start[1]), (node.end[0] + base, node.end[1]), node.kind)



def iter_entry_pairs(entry: Entry) -> Iterator[Pair]:
    mapping = entry.mapping
    if mapping is not None:
        yield from mapping.pairs
