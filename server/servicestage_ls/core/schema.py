"""The file format: keys, types, values, documentation and rule constants.

One source of truth: validation (``rules``), completion, hover and the JSON Schema export (``jsonschema``)
all read these tables. Adding a field is one edit here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from servicestage_ls.core.escapes import unescape
from servicestage_ls.core import kinds
from servicestage_ls.core.kinds import (  # re-exported: the format is read from here
    ALL_REPO_TYPES as ALL_REPO_TYPES, DEFAULT_KIND as DEFAULT_KIND, DEVCLOUD_USER_RE as DEVCLOUD_USER_RE,
    KIND_OF_KEY as KIND_OF_KEY, KINDS as KINDS, REPO_TYPE_DOCS as REPO_TYPE_DOCS, REPO_TYPES as REPO_TYPES,
    SECRET_KEY_OF_KIND as SECRET_KEY_OF_KIND, SECRET_KEYS as SECRET_KEYS,
    SUPPORTED_REPO_TYPES as SUPPORTED_REPO_TYPES, Kind as Kind, RepoType as RepoType,
    kind_repo_types as kind_repo_types, kinds_with as kinds_with,
)
from servicestage_ls.core.regions import REGIONS, default_endpoint


class Severity(IntEnum):
    """Same numbering as LSP's DiagnosticSeverity, so the adapter can pass it through."""

    ERROR = 1
    WARNING = 2
    INFORMATION = 3
    HINT = 4


@dataclass(frozen=True)
class Rule:
    code: str
    severity: Severity
    summary: str


RULES: tuple[Rule, ...] = (
    Rule("SS100", Severity.ERROR, "YAML syntax error, at the parser's position"),
    Rule("SS101", Severity.ERROR, "a duplicate key in one mapping"),
    Rule("SS102", Severity.ERROR, "wrong container: top level not a mapping, `authorizations` not a list, "
         "an entry not a mapping"),
    Rule("SS103", Severity.ERROR, "more than one YAML document in the file"),
    Rule("SS104", Severity.WARNING, "the file is too large, too deep or too expanded to validate"),
    Rule("SS110", Severity.ERROR, "unknown key (with the closest known key)"),
    Rule("SS111", Severity.ERROR, "a required key is missing"),
    Rule("SS112", Severity.ERROR, "wrong value type (`name: 123`, `status: normal`)"),
    Rule("SS120", Severity.ERROR, "`project_id` is not 32 lowercase hex characters"),
    Rule("SS121", Severity.ERROR, "unknown region (with the closest one)"),
    Rule("SS122", Severity.ERROR, "`endpoint` is not an https URL (http only on loopback)"),
    Rule("SS123", Severity.WARNING, "`endpoint` names a host you have not trusted to receive your credentials"),
    Rule("SS130", Severity.ERROR, "`name` breaks the naming rule (length or character)"),
    Rule("SS131", Severity.ERROR, "`name` repeated in the file"),
    Rule("SS132", Severity.ERROR, "`repo_type` not supported (with the closest one)"),
    Rule("SS133", Severity.WARNING, "`repo_type: gitee` is only supported on the Chinese site"),
    Rule("SS134", Severity.ERROR, "`repo_type` not available for the entry's `kind` (with the kinds that have it "
         "and the repo types the kind has)"),
    Rule("SS135", Severity.ERROR, "unknown `kind` (with the closest one): `personal`, `password` or `oauth`"),
    Rule("SS136", Severity.ERROR, "a key of another kind of entry (`token` under `kind: password`, `tag` on a "
         "personal-token entry)"),
    Rule("SS137", Severity.ERROR, "a devcloud password entry's `user` is not `{domain name}/{tenant name}`"),
    Rule("SS140", Severity.WARNING, "the token or password is a literal: a plaintext secret in a committed file"),
    Rule("SS141", Severity.ERROR, "a literal token does not look like a token of that repo_type"),
    Rule("SS142", Severity.WARNING, "a `${…}` reference (`token`, `password`) is malformed or names an unset "
         "variable (unset: in the editor, and by `check --check-env`)"),
    Rule("SS143", Severity.ERROR, "token-shaped text outside `token` and `password` (a key, a name, any value, a "
         "comment): a "
         "secret pasted into the wrong place, shown redacted"),
    Rule("SS144", Severity.ERROR, "a `${…}` reference names a cloud credential variable (`HUAWEICLOUD_*`, `AWS_*` …): "
         "never completed, never sent"),
    Rule("SS150", Severity.ERROR, "`host` is not an https URL"),
    Rule("SS151", Severity.WARNING, "`host` points at the other repo type's public host"),
    Rule("SS160", Severity.WARNING, "`status` 1 (overdue) or 2 (unauthenticated)"),
    Rule("SS170", Severity.ERROR, "the last API call for this entry failed"),
    Rule("SS171", Severity.INFORMATION, "`remoteCheck`: the name already exists in ServiceStage"),
    Rule("SS172", Severity.INFORMATION, "`remoteCheck`: ServiceStage reports another status than the file"),
    Rule("SS173", Severity.INFORMATION, "`remoteCheck`: authorizations that exist only in ServiceStage"),
)
RULE_BY_CODE = {rule.code: rule for rule in RULES}

# --- value tables -------------------------------------------------------------------------------------

NAME_PATTERN = r"^[A-Za-z0-9_.-]{4,63}$"
NAME_RE = re.compile(NAME_PATTERN)
NAME_CHAR_RE = re.compile(r"[A-Za-z0-9_.-]")
NAME_MIN, NAME_MAX = 4, 63

PROJECT_ID_PATTERN = r"^[0-9a-f]{32}$"
PROJECT_ID_RE = re.compile(PROJECT_ID_PATTERN)

# A reference to an environment variable: ${NAME}.
ENV_REF_RE = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")
ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Environment variable names offered as token references.
TOKEN_ENV_HINT_RE = re.compile(r"TOKEN|(?:^|_)PAT(?:_|$)|GITHUB|GITLAB|GITEE", re.IGNORECASE)


STATUS_MEANINGS: dict[int, str] = {
    0: "normal",
    1: "overdue",
    2: "unauthenticated",
}
STATUS_DOCS: dict[int, str] = {
    0: "normal: the authorization works.",
    1: "overdue: the token expired; create a new token and a new authorization.",
    2: "unauthenticated: the repository rejected the token; authorize again.",
}


def status_doc(status: int, kind: str | None) -> str:
    """What a status means, in the words of the entry's kind (a personal token's when the kind is unknown)."""
    return kinds.KIND_STATUS_DOCS.get(kind or DEFAULT_KIND, {}).get(status) or STATUS_DOCS[status]


TOKEN_TYPES = tuple(KINDS)

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")

# --- fields -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    key: str
    kind: str  # "string" | "integer" | "list"
    doc: str
    required: bool = False
    written_back: bool = False
    values: tuple[Any, ...] = ()
    value_docs: dict[Any, str] = field(default_factory=dict)
    pattern: str | None = None
    example: str | None = None
    kind_only: str | None = None  # the kind of entry the key belongs to (KIND_OF_KEY), None: every kind


REGION_DOCS = {region: f"Endpoint {default_endpoint(region)}" for region in REGIONS}

TOP_FIELDS: dict[str, Field] = {
    f.key: f
    for f in (
        Field(
            "project_id",
            "string",
            "Tenant's project ID in the region: 32 lowercase hexadecimal characters. Optional: when it is left "
            "out, the id comes from `HUAWEICLOUD_SDK_PROJECT_ID` in the environment, else it is looked up from "
            "IAM (the project named after `region`, with AK/SK or IAM user credentials) when a call is made.",
            pattern=PROJECT_ID_PATTERN,
            example="0a1b2c3d4e5f67890a1b2c3d4e5f6789",
        ),
        Field(
            "region",
            "string",
            "The ServiceStage region; it selects the endpoint `https://servicestage.{region}.myhuaweicloud.com` "
            "(overridable with `HUAWEICLOUD_SDK_REGION_SERVICESTAGE_<REGION>`). One of `region`/`endpoint` is "
            "required.",
            values=REGIONS,
            value_docs=REGION_DOCS,
            example="cn-north-4",
        ),
        Field(
            "endpoint",
            "string",
            "ServiceStage endpoint URL overriding the region (private deployments, the local emulator): "
            "`https://…`, or `http://` on loopback only.",
            example="https://servicestage.cn-north-4.myhuaweicloud.com",
        ),
        Field(
            "authorizations",
            "list",
            "The repository authorizations: a list of entries, each with `name` and `repo_type`, and by its "
            "`kind`: a personal token (the default: `token`, optional `host`), a password (`kind: password`, `user`, "
            "`password`) or an OAuth grant (`kind: oauth`, optional `tag`).",
            required=True,
        ),
    )
}

ENTRY_FIELDS: dict[str, Field] = {
    f.key: f
    for f in (
        Field(
            "name",
            "string",
            "Authorization name: 4 to 63 characters, letters, digits, `.`, `_` and `-`; unique in the file. "
            "It cannot be changed after creation.",
            required=True,
            pattern=NAME_PATTERN,
            example="token1",
        ),
        Field(
            "repo_type",
            "string",
            "Repository type, by kind: a personal token `github` or `gitlab` (`gitee` on the Chinese site), a "
            "password `devcloud` or `bitbucket`, OAuth any of them.",
            required=True,
            values=ALL_REPO_TYPES,
            value_docs=REPO_TYPE_DOCS,
        ),
        Field(
            "token",
            "string",
            "Repository token. Write a reference `${ENV_NAME}`: it is read from the language server's "
            "environment when the create action runs. A literal token is a plaintext secret in a committed file.",
            required=True,
            example="${GITHUB_TOKEN}",
            kind_only="personal",
        ),
        Field(
            "host",
            "string",
            "Repository address (https URL). Optional: ServiceStage uses the repo type's official host when it "
            "is left out.",
            example="https://github.com/tom-repo",
            kind_only="personal",
        ),
        Field(
            "kind",
            "string",
            "The kind of authorization: `personal` (a private token, the default when `kind` is left out), "
            "`password` (`user` and `password`) or `oauth` (authorized in the browser, no secret in the file).",
            values=tuple(KINDS),
            value_docs={name: kind.doc for name, kind in KINDS.items()},
            example="password",
        ),
        Field(
            "user",
            "string",
            "The repository user: for `devcloud` `{domain name}/{tenant name}`, for `bitbucket` the account name.",
            required=True,
            example="my-domain/my-tenant",
            kind_only="password",
        ),
        Field(
            "password",
            "string",
            "The repository password. Write a reference `${ENV_NAME}`: it is read from the language server's "
            "environment when the create action runs and never shown. A literal password is a plaintext secret in "
            "a committed file.",
            required=True,
            example="${BITBUCKET_PASSWORD}",
            kind_only="password",
        ),
        Field(
            "tag",
            "string",
            "The site tag passed to the OAuth redirect and OAuth calls (e.g. `intl`). Optional.",
            example="intl",
            kind_only="oauth",
        ),
        Field(
            "repo_user",
            "string",
            "Repository username. Written back by *Create authorization*.",
            written_back=True,
        ),
        Field(
            "status",
            "integer",
            "Repository authorization status: 0 normal, 1 overdue, 2 unauthenticated. Written back by "
            "*Create authorization* and *Refresh status*.",
            written_back=True,
            values=tuple(STATUS_MEANINGS),
            value_docs=STATUS_DOCS,
        ),
        Field("repo_host", "string", "Repository API address returned by ServiceStage.", written_back=True),
        Field("repo_home", "string", "Repository homepage returned by ServiceStage.", written_back=True),
        Field("avartar", "string", "Repository avatar URL (the API's own spelling).", written_back=True),
        Field(
            "token_type",
            "string",
            "Repository authorization type as ServiceStage reports it: `personal`, `password` or `oauth` (the "
            "entry's `kind`).",
            written_back=True,
            values=TOKEN_TYPES,
        ),
        Field(
            "create_time",
            "integer",
            "Authorization creation time, milliseconds since the epoch (UTC).",
            written_back=True,
        ),
        Field(
            "update_time",
            "integer",
            "Authorization update time, milliseconds since the epoch (UTC).",
            written_back=True,
        ),
    )
}

REQUIRED_ENTRY_KEYS = tuple(k for k, f in ENTRY_FIELDS.items() if f.required and f.kind_only is None)
"""The keys every kind of entry needs; ``required_keys`` adds the kind's own."""


def required_keys(kind: str | None) -> tuple[str, ...]:
    """The keys an entry of this kind needs (None, an unknown kind: the ones every kind needs)."""
    spec = KINDS.get(kind) if kind is not None else None
    return REQUIRED_ENTRY_KEYS + spec.required if spec is not None else REQUIRED_ENTRY_KEYS
TIMESTAMP_KEYS = ("create_time", "update_time")

PLACEHOLDERS: dict[str, str] = {
    "name": "my-authorization",
    "repo_type": "github",
    "token": "${GITHUB_TOKEN}",
    "user": "my-user",
    "password": "${REPO_PASSWORD}",
    "project_id": "0" * 32,
    "authorizations": "[]",
}


# What a GitHub or GitLab token looks like wherever it stands (Gitee's 32 hex characters are left out: a project id
# has that shape too). The first group is the prefix, the only part of it ever shown.
TOKEN_SHAPE_RE = re.compile(r"(gh[pousr]_)[A-Za-z0-9]{36,}|(github_pat_)[A-Za-z0-9_]{22,}|(glpat-)[0-9A-Za-z_.-]{20,}")


def redacted(match: re.Match[str]) -> str:
    """A token-shaped match as it may be shown: its prefix and an ellipsis (``ghp_…``)."""
    return (match.group(1) or match.group(2) or match.group(3)) + "…"


def redact(text: str) -> str:
    """The text with every token-shaped part redacted: what the product may print of text taken from a file (or
    echoed by a server). A token percent-encoded or JSON-escaped is found decoded (the text is then shown so)."""
    if ("%" in text or "\\u" in text) and TOKEN_SHAPE_RE.search(decoded := unescape(text)):
        text = decoded
    if "_" not in text and "-" not in text:  # every token shape has one: most texts need no regex
        return text
    return TOKEN_SHAPE_RE.sub(redacted, text)


EXTENSION_PREFIX = "x-"
EXTENSION_DOC = ("An extension field (`x-…`, as in docker-compose): ignored by servicestage-ls. A place for YAML "
                 "anchors that entries merge: `x-defaults: &defaults {repo_type: github}`, then `<<: *defaults` in "
                 "an entry.")


MERGE_DOC = ("Merges into this entry the keys of the mapping (or list of mappings) it names: "
             "`<<: *defaults` with `x-defaults: &defaults {repo_type: github, token: \"${GITHUB_TOKEN}\"}` at the "
             "top level. The entry's own keys win over merged ones.")


def is_extension_key(key: str | None) -> bool:
    """A top-level `x-…` key: ignored, like docker-compose's extension fields."""
    return key is not None and key.startswith(EXTENSION_PREFIX)


def token_env_for(repo_type: str | None) -> str:
    """The conventional environment variable for a repo type's token (`GITHUB_TOKEN`, …)."""
    rt = REPO_TYPES.get(repo_type or "")
    return rt.token_env if rt else "REPO_TOKEN"


def password_env_for(repo_type: str | None) -> str:
    """The conventional environment variable for a repo type's password (`BITBUCKET_PASSWORD`, …)."""
    return f"{repo_type.upper()}_PASSWORD" if repo_type in REPO_TYPE_DOCS else "REPO_PASSWORD"


def secret_env_for(key: str, repo_type: str | None) -> str:
    """The conventional variable of a secret key's value: ``token`` → `GITHUB_TOKEN`, ``password`` → …"""
    return password_env_for(repo_type) if key == "password" else token_env_for(repo_type)


def user_placeholder(repo_type: str | None) -> str:
    """What a new password entry's `user` says until it is filled in (devcloud's shape, else an account)."""
    return "my-domain/my-tenant" if repo_type == "devcloud" else PLACEHOLDERS["user"]


def closest(word: str, choices: tuple[str, ...] | list[str], cutoff: float = 0.6) -> str | None:
    """The closest choice by edit similarity, or None when nothing is close."""
    import difflib

    lowered = word.lower()
    for choice in choices:
        if choice.lower() == lowered:
            return choice
    found = difflib.get_close_matches(lowered, [c.lower() for c in choices], n=1, cutoff=cutoff)
    if not found:
        return None
    return next(c for c in choices if c.lower() == found[0])


def field_markdown(f: Field) -> str:
    """A field's documentation: bold name, type, required or optional, written back or not, then the doc."""
    parts = [f"**{f.key}**", f.kind, "required" if f.required else "optional"]
    if f.kind_only is not None:
        parts.append(f"{KINDS[f.kind_only].label} entries only")
    if f.written_back:
        parts.append("written back by the server")
    return " · ".join(parts) + "\n\n" + f.doc
