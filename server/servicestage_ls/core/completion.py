"""Completion (pure): keys, values, token references and a new-entry snippet at a position.

Works on the text's lines, not on the YAML model, because while typing the document is rarely valid YAML:
``context.find_context`` says what the cursor is on; this module makes the candidates for it.

Positions are ``(line, column)`` with columns in code points.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from servicestage_ls.core import schema
from servicestage_ls.core.context import Context, find_context
from servicestage_ls.core.model import Model, Pos, Range
from servicestage_ls.core.regions import REGIONS, override_variable, region_endpoint
from servicestage_ls.core import tokens
from servicestage_ls.core.tokens import has_token_shape

__all__ = ["Completion", "complete"]


@dataclass(frozen=True)
class Completion:
    label: str
    kind: str  # "key" | "value" | "snippet" | "reference"
    detail: str | None
    documentation: str | None  # markdown
    insert_text: str  # plain text, or snippet syntax when is_snippet
    is_snippet: bool
    replace: Range | None  # the range the insert replaces (the partial word under the cursor)
    sort_text: str | None = None
    filter_text: str | None = None



def complete(model: Model, pos: Pos, *, snippets: bool, env: Mapping[str, str]) -> list[Completion]:
    """Completions at ``pos`` (code points) for a document that need not be valid YAML."""
    ctx = find_context(model, pos)
    if ctx is None:
        return []
    eol = model.line_break(pos[0])
    if ctx.what == "item":
        start_col = ctx.replace.start[1]
        head = " " * max(0, ctx.dash_col - start_col) + "- "
        return _entry_snippets(ctx, eol, snippets, head, ctx.dash_col + 2, ctx.prefix + "name")
    if ctx.what == "key":
        out = _keys(ctx, eol, snippets)
        if ctx.snippet_too and ctx.scope == "top":
            out.extend(_entry_snippets(ctx, eol, snippets, " " * ctx.dash_col + "- ", ctx.dash_col + 2, "name"))
        elif ctx.snippet_too:
            out.extend(_entry_snippets(ctx, eol, snippets, ctx.lead, ctx.key_col, "name"))
        return out
    return _values(model, ctx, eol, snippets, env)


def _snippet_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("$", "\\$").replace("}", "\\}")


def _keys(ctx: Context, eol: str, snippets: bool) -> list[Completion]:
    fields = schema.TOP_FIELDS if ctx.scope == "top" else schema.ENTRY_FIELDS
    repo_type = ctx.siblings.get("repo_type")
    kind = ctx.siblings.get("kind", schema.DEFAULT_KIND)
    out: list[Completion] = []
    for index, (key, f) in enumerate(fields.items()):
        if key in ctx.siblings or (f.kind_only is not None and f.kind_only != kind and kind in schema.KINDS):
            continue  # present, or a key of another kind of entry (SS136)
        insert, is_snippet = _key_insert(key, ctx, eol, snippets, repo_type)
        group = 1 if f.written_back else 0
        out.append(Completion(key, "key", _key_detail(f), schema.field_markdown(f), insert, is_snippet, ctx.replace,
                              sort_text=f"{group}{index:02d}", filter_text=key))
    if ctx.scope == "top" and not ctx.flow:
        # An extension field, last: where anchors that entries merge (`<<: *defaults`) live.
        label = "x-defaults"
        if ctx.key_only:
            insert, is_snippet = ctx.lead + label, False
        elif snippets:
            insert, is_snippet = ctx.lead + "x-${1:defaults}: &${1:defaults} {repo_type: ${2:github}}$0", True
        else:
            insert, is_snippet = ctx.lead + "x-defaults: &defaults {repo_type: github}", False
        out.append(Completion(label, "key", "extension field, ignored",
                              f"**x-…** · extension field · ignored\n\n{schema.EXTENSION_DOC}", insert, is_snippet,
                              ctx.replace, sort_text="2", filter_text=label))
    return out


def _key_detail(f: schema.Field) -> str:
    if f.written_back:
        return f"{f.kind}, written back by the server"
    return f"{f.kind}, {'required' if f.required else 'optional'}"


def _key_insert(key: str, ctx: Context, eol: str, snippets: bool, repo_type: str | None) -> tuple[str, bool]:
    lead = ctx.lead
    if ctx.key_only:
        return lead + key, False
    if key == "authorizations":
        if ctx.flow:
            return (lead + "authorizations: [$0]", True) if snippets else (lead + "authorizations: []", False)
        if snippets:
            return f"{lead}authorizations:{eol}  - $0", True
        return f"{lead}authorizations:{eol}  - ", False
    if not snippets:
        return f"{lead}{key}: ", False
    if key in schema.SECRET_KEYS:
        placeholder: str | None = tokens.reference(schema.secret_env_for(key, repo_type))
    elif key == "user":
        placeholder = schema.user_placeholder(repo_type)
    else:
        placeholder = schema.PLACEHOLDERS.get(key)
    if placeholder is None:
        return f"{lead}{key}: $0", True
    if ctx.flow and key in schema.SECRET_KEYS:
        placeholder = f'"{placeholder}"'
    return f"{lead}{key}: ${{1:{_snippet_escape(placeholder)}}}", True


# A new entry of each kind: its label, its repo type, then its own keys (the values as placeholders).
_NEW_ENTRIES: tuple[tuple[str, str, str], ...] = (
    ("new authorization entry", schema.DEFAULT_KIND, "github"),
    ("new password entry", "password", "bitbucket"),
    ("new OAuth entry", "oauth", "github"),
)


def _entry_snippets(ctx: Context, eol: str, snippets: bool, head: str, key_col: int,
                    filter_text: str) -> list[Completion]:
    """A whole new entry of each kind; ``head`` goes before ``name:``, the other keys are indented to
    ``key_col``."""
    indent = eol + " " * key_col
    out = []
    for index, (label, kind, repo_type) in enumerate(_NEW_ENTRIES):
        pairs = [("name", schema.PLACEHOLDERS["name"]), ("repo_type", repo_type)]
        if kind != schema.DEFAULT_KIND:
            pairs.insert(1, ("kind", kind))
        for key in schema.KINDS[kind].required:
            pairs.append((key, tokens.reference(schema.secret_env_for(key, repo_type)) if key in schema.SECRET_KEYS
                          else schema.user_placeholder(repo_type)))
        if snippets:
            fields = [f"{key}: {value}" if key == "kind" else f"{key}: ${{{n}:{_snippet_escape(value)}}}"
                      for n, (key, value) in enumerate(pairs, start=1)]
            body = indent.join(fields) + "$0"
        else:
            body = indent.join(f"{key}: {value}" for key, value in pairs)
        keys = [key for key, _ in pairs]
        out.append(Completion(label, "snippet", ", ".join(keys),
                              f"A new entry of `authorizations`: {schema.KINDS[kind].title} with the keys it needs "
                              f"({', '.join(f'`{k}`' for k in keys)}).",
                              head + body, snippets, ctx.replace, sort_text=f"2{index}", filter_text=filter_text))
    return out


_ValueMaker = Callable[..., Completion]


def _values(model: Model, ctx: Context, eol: str, snippets: bool, env: Mapping[str, str]) -> list[Completion]:
    key = ctx.key
    quote = ctx.prefix[:1] if ctx.prefix[:1] in ("'", '"') else ""

    def value(label: str, detail: str | None, doc: str | None, index: int, kind: str = "value",
              insert: str | None = None) -> Completion:
        return Completion(label, kind, detail, doc, ctx.lead + (insert if insert is not None else label), False,
                          ctx.replace, sort_text=f"{index:03d}", filter_text=quote + label)

    if ctx.scope == "top":
        if key == "region":
            return [value(region, region_endpoint(region, env), _region_doc(region, env), i)
                    for i, region in enumerate(REGIONS)]
        if key == "endpoint":
            out = []
            region = model.top_value("region")
            if region in REGIONS:
                out.append(value(region_endpoint(region, env), f"the endpoint of {region}", None, 0))
            return out
        if key == "authorizations" and not ctx.flow:
            return _entry_snippets(ctx, eol, snippets, eol + "  - ", 4, "name")
        return []
    if key == "repo_type":
        return _repo_types(ctx.siblings.get("kind", schema.DEFAULT_KIND), value)
    if key == "kind":
        return [value(name, "the default" if name == schema.DEFAULT_KIND else None, spec.doc, i)
                for i, (name, spec) in enumerate(schema.KINDS.items())]
    if key == "status":
        kind = ctx.siblings.get("kind")
        return [value(str(n), meaning, schema.status_doc(n, kind), n) for n, meaning in schema.STATUS_MEANINGS.items()]
    if key == "token_type":
        return [value(t, None, None, i) for i, t in enumerate(schema.TOKEN_TYPES)]
    if key in schema.SECRET_KEYS:
        return _references(ctx, env, value, key)
    if key == "tag":
        return [value("intl", "the international site", None, 0)]
    if key == "host":
        return _hosts(model, ctx, value)
    return []


def _region_doc(region: str, env: Mapping[str, str]) -> str:
    variable = override_variable(region)
    state = "set" if env.get(variable, "").strip() else "not set"
    return f"Endpoint `{region_endpoint(region, env)}` (override: `{variable}`, {state})."


def _repo_types(kind: str, value: _ValueMaker) -> list[Completion]:
    """The repo types of the entry's kind (every one when the kind is unknown), gitee with its warning."""
    names = schema.KINDS[kind].repo_types if kind in schema.KINDS else schema.ALL_REPO_TYPES
    out = []
    for index, name in enumerate(names):
        spec = schema.REPO_TYPES.get(name)
        detail: str | None
        if spec is not None and not spec.supported:
            detail = "warning: only ServiceStage's Chinese site supports gitee (SS133)"
        else:
            detail = spec.public_host if spec is not None else None
        out.append(value(name, detail, schema.REPO_TYPE_DOCS[name], index))
    return out


def _references(ctx: Context, env: Mapping[str, str], value: _ValueMaker, key: str) -> list[Completion]:
    repo_type = ctx.siblings.get("repo_type")
    if key == "password":
        conventional = [schema.password_env_for(repo_type if repo_type in schema.REPO_TYPE_DOCS else None)]
        hint = _PASSWORD_ENV_HINT_RE
    elif repo_type in schema.REPO_TYPES:
        conventional, hint = [schema.token_env_for(repo_type)], schema.TOKEN_ENV_HINT_RE
    else:
        conventional = [schema.token_env_for(name) for name in schema.SUPPORTED_REPO_TYPES]
        hint = schema.TOKEN_ENV_HINT_RE
    names = sorted(name for name in env if _looks_like_secret_variable(name, hint))
    ordered = conventional + [name for name in names if name not in conventional]
    out: list[Completion] = []
    for index, name in enumerate(ordered):
        is_set = name in env
        detail = "environment variable, set" if is_set else "environment variable, not set"
        doc = (f"Reads the {key} from `{name}` in the language server's environment when the create action runs; "
               + (f"`{name}` is set." if is_set else f"`{name}` is **not set**: set it before creating."))
        reference = tokens.reference(name)
        insert = f'"{reference}"' if ctx.flow else reference
        out.append(value(reference, detail, doc, index, kind="reference", insert=insert))
    return out


_PASSWORD_ENV_HINT_RE = re.compile(r"PASSWORD|PASSWD|(?:^|_)PASS(?:_|$)|BITBUCKET|DEVCLOUD|CODEARTS", re.IGNORECASE)


def _looks_like_secret_variable(name: str, hint: re.Pattern[str]) -> bool:
    """A variable name that looks like it holds a token or a password (``hint``: ``PAT`` but not ``PATH``), and is
    not a cloud credential (``HUAWEICLOUD_AUTH_TOKEN``, ``AWS_SESSION_TOKEN`` …: ``tokens.credential_variable``)."""
    return bool(schema.ENV_NAME_RE.match(name) and hint.search(name) and not tokens.credential_variable(name))


_HOST_RE = re.compile(r"host[ \t]*:[ \t]*[\"']?(https?://[^\s\"'#,}\]]+)")


def _hosts(model: Model, ctx: Context, value: _ValueMaker) -> list[Completion]:
    repo_type = ctx.siblings.get("repo_type")
    public = [rt for rt in schema.REPO_TYPES.values()]
    public.sort(key=lambda rt: (rt.name != repo_type, not rt.supported))
    seen: dict[str, str] = {rt.public_host: f"the public {rt.name} host" for rt in public}
    text = model.text
    line = ctx.replace.start[0]
    skip_start = model.line_starts[line]
    skip_end = skip_start + len(model.lines[line])
    for m in _HOST_RE.finditer(text):
        if skip_start <= m.start() <= skip_end:
            continue
        before = text[m.start() - 1] if m.start() else "\n"
        if before not in " \t-{,\n\r":
            continue
        url = m.group(1).rstrip("/")
        if "@" in url or has_token_shape(url):
            continue  # user:token@host, or a token pasted into the URL: never offer a secret
        if url not in seen:
            seen[url] = "used in this file"
            if len(seen) >= 100:
                break
    return [value(url, detail, None, i) for i, (url, detail) in enumerate(seen.items())]
