"""Model → diagnostics (pure). Every rule of the catalogue in ``schema.RULES`` that needs no cloud call.

Findings for one entry depend only on that entry's text (and the process environment, for SS142), so they
are cached per entry text in a ``RuleCache``; only the cross-entry rule (SS131) and the few top-level rules run
on every build.
"""

from __future__ import annotations

import functools
import os
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from servicestage_ls.core import schema
from servicestage_ls.core.model import (
    MERGE_KEY,
    Entry,
    Mapping,
    Model,
    Node,
    Pair,
    Range,
    Scalar,
    Sequence,
    TopItem,
    merged_mappings,
    node_range,
    rebased,
    split_lines,
)
from servicestage_ls.core.regions import REGIONS
from servicestage_ls.core.schema import RULE_BY_CODE, Severity
from servicestage_ls.core.yamlparse import yaml_int


@dataclass(frozen=True, slots=True)
class Related:
    range: Range
    message: str


@dataclass(frozen=True, slots=True)
class Finding:
    """A diagnostic in the core's terms: code-point ranges, no protocol types."""

    code: str
    message: str
    range: Range
    severity: Severity
    data: dict[str, Any] | None = None
    related: tuple[Related, ...] = ()

    def shifted(self, lines: int) -> Finding:
        if not lines:
            return self
        return Finding(
            self.code,
            self.message,
            self.range.shifted(lines),
            self.severity,
            self.data,
            tuple(Related(r.range.shifted(lines), r.message) for r in self.related),
        )


def finding(code: str, message: str, rng: Range, data: dict[str, Any] | None = None,
            severity: Severity | None = None, related: tuple[Related, ...] = ()) -> Finding:
    """A finding; token-shaped text quoted from the file is redacted here, whatever rule quoted it."""
    if related:
        related = tuple(Related(r.range, schema.redact(r.message)) for r in related)
    return Finding(code, schema.redact(message), rng, severity or RULE_BY_CODE[code].severity, data, related)


def _describe(node: Node) -> str:
    if isinstance(node, Scalar):
        return {"str": "a string", "int": "a number", "float": "a number", "bool": "a boolean",
                "null": "empty", "timestamp": "a date"}.get(node.tag, "a scalar")
    return {"mapping": "a mapping", "sequence": "a list"}.get(node.kind, "a nested value")


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(f"`{n}`" for n in names)


# --- shared checks -------------------------------------------------------------------------------------


def _duplicate_keys(pairs: list[Pair], where: str) -> list[Finding]:
    seen: dict[str, Pair] = {}
    out: list[Finding] = []
    for pair in pairs:
        key = pair.key_text
        if key is None:
            continue
        first = seen.get(key)
        if first is None:
            seen[key] = pair
            continue
        out.append(
            finding(
                "SS101",
                f"duplicate key `{key}` in {where}; YAML keeps only the last one — remove one of them",
                node_range(pair.key),
                related=(Related(node_range(first.key), f"`{key}` first set here"),),
            )
        )
    return out


def _unknown_key(key: Node, known: MappingABC[str, schema.Field], where: str, hint: str = "") -> Finding:
    text = key.value if isinstance(key, Scalar) else None
    if text is None:
        return finding("SS110", f"keys in {where} must be plain names; allowed: {_quoted(known)}", node_range(key))
    suggestion = schema.closest(text, list(known))
    if suggestion is not None:
        message = f"unknown key `{text}` in {where}; did you mean `{suggestion}`?"
        data: dict[str, Any] | None = {"fix": "rename-key", "replacement": suggestion}
    else:
        message = f"unknown key `{text}` in {where}; allowed: {_quoted(known)}"
        data = None
    return finding("SS110", message + hint, node_range(key), data)


def _string_value(pair: Pair, field_name: str) -> tuple[Scalar | None, Finding | None]:
    """The value as a string scalar, or the SS112 finding that says why it is not one."""
    value = pair.value
    if isinstance(value, Scalar):
        if value.tag == "str":
            return value, None
        if value.is_null:
            return None, finding("SS112", f"`{field_name}` has no value; it needs a string",
                                 node_range(pair.key))
        return None, finding(
            "SS112",
            f"`{field_name}` must be a string, not {_describe(value)}; put the value in quotes",
            node_range(value),
        )
    return None, finding("SS112", f"`{field_name}` must be a string, not {_describe(value)}", node_range(value))


_SIMPLE_URL_RE = re.compile(r"(https?)://([A-Za-z0-9.-]+)(?::([0-9]{1,5}))?(?:[/?#]\S*)?")


@functools.lru_cache(maxsize=256)
def _url(raw: str) -> tuple[str, str] | None:
    """(scheme, host name) of a URL, or None when it cannot be parsed (bad port, bad IPv6 literal)."""
    simple = _SIMPLE_URL_RE.fullmatch(raw.strip())
    if simple is not None and (simple.group(3) is None or int(simple.group(3)) <= 65535):
        return simple.group(1), simple.group(2).lower()  # what urlsplit says, without its cost
    try:
        parts = urlsplit(raw.strip())
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return None
    return parts.scheme, host


def _check_https_url(value: Scalar, code: str, what: str, allow_loopback_http: bool) -> Finding | None:
    parsed = _url(value.value)
    if parsed is None:
        return finding(code, f"`{what}` is not a valid URL", node_range(value))
    scheme, host = parsed
    if scheme == "https" and host:
        return None
    if allow_loopback_http and scheme == "http" and host in ("127.0.0.1", "localhost", "::1"):
        return None
    allowed = "an https:// URL (http:// only for 127.0.0.1, localhost or ::1)" if allow_loopback_http \
        else "an https:// URL"
    if scheme in ("http", "https") and not host:
        return finding(code, f"`{what}` has no host name; it must be {allowed}", node_range(value))
    return finding(code, f"`{what}` must be {allowed}", node_range(value))


_PUBLIC_HOSTNAMES = {rt.public_host: urlsplit(rt.public_host).hostname or "" for rt in schema.REPO_TYPES.values()}
_PUBLIC_HOSTS = frozenset(h for name in _PUBLIC_HOSTNAMES.values() for h in (name, f"www.{name}"))


# --- top level -----------------------------------------------------------------------------------------


def _top_findings(model: Model, env: MappingABC[str, str]) -> list[Finding]:
    out: list[Finding] = []
    if model.root_kind == "empty":
        # Nothing but comments (or nothing): the same missing keys as a mapping without them.
        return _missing_top(model, set(), env) if not model.top_incomplete and not model.problems else out
    if model.root_kind != "mapping":
        first_line = model.root_range.start[0]
        out.append(
            finding(
                "SS102",
                f"the file must be a mapping with `project_id`, `region` and `authorizations`, not "
                f"{ {'sequence': 'a list', 'scalar': 'a single value'}.get(model.root_kind, 'this') }",
                Range(model.root_range.start, (first_line, len(model.lines[first_line]))),
            )
        )
        return out
    absolute_pairs = [Pair(rebased(item.key, item.base), item.value) for item in model.top]
    out.extend(_duplicate_keys(absolute_pairs, "the top level"))
    present = set()
    for item in model.top:
        key = item.key_text
        present.add(key)
        if key not in schema.TOP_FIELDS:
            if schema.is_extension_key(key):
                continue  # `x-…`: an extension field (anchors for merges live there), ignored
            hint = " (entry fields go inside an item of `authorizations`)" if key in schema.ENTRY_FIELDS else ""
            out.append(_unknown_key(rebased(item.key, item.base), schema.TOP_FIELDS, "the top level", hint))
            continue
        out.extend(f.shifted(item.base) for f in _top_value(item))
    if not model.top_incomplete:
        out.extend(_missing_top(model, present, env))
    return out


def _top_value(item: TopItem) -> list[Finding]:
    """Findings about one top-level value, relative to ``item.base``."""
    key = item.key_text
    pair = Pair(item.key, item.value)
    if key == "authorizations":
        value = item.value
        if isinstance(value, Sequence) or (isinstance(value, Scalar) and value.is_null):
            return []
        return [finding("SS102", f"`authorizations` must be a list of entries (`- name: …`), not "
                                 f"{_describe(value)}", node_range(value))]
    assert key is not None
    scalar, problem = _string_value(pair, key)
    if problem is not None:
        # A project id of digits only is read as a number by YAML; the API takes the text as written.
        if key == "project_id" and isinstance(item.value, Scalar) and schema.PROJECT_ID_RE.match(item.value.value):
            return []
        return [problem]
    assert scalar is not None
    text = scalar.value
    if key == "project_id":
        if not schema.PROJECT_ID_RE.match(text):
            return [finding("SS120", "`project_id` must be 32 lowercase hexadecimal characters; it has "
                                     f"{_project_id_problems(text)}", node_range(scalar))]
    elif key == "region":
        if text not in REGIONS:
            suggestion = schema.closest(text, REGIONS)
            if suggestion is not None:
                return [finding("SS121", f"unknown region `{text}`; did you mean `{suggestion}`?",
                                node_range(scalar), {"fix": "replace-value", "replacement": suggestion})]
            return [finding("SS121", f"unknown region `{text}`; ServiceStage regions: {_quoted(REGIONS)}",
                            node_range(scalar))]
    elif key == "endpoint":
        problem = _check_https_url(scalar, "SS122", "endpoint", allow_loopback_http=True)
        return [problem] if problem else []
    return []


def _project_id_problems(text: str) -> str:
    """Every reason a text is not a project id ("12 characters and upper case letters")."""
    core = text.strip()
    reasons = []
    if core != text:
        reasons.append("leading or trailing spaces")
    if len(core) != 32:
        reasons.append(f"{len(core)} characters" if len(core) != 1 else "1 character")
    if any(c.isupper() for c in core):
        reasons.append("upper case letters")
    if any(c.lower() not in "0123456789abcdef" for c in core):
        reasons.append("characters other than 0-9 and a-f")
    return ", ".join(reasons[:-1]) + " and " + reasons[-1] if len(reasons) > 1 else reasons[0]


def _missing_top(model: Model, present: set[str | None], env: MappingABC[str, str]) -> list[Finding]:
    first = model.top[0] if model.top else None
    if first is not None:
        rng = first.range_of(first.key)
    else:
        line = model.root_range.start[0]
        rng = Range(model.root_range.start, (line, len(model.lines[line])))
    out: list[Finding] = []
    if "authorizations" not in present:
        out.append(finding("SS111", "missing required key `authorizations` (the list of entries)", rng,
                           {"fix": "insert-key", "key": "authorizations", "value": "[]", "scope": "top"}))
    if "region" not in present and "endpoint" not in present:
        out.append(finding("SS111", "missing `region` (or `endpoint`): one of them selects the ServiceStage "
                                    "endpoint", rng,
                           {"fix": "insert-key", "key": "region", "value": "cn-north-4", "scope": "top"}))
    region = model.top_value("region")
    if "project_id" not in present and not env.get("HUAWEICLOUD_SDK_PROJECT_ID") and not (region and region.strip()):
        # With a region the id is looked up from IAM when a call is made; without one it cannot be.
        if "endpoint" in present:
            why = ("with `endpoint` and no `region` it cannot be looked up from IAM (the lookup needs a region)")
        else:
            why = "it is looked up from IAM only for a `region`"
        out.append(finding("SS111", f"missing `project_id` (32 lowercase hex characters): {why}; set `project_id` "
                                    "or `region`, or HUAWEICLOUD_SDK_PROJECT_ID in the environment", rng,
                           {"fix": "insert-key", "key": "project_id", "value": schema.PLACEHOLDERS["project_id"],
                            "scope": "top"}))
    return out


# --- entries -------------------------------------------------------------------------------------------


_REQUIRED_ENTRY_KEYS = frozenset(schema.REQUIRED_ENTRY_KEYS)


def entry_findings(entry: Entry, env: MappingABC[str, str]) -> list[Finding]:
    """Findings about one entry, with ranges relative to ``entry.base``."""
    return _entry_checks(entry, env)[0]


_NO_KEYS: dict[str, Pair] = {}


PairMemo = dict[int, tuple[Pair, list[Finding]]]


def _entry_checks(entry: Entry, env: MappingABC[str, str],
                  memo: PairMemo | None = None) -> tuple[list[Finding], dict[str, Pair]]:
    """The findings about one entry and its known keys (the first pair of each); ``memo`` keeps, for one run of
    the rules, the findings of values that depend on nothing else."""
    node = entry.node
    if node is None:
        return [], _NO_KEYS
    if not isinstance(node, Mapping):
        what = "empty" if isinstance(node, Scalar) and node.is_null else _describe(node)
        return [finding("SS102", f"an entry must be a mapping with `name`, `repo_type` and `token`, not {what}",
                        node_range(node))], _NO_KEYS
    pairs = node.pairs
    keys = [pair.key_text for pair in pairs]
    # Nearly every entry has each key once: then there is nothing for _duplicate_keys to find.
    out = [] if len(set(keys)) == len(keys) else _duplicate_keys(pairs, "this entry")
    present: dict[str, Pair] = {}
    merges: list[Pair] = []
    fields = schema.ENTRY_FIELDS
    for key, pair in zip(keys, pairs):
        if key == MERGE_KEY:
            merges.append(pair)
        elif key not in fields:
            hint = " (it belongs at the top level)" if key in schema.TOP_FIELDS else ""
            out.append(_unknown_key(pair.key, fields, "an entry", hint))
        elif key not in present:
            present[key] = pair
    merged_by = _merge(merges, present, out) if merges else {}
    repo_type = _repo_type(present)
    for key, pair in present.items():
        node_value = pair.value
        if memo is None or key == "host" or (key == "token" and not (
                isinstance(node_value, Scalar) and node_value.value.startswith("${"))):
            found = _entry_value(key, pair, present, repo_type, env)
        else:
            # These findings depend on the pair alone (a reference's also on the environment, the same for the
            # whole run): a pair shared by many entries (`repo_type: github` on the same row) is checked once.
            known = memo.get(id(pair))
            if known is None or known[0] is not pair:
                known = memo[id(pair)] = (pair, _entry_value(key, pair, present, repo_type, env))
            found = known[1]
        merge = merged_by.get(key)
        if merge is not None:  # a merged value: the finding goes on this entry's `<<`, not on the anchor
            # (no quick fix: its edit would replace the `<<`; the value to fix is in the anchor)
            found = [Finding(f.code, f"{f.message} (merged with `<<`)", node_range(merge.key), f.severity, None,
                             f.related) for f in found]
        out.extend(found)
    if not present.keys() >= _REQUIRED_ENTRY_KEYS:
        missing = [k for k in schema.REQUIRED_ENTRY_KEYS if k not in present]
        first_key = node.pairs[0].key if node.pairs else node
        for key in missing:
            value = schema.token_reference(repo_type) if key == "token" else schema.PLACEHOLDERS[key]
            out.append(finding("SS111", f"missing required key `{key}` in this entry", node_range(first_key),
                               {"fix": "insert-key", "key": key, "value": value, "scope": "entry"}))
    return out, present


def _merge(merges: list[Pair], present: dict[str, Pair], out: list[Finding]) -> dict[str, Pair]:
    """Add the keys that merge keys (``<<: *defaults``) bring into ``present`` (the entry's own keys win, then
    the first merge); returns which merge key brought each one. Problems go to ``out``, on the merge key."""
    merged_by: dict[str, Pair] = {}
    for merge in merges:
        mappings = merged_mappings(merge.value)
        if not mappings:
            out.append(finding("SS102", "a merge key `<<` takes a mapping or a list of mappings (`<<: *defaults`), "
                                        f"not {_describe(merge.value)}", node_range(merge.value)))
            continue
        for mapping in mappings:
            for pair in mapping.pairs:
                key = pair.key_text
                if key is None or key == MERGE_KEY or key in present:
                    continue
                if key not in schema.ENTRY_FIELDS:
                    out.append(finding("SS110", f"unknown key `{key}` merged into this entry with `<<`; allowed: "
                                                f"{_quoted(schema.ENTRY_FIELDS)}", node_range(merge.key)))
                    continue
                present[key] = pair
                merged_by[key] = merge
    return merged_by


def _repo_type(present: dict[str, Pair]) -> str | None:
    pair = present.get("repo_type")
    if pair is not None and isinstance(pair.value, Scalar) and pair.value.value in schema.REPO_TYPES:
        return pair.value.value
    return None


def _entry_value(key: str, pair: Pair, present: dict[str, Pair], repo_type: str | None,
                 env: MappingABC[str, str]) -> list[Finding]:
    spec = schema.ENTRY_FIELDS[key]
    if spec.kind == "integer":
        return _integer_value(key, pair)
    scalar, problem = _string_value(pair, key)
    if problem is not None:
        return [problem]
    assert scalar is not None
    text = scalar.value
    if key == "name":
        return [] if schema.NAME_RE.match(text) else _name_findings(text, node_range(scalar))
    if key == "repo_type":
        if text in schema.SUPPORTED_REPO_TYPES:
            return []
        rng = node_range(scalar)
        if text in schema.REPO_TYPES:
            return [finding("SS133", f"`repo_type: {text}` is only supported on ServiceStage's Chinese site; "
                                     f"the international API accepts {_quoted(schema.SUPPORTED_REPO_TYPES)}", rng)]
        suggestion = schema.closest(text, schema.SUPPORTED_REPO_TYPES)
        allowed = _quoted(schema.SUPPORTED_REPO_TYPES)
        if suggestion is not None:
            return [finding("SS132", f"unsupported repo_type `{text}`; did you mean `{suggestion}`? "
                                     f"Allowed: {allowed}", rng, {"fix": "replace-value", "replacement": suggestion})]
        return [finding("SS132", f"unsupported repo_type `{text}`; allowed: {allowed}", rng)]
    if key == "token":
        return _token_findings(text, node_range(scalar), repo_type, present, env)
    if key == "host":
        problem = _check_https_url(scalar, "SS150", "host", allow_loopback_http=False)
        if problem is not None:
            return [problem]
        return _host_mismatch(text, scalar, repo_type)
    if key == "token_type" and text not in schema.TOKEN_TYPES:
        return [finding("SS112", f"`token_type` must be one of {_quoted(schema.TOKEN_TYPES)}", node_range(scalar))]
    return []


def _integer_value(key: str, pair: Pair) -> list[Finding]:
    value = pair.value
    if not isinstance(value, Scalar) or value.tag != "int":
        if isinstance(value, Scalar) and value.is_null:
            return [finding("SS112", f"`{key}` has no value; it needs a whole number", node_range(pair.key))]
        expected = "0 (normal), 1 (overdue) or 2 (unauthenticated)" if key == "status" \
            else "a whole number (milliseconds since the epoch)"
        return [finding("SS112", f"`{key}` must be {expected}, not {_describe(value)}", node_range(value))]
    number = int(value.value.replace("_", ""), 0) if value.value.strip("+-").isdigit() else yaml_int(value.value)
    if key == "status":
        if number not in schema.STATUS_MEANINGS:
            return [finding("SS112", "`status` must be 0 (normal), 1 (overdue) or 2 (unauthenticated)",
                            node_range(value))]
        if number in (1, 2):
            return [finding("SS160", f"status {number}: {schema.STATUS_DOCS[number]}", node_range(value))]
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


def _token_findings(text: str, rng: Range, repo_type: str | None, present: dict[str, Pair],
                    env: MappingABC[str, str]) -> list[Finding]:
    stripped = text.strip()
    reference = schema.ENV_REF_RE.match(stripped)
    if reference is not None:
        variable = reference.group(1)
        pasted = schema.pasted_token(variable, env)
        if pasted is not None:
            # A token pasted between the braces: never repeat it (messages end up in CI logs).
            kind = pasted.doc.split()[0]
            return [finding("SS142", f"the reference holds what looks like a {kind} token, not the name of an "
                                     "environment variable; put the token in a variable such as "
                                     f"`{pasted.token_env}` and write `${{{pasted.token_env}}}`", rng)]
        if variable not in env:
            return [finding("SS142", f"environment variable `{variable}` is not set; set it where the language "
                                     "server (or `servicestage-ls create`) runs", rng,
                            {"variable": variable})]
        return []
    if stripped.startswith("$"):
        return [finding("SS142", "malformed environment reference; write it as `${NAME}` with a name of letters, "
                                 "digits and `_`", rng)]
    if not stripped:
        return [finding("SS112", "`token` is empty; write a reference such as "
                                 f"`{schema.token_reference(repo_type)}`", rng)]
    env_name = schema.token_env_for(repo_type)
    out = [finding("SS140", "the token is written in the file: a plaintext secret in a file that is committed; "
                            f"use a reference such as `${{{env_name}}}` and set {env_name} in the environment",
                   rng, {"fix": "use-env-reference", "variable": env_name})]
    if repo_type is not None:
        spec = schema.REPO_TYPES[repo_type]
        if not spec.token_re.match(stripped):
            severity = None
            if repo_type == "gitlab" and _self_managed(present, spec.public_host):
                severity = Severity.WARNING  # self-managed GitLab may change the prefix
            out.append(finding("SS141", f"the token does not look like a {repo_type} token: {spec.token_hint}",
                               rng, severity=severity))
    return out


def _self_managed(present: dict[str, Pair], public_host: str) -> bool:
    pair = present.get("host")
    if pair is None or not isinstance(pair.value, Scalar) or pair.value.is_null:
        return False
    parsed = _url(pair.value.value)
    return (parsed[1] if parsed else "") != _PUBLIC_HOSTNAMES.get(public_host)


def _host_mismatch(text: str, scalar: Scalar, repo_type: str | None) -> list[Finding]:
    if repo_type is None:
        return []
    parsed = _url(text)
    host = parsed[1] if parsed else ""
    if host not in _PUBLIC_HOSTS:
        return []
    for other, spec in schema.REPO_TYPES.items():
        public = _PUBLIC_HOSTNAMES[spec.public_host]
        if other != repo_type and (host == public or host == f"www.{public}"):
            return [finding("SS151", f"`host` points at {spec.public_host}, the public {other} host, but "
                                     f"`repo_type` is {repo_type}", node_range(scalar))]
    return []


# --- token-shaped text anywhere ------------------------------------------------------------------------

_TOKEN_VALUE_PREFIX_RE = re.compile(r"[ \t]*(?:-[ \t]+)*[\"']?token[\"']?[ \t]*:[ \t]*[\"']?(?:\$\{)?")
# Where a token shape may start: one regex without repetition scans fast; the full shape is matched there.
_TOKEN_PREFIX_RE = re.compile(r"gh[pousr]_|github_pat_|glpat-")


def _token_shapes(text: str, in_token_value: Callable[[int, int, str], bool]) -> list[Finding]:
    """SS143 for each token-shaped part of ``text`` (positions relative to it) that is not a `token` value."""
    out: list[Finding] = []
    starts: list[int] | None = None
    for candidate in _TOKEN_PREFIX_RE.finditer(text):
        match = schema.TOKEN_SHAPE_RE.match(text, candidate.start())
        if match is None:
            continue
        if starts is None:
            starts = split_lines(text)[1]
        line = bisect_right(starts, match.start()) - 1
        col = match.start() - starts[line]
        line_end = starts[line + 1] if line + 1 < len(starts) else len(text)
        if in_token_value(line, col, text[starts[line] : line_end]):
            continue
        prefix = match.group(1) or match.group(2) or match.group(3)
        kind = schema.token_kind(prefix)
        env_name = schema.REPO_TYPES[kind].token_env
        out.append(finding("SS143", f"this looks like a {kind} token (`{prefix}…`) outside `token`: a secret in a "
                                    "file that is committed; remove it (and revoke the token) — a token belongs in "
                                    f"the environment, referenced from an entry's `token` as `${{{env_name}}}`",
                           Range((line, col), (line, col + len(match.group(0))))))
    return out


def _in_token_value(entry: Entry | None, line: int, col: int, line_text: str) -> bool:
    """Whether (line, col), relative to ``entry.base``, is in the entry's `token` value."""
    if entry is None:
        return False
    if entry.mapping is not None:
        return any(pair.key_text == "token" and isinstance(pair.value, Scalar)
                   and node_range(pair.value).contains((line, col)) for pair in entry.mapping.pairs)
    # No model of this entry (a syntax error in it): the line says whether it is a `token:` value.
    return _TOKEN_VALUE_PREFIX_RE.fullmatch(line_text[:col]) is not None


def _entry_token_shapes(entry: Entry) -> list[Finding]:
    """SS143 inside an entry parsed on its own (``entry.text``), relative to ``entry.base``: cached with it."""
    assert entry.text is not None and entry.base == entry.first_line
    if _TOKEN_PREFIX_RE.search(entry.text) is None:  # nearly every entry: no need to set up the scan
        return []
    return _token_shapes(entry.text, lambda line, col, text: _in_token_value(entry, line, col, text))


def token_shaped(model: Model) -> list[Finding]:
    """SS143 for every token-shaped text outside an entry's `token` value: in keys, names, URLs, any value,
    comments (the `token` value has its own rules, SS140–SS142). Entries parsed on their own are scanned with
    their other findings (and cached with them); this scans the rest of the text."""
    entries = model.entries
    if model.item_indent is not None and entries:
        starts = model.line_starts
        head_end = starts[entries[0].first_line]
        tail_line = entries[-1].last_line + 1
        out = _token_shapes(model.text[:head_end], lambda line, col, text: False)
        if tail_line < len(starts):
            out.extend(f.shifted(tail_line) for f in
                       _token_shapes(model.text[starts[tail_line]:], lambda line, col, text: False))
        return out

    def in_token_value(line: int, col: int, text: str) -> bool:
        entry = model.entry_at_line(line)
        return entry is not None and _in_token_value(entry, line - entry.base, col, text)

    return _token_shapes(model.text, in_token_value)


# --- the whole file ------------------------------------------------------------------------------------


class _EntryResult(NamedTuple):
    """What one entry contributes, relative to its first line: its findings and its name (for SS131).
    (A tuple: made once per entry of a file that opens, and cheaper to make than a frozen dataclass.)"""

    findings: tuple[Finding, ...]
    name: str | None
    name_range: Range | None


def _entry_result(entry: Entry, env: MappingABC[str, str], memo: PairMemo | None = None) -> _EntryResult:
    found, present = _entry_checks(entry, env, memo)
    if entry.text is not None:
        found.extend(_entry_token_shapes(entry))
    pair = present.get("name")
    name = pair.value if pair is not None else None
    if isinstance(name, Scalar) and name.tag == "str":
        return _EntryResult(tuple(found), name.value, node_range(name))
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
    out.extend(_top_findings(model, env))
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
    for entry in model.entries:  # _result inlined: this loop runs once per entry of a file that opens
        key = entry.text
        if entry.alias is not None and id(entry.node) in checked_nodes:
            # `- *e` again: the anchored entry has the findings; this occurrence counts for SS131, at the alias.
            result = _EntryResult((), entry.name, entry.alias.shifted(-entry.base))
        elif key is None:
            checked_nodes.add(id(entry.node))
            result = _entry_result(entry, env, memo)
        else:
            result = used.get(key) or old.get(key) or _entry_result(entry, env, memo)
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


def file_errors(model: Model, env: MappingABC[str, str] | None = None) -> list[Finding]:
    """The error-severity findings outside the entries: the project, region, endpoint and structure a request is
    made from (what refuses every call before any network traffic)."""
    env = os.environ if env is None else env
    out = [finding(p.code, p.message, p.range) for p in model.problems
           if model.entry_at_line(p.range.start[0]) is None]
    out.extend(_top_findings(model, env))
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
        out.extend(f.shifted(entry.base) for f in _entry_token_shapes(entry))
    else:
        out.extend(f for f in token_shaped(model) if first <= f.range.start[0] <= last)
    name = entry.name
    if name is not None:
        earlier = next((e for e in model.entries[: entry.index] if e.name == name), None)
        if earlier is not None:
            out.append(finding("SS131", f"the name `{name}` is already used by an earlier entry; names must be "
                                        "unique", entry.range()))
    return [f for f in out if f.severity == Severity.ERROR]
