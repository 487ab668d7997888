"""What import writes (pure): the entries for the authorizations ServiceStage has and the file does not, their
token variables (never two the same), a whole new file or the edits that append to one, and what it says. The
CLI's ``import`` and the editor's Import call these."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from servicestage_ls.core import tokens
from servicestage_ls.core.edits import TextEdit, status_value
from servicestage_ls.core.model import Model, Range, Scalar
from servicestage_ls.core.schema import DEFAULT_KIND, DEVCLOUD_USER_RE, KINDS, redact
from servicestage_ls.core.yamlparse import yaml_scalar
from servicestage_ls.engine.plan import probe_of

if TYPE_CHECKING:
    from servicestage_ls.cloud.client import Authorization


def token_variable(name: str, secret: str = "token") -> str:
    """The environment variable an imported entry's token comes from: `payments-api` → `PAYMENTS_API_TOKEN`
    (``secret`` "password", a password entry's: `PAYMENTS_API_PASSWORD`)."""
    stem = re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").upper()
    if not stem:
        stem = "REPO"
    if stem[0].isdigit():
        stem = "AUTH_" + stem
    return f"{stem}_{secret.upper()}"


def imported_kind(auth: Authorization) -> str:
    """The kind an imported entry gets: ServiceStage's token_type (personal when it says none or another)."""
    kind = (auth.token_type or "").lower()
    return kind if kind in KINDS else DEFAULT_KIND


def secret_of(auth: Authorization) -> str | None:
    """What an imported entry's secret is called: "token", "password", None (OAuth: no secret in the file)."""
    return {"personal": "token", "password": "password"}.get(imported_kind(auth))


def imported_user(auth: Authorization) -> str | None:
    """A password entry's `user` as far as ServiceStage tells it: its repo_user, unless a devcloud user (`{domain
    name}/{tenant name}`) cannot be told from it."""
    user = auth.repo_user
    if (auth.repo_type or "").lower() == "devcloud" and (user is None or DEVCLOUD_USER_RE.match(user) is None):
        return None
    return user


def token_variables(auths: Sequence[Authorization], taken: Iterable[str] = ()) -> dict[str, str]:
    """The variable each imported entry's token comes from: :func:`token_variable`, with ``_2``, ``_3``… before
    ``_TOKEN`` when an entry of the file (``taken``) or an earlier one of this import has it (`a-b.c` and `a_b-c`
    never share ``A_B_C_TOKEN``)."""
    used = set(taken)
    out: dict[str, str] = {}
    for auth in auths:
        secret = secret_of(auth)
        if secret is None:  # an OAuth entry reads nothing from the environment
            continue
        base, suffix = token_variable(auth.name, secret), f"_{secret.upper()}"
        variable, number = base, 2
        while variable in used:
            variable, number = f"{base.removesuffix(suffix)}_{number}{suffix}", number + 1
        used.add(variable)
        out[auth.name] = variable
    return out


def variables_in(model: Model | None) -> set[str]:
    """The variables the file's `token` and `password` references name (what an import must not give another
    entry)."""
    if model is None:
        return set()
    found = (tokens.classify(e.secret_source or "", {}).variable for e in model.entries)
    return {v for v in found if v}


def importable(model: Model | None, remote: Sequence[Authorization], names: Sequence[str] = ()) -> list[Authorization]:
    """The authorizations to import: in ServiceStage and not in the file (all, or those named)."""
    present = {e.name for e in model.entries if e.name} if model is not None else set()
    wanted = set(names)
    return [a for a in remote if a.name not in present
            and (a.name in wanted if wanted else probe_of(a.name) is None)]  # a leftover probe is no entry


_PLAIN_URL = re.compile(r"https?://[A-Za-z0-9._~/?&=%+@:-]+")  # reads back as itself in plain YAML (no ": ", " #")


def imported_message(auths: Sequence[Authorization], taken: Iterable[str] = ()) -> str:
    """What an import says: the entries, the variables their tokens come from (``taken``: the file's, as for
    :func:`import_edits`), and each variable given a number because its name was taken."""
    variables = token_variables(auths, taken)
    names = ", ".join(f"'{redact(a.name)}'" for a in auths)
    secret = [a for a in auths if a.name in variables]
    parts = [f"imported {names}"]
    if secret:
        listed = redact(", ".join(variables[a.name] for a in secret))
        kinds = {secret_of(a) for a in secret}
        what = kinds.pop() if len(kinds) == 1 else "secret"
        one = len(secret) == 1
        whose, when = (f"its {what} is", "it is") if one else (f"their {what}s are", "they are")
        wanted = {a.name: token_variable(a.name, secret_of(a) or "token") for a in secret}
        renamed = "".join(f"; {wanted[a.name]} was taken, so '{redact(a.name)}' reads {variables[a.name]}"
                          for a in secret if variables[a.name] != wanted[a.name])
        parts.append(f"{whose} read from {listed} when {when} created again or rotated (set "
                     f"{'it' if one else 'them'} in the environment first){renamed}")
    oauth = [f"'{redact(a.name)}'" for a in auths if imported_kind(a) == "oauth"]
    if oauth:
        parts.append(f"{', '.join(oauth)} {'is' if len(oauth) == 1 else 'are'} OAuth: renewed by authorizing in the "
                     "browser, no secret in the file")
    unknown = [f"'{redact(a.name)}'" for a in secret if imported_kind(a) == "password" and imported_user(a) is None]
    if unknown:
        parts.append(f"write the `user` of {', '.join(unknown)} (`{{domain name}}/{{tenant name}}`): ServiceStage "
                     "does not report it")
    return "; ".join(parts)


def _https_url(value: str | None) -> str | None:
    if not value:
        return None
    parts = urlsplit(value)
    return value.rstrip("/") if parts.scheme == "https" and parts.hostname else None


def entry_lines(auth: Authorization, variable: str | None = None) -> list[tuple[str, str]]:
    """(key, value text) of the imported entry, in the order a person writes them (``variable``: its token's, by
    default :func:`token_variable`)."""
    kind, secret = imported_kind(auth), secret_of(auth)
    pairs = [("name", yaml_scalar(auth.name))]
    if kind != DEFAULT_KIND:
        pairs.append(("kind", kind))
    if auth.repo_type:
        pairs.append(("repo_type", yaml_scalar(auth.repo_type.lower())))
    user = imported_user(auth) if kind == "password" else None
    if user is not None:
        pairs.append(("user", yaml_scalar(user)))
    if secret is not None:
        pairs.append((secret, tokens.reference(variable or token_variable(auth.name, secret))))
    elif auth.tag:
        pairs.append(("tag", yaml_scalar(auth.tag)))
    host = _https_url(auth.repo_home) if kind == DEFAULT_KIND else None  # only a personal token takes a host
    if host is not None:
        pairs.append(("host", host if _PLAIN_URL.fullmatch(host) else yaml_scalar(host)))
    if auth.repo_user is not None:
        pairs.append(("repo_user", yaml_scalar(auth.repo_user)))
    if auth.status is not None:
        pairs.append(("status", status_value(auth.status)))
    return pairs


def _entries_text(auths: Sequence[Authorization], dash: str, key_indent: str, eol: str,
                  taken: Iterable[str] = ()) -> str:
    """The entries as block mappings: ``dash`` starts an item's first line (`  - `), ``key_indent`` the others;
    their token variables are not those of ``taken`` (:func:`token_variables`)."""
    variables = token_variables(auths, taken)
    out = []
    for auth in auths:
        for i, (key, value) in enumerate(entry_lines(auth, variables.get(auth.name))):
            lead = dash if i == 0 else key_indent
            out.append(f"{lead}{key}: {value}{eol}")
    return "".join(out)


def new_file_text(auths: Sequence[Authorization], *, project_id: str | None, region: str | None,
                  endpoint: str | None) -> str:
    """A whole file for `import -o FILE`."""
    head = []
    if project_id:
        head.append(f"project_id: {yaml_scalar(project_id)}\n")
    if endpoint:
        head.append(f"endpoint: {endpoint if _PLAIN_URL.fullmatch(endpoint) else yaml_scalar(endpoint)}\n")
    elif region:
        head.append(f"region: {yaml_scalar(region)}\n")
    if not auths:
        return "".join(head) + "authorizations: []\n"
    return "".join(head) + "authorizations:\n" + _entries_text(auths, "  - ", "    ", "\n")


class CannotImport(Exception):
    """The file's shape leaves no place to add entries without rewriting it; the message says why."""


def import_edits(model: Model, auths: Sequence[Authorization]) -> list[TextEdit]:
    """Edits that append these entries to the file's `authorizations`, byte-identical elsewhere."""
    if not auths:
        return []
    taken = variables_in(model)
    item = model.authorizations
    if model.root_kind not in ("mapping", "empty"):
        raise CannotImport("the file is not a mapping; fix it first")
    if model.has_syntax_errors:
        raise CannotImport("the file has YAML syntax errors; fix them first")
    eol = model.line_break(0)
    if item is None:
        at = (len(model.lines) - 1, len(model.lines[-1]))
        lead = eol if model.lines[-1] else ""
        text = _entries_text(auths, "  - ", "    ", eol, taken)
        return [TextEdit(Range(at, at), lead + "authorizations:" + eol + text)]
    value = item.value
    entries = [e for e in model.entries if e.node is not None]
    if entries:
        last, first = entries[-1], entries[0]
        if first.mapping is None or first.mapping.flow or not first.mapping.pairs:
            raise CannotImport("the entries are not block mappings; add the entries by hand")
        key_start = first.range_of(first.mapping.pairs[0].key).start
        line = model.lines[key_start[0]]
        dash_col = line.rfind("-", 0, key_start[1])
        if dash_col < 0:
            raise CannotImport("the entries' layout is unusual; add the entries by hand")
        if last.mapping is None or not last.mapping.pairs or last.mapping.flow:
            raise CannotImport("the last entry is not a block mapping; add the entries by hand")
        end = last.range_of(last.mapping.pairs[-1].value).end
        end_line = end[0] - 1 if end[1] == 0 and end[0] > 0 else end[0]
        at = model.line_end_pos(end_line)
        dash = " " * dash_col + "-" + " " * (key_start[1] - dash_col - 1)
        text = _entries_text(auths, dash, " " * key_start[1], eol, taken)
        return [TextEdit(Range(at, at), eol + text.removesuffix(eol))]
    if isinstance(value, Scalar) and value.is_null:
        key_end = item.range_of(item.key).end
        at = model.line_end_pos(key_end[0])
        return [TextEdit(Range(at, at), eol + _entries_text(auths, "  - ", "    ", eol, taken).removesuffix(eol))]
    rng = item.range_of(value)
    key_end = item.range_of(item.key).end
    colon = model.lines[key_end[0]].find(":", key_end[1])
    if model.text[model.offset(rng.start):model.offset(rng.end)].replace(" ", "") == "[]" and colon >= 0 \
            and rng.end[0] == key_end[0]:
        return [TextEdit(Range((key_end[0], colon + 1), rng.end),
                         eol + _entries_text(auths, "  - ", "    ", eol, taken).removesuffix(eol))]
    raise CannotImport("`authorizations` is not a block list; add the entries by hand")
