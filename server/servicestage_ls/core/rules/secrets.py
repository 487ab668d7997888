"""The secrets' rules: the `token` value (SS140–SS142, SS112 when empty) and token-shaped text anywhere else in
the file (SS143)."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from collections.abc import Mapping as MappingABC

from servicestage_ls.core import schema
from servicestage_ls.core.model import Entry, Model, Pair, Range, Scalar, node_range, split_lines
from servicestage_ls.core.rules.base import PUBLIC_HOSTNAMES, Finding, finding, url
from servicestage_ls.core.schema import Severity
from servicestage_ls.core.tokens import TOKEN_PREFIX_RE, ValueKind, classify, token_shapes


def token_findings(text: str, rng: Range, repo_type: str | None, present: dict[str, Pair],
                   env: MappingABC[str, str], key: str = "token") -> list[Finding]:
    """The rules of a secret's value: ``key`` is `token` (a personal-token entry) or `password` (a password
    entry, whose ``repo_type`` may be any); the value itself is never repeated."""
    value = classify(text, env)
    kind = value.kind
    if kind is ValueKind.SET:
        return []
    if kind is ValueKind.UNSET:
        return [finding("SS142", f"environment variable `{value.variable}` is not set; set it where the language "
                                 "server (or `servicestage-ls create`) runs", rng,
                        {"variable": value.variable, "unset": True})]
    if kind is ValueKind.PASTED:
        assert value.pasted is not None
        # A token pasted between the braces: never repeat it (messages end up in CI logs).
        pasted_kind = value.pasted.doc.split()[0]
        variable = value.pasted.token_env if key == "token" else schema.secret_env_for(key, repo_type)
        return [finding("SS142", f"the reference holds what looks like a {pasted_kind} token, not the name of an "
                                 f"environment variable; put the {key} in a variable such as `{variable}` and write "
                                 f"`${{{variable}}}`", rng)]
    env_name = schema.secret_env_for(key, repo_type)
    if kind is ValueKind.CREDENTIAL:
        return [finding("SS144", f"`${{{value.variable}}}` is a cloud credential variable, not a repository {key}: "
                                 f"it is never sent; put the {key} in a variable such as `{env_name}` and write "
                                 f"`${{{env_name}}}`", rng, {"fix": "use-env-reference", "variable": env_name})]
    if kind is ValueKind.MALFORMED:
        fix = f"; did you mean `${{{value.intended}}}`?" if value.intended else ""
        return [finding("SS142", "malformed environment reference, never sent as it is; write it as `${NAME}` with a "
                                 f"name of letters, digits and `_`{fix}", rng,
                        {"fix": "use-env-reference", "variable": value.intended} if value.intended else None)]
    if kind is ValueKind.EMPTY:
        return [finding("SS112", f"`{key}` is empty; write a reference such as `${{{env_name}}}`", rng)]
    out = [finding("SS140", f"the {key} is written in the file: a plaintext secret in a file that is committed; "
                            f"use a reference such as `${{{env_name}}}` and set {env_name} in the environment",
                   rng, {"fix": "use-env-reference", "variable": env_name})]
    if key == "token" and repo_type is not None:
        spec = schema.REPO_TYPES[repo_type]
        if not spec.token_re.match(text.strip()):
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
    parsed = url(pair.value.value)
    return (parsed[1] if parsed else "") != PUBLIC_HOSTNAMES.get(public_host)


# --- token-shaped text anywhere ------------------------------------------------------------------------

_TOKEN_VALUE_PREFIX_RE = re.compile(r"[ \t]*(?:-[ \t]+)*[\"']?(?:token|password)[\"']?[ \t]*:[ \t]*[\"']?(?:\$\{)?")


def _token_shapes(text: str, in_token_value: Callable[[int, int, str], bool]) -> list[Finding]:
    """SS143 for each token-shaped part of ``text`` (positions relative to it) that is not a `token` value."""
    out: list[Finding] = []
    starts: list[int] | None = None
    for shape in token_shapes(text):
        if starts is None:
            starts = split_lines(text)[1]
        line = bisect_right(starts, shape.start) - 1
        col = shape.start - starts[line]
        line_end = starts[line + 1] if line + 1 < len(starts) else len(text)
        if in_token_value(line, col, text[starts[line] : line_end]):
            continue
        kind = shape.kind
        env_name = schema.REPO_TYPES[kind].token_env
        out.append(finding("SS143", f"this looks like a {kind} token (`{shape.prefix}…`) outside `token`: a secret "
                                    "in a file that is committed; remove it (and revoke the token) — a token belongs "
                                    f"in the environment, referenced from an entry's `token` as `${{{env_name}}}`",
                           Range((line, col), (line, col + shape.end - shape.start))))
    return out


def _in_token_value(entry: Entry | None, line: int, col: int, line_text: str) -> bool:
    """Whether (line, col), relative to ``entry.base``, is in the entry's `token` value."""
    if entry is None:
        return False
    if entry.mapping is not None:
        return any(pair.key_text in schema.SECRET_KEYS and isinstance(pair.value, Scalar)
                   and node_range(pair.value).contains((line, col)) for pair in entry.mapping.pairs)
    # No model of this entry (a syntax error in it): the line says whether it is a `token:` value.
    return _TOKEN_VALUE_PREFIX_RE.fullmatch(line_text[:col]) is not None


def may_hold_token_shapes(text: str) -> bool:
    """False when no part of ``text`` can be token-shaped (then no part of it needs ``entry_token_shapes``)."""
    return TOKEN_PREFIX_RE.search(text) is not None


def entry_token_shapes(entry: Entry) -> list[Finding]:
    """SS143 inside an entry parsed on its own (``entry.text``), relative to ``entry.base``: cached with it."""
    assert entry.text is not None and entry.base == entry.first_line
    if TOKEN_PREFIX_RE.search(entry.text) is None:  # nearly every entry: no need to set up the scan
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

