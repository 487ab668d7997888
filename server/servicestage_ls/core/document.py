"""Text → a model of the file where every key and value has its exact range.

Positions are ``(line, column)`` with columns in code points and lines split the way LSP splits them
(``\\n``, ``\\r\\n``, ``\\r``); ``positions.py`` converts columns to the client's encoding at the protocol edge.

The text is cut into *chunks*: one per top-level key and one per item of the ``authorizations`` list. Each
chunk is parsed on its own with PyYAML's composer (the C loader where present) and cached by its text, with
positions relative to the chunk's first line, so an edit inside one entry re-parses only that entry. Whenever
the cut could change the meaning (aliases across chunks, a construct that runs past its chunk, directives,
several documents, lone CR line ends) the whole text is parsed at once instead; both paths produce the same
model. A syntax error in one chunk leaves the other chunks validated.

PyYAML hides duplicate keys and expands nothing here: aliases resolve to the anchored node (shared, never
copied), so alias bombs stay small, and the converter stops descending below ``MAX_DEPTH``.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import accumulate, count
from operator import add
from typing import NamedTuple

import yaml

try:
    _BaseLoader: type = yaml.CSafeLoader
except AttributeError:  # PyYAML without libyaml: same results, slower
    _BaseLoader = yaml.SafeLoader

_RESOLVED: dict[tuple[str, bool], str] = {}
_MEMO_MAX = 4096
_MEMO_VALUE_MAX = 24  # keys and the values that recur (github, 0, ${GITHUB_TOKEN}); not every name or URL


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """The safe loader with a memo for plain scalars' implicit tags (the same keys and values recur per entry)."""

    def resolve(self, kind: type, value: str, implicit: tuple[bool, bool]) -> str:
        if kind is yaml.ScalarNode and implicit[0]:
            key = (value, implicit[1])
            tag = _RESOLVED.get(key)
            if tag is None:
                tag = super().resolve(kind, value, implicit)
                if len(_RESOLVED) < _MEMO_MAX and len(value) <= _MEMO_VALUE_MAX:
                    _RESOLVED[key] = tag
            return tag
        return super().resolve(kind, value, implicit)  # type: ignore[no-any-return]

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
        """The first pair with this key."""
        for pair in self.pairs:
            if pair.key_text == key:
                return pair
        return None


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

    def range(self) -> Range:
        if self.node is None:
            return Range((self.first_line, 0), (self.last_line, 0))
        return node_range(self.node, self.base)


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

    def entry_at_line(self, line: int) -> Entry | None:
        """The entry whose lines include ``line`` (comments after an entry belong to it)."""
        firsts = self._entry_firsts
        if firsts is None or len(firsts) != len(self.entries):
            firsts = self._entry_firsts = [e.first_line for e in self.entries]
        i = bisect_right(firsts, line) - 1
        if i < 0:
            return None
        entry = self.entries[i]
        return entry if entry.first_line <= line <= entry.last_line else None

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


class _Locator:
    """Offsets within one parsed text → (line, column) relative to that text."""

    __slots__ = ("starts",)

    def __init__(self, text: str) -> None:
        self.starts = split_lines(text)[1]

    def pos(self, index: int) -> Pos:
        line = bisect_right(self.starts, index) - 1
        return (line, index - self.starts[line])


# --- conversion from PyYAML nodes ------------------------------------------------------------------------

_TAGS = {
    "tag:yaml.org,2002:str": "str",
    "tag:yaml.org,2002:int": "int",
    "tag:yaml.org,2002:float": "float",
    "tag:yaml.org,2002:bool": "bool",
    "tag:yaml.org,2002:null": "null",
    "tag:yaml.org,2002:timestamp": "timestamp",
    "tag:yaml.org,2002:binary": "binary",
}


_YAML_ONLY_BREAKS_RE = re.compile("[\x85\u2028\u2029]|\r(?!\n)")
_ScalarNode, _MappingNode = yaml.ScalarNode, yaml.MappingNode


class _Converter:
    """PyYAML nodes → our nodes. Hot on a first open (tens of thousands of nodes), so kept lean."""

    def __init__(self, locator: _Locator, text: str) -> None:
        self.locator = locator
        # Shared nodes (aliases) and cycles exist only where the text has anchors.
        self.memo: dict[int, Node] | None = {} if "&" in text else None
        # PyYAML's own line and column agree with LSP's unless the text has a line break LSP does not know.
        self.marks_agree = _YAML_ONLY_BREAKS_RE.search(text) is None

    def convert(self, node: yaml.Node, depth: int = 0) -> Node:
        memo = self.memo
        if memo is not None:
            seen = memo.get(id(node))
            if seen is not None:  # an alias: the anchored node, shared
                return seen
        if self.marks_agree:
            mark = node.start_mark
            start: Pos = (mark.line, mark.column)
            mark = node.end_mark
            end: Pos = (mark.line, mark.column)
        else:
            start = self.locator.pos(node.start_mark.index)
            end = self.locator.pos(node.end_mark.index)
        cls = node.__class__
        result: Node
        if cls is _ScalarNode:
            result = Scalar(start, end, node.value, _TAGS.get(node.tag, "other"), node.style or None)
            if memo is not None:
                memo[id(node)] = result
            return result
        is_mapping = cls is _MappingNode
        if depth >= MAX_DEPTH:
            result = Other(start, end, "mapping" if is_mapping else "sequence")
            if memo is not None:
                memo[id(node)] = result
            return result
        convert = self.convert
        depth += 1
        if is_mapping:
            mapping = Mapping(start, end, [], bool(node.flow_style))
            if memo is not None or not self.marks_agree:
                if memo is not None:
                    memo[id(node)] = mapping
                mapping.pairs = [Pair(convert(k, depth), convert(v, depth)) for k, v in node.value]
                return mapping
            # The common case inlined: scalar keys and values, marks usable as they are.
            pairs = mapping.pairs
            tags = _TAGS
            for k, v in node.value:
                if k.__class__ is _ScalarNode:
                    sm, em = k.start_mark, k.end_mark
                    key: Node = Scalar((sm.line, sm.column), (em.line, em.column), k.value,
                                       tags.get(k.tag, "other"), k.style or None)
                else:
                    key = convert(k, depth)
                if v.__class__ is _ScalarNode:
                    sm, em = v.start_mark, v.end_mark
                    value: Node = Scalar((sm.line, sm.column), (em.line, em.column), v.value,
                                         tags.get(v.tag, "other"), v.style or None)
                else:
                    value = convert(v, depth)
                pairs.append(Pair(key, value))
            return mapping
        sequence = Sequence(start, end, [], bool(node.flow_style))
        if memo is not None:
            memo[id(node)] = sequence
        sequence.items = [convert(item, depth) for item in node.value]
        return sequence


# --- parsing -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ParsedText:
    """One text parsed on its own: its documents' roots, or the syntax error (relative positions)."""

    roots: tuple[Node, ...]
    error: tuple[str, Pos, Pos | None] | None  # message, position, where the broken construct started
    error_at_end: bool  # the error is at the very end: maybe a construct that runs into the next chunk
    undefined_alias: bool
    doc_starts: tuple[Pos, ...]


def _error_message(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.MarkedYAMLError):
        parts = [p for p in (exc.context, exc.problem) if p]
        return ": ".join(parts) if parts else "invalid YAML"
    if isinstance(exc, yaml.reader.ReaderError):
        char = exc.character
        code = ord(char) if isinstance(char, str) else char
        return f"character U+{code:04X} is not allowed in YAML"
    return str(exc).splitlines()[0] if str(exc) else "invalid YAML"


def _error_index(exc: yaml.YAMLError, text: str) -> int:
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        return min(exc.problem_mark.index, len(text))
    if isinstance(exc, yaml.reader.ReaderError):
        return min(exc.position, len(text))
    return 0


def parse_text(text: str) -> ParsedText:
    """Parse a whole text (every document), never raising."""
    locator = _Locator(text)
    roots: list[Node] = []
    doc_starts: list[Pos] = []
    try:
        loader = _Loader(text)
        try:
            while loader.check_node():
                node = loader.get_node()
                if node is None:
                    break
                doc_starts.append(locator.pos(node.start_mark.index))
                roots.append(_Converter(locator, text).convert(node))
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        index = _error_index(exc, text)
        problem = getattr(exc, "problem", None) or ""
        at_end = not text[index:].strip()
        context = getattr(exc, "context_mark", None)
        context_pos = locator.pos(min(context.index, len(text))) if context is not None else None
        return ParsedText(
            tuple(roots),
            (_error_message(exc), locator.pos(index), context_pos),
            at_end,
            problem == "found undefined alias",
            tuple(doc_starts),
        )
    except RecursionError:
        return ParsedText((), ("the YAML is nested too deeply to validate", (0, 0), None), False, False, ())
    except UnicodeEncodeError as exc:
        # A lone surrogate (a client may send one as a JSON escape): libyaml cannot even encode the text.
        index = min(exc.start, len(text) - 1)
        message = f"character U+{ord(text[index]):04X} is not allowed in YAML"
        return ParsedText((), (message, locator.pos(index), None), False, False, ())
    return ParsedText(tuple(roots), None, False, False, tuple(doc_starts))


# --- the fast path for simple entries -------------------------------------------------------------------

# An item whose lines are all `key: value` with plain, single-word ASCII values (what nearly every entry is)
# is read without PyYAML: the same nodes, positions and tags (tags come from PyYAML's own resolver), several
# times faster. Anything else — quotes, flow style, empty values, nesting, tabs, non-ASCII — goes to PyYAML.
_KEY_PATTERN = r"[A-Za-z_][A-Za-z0-9_]*"
_VALUE_PATTERN = r"[A-Za-z0-9_$/.][A-Za-z0-9_${}./:@+=~%?&-]*(?<!:)"
_FIRST_ITEM_LINE = re.compile(rf"( *)-( +)({_KEY_PATTERN}):( +)({_VALUE_PATTERN})(?: +#.*)? *")
_ITEM_KEY_LINE = re.compile(rf"( *)({_KEY_PATTERN}):( +)({_VALUE_PATTERN})(?: +#.*)? *")
_SKIPPED_LINE = re.compile(r" *(?:#.*)?")
_RESOLVER = yaml.resolver.Resolver()


_PLAIN_TAGS: dict[str, str] = {}
# PyYAML picks implicit resolvers by a value's first character: a value starting with any other is a string.
_RESOLVER_FIRST_CHARS = frozenset(_RESOLVER.yaml_implicit_resolvers)


def _plain_tag(value: str) -> str:
    """The short tag of a plain scalar, as PyYAML's resolver decides it."""
    if value[:1] not in _RESOLVER_FIRST_CHARS and None not in _RESOLVER_FIRST_CHARS:
        return "str"
    tag = _PLAIN_TAGS.get(value)
    if tag is None:
        tag = _TAGS.get(_RESOLVER.resolve(yaml.ScalarNode, value, (True, False)), "other")
        if len(_PLAIN_TAGS) < _MEMO_MAX and len(value) <= _MEMO_VALUE_MAX:
            _PLAIN_TAGS[value] = tag
    return tag


_POSITIONS: dict[Pos, Pos] = {}


def _shared_position(position: Pos) -> Pos:
    """One tuple for each relative position: entries look alike, so thousands of nodes share a few hundred."""
    return _POSITIONS.setdefault(position, position) if len(_POSITIONS) < _MEMO_MAX else position


def _fast_item(text: str) -> ParsedText | None:
    """A simple item parsed without PyYAML, or None when it is not simple."""
    if not text.isascii() or "\t" in text:
        return None
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    elif not lines[-1].strip(" \r") or lines[-1].lstrip(" ").startswith("#"):
        return None  # an unterminated blank or comment line: PyYAML's end marks differ there
    end_line = len(lines)  # PyYAML ends the stream on the line after the last one
    first = _FIRST_ITEM_LINE.fullmatch(lines[0].removesuffix("\r"))
    if first is None:
        return None
    seq_col = len(first.group(1))
    key_col = seq_col + 1 + len(first.group(2))
    pairs: list[Pair] = []
    pos = _shared_position
    for number, raw in enumerate(lines):
        line = raw.removesuffix("\r")
        if number == 0:
            key, value_start, value = first.group(3), first.start(5), first.group(5)
        else:
            match = _ITEM_KEY_LINE.fullmatch(line)
            if match is None:
                if _SKIPPED_LINE.fullmatch(line):
                    continue
                return None
            if len(match.group(1)) != key_col:
                return None
            key, value_start, value = match.group(2), match.start(4), match.group(4)
        pairs.append(Pair(
            Scalar(pos((number, key_col)), pos((number, key_col + len(key))), key, _plain_tag(key), None),
            Scalar(pos((number, value_start)), pos((number, value_start + len(value))), value, _plain_tag(value),
                   None),
        ))
    end: Pos = (end_line, 0)
    mapping = Mapping((0, key_col), end, pairs, False)
    return ParsedText((Sequence((0, seq_col), end, [mapping], False),), None, False, False, ((0, seq_col),))


def parse_item(text: str) -> ParsedText:
    """One item of ``authorizations`` (a one-item block list), by the fast path when it is simple."""
    return _fast_item(text) or parse_text(text)


# --- chunking ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Chunk:
    first: int  # first line
    last: int  # last line (inclusive)
    item: bool  # an item of authorizations


_DOC_MARKER_RE = re.compile(r"^(---|\.\.\.)(\s|$)")


def _is_top_start(line: str) -> bool:
    """A line that starts a new top-level key: content at column 0 that is not a comment or a list item."""
    if not line:
        return False
    c = line[0]
    if c in " \t#\r":
        return False
    if c == "-" and (len(line) == 1 or line[1] in " \t"):
        return False
    return True


def _block_value_follows(line: str) -> bool:
    """``key:`` with nothing but a comment after the colon."""
    match = re.match(r"^[A-Za-z_][A-Za-z0-9_]*[ \t]*:(?:[ \t]+#.*)?[ \t]*$", line)
    return match is not None


def _plan(lines: list[str]) -> tuple[list[_Chunk], str | None] | None:
    """How to cut the text (and the item prefix of ``authorizations``), or None to parse it as a whole."""
    first_content = 0
    n = len(lines)
    # A leading "---" (after comments) is allowed; any other document marker or directive needs a full parse.
    for i, line in enumerate(lines):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line[:1] == "%":
            return None
        if _DOC_MARKER_RE.match(line) and line.startswith("---"):
            first_content = i + 1
        break
    starts = [i for i in range(first_content, n) if _is_top_start(lines[i])]
    for i in starts:
        if _DOC_MARKER_RE.match(lines[i]) or lines[i][0] in "%[{\"'&*!|>?":
            return None
    if not starts:
        has_content = any(line.strip() and not line.lstrip().startswith("#") for line in lines[first_content:])
        return None if has_content else ([], None)
    chunks: list[_Chunk] = []
    item_indent: str | None = None
    # Comments and blank lines before the first key belong to the first chunk.
    bounds = [*starts[1:], n]
    prev_end = first_content
    for start, end in zip(starts, bounds):
        first = prev_end if not chunks else start
        if item_indent is None and lines[start].startswith("authorizations") and _block_value_follows(lines[start]):
            items, item_indent = _plan_items(lines, first, start, end)
            chunks.extend(items)
        else:
            chunks.append(_Chunk(first, end - 1, False))
        prev_end = end
    return chunks, item_indent


_ITEM_RE = re.compile(r"^( *)-(?:[ \t]|$)")


def _plan_items(lines: list[str], first: int, key_line: int, end: int) -> tuple[list[_Chunk], str | None]:
    """The ``authorizations:`` header and one chunk per item, and the items' prefix."""
    indent: str | None = None
    item_starts: list[int] = []
    for i in range(key_line + 1, end):
        line = lines[i]
        if indent is None:
            stripped = line.lstrip(" ")
            if not stripped or stripped.startswith("#"):
                continue
            match = _ITEM_RE.match(line)
            if match is None:
                return [_Chunk(first, end - 1, False)], None
            indent = match.group(1) + "-"
            item_starts.append(i)
        elif line.startswith(indent) and (len(line) == len(indent) or line[len(indent)] in " \t"):
            item_starts.append(i)
    if not item_starts:
        return [_Chunk(first, end - 1, False)], None
    chunks = [_Chunk(first, item_starts[0] - 1, False)]
    for start, stop in zip(item_starts, [*item_starts[1:], end]):
        chunks.append(_Chunk(start, stop - 1, True))
    return chunks, indent


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
        model = _incremental(last, text, self._entries) if last is not None else None
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


def _common_prefix(a: str, b: str) -> int:
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:  # binary search with C-speed slice comparisons
        mid = (lo + hi + 1) // 2
        if a[lo:mid] == b[lo:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _common_suffix(a: str, b: str, limit: int) -> int:
    lo, hi = 0, limit
    la, lb = len(a), len(b)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[la - mid : la - lo] == b[lb - mid : lb - lo]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _is_item_line(line: str, indent: str) -> bool:
    return line.startswith(indent) and (len(line) == len(indent) or line[len(indent)] in " \t")


def _incremental(prev: Model, text: str, cache: dict[str, ParsedText]) -> Model | None:
    """The model after an edit inside the items of ``authorizations``, or None when a full build is needed."""
    indent = prev.item_indent
    entries = prev.entries
    auth = prev.authorizations
    if not prev.chunked or prev.cut_errors or indent is None or not entries or auth is None:
        return None
    if len(text) > MAX_TEXT_CHARS:
        return None
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        return None
    old = prev.text
    prefix = _common_prefix(old, text)
    suffix = _common_suffix(old, text, min(len(old), len(text)) - prefix)
    if prefix and old[prefix - 1] == "\r":
        return None
    first_changed = bisect_right(prev.line_starts, prefix) - 1
    last_changed = bisect_right(prev.line_starts, max(prefix, len(old) - suffix)) - 1
    if first_changed <= entries[0].first_line or last_changed > entries[-1].last_line:
        return None
    firsts = prev._entry_firsts
    if firsts is None or len(firsts) != len(entries):
        firsts = prev._entry_firsts = [e.first_line for e in entries]
    # One entry more on each side: an edit on an item's first line can merge it with the one before.
    ia = max(0, bisect_right(firsts, first_changed) - 2)
    ib = min(len(entries) - 1, bisect_right(firsts, last_changed))
    lines, starts = split_lines(text)
    delta = len(lines) - len(prev.lines)
    r0, r1 = entries[ia].first_line, entries[ib].last_line + delta
    if r1 < r0 or r1 >= len(lines):
        return None
    item_starts = []
    for i in range(r0, r1 + 1):
        line = lines[i]
        if _is_top_start(line):
            return None
        if _is_item_line(line, indent):
            item_starts.append(i)
    if not item_starts or item_starts[0] != r0:
        return None
    region: list[Entry] = []
    problems: list[Problem] = []
    for k, (a, b) in enumerate(zip(item_starts, [*item_starts[1:], r1 + 1])):
        stop = starts[b] if b < len(starts) else len(text)
        chunk_text = text[starts[a] : stop]
        parsed = cache.get(chunk_text)
        if parsed is None:
            parsed = cache[chunk_text] = parse_item(chunk_text)
        node = None
        if parsed.error is not None:
            if parsed.error_at_end or parsed.undefined_alias:
                return None  # maybe a construct cut by the chunking: the full build decides
            problems.append(_syntax_problem(parsed, a, lines))
        elif not _shape_ok(parsed, True):
            return None
        else:
            root = parsed.roots[0]
            assert isinstance(root, Sequence)
            node = root.items[0]
        region.append(Entry(ia + k, node, a, a, b - 1, chunk_text))
    old_r1 = entries[ib].last_line
    after = entries[ib + 1 :]
    index_shift = ia + len(region) - (ib + 1)
    if delta or index_shift:
        after = [Entry(e.index + index_shift, e.node, e.base + delta, e.first_line + delta, e.last_line + delta,
                       e.text) for e in after]
    new_entries = [*entries[:ia], *region, *after]
    for p in prev.problems:
        at = p.range.start[0]
        if at < r0 or (at > old_r1 and not delta):
            problems.append(p)
    if delta:
        # Messages name absolute lines: make the moved entries' problems again from their cached parse.
        if any(p.range.start[0] > entries[-1].last_line for p in prev.problems):
            return None
        for e in after:
            if e.node is None:
                parsed = cache.get(e.text) if e.text is not None else None
                if parsed is None or parsed.error is None:
                    return None
                problems.append(_syntax_problem(parsed, e.first_line, lines))
    problems.sort(key=lambda p: p.range.start)
    top: list[TopItem] = []
    new_auth = auth
    for item in prev.top:
        if item is auth:
            new_auth = TopItem(auth.key, Sequence(auth.value.start, auth.value.end, [], False), 0)
            top.append(new_auth)
        elif item.base > old_r1 and delta:
            top.append(TopItem(item.key, item.value, item.base + delta))
        else:
            top.append(item)
    model = Model(text, lines, starts, prev.root_kind, Range((0, 0), (len(lines) - 1, len(lines[-1]))),
                  top=top, entries=new_entries, problems=problems, authorizations=new_auth, chunked=True,
                  item_indent=indent, top_incomplete=prev.top_incomplete)
    seq = new_auth.value
    seq.start = _entry_start(new_entries[0])
    seq.end = _entry_end(new_entries[-1], lines)
    return model


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
    planned = None if lone_cr else _plan(lines)
    if planned is not None:
        plan, item_indent = planned
        parsed = _parse_chunks(text, lines, starts, plan, old, used)
        if parsed is not None:
            _assemble_chunks(model, plan, parsed)
            model.chunked = True
            model.cut_errors = any(r.error is not None and (r.error_at_end or r.undefined_alias) for _, r in parsed)
            split = model.authorizations is not None and model.authorizations.base == 0 and bool(model.entries)
            model.item_indent = item_indent if split and all(e.text is not None for e in model.entries) else None
            return model
    _assemble_whole(model, parse_text(text))
    return model


def _parse_chunks(
    text: str,
    lines: list[str],
    starts: list[int],
    plan: list[_Chunk],
    old: dict[str, ParsedText],
    used: dict[str, ParsedText],
) -> list[tuple[str, ParsedText]] | None:
    results: list[tuple[str, ParsedText]] = []
    suspicious = False
    for chunk in plan:
        stop = starts[chunk.last + 1] if chunk.last + 1 < len(starts) else len(text)
        chunk_text = text[starts[chunk.first] : stop]
        parsed = used.get(chunk_text) or old.get(chunk_text)
        if parsed is None:
            parsed = parse_item(chunk_text) if chunk.item else parse_text(chunk_text)
        used[chunk_text] = parsed
        if parsed.error is not None:
            suspicious = suspicious or parsed.error_at_end or parsed.undefined_alias
        elif not _shape_ok(parsed, chunk.item):
            return None
        results.append((chunk_text, parsed))
    if suspicious:
        # An error may come from the cut itself (an alias or a quoted scalar that spans chunks): if the whole
        # text parses, the whole parse is the truth; if it does not, the per-chunk errors are more useful.
        whole = parse_text(text)
        if whole.error is None:
            return None
    return results


def _shape_ok(parsed: ParsedText, item: bool) -> bool:
    if len(parsed.roots) != 1:
        return False
    root = parsed.roots[0]
    if item:
        return isinstance(root, Sequence) and not root.flow and len(root.items) == 1
    return isinstance(root, Mapping) and not root.flow and len(root.pairs) == 1


def _syntax_problem(parsed: ParsedText, base: int, lines: list[str]) -> Problem:
    assert parsed.error is not None
    message, (line, col), context = parsed.error
    if context is not None and context[0] != line:
        message += f" (the construct starts on line {context[0] + base + 1})"
        if parsed.error_at_end:  # "unexpected end of stream": point at where the construct opened
            line, col = context
    line += base
    line = min(line, len(lines) - 1)
    text = lines[line]
    col = min(col, len(text))
    # Cover the token at the error position (at least one character where there is one).
    end = col
    while end < len(text) and not text[end].isspace():
        end += 1
    if end == col and col < len(text):
        end = col + 1
    return Problem("SS100", f"YAML syntax error: {message}", Range((line, col), (line, end)))


def _assemble_chunks(model: Model, plan: list[_Chunk], parsed: list[tuple[str, ParsedText]]) -> None:
    lines = model.lines
    model.root_kind = "empty" if not plan else "mapping"
    header: TopItem | None = None
    for position, (chunk, (chunk_text, result)) in enumerate(zip(plan, parsed)):
        if result.error is not None:
            model.problems.append(_syntax_problem(result, chunk.first, lines))
        if chunk.item:
            node = None
            if result.error is None:
                root = result.roots[0]
                assert isinstance(root, Sequence)
                node = root.items[0]
            if header is not None and model.authorizations is header:
                model.entries.append(
                    Entry(len(model.entries), node, chunk.first, chunk.first, chunk.last, chunk_text)
                )
            continue
        if result.error is not None:
            header = None
            model.top_incomplete = True
            continue
        root = result.roots[0]
        assert isinstance(root, Mapping)
        pair = root.pairs[0]
        item = TopItem(pair.key, pair.value, chunk.first)
        model.top.append(item)
        header = item
        if item.key_text == "authorizations" and model.authorizations is None:
            model.authorizations = item
            if position + 1 < len(plan) and plan[position + 1].item:
                start = (pair.value.start[0] + chunk.first, pair.value.start[1])
                item.value = Sequence(start, start, [], False)
                item.base = 0
                item.key = rebased(pair.key, chunk.first)
            else:
                _add_entries_from_value(model, item)
    if model.authorizations is not None and model.entries and isinstance(model.authorizations.value, Sequence):
        seq = model.authorizations.value
        last = model.entries[-1]
        seq.start = _entry_start(model.entries[0])
        seq.end = _entry_end(last, lines)


def rebased(node: Node, base: int) -> Node:
    """A key with absolute positions: itself, or a copy moved down ``base`` lines (a scalar, else ``Other``)."""
    if not base:
        return node
    if isinstance(node, Scalar):
        return Scalar((node.start[0] + base, node.start[1]), (node.end[0] + base, node.end[1]), node.value,
                      node.tag, node.style)
    return Other((node.start[0] + base, node.start[1]), (node.end[0] + base, node.end[1]), node.kind)


def _entry_start(entry: Entry) -> Pos:
    return (entry.first_line, 0) if entry.node is None else (entry.node.start[0] + entry.base, 0)


def _entry_end(entry: Entry, lines: list[str]) -> Pos:
    if entry.node is None:
        return (entry.last_line, len(lines[entry.last_line]))
    return (entry.node.end[0] + entry.base, entry.node.end[1])


def _add_entries_from_value(model: Model, item: TopItem) -> None:
    """Entries of an ``authorizations`` value parsed as one node (flow list, or the whole-text path)."""
    if not isinstance(item.value, Sequence):
        return
    for index, node in enumerate(item.value.items):
        first = node.start[0] + item.base
        last = node.end[0] + item.base
        if isinstance(node, Mapping) and not node.flow and node.end[1] == 0 and last > first:
            last -= 1  # a block mapping ends at the start of the next line
        model.entries.append(Entry(index, node, item.base, first, last, None))


def _assemble_whole(model: Model, parsed: ParsedText) -> None:
    if parsed.error is not None:
        model.problems.append(_syntax_problem(parsed, 0, model.lines))
        model.top_incomplete = True
    for start in parsed.doc_starts[1:]:
        line = start[0]
        # Point at the `---` that opens the document when there is one.
        marker = next((i for i in range(line, -1, -1) if model.lines[i].startswith("---")), None)
        if marker is not None:
            rng = Range((marker, 0), (marker, 3))
        else:
            rng = Range((line, 0), (line, len(model.lines[line])))
        model.problems.append(
            Problem("SS103", "a second YAML document: an authorization file holds exactly one document", rng)
        )
    if not parsed.roots:
        model.root_kind = "empty"
        return
    root = parsed.roots[0]
    if isinstance(root, Scalar) and root.is_null:
        model.root_kind = "empty"
        return
    model.root_kind = root.kind
    model.root_range = node_range(root)
    if not isinstance(root, Mapping):
        return
    for pair in root.pairs:
        item = TopItem(pair.key, pair.value, 0)
        model.top.append(item)
        if item.key_text == "authorizations" and model.authorizations is None:
            model.authorizations = item
            _add_entries_from_value(model, item)


def iter_entry_pairs(entry: Entry) -> Iterator[Pair]:
    mapping = entry.mapping
    if mapping is not None:
        yield from mapping.pairs
