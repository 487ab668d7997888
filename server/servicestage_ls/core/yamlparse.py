"""One text → our nodes, with PyYAML's composer (the C loader where present) or, for simple entries, without it.

PyYAML hides duplicate keys and expands nothing here: aliases resolve to the anchored node (shared, never
copied), so alias bombs stay small, and the converter stops descending below ``MAX_DEPTH``. This is the only
module that uses PyYAML.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from typing import Any, NamedTuple

import yaml

from servicestage_ls.core.model import MAX_DEPTH, Mapping, Node, Other, Pair, Pos, Scalar, Sequence, split_lines

try:
    _BaseLoader: type = yaml.CSafeLoader
except AttributeError:  # PyYAML without libyaml: same results, slower
    _BaseLoader = yaml.SafeLoader

#: How far libyaml's offsets are behind the text's when it starts with a byte-order mark (libyaml drops it before
#: counting; PyYAML's own reader counts it in offsets, though not in columns).
_BOM_SHIFT = 1 if _BaseLoader is getattr(yaml, "CSafeLoader", None) else 0
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


class _Locator:
    """The parser's offsets within one parsed text → (line, column) relative to that text (``shift``: what the
    parser's offsets lack, a byte-order mark it did not count)."""

    __slots__ = ("shift", "starts")

    def __init__(self, text: str) -> None:
        self.starts = split_lines(text)[1]
        self.shift = _BOM_SHIFT if text.startswith("\ufeff") else 0

    def pos(self, index: int) -> Pos:
        index += self.shift
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
        # PyYAML's own line and column agree with LSP's unless the text has a line break LSP does not know, or
        # starts with a byte-order mark (which PyYAML's columns skip and LSP's count).
        self.marks_agree = _YAML_ONLY_BREAKS_RE.search(text) is None and not text.startswith("\ufeff")

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


class ParsedText(NamedTuple):
    """One text parsed on its own: its documents' roots, or the syntax error (relative positions). (A tuple:
    one per entry of a file that opens, and cheaper to make than a frozen dataclass.)"""

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
        index = min(_error_index(exc, text) + locator.shift, len(text))
        at_error = index - locator.shift  # what the locator is given: the parser's offset
        problem = getattr(exc, "problem", None) or ""
        at_end = not text[index:].strip()
        context = getattr(exc, "context_mark", None)
        context_pos = locator.pos(min(context.index, len(text))) if context is not None else None
        return ParsedText(
            tuple(roots),
            (_error_message(exc), locator.pos(at_error), context_pos),
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
        return ParsedText((), (message, locator.pos(index - locator.shift), None), False, False, ())
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
_ANY_FIRST_CHAR = None in _RESOLVER_FIRST_CHARS


def _plain_tag(value: str) -> str:
    """The short tag of a plain scalar, as PyYAML's resolver decides it."""
    if value[:1] not in _RESOLVER_FIRST_CHARS and not _ANY_FIRST_CHAR:
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


_LINE_PAIRS: dict[tuple[int, str], Pair] = {}
"""The pair read from a line of an item at a row (``token: ${GITHUB_TOKEN}``, ``repo_type: github``…): the same
line at the same row of another item gives the same nodes, so they are shared (nodes are never modified)."""
_KEY_SCALARS: dict[tuple[int, int, str], Scalar] = {}


def _key_scalar(number: int, col: int, key: str) -> Scalar:
    scalar = _KEY_SCALARS.get((number, col, key))
    if scalar is None:
        pos = _shared_position
        scalar = Scalar(pos((number, col)), pos((number, col + len(key))), key, _plain_tag(key), None)
        if len(_KEY_SCALARS) < _MEMO_MAX:
            _KEY_SCALARS[(number, col, key)] = scalar
    return scalar


def _fast_item(text: str, lines: list[str] | None = None) -> ParsedText | None:
    """A simple item parsed without PyYAML, or None when it is not simple. ``lines``: the text's lines when the
    caller has them already split (without the empty one after a last line break)."""
    if not text.isascii() or "\t" in text:
        return None
    if lines is None:
        lines = text.split("\n")
        if lines[-1] == "":
            lines.pop()
        elif not lines[-1].strip(" \r") or lines[-1].lstrip(" ").startswith("#"):
            return None  # an unterminated blank or comment line: PyYAML's end marks differ there
    elif text[-1:] != "\n" and (not lines[-1].strip(" \r") or lines[-1].lstrip(" ").startswith("#")):
        return None
    end_line = len(lines)  # PyYAML ends the stream on the line after the last one
    first = _FIRST_ITEM_LINE.fullmatch(lines[0].removesuffix("\r"))
    if first is None:
        return None
    seq_col = len(first.group(1))
    key_col = seq_col + 1 + len(first.group(2))
    pairs: list[Pair] = []
    pos = _shared_position
    line_pairs = _LINE_PAIRS
    memo_room = len(line_pairs) < _MEMO_MAX
    for number, raw in enumerate(lines):
        pair = line_pairs.get((number, raw))
        if pair is not None and pair.key.start[1] == key_col:
            pairs.append(pair)
            continue
        if number == 0:
            key, value_start, value = first.group(3), first.start(5), first.group(5)
        else:
            match = _ITEM_KEY_LINE.fullmatch(raw.removesuffix("\r"))
            if match is None:
                if _SKIPPED_LINE.fullmatch(raw.removesuffix("\r")):
                    continue
                return None
            if len(match.group(1)) != key_col:
                return None
            key, value_start, value = match.group(2), match.start(4), match.group(4)
        tag = _plain_tag(value) if value[0] in _RESOLVER_FIRST_CHARS or _ANY_FIRST_CHAR else "str"
        pair = Pair(_key_scalar(number, key_col, key),
                    Scalar(pos((number, value_start)), pos((number, value_start + len(value))), value, tag, None))
        if memo_room and len(value) <= _MEMO_VALUE_MAX:
            line_pairs[(number, raw)] = pair
        pairs.append(pair)
    end: Pos = pos((end_line, 0))
    mapping = Mapping(pos((0, key_col)), end, pairs, False)
    return ParsedText((Sequence(pos((0, seq_col)), end, [mapping], False),), None, False, False, (pos((0, seq_col)),))


def parse_item(text: str, lines: list[str] | None = None) -> ParsedText:
    """One item of ``authorizations`` (a one-item block list), by the fast path when it is simple; ``lines`` as
    for ``_fast_item``."""
    return _fast_item(text, lines) or parse_text(text)


# --- writing and reading single values ---------------------------------------------------------------------

_PLAIN_SAFE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-/@+]*$")


def yaml_scalar(value: str) -> str:
    """A YAML scalar that reads back as exactly this string: plain when safe, else double-quoted."""
    if _PLAIN_SAFE.match(value):
        try:
            if yaml.safe_load(value) == value:
                return value
        except yaml.YAMLError:
            pass
    return json.dumps(value, ensure_ascii=False)


def yaml_int(raw: str) -> int:
    """An int scalar's value as YAML reads it (``0x1A``, ``1_000``, ``0o17``…); 0 when it does not read as one."""
    try:
        return int(yaml.safe_load(raw))
    except (ValueError, TypeError, yaml.YAMLError):
        return 0


def load_plain(text: str) -> Any:
    """Plain data from a YAML (or JSON) text that is not an authorization file (the emulator's seed file);
    ValueError gives the first line of PyYAML's message."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValueError(str(exc).splitlines()[0]) from None
