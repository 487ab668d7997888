"""The rules of the kinds of entry: `kind` itself (SS135), the repo types each kind takes (SS132–SS134), the keys
of another kind (SS136) and a devcloud `user` (SS112, SS137). Ranges are relative to the entry's ``base``."""

from __future__ import annotations

from servicestage_ls.core import schema
from servicestage_ls.core.model import MERGE_KEY, Mapping, Pair, Range, node_range
from servicestage_ls.core.rules.base import Finding, finding, quoted

# What people call a kind when they do not know its name.
_KIND_ALIASES = {"token": "personal", "private": "personal", "pat": "personal", "access_token": "personal",
                 "basic": "password", "user": "password", "oauth2": "oauth", "browser": "oauth"}

FOREIGN_KEYS: dict[str, frozenset[str]] = {
    kind: frozenset(key for key, owner in schema.KIND_OF_KEY.items() if owner != kind) for kind in schema.KINDS
}
"""For each kind, the keys that belong to the other kinds."""


def kind_findings(text: str, rng: Range) -> list[Finding]:
    """SS135: a `kind` that is not `personal`, `password` or `oauth`."""
    if text in schema.KINDS:
        return []
    allowed = "`personal` (the default), `password` or `oauth`"
    suggestion = _KIND_ALIASES.get(text.strip().lower()) or schema.closest(text, tuple(schema.KINDS))
    if suggestion is None:
        return [finding("SS135", f"unknown kind `{text}`; a kind is {allowed}", rng)]
    return [finding("SS135", f"unknown kind `{text}`; did you mean `{suggestion}`? A kind is {allowed}", rng,
                    {"fix": "replace-value", "replacement": suggestion})]


def repo_type_findings(text: str, rng: Range, kind: str | None, kind_written: bool = True) -> list[Finding]:
    """SS132 (unknown), SS133 (gitee) and SS134 (a repo type of other kinds) for an entry of ``kind`` (None: an
    unknown kind, when only an unknown repo type is reported)."""
    allowed = schema.kind_repo_types(kind) if kind is not None else schema.ALL_REPO_TYPES
    if text in allowed:
        return []
    if kind is not None and text in schema.KINDS[kind].repo_types:
        return [finding("SS133", f"`repo_type: {text}` is only supported on ServiceStage's Chinese site; "
                                 f"the international API accepts {quoted(allowed)}", rng)]
    if kind is not None and text in schema.REPO_TYPE_DOCS:
        return [_unavailable(text, rng, kind, kind_written)]
    suggestion = schema.closest(text, allowed) or schema.closest(text, schema.ALL_REPO_TYPES)
    if suggestion is not None:
        return [finding("SS132", f"unsupported repo_type `{text}`; did you mean `{suggestion}`? "
                                 f"Allowed: {quoted(allowed)}", rng,
                        {"fix": "replace-value", "replacement": suggestion})]
    return [finding("SS132", f"unsupported repo_type `{text}`; allowed: {quoted(allowed)}", rng)]


def _unavailable(repo_type: str, rng: Range, kind: str, kind_written: bool) -> Finding:
    spec = schema.KINDS[kind]
    kinds = schema.kinds_with(repo_type)
    theirs = " or ".join(f"`kind: {k}`" for k in kinds)
    default = " (the default without `kind`)" if not kind_written else ""
    return finding("SS134", f"`repo_type: {repo_type}` is not available for {spec.title}{default}: {repo_type} "
                            f"takes {theirs}; {spec.title} takes {quoted(schema.kind_repo_types(kind))}", rng,
                   {"fix": "kind-or-repo-type", "kinds": list(kinds), "repo_types": list(schema.kind_repo_types(kind))})


def user_findings(text: str, rng: Range, kind: str | None, repo_type: str | None) -> list[Finding]:
    """SS112 for an empty `user`, SS137 for a devcloud `user` that is not `{domain name}/{tenant name}`."""
    if kind != "password":
        return []
    if not text.strip():
        example = schema.user_placeholder(repo_type)
        return [finding("SS112", f"`user` is empty; write the repository user (`{example}`)", rng)]
    if repo_type == "devcloud" and schema.DEVCLOUD_USER_RE.match(text) is None:
        return [finding("SS137", "a devcloud `user` is `{domain name}/{tenant name}`: two parts without blanks "
                                 "around one `/` (e.g. `my-domain/my-tenant`)", rng)]
    return []


def other_kinds_keys(node: Mapping, present: dict[str, Pair], kind: str) -> list[Finding]:
    """SS136 for each key of another kind of entry: on the key, or on the `<<` that merged it in."""
    foreign = FOREIGN_KEYS[kind]
    if present.keys().isdisjoint(foreign):
        return []
    own = {id(pair) for pair in node.pairs}
    merge = next((pair for pair in node.pairs if pair.key_text == MERGE_KEY), None)
    kind_written = any(pair.key_text == "kind" for pair in node.pairs)
    out: list[Finding] = []
    for key, pair in present.items():
        if key not in foreign:
            continue
        owner = schema.KINDS[schema.KIND_OF_KEY[key]]
        spec = schema.KINDS[kind]
        message, data = f"`{key}` is a key of {owner.title}, not of {spec.title}", None
        if kind == "password" and key == "token" and "password" not in present:
            message += ": a password entry holds `user` and `password`; rename `token` to `password`"
            data = {"fix": "rename-key", "replacement": "password"}
        elif kind == schema.DEFAULT_KIND and not kind_written and "kind" not in present:
            message += f" (the default without `kind`): add `kind: {owner.name}`, or remove `{key}`"
            data = {"fix": "insert-key", "key": "kind", "value": owner.name, "scope": "entry"}
        elif kind == "oauth" and key in schema.SECRET_KEYS:
            message += ": an OAuth entry holds no secret (ServiceStage keeps the grant made in the browser); remove it"
        else:
            message += "; remove it"
        if id(pair) in own:
            out.append(finding("SS136", message, node_range(pair.key), data))
        elif merge is not None:  # merged in with `<<`: no quick fix, the key is in the anchor
            out.append(finding("SS136", f"{message} (merged with `<<`)", node_range(merge.key)))
    return out
