"""What a `token` value is, and where token-shaped text stands, decided once: for the rules (SS112, SS140–SS143),
hover and the create action; and how a reference is written (``${NAME}``).

A ``${NAME}`` reference whose "name" looks like a token is a token pasted between the braces: a secret. Nothing
here keeps it: a ``TokenValue`` holds a variable's name only for a real reference, and a ``TokenShape`` holds
positions and the prefix (``ghp_``), never the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from enum import Enum
from typing import NamedTuple
from urllib.parse import urlsplit

from servicestage_ls.core import schema
from servicestage_ls.core.schema import RepoType

class ValueKind(Enum):
    SET = "a reference to a variable that is set"
    UNSET = "a reference to a variable that is not set"
    CREDENTIAL = "a reference to a cloud credential variable (never sent)"
    PASTED = "a token pasted between the braces of ${…}"
    MALFORMED = "a malformed reference (it starts with `$`)"
    EMPTY = "empty"
    LITERAL = "a literal token written in the file"


class TokenValue(NamedTuple):
    """A secret's value (`token`, `password`) classified (a tuple: made for each reference of a file that opens)."""

    kind: ValueKind
    variable: str | None = None  # SET, UNSET and CREDENTIAL: the variable's name
    pasted: RepoType | None = None  # PASTED: the repo type whose token it looks like (never the text)
    intended: str | None = None  # MALFORMED: the variable it meant (`$NAME`, `${NAME`, `${NAME}x` → NAME), if safe


_EMPTY = TokenValue(ValueKind.EMPTY)
_LITERAL = TokenValue(ValueKind.LITERAL)

# --- cloud credentials: never a repository's secret -----------------------------------------------------

CREDENTIAL_PREFIXES = ("HUAWEICLOUD_", "HW_", "SERVICESTAGE_EMULATOR_", "AWS_", "AZURE_", "ARM_", "GOOGLE_", "GCP_",
                       "GCLOUD_", "CLOUDSDK_", "ALIBABA_CLOUD_", "ALICLOUD_", "TENCENTCLOUD_")
"""Variables a `${…}` reference may never name: this tool's own credentials (every ``HUAWEICLOUD_*``, and the
emulator's), Huawei Cloud's older ``HW_*`` (Terraform), and the usual clouds' (their SDKs, CLIs and Terraform)."""
CREDENTIAL_NAMES = frozenset({"OS_PASSWORD", "OS_TOKEN", "OS_AUTH_TOKEN", "OS_APPLICATION_CREDENTIAL_SECRET"})
"""OpenStack's (Huawei Cloud Stack is OpenStack-based): named one by one, ``OS_*`` also holds harmless names."""


def credential_variable(name: str) -> bool:
    """Whether ``name`` is a cloud credential variable (case ignored, as Windows does)."""
    upper = name.upper()
    return upper.startswith(CREDENTIAL_PREFIXES) or upper in CREDENTIAL_NAMES


def credential_values(env: Mapping[str, str]) -> frozenset[str]:
    """The values of every cloud credential variable in ``env`` (the AK, SK, security token, X-Auth-Token, IAM
    password …): a secret to be sent that equals one of them is refused, whatever its own variable is called."""
    return frozenset(value.strip() for name, value in env.items() if credential_variable(name) and value.strip())


# --- what a value is ------------------------------------------------------------------------------------

_INTENDED_RE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:\}.*)?|([A-Za-z_][A-Za-z0-9_]*))", re.DOTALL)


def intended_variable(text: str, env: Mapping[str, str]) -> str | None:
    """The variable a malformed reference meant (``$NAME``, ``${NAME``, ``${NAME}suffix`` → NAME), unless that
    "name" is a token pasted there or a credential variable (then no quick fix offers it)."""
    match = _INTENDED_RE.fullmatch(text.strip())
    if match is None:
        return None
    name = match.group(1) or match.group(2)
    if pasted_token(name, env) is not None or has_token_shape(name) or credential_variable(name):
        return None
    return name


def classify(text: str, env: Mapping[str, str]) -> TokenValue:
    """What the secret's value ``text`` (surrounding spaces ignored) is in this environment."""
    stripped = text.strip()
    reference = schema.ENV_REF_RE.match(stripped)
    if reference is not None:
        variable = reference.group(1)
        pasted = pasted_token(variable, env)
        if pasted is not None:
            return TokenValue(ValueKind.PASTED, None, pasted)
        if credential_variable(variable):
            return TokenValue(ValueKind.CREDENTIAL, variable)
        return TokenValue(ValueKind.SET if variable in env else ValueKind.UNSET, variable)
    if stripped.startswith("$"):
        return TokenValue(ValueKind.MALFORMED, intended=intended_variable(stripped, env))
    if not stripped:
        return _EMPTY
    return _LITERAL


def shape_mismatch(repo_type: str, token: str, host: str | None) -> str | None:
    """Why a token cannot be one of ``repo_type`` (the SS141 rule, for a token from anywhere: a literal or the
    value of a variable): "does not look like a github token: …"; None when it may be one (a self-managed GitLab
    host may use another prefix)."""
    spec = schema.REPO_TYPES.get(repo_type)
    if spec is None or spec.token_re.match(token.strip()):
        return None
    if repo_type == "gitlab" and host and urlsplit(host.strip()).hostname not in (None, "gitlab.com"):
        return None
    return f"does not look like a {repo_type} token: {spec.token_hint}"


def reference(variable: str) -> str:
    """The reference to an environment variable, as a `token` value: ``${NAME}``."""
    return "${" + variable + "}"


def token_reference(repo_type: str | None) -> str:
    """The conventional token reference for a repo type (`${GITHUB_TOKEN}`, …)."""
    return reference(schema.token_env_for(repo_type))


def pasted_token(variable: str, env: Mapping[str, str]) -> RepoType | None:
    """The repo type whose token a ``${…}`` "variable name" looks like (a token pasted between the braces),
    unless such a variable really exists. Such a name is a secret: never repeat it."""
    if variable in env:
        return None
    return next((rt for rt in schema.REPO_TYPES.values() if rt.token_re.match(variable)), None)


# --- token-shaped text anywhere ------------------------------------------------------------------------

# Where a token shape may start: one regex without repetition scans fast (a text without a match has no token
# shape); the full shape is matched there.
TOKEN_PREFIX_RE = re.compile(r"gh[pousr]_|github_pat_|glpat-")
_PREFIX_KINDS = {"github_pat_": "github", "glpat-": "gitlab"}


class TokenShape(NamedTuple):
    """Where token-shaped text stands in a text (``start``, ``end``), its prefix and the repo type it belongs to."""

    start: int
    end: int
    prefix: str
    kind: str


def shape_kind(prefix: str) -> str:
    """The repo type whose tokens start with this prefix (``ghp_`` → github)."""
    return _PREFIX_KINDS.get(prefix, "github")


def token_shapes(text: str) -> Iterator[TokenShape]:
    """Every token-shaped part of ``text`` (``schema.TOKEN_SHAPE_RE``), in order."""
    for candidate in TOKEN_PREFIX_RE.finditer(text):
        match = schema.TOKEN_SHAPE_RE.match(text, candidate.start())
        if match is None:
            continue
        prefix = match.group(1) or match.group(2) or match.group(3)
        yield TokenShape(match.start(), match.end(), prefix, shape_kind(prefix))


def has_token_shape(text: str) -> bool:
    """Whether any part of ``text`` is token-shaped."""
    return schema.TOKEN_SHAPE_RE.search(text) is not None
