"""The whole file's findings, in document order: the top level, every entry (cached per entry text in a
``RuleCache``; per edit only the entries the edit replaced are checked again), SS131 across entries, SS143 outside
the entries; and the errors that refuse a create before any call."""

from __future__ import annotations

import os
from bisect import bisect_left, bisect_right
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass, field
from typing import NamedTuple

from servicestage_ls.core.model import Entry, Model, Range, Scalar, node_range
from servicestage_ls.core.rules.base import Finding, Related, finding
from servicestage_ls.core.rules.entry import PairMemo, entry_checks, entry_findings
from servicestage_ls.core.rules.secrets import entry_token_shapes, may_hold_token_shapes, token_shaped
from servicestage_ls.core.rules.top import top_findings
from servicestage_ls.core.schema import Severity



class _EntryResult(NamedTuple):
    """What one entry contributes, relative to its first line: its findings and its name (for SS131).
    (A tuple: made once per entry of a file that opens, and cheaper to make than a frozen dataclass.)"""

    findings: tuple[Finding, ...]
    name: str | None
    name_place: Scalar | Range | None
    """The name's node, or (an alias item) the alias's range: its range is only needed when a name repeats."""

    @property
    def name_range(self) -> Range | None:
        place = self.name_place
        return node_range(place) if isinstance(place, Scalar) else place


def _entry_result(entry: Entry, env: MappingABC[str, str], memo: PairMemo | None = None,
                  scan: bool = True) -> _EntryResult:
    """``scan``: False when the whole text holds nothing token-shaped (no entry needs its own scan)."""
    found, present = entry_checks(entry, env, memo)
    if scan and entry.text is not None:
        found.extend(entry_token_shapes(entry))
    pair = present.get("name")
    name = pair.value if pair is not None else None
    if isinstance(name, Scalar) and name.tag == "str":
        return _EntryResult(tuple(found), name.value, name)
    return _EntryResult(tuple(found), None, None)


@dataclass
class _Checked:
    """The last model checked, kept for the next edit: per-entry results (aligned with the entries), the entries'
    findings with absolute ranges in document order, and how often each name occurs (for SS131)."""

    generation: int
    results: list[_EntryResult]
    entry_out: list[Finding]
    names: dict[str, int]
    duplicates: list[Finding]


@dataclass
class RuleCache:
    """Per-document cache of entry results keyed by the entry's text (only what the last run used), and the last
    run itself: after an edit that re-parsed a few entries (``Model.edit``), only those are checked again."""

    entries: dict[str, _EntryResult] = field(default_factory=dict)
    last: _Checked | None = None


def _line(f: Finding) -> int:
    return f.range.start[0]


def _order(f: Finding) -> tuple[tuple[int, int], str]:
    return f.range.start, f.code


def check(model: Model, cache: RuleCache | None = None, env: MappingABC[str, str] | None = None) -> list[Finding]:
    """All findings for a model, in document order. Per edit, only entries with new text are checked again."""
    # A snapshot: looking a variable up in os.environ costs more than the rest of a simple entry's checks.
    env = dict(os.environ if env is None else env)
    out = [finding(p.code, p.message, p.range) for p in model.problems]
    out.extend(top_findings(model, env))
    out.extend(token_shaped(model))
    if cache is None:
        cache = RuleCache()
    edit = model.edit
    last = cache.last
    if last is not None and edit is not None and edit.previous == last.generation:
        checked = _check_edit(model, cache, last, env)
    else:
        checked = _check_all(model, cache, env)
    cache.last = checked
    out.extend(checked.entry_out)
    out.extend(checked.duplicates)
    out.sort(key=_order)
    return out


def _result(entry: Entry, cache: RuleCache, used: dict[str, _EntryResult], env: MappingABC[str, str]) -> _EntryResult:
    key = entry.text
    if key is None:
        return _entry_result(entry, env)
    result = used.get(key) or cache.entries.get(key)
    if result is None:
        result = _entry_result(entry, env)
    used[key] = result
    return result


def _check_all(model: Model, cache: RuleCache, env: MappingABC[str, str]) -> _Checked:
    used: dict[str, _EntryResult] = {}
    results: list[_EntryResult] = []
    entry_out: list[Finding] = []
    names: dict[str, int] = {}
    old = cache.entries
    memo: PairMemo = {}
    checked_nodes: set[int] = set()
    scan = may_hold_token_shapes(model.text)
    for entry in model.entries:  # _result inlined: this loop runs once per entry of a file that opens
        key = entry.text
        if entry.alias is not None and id(entry.node) in checked_nodes:
            # `- *e` again: the anchored entry has the findings; this occurrence counts for SS131, at the alias.
            result = _EntryResult((), entry.name, entry.alias.shifted(-entry.base))
        elif key is None:
            checked_nodes.add(id(entry.node))
            result = _entry_result(entry, env, memo, scan)
        else:
            result = used.get(key) or old.get(key) or _entry_result(entry, env, memo, scan)
            used[key] = result
        results.append(result)
        if result.findings:
            base = entry.base
            entry_out.extend(sorted((f.shifted(base) for f in result.findings), key=_order))
        name = result.name
        if name is not None:
            names[name] = names.get(name, 0) + 1
    cache.entries = used
    duplicates = _duplicate_names(model, results) if any(n > 1 for n in names.values()) else []
    return _Checked(model.generation, results, entry_out, names, duplicates)


def _check_edit(model: Model, cache: RuleCache, last: _Checked, env: MappingABC[str, str]) -> _Checked:
    """The last run patched: the entries the edit replaced are checked (from the cache when their text was seen),
    the findings after them move by the lines the edit added; the rest is reused as it is."""
    edit = model.edit
    assert edit is not None
    used = cache.entries
    region = model.entries[edit.start : edit.start + edit.count]
    region_results = [_result(entry, cache, used, env) for entry in region]
    removed = last.results[edit.start : edit.stop]
    results = [*last.results[: edit.start], *region_results, *last.results[edit.stop :]]
    region_out: list[Finding] = []
    for entry, result in zip(region, region_results):
        region_out.extend(f.shifted(entry.base) for f in result.findings)
    region_out.sort(key=_order)
    before = bisect_left(last.entry_out, edit.first_line, key=_line)
    after = bisect_right(last.entry_out, edit.last_line, key=_line)
    tail = last.entry_out[after:]
    if edit.lines:
        tail = [f.shifted(edit.lines) for f in tail]
    entry_out = [*last.entry_out[:before], *region_out, *tail]
    if len(used) > 2 * len(results) + 64:
        # Drop what no entry uses any more (texts typed and replaced), keeping the cache bounded.
        used = {e.text: r for e, r in zip(model.entries, results) if e.text is not None}
    cache.entries = used
    names = last.names
    for result in removed:
        if result.name is not None:
            names[result.name] -= 1
            if not names[result.name]:
                del names[result.name]
    for result in region_results:
        if result.name is not None:
            names[result.name] = names.get(result.name, 0) + 1
    if last.duplicates or any(n > 1 for n in names.values()):
        duplicates = _duplicate_names(model, results)
    else:
        duplicates = []
    return _Checked(model.generation, results, entry_out, names, duplicates)


def _duplicate_names(model: Model, results: list[_EntryResult]) -> list[Finding]:
    """SS131: every entry whose name an earlier entry already has (one pass over the names)."""
    out: list[Finding] = []
    names: dict[str, tuple[int, _EntryResult]] = {}
    for entry, result in zip(model.entries, results):
        name = result.name
        if name is None:
            continue
        base = entry.base
        first = names.setdefault(name, (base, result))
        if first[1] is not result or first[0] != base:
            first_range = first[1].name_range
            assert first_range is not None and result.name_range is not None
            out.append(finding("SS131", f"the name `{name}` is already used by an earlier entry; names must "
                                        "be unique", result.name_range.shifted(base),
                               related=(Related(first_range.shifted(first[0]), "first used here"),)))
    return out


def unvalidated(model: Model) -> str | None:
    """Why no cloud call may be made from a file that was not validated (SS104: too large, too deep or too
    expanded), or None: nothing in it can be trusted to make a call from."""
    unchecked = next((p for p in model.problems if p.code == "SS104"), None)
    return None if unchecked is None else f"the file was not validated, so nothing is sent: SS104 {unchecked.message}"


def file_errors(model: Model, env: MappingABC[str, str] | None = None) -> list[Finding]:
    """The error-severity findings outside the entries: the project, region, endpoint and structure a request is
    made from (what refuses every call before any network traffic)."""
    env = os.environ if env is None else env
    out = [finding(p.code, p.message, p.range) for p in model.problems
           if model.entry_at_line(p.range.start[0]) is None]
    out.extend(top_findings(model, env))
    errors = [f for f in out if f.severity == Severity.ERROR]
    errors.sort(key=lambda f: (f.range.start, f.code))
    return errors


def entry_errors(model: Model, entry: Entry, env: MappingABC[str, str] | None = None) -> list[Finding]:
    """The error-severity findings inside one entry (what refuses a create before any call)."""
    env = os.environ if env is None else env
    first, last = entry.first_line, entry.last_line
    out = [finding(p.code, p.message, p.range) for p in model.problems if first <= p.range.start[0] <= last]
    out.extend(f.shifted(entry.base) for f in entry_findings(entry, env))
    if entry.text is not None:
        out.extend(f.shifted(entry.base) for f in entry_token_shapes(entry))
    else:
        out.extend(f for f in token_shaped(model) if first <= f.range.start[0] <= last)
    name = entry.name
    if name is not None:
        earlier = next((e for e in model.entries[: entry.index] if e.name == name), None)
        if earlier is not None:
            out.append(finding("SS131", f"the name `{name}` is already used by an earlier entry; names must be "
                                        "unique", entry.range()))
    return [f for f in out if f.severity == Severity.ERROR]
