"""One entry's rules (relative to ``entry.base``): its keys, merges (`<<`) and each value; the `token` value's
own rules are in ``secrets``."""

from __future__ import annotations

from collections.abc import Mapping as MappingABC
from typing import cast

from servicestage_ls.core import schema
from servicestage_ls.core.model import MERGE_KEY, Entry, Mapping, Pair, Range, Scalar, merged_mappings, node_range
from servicestage_ls.core.rules.base import (
    PUBLIC_HOSTNAMES,
    Finding,
    check_https_url,
    describe,
    duplicate_keys,
    finding,
    quoted,
    string_value,
    unknown_key,
    url,
)
from servicestage_ls.core.rules.kinds import kind_findings, other_kinds_keys, repo_type_findings, user_findings
from servicestage_ls.core.rules.secrets import token_findings
from servicestage_ls.core.tokens import reference
from servicestage_ls.core.yamlparse import yaml_int



_ENTRY_FIELD_NAMES = frozenset(schema.ENTRY_FIELDS)


def entry_findings(entry: Entry, env: MappingABC[str, str]) -> list[Finding]:
    """Findings about one entry, with ranges relative to ``entry.base``."""
    return entry_checks(entry, env)[0]


_NO_KEYS: dict[str, Pair] = {}


PairMemo = dict[int, tuple[Pair, str | None, list[Finding]]]
_UNSHARED = frozenset(("host", "user"))
"""Keys whose findings depend on other keys than the kind (`host` and `user` on the repo type): never memoized."""


def entry_checks(entry: Entry, env: MappingABC[str, str],
                  memo: PairMemo | None = None) -> tuple[list[Finding], dict[str, Pair]]:
    """The findings about one entry and its known keys (the first pair of each); ``memo`` keeps, for one run of
    the rules, the findings of values that depend on nothing else."""
    node = entry.node
    if node is None:
        return [], _NO_KEYS
    if not isinstance(node, Mapping):
        what = "empty" if isinstance(node, Scalar) and node.is_null else describe(node)
        return [finding("SS102", f"an entry must be a mapping with `name`, `repo_type` and `token`, not {what}",
                        node_range(node))], _NO_KEYS
    pairs = node.pairs
    keys = [pair.key.value if pair.key.__class__ is Scalar else None for pair in pairs]  # pair.key_text, inlined
    present = cast(dict[str, Pair], dict(zip(keys, pairs)))
    if len(present) == len(pairs) and present.keys() <= _ENTRY_FIELD_NAMES:
        # What nearly every entry is: known keys, each once, no merge key (no duplicates, unknown keys or merges
        # to look for).
        out: list[Finding] = []
        _values(present, memo, env, out)
    else:
        out, present = _irregular_entry(pairs, keys, memo, env)
    kind = _kind(present)
    required = schema.required_keys(kind)
    if not present.keys() >= set(required):
        missing = [k for k in required if k not in present]
        first_key = node.pairs[0].key if node.pairs else node
        repo_type = _repo_type(present)
        for key in missing:
            out.append(finding("SS111", f"missing required key `{key}` in this entry", node_range(first_key),
                               {"fix": "insert-key", "key": key, "value": _placeholder(key, present, repo_type),
                                "scope": "entry"}))
    if kind is not None:
        out.extend(other_kinds_keys(node, present, kind))
    return out, present


def _placeholder(key: str, present: dict[str, Pair], repo_type: str | None) -> str:
    """What a missing key's quick fix writes."""
    if key in schema.SECRET_KEYS:
        return reference(schema.secret_env_for(key, repo_type or _any_repo_type(present)))
    if key == "user":
        return schema.user_placeholder(_any_repo_type(present))
    return schema.PLACEHOLDERS[key]


def _irregular_entry(pairs: list[Pair], keys: list[str | None], memo: PairMemo | None,
                     env: MappingABC[str, str]) -> tuple[list[Finding], dict[str, Pair]]:
    """The findings about the keys and values of an entry with a duplicate, unknown or merge key, and its known
    keys (the first pair of each, then what merge keys bring in)."""
    out = [] if len(set(keys)) == len(keys) else duplicate_keys(pairs, "this entry")
    present: dict[str, Pair] = {}
    merges: list[Pair] = []
    fields = schema.ENTRY_FIELDS
    for key, pair in zip(keys, pairs):
        if key == MERGE_KEY:
            merges.append(pair)
        elif key not in fields:
            hint = " (it belongs at the top level)" if key in schema.TOP_FIELDS else ""
            out.append(unknown_key(pair.key, fields, "an entry", hint))
        elif key not in present:
            present[key] = pair
    merged_by = _merge(merges, present, out) if merges else {}
    _values(present, memo, env, out, merged_by)
    return out, present


def _values(present: dict[str, Pair], memo: PairMemo | None, env: MappingABC[str, str], out: list[Finding],
            merged_by: dict[str, Pair] | None = None) -> None:
    """The findings about each known key's value, added to ``out``."""
    repo_type = _repo_type(present)
    kind = _kind(present)
    memo_kind = kind if "kind" in present else "-"  # "-": no `kind` written (a personal-token entry)
    for key, pair in present.items():
        node_value = pair.value
        if memo is None or key in _UNSHARED or (key in schema.SECRET_KEYS and not (
                isinstance(node_value, Scalar) and node_value.value.startswith("${"))):
            found = _entry_value(key, pair, present, repo_type, kind, env)
        else:
            # These findings depend on the pair alone (a reference's also on the environment, the same for the
            # whole run; `repo_type`'s also on the kind): a pair shared by many entries (`repo_type: github` on
            # the same row) is checked once per kind.
            known = memo.get(id(pair))
            if known is None or known[0] is not pair or known[1] != memo_kind:
                known = memo[id(pair)] = (pair, memo_kind, _entry_value(key, pair, present, repo_type, kind, env))
            found = known[2]
        if not found:
            continue
        merge = merged_by.get(key) if merged_by else None
        if merge is not None:  # a merged value: the finding goes on this entry's `<<`, not on the anchor
            # (no quick fix: its edit would replace the `<<`; the value to fix is in the anchor)
            found = [Finding(f.code, f"{f.message} (merged with `<<`)", node_range(merge.key), f.severity, None,
                             f.related) for f in found]
        out.extend(found)


def _merge(merges: list[Pair], present: dict[str, Pair], out: list[Finding]) -> dict[str, Pair]:
    """Add the keys that merge keys (``<<: *defaults``) bring into ``present`` (the entry's own keys win, then
    the first merge); returns which merge key brought each one. Problems go to ``out``, on the merge key."""
    merged_by: dict[str, Pair] = {}
    for merge in merges:
        mappings = merged_mappings(merge.value)
        if not mappings:
            out.append(finding("SS102", "a merge key `<<` takes a mapping or a list of mappings (`<<: *defaults`), "
                                        f"not {describe(merge.value)}", node_range(merge.value)))
            continue
        for mapping in mappings:
            for pair in mapping.pairs:
                key = pair.key_text
                if key is None or key == MERGE_KEY or key in present:
                    continue
                if key not in schema.ENTRY_FIELDS:
                    out.append(finding("SS110", f"unknown key `{key}` merged into this entry with `<<`; allowed: "
                                                f"{quoted(schema.ENTRY_FIELDS)}", node_range(merge.key)))
                    continue
                present[key] = pair
                merged_by[key] = merge
    return merged_by


def _repo_type(present: dict[str, Pair]) -> str | None:
    pair = present.get("repo_type")
    if pair is not None and isinstance(pair.value, Scalar) and pair.value.value in schema.REPO_TYPES:
        return pair.value.value
    return None


def _kind(present: dict[str, Pair]) -> str | None:
    """The entry's kind: `personal` without `kind`, None when `kind` is not a known kind (SS135, SS112)."""
    pair = present.get("kind")
    if pair is None:
        return schema.DEFAULT_KIND
    value = pair.value
    return value.value if isinstance(value, Scalar) and value.value in schema.KINDS else None


def _any_repo_type(present: dict[str, Pair]) -> str | None:
    """The entry's `repo_type` when it is one of any kind (`bitbucket` too), else None."""
    pair = present.get("repo_type")
    if pair is not None and isinstance(pair.value, Scalar) and pair.value.value in schema.REPO_TYPE_DOCS:
        return pair.value.value
    return None


def _entry_value(key: str, pair: Pair, present: dict[str, Pair], repo_type: str | None, kind: str | None,
                 env: MappingABC[str, str]) -> list[Finding]:
    spec = schema.ENTRY_FIELDS[key]
    if spec.kind == "integer":
        return _integer_value(key, pair, kind)
    scalar, problem = string_value(pair, key)
    if problem is not None:
        return [problem]
    assert scalar is not None
    text = scalar.value
    if key == "name":
        return [] if schema.NAME_RE.match(text) else _name_findings(text, node_range(scalar))
    if key == "repo_type":
        return repo_type_findings(text, node_range(scalar), kind, "kind" in present)
    if key == "kind":
        return kind_findings(text, node_range(scalar))
    if key in schema.SECRET_KEYS:
        return token_findings(text, node_range(scalar), repo_type if key == "token" else _any_repo_type(present),
                              present, env, key)
    if key == "user":
        return user_findings(text, node_range(scalar), kind, _any_repo_type(present))
    if key == "host":
        problem = check_https_url(scalar, "SS150", "host", allow_loopback_http=False)
        if problem is not None:
            return [problem]
        return _host_mismatch(text, scalar, repo_type)
    if key == "token_type" and text not in schema.TOKEN_TYPES:
        return [finding("SS112", f"`token_type` must be one of {quoted(schema.TOKEN_TYPES)}", node_range(scalar))]
    return []


def _integer_value(key: str, pair: Pair, kind: str | None = None) -> list[Finding]:
    value = pair.value
    if not isinstance(value, Scalar) or value.tag != "int":
        if isinstance(value, Scalar) and value.is_null:
            return [finding("SS112", f"`{key}` has no value; it needs a whole number", node_range(pair.key))]
        expected = "0 (normal), 1 (overdue) or 2 (unauthenticated)" if key == "status" \
            else "a whole number (milliseconds since the epoch)"
        return [finding("SS112", f"`{key}` must be {expected}, not {describe(value)}", node_range(value))]
    number = int(value.value.replace("_", ""), 0) if value.value.strip("+-").isdigit() else yaml_int(value.value)
    if key == "status":
        if number not in schema.STATUS_MEANINGS:
            return [finding("SS112", "`status` must be 0 (normal), 1 (overdue) or 2 (unauthenticated)",
                            node_range(value))]
        if number in (1, 2):
            return [finding("SS160", f"status {number}: {schema.status_doc(number, kind)}", node_range(value))]
    elif number < 0:
        return [finding("SS112", f"`{key}` must be a timestamp in milliseconds, not negative", node_range(value))]
    return []


def _name_findings(name: str, rng: Range) -> list[Finding]:
    if schema.NAME_RE.match(name):
        return []
    bad = next((c for c in name if not schema.NAME_CHAR_RE.match(c)), None)
    if bad is not None:
        shown = "a space" if bad == " " else f"`{bad}`" if bad.isprintable() else f"U+{ord(bad):04X}"
        return [finding("SS130", f"`name` may only contain letters, digits, `.`, `_` and `-`; it contains {shown}",
                        rng)]
    return [finding("SS130", f"`name` must be {schema.NAME_MIN} to {schema.NAME_MAX} characters long; it has "
                             f"{len(name)}", rng)]



_OWNERS_OF_HOST: dict[str, list[str]] = {}
"""The repo types whose public host a host name is (``github.com`` and ``www.github.com`` → github), in the order
of ``schema.REPO_TYPES``."""
for _other, _spec in schema.REPO_TYPES.items():
    for _name in (PUBLIC_HOSTNAMES[_spec.public_host], f"www.{PUBLIC_HOSTNAMES[_spec.public_host]}"):
        _OWNERS_OF_HOST.setdefault(_name, []).append(_other)


def _host_mismatch(text: str, scalar: Scalar, repo_type: str | None) -> list[Finding]:
    if repo_type is None:
        return []
    parsed = url(text)
    owners = _OWNERS_OF_HOST.get(parsed[1] if parsed else "")
    if owners is None:
        return []
    other = next((o for o in owners if o != repo_type), None)
    if other is None:
        return []
    return [finding("SS151", f"`host` points at {schema.REPO_TYPES[other].public_host}, the public {other} host, "
                             f"but `repo_type` is {repo_type}", node_range(scalar))]
