"""Hover (pure): field documentation on keys, the meaning of values.

The key or value under the cursor comes from the model (the entry by line, then the top-level items); where the
model has no node (a syntax error), a line-based reading of ``key: value`` stands in. A token's value is never
shown: a reference says whether its variable is set, a literal gets a warning.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

from servicestage_ls.core import schema
from servicestage_ls.core.lines import analyze_line, unquote
from servicestage_ls.core.model import MERGE_KEY, Model, Pos, Range, Scalar
from servicestage_ls.core.regions import REGIONS, default_endpoint, override_variable
from servicestage_ls.core.tokens import ValueKind, classify

__all__ = ["HoverInfo", "format_timestamp", "hover"]


@dataclass(frozen=True)
class HoverInfo:
    markdown: str
    range: Range


@dataclass(frozen=True, slots=True)
class _Target:
    scope: str  # "top" | "entry"
    key: str
    range: Range
    value: str | None  # None: the key itself is hovered
    repo_type: str | None = None  # the entry's repo_type, for a host
    kind: str | None = None  # the entry's kind, for a status


def hover(model: Model, pos: Pos, env: Mapping[str, str]) -> HoverInfo | None:
    """Documentation for the key or value at ``pos`` (code points), or None."""
    line = pos[0]
    if line < 0 or line >= len(model.lines):
        return None
    target = _from_model(model, pos)
    if target is None:
        target = _from_line(model, pos)
    if target is None:
        return None
    fields = schema.TOP_FIELDS if target.scope == "top" else schema.ENTRY_FIELDS
    spec = fields.get(target.key)
    if target.value is None and target.scope == "top" and schema.is_extension_key(target.key):
        markdown = f"**{target.key}** · extension field · ignored\n\n{schema.EXTENSION_DOC}"
    elif target.value is None and target.scope == "entry" and target.key == MERGE_KEY:
        markdown = f"**<<** · merge key\n\n{schema.MERGE_DOC}"
    elif target.value is None:
        markdown = schema.field_markdown(spec) if spec is not None else _unknown_key(target)
    elif spec is None:
        return None
    else:
        markdown = _value_markdown(target, spec, env)
    if target.scope == "top" and target.key == "region" and (target.value is None or target.value in REGIONS):
        markdown += _project_id_origin(model, env)
    return HoverInfo(schema.redact(markdown), target.range)  # never a token-shaped text from the file


def _project_id_origin(model: Model, env: Mapping[str, str]) -> str:
    """How the project id will be found when the file has none (hovering `region`)."""
    if model.top_item("project_id") is not None:
        return ""
    if env.get("HUAWEICLOUD_SDK_PROJECT_ID", "").strip():
        return "\n\nThe project id comes from `HUAWEICLOUD_SDK_PROJECT_ID` (set): the file has no `project_id`."
    return ("\n\nThe file has no `project_id`: it is looked up from IAM (the project named after this region, "
            "with AK/SK or IAM user credentials) when a call is made.")


# --- what is under the cursor --------------------------------------------------------------------------


def _from_model(model: Model, pos: Pos) -> _Target | None:
    entry = model.entry_at_line(pos[0])
    if entry is not None and entry.mapping is not None:
        repo_type = entry.value_of("repo_type")
        for pair in entry.mapping.pairs:
            key = pair.key_text
            if key is None:
                continue
            key_range = entry.range_of(pair.key)
            if key_range.contains(pos):
                return _Target("entry", key, key_range, None, repo_type)
            value = pair.value
            if isinstance(value, Scalar) and not value.is_null:
                value_range = entry.range_of(value)
                if value_range.contains(pos):
                    return _Target("entry", key, value_range, value.value, repo_type, entry.kind)
        return None
    if entry is not None and entry.node is not None:
        return None
    for item in model.top:
        key = item.key_text
        if key is None:
            continue
        key_range = item.range_of(item.key)
        if key_range.contains(pos):
            return _Target("top", key, key_range, None)
        value = item.value
        if isinstance(value, Scalar) and not value.is_null:
            value_range = item.range_of(value)
            if value_range.contains(pos):
                return _Target("top", key, value_range, value.value)
    return None


def _from_line(model: Model, pos: Pos) -> _Target | None:
    """A line-based guess where the model has no node (a syntax error nearby)."""
    line, col = pos
    text = model.lines[line]
    info = analyze_line(text)
    if info.key is None or info.value_col is None:
        return None
    top = info.indent == 0 and not info.dash_cols
    scope = "top" if top and info.key in schema.TOP_FIELDS else "entry"
    if info.key_col <= col <= info.key_end:
        return _Target(scope, info.key, Range((line, info.key_col), (line, info.key_end)), None)
    if info.value_col <= col <= info.value_end and info.value_end > info.value_col:
        raw = text[info.value_col : info.value_end]
        return _Target(scope, info.key, Range((line, info.value_col), (line, info.value_end)), unquote(raw))
    return None


# --- markdown ------------------------------------------------------------------------------------------


def _unknown_key(target: _Target) -> str:
    fields = schema.TOP_FIELDS if target.scope == "top" else schema.ENTRY_FIELDS
    where = "at the top level" if target.scope == "top" else "in an entry"
    suggestion = schema.closest(target.key, list(fields))
    text = f"Unknown key {where}."
    if suggestion is not None:
        text += f" Did you mean `{suggestion}`?"
    return text + " Allowed: " + ", ".join(f"`{k}`" for k in fields) + "."


def _value_markdown(target: _Target, spec: schema.Field, env: Mapping[str, str]) -> str:
    key, value = target.key, target.value
    assert value is not None
    if key in schema.SECRET_KEYS:
        return _token_markdown(value, env, target.repo_type, key)
    if key == "kind":
        return _kind_markdown(value)
    if key == "region":
        return _region_markdown(value, env)
    if key == "repo_type":
        return _repo_type_markdown(value)
    if key == "status":
        number = _integer(value)
        if number in schema.STATUS_DOCS:
            return f"**status {number}** — {schema.status_doc(number, target.kind)}"
        return "Unknown status: 0 normal, 1 overdue, 2 unauthenticated."
    if key in schema.TIMESTAMP_KEYS:
        number = _integer(value)
        when = format_timestamp(number) if number is not None else None
        if when is None:
            return f"**{key}**: not a timestamp in milliseconds since the epoch."
        return f"**{key}**: {when}\n\n{spec.doc}"
    if key == "name":
        return _name_markdown(value)
    if key in ("host", "endpoint"):
        return _url_markdown(key, value, target.repo_type)
    if key == "token_type" and value in schema.TOKEN_TYPES:
        return f"**token_type** `{value}`\n\n{spec.doc}"
    return schema.field_markdown(spec)


def _integer(value: str) -> int | None:
    text = value.strip().replace("_", "")
    if re.fullmatch(r"[+-]?[0-9]+", text) is None:
        return None
    return int(text)


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def format_timestamp(millis: int) -> str | None:
    """Milliseconds since the epoch as ``2022-04-12 11:16:12.340 UTC``, or None when out of range."""
    seconds, ms = divmod(millis, 1000)
    try:
        moment = _EPOCH + timedelta(seconds=seconds)
    except OverflowError:
        return None
    return f"{moment:%Y-%m-%d %H:%M:%S}.{ms:03d} UTC"


def _token_markdown(value: str, env: Mapping[str, str], repo_type: str | None, key: str = "token") -> str:
    """A secret's value (``key``: `token` or `password`) described, never shown."""
    token = classify(value, env)
    suggested = f"${{{schema.secret_env_for(key, repo_type)}}}"
    if token.kind is ValueKind.PASTED:
        assert token.pasted is not None
        variable = token.pasted.token_env if key == "token" else schema.secret_env_for(key, repo_type)
        return (f"⚠️ **{key}**: the reference holds what looks like a token, not the name of an environment "
                f"variable. Put the {key} in a variable such as `{variable}` and write `${{{variable}}}`.")
    if token.kind is ValueKind.CREDENTIAL:
        return (f"⛔ **{key}**: `{token.variable}` is a cloud credential variable, not a repository {key}; it is "
                f"never sent. Put the {key} in a variable such as `{suggested[2:-1]}` and write `{suggested}`.")
    if token.variable is not None:  # a reference, set or not
        name = token.variable
        if token.kind is ValueKind.SET:
            state = (f"`{name}` is **set** in the language server's environment; its value is read when "
                     "*Create authorization* runs and is never shown.")
        else:
            state = (f"`{name}` is **not set** in the language server's environment: set it where the editor "
                     "(or `servicestage-ls create`) starts, then run *Create authorization*.")
        return f"**{key}** from the environment variable `{name}`\n\n{state}"
    if token.kind is ValueKind.MALFORMED:
        meant = f" — `${{{token.intended}}}`" if token.intended else ""
        return (f"**{key}**: malformed environment reference, never sent as it is; write it as `${{NAME}}` "
                f"(letters, digits and `_`){meant}.")
    if token.kind is ValueKind.EMPTY:
        return f"**{key}** is empty; write a reference such as `{suggested}`."
    return (f"⚠️ **Plaintext secret**: this {key} is written in the file, and the file is committed. Put it in an "
            f"environment variable of the language server and write `{suggested}` "
            "instead (quick fix: *Use ${…} from the environment*).")


def _kind_markdown(value: str) -> str:
    spec = schema.KINDS.get(value)
    if spec is None:
        return "Unknown `kind`: `personal` (the default), `password` or `oauth`."
    return f"**kind: {spec.name}** — {spec.label}\n\n{spec.doc}"


def _region_markdown(region: str, env: Mapping[str, str]) -> str:
    if region not in REGIONS:
        suggestion = schema.closest(region, REGIONS)
        hint = f" Did you mean `{suggestion}`?" if suggestion else ""
        return f"Unknown region.{hint}"
    variable = override_variable(region)
    override = env.get(variable, "").strip()
    default = default_endpoint(region)
    if override:
        return (f"**{region}** → `{override.rstrip('/')}`\n\nFrom `{variable}` (set); the default endpoint is "
                f"`{default}`.")
    return f"**{region}** → `{default}`\n\nOverride it with `{variable}` (not set)."


def _repo_type_markdown(value: str) -> str:
    kinds = ", ".join(f"`{kind}`" for kind in schema.kinds_with(value))
    spec = schema.REPO_TYPES.get(value)
    if spec is None:
        if value in schema.REPO_TYPE_DOCS:
            return f"**{value}** — {schema.REPO_TYPE_DOCS[value]}\n\nKinds: {kinds}."
        allowed = ", ".join(f"`{name}`" for name in schema.SUPPORTED_REPO_TYPES)
        return f"Unsupported `repo_type`; allowed: {allowed}."
    text = f"**{spec.name}** — {spec.doc}\n\nPublic host: {spec.public_host}\n\nKinds: {kinds}."
    if not spec.supported:
        text += "\n\n⚠️ Only ServiceStage's Chinese site supports it."
    return text


def _name_markdown(name: str) -> str:
    rule = (f"**name** — the authorization's name: {schema.NAME_MIN} to {schema.NAME_MAX} characters, letters, "
            "digits, `.`, `_` and `-`; unique in the file; it cannot be changed after creation.")
    if schema.NAME_RE.match(name):
        return rule
    if any(not schema.NAME_CHAR_RE.match(c) for c in name):
        return rule + "\n\nThis name has characters outside that set."
    return rule + f"\n\nThis name has {len(name)} characters."


def _url_markdown(key: str, url: str, repo_type: str | None) -> str:
    stripped = url.strip()
    try:
        parts = urlsplit(stripped)
        host = parts.hostname
    except ValueError:
        parts, host = None, None
    if parts is not None and "@" in parts.netloc:
        # user:token@host: a secret in the URL; show the URL without it
        shown_url = parts._replace(netloc="***@" + parts.netloc.rsplit("@", 1)[1]).geturl()
        warning = "\n\n⚠️ The URL holds credentials (`user:token@`): a secret in a committed file."
    else:
        shown_url, warning = stripped, ""
    if re.fullmatch(r"https?://[^\s<>()\[\]`]+", shown_url) is None:
        return f"**{key}**: not an http(s) URL without blanks; write `https://…`."  # and echo nothing
    shown = f"<{shown_url}>"
    if key == "endpoint":
        return f"**endpoint**: {shown}\n\nServiceStage API endpoint; it overrides `region`.{warning}"
    text = f"**host**: {shown}\n\nThe repository address."
    public = next((spec.name for spec in schema.REPO_TYPES.values()
                   if host is not None and host == urlsplit(spec.public_host).hostname), None)
    if public is not None:
        text += f" The public {public} host."
    elif repo_type in schema.REPO_TYPES and host:
        text += " A self-managed host."
    return text + warning
