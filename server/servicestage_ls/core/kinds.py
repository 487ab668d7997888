"""The repository types and the kinds of entry (the API's ``token_type``): which repo types each kind takes, the
keys it has, where its secret is. Part of the format's one source of truth: ``schema`` re-exports every name."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class RepoType:
    name: str
    doc: str
    public_host: str
    token_env: str
    token_re: re.Pattern[str]
    token_hint: str
    supported: bool = True  # False: accepted with a warning (SS133)


REPO_TYPES: dict[str, RepoType] = {
    "github": RepoType(
        "github",
        "GitHub (github.com). Use a classic personal access token (`ghp_…`) or a fine-grained one "
        "(`github_pat_…`).",
        "https://github.com",
        "GITHUB_TOKEN",
        re.compile(r"^(gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,244})$"),
        "a GitHub token starts with `ghp_` (classic) or `github_pat_` (fine-grained)",
    ),
    "gitlab": RepoType(
        "gitlab",
        "GitLab (gitlab.com or self-managed). Use a personal access token (`glpat-…`).",
        "https://gitlab.com",
        "GITLAB_TOKEN",
        re.compile(r"^glpat-[0-9A-Za-z_.-]{20,}$"),
        "a GitLab personal access token starts with `glpat-` followed by at least 20 characters",
    ),
    "gitee": RepoType(
        "gitee",
        "Gitee (gitee.com). Only the Chinese site of ServiceStage supports it.",
        "https://gitee.com",
        "GITEE_TOKEN",
        re.compile(r"^[0-9a-f]{32}$"),
        "a Gitee personal access token is 32 hexadecimal characters",
        supported=False,
    ),
}
SUPPORTED_REPO_TYPES = tuple(name for name, rt in REPO_TYPES.items() if rt.supported)
"""The repo types of a personal-token entry that the international API accepts (gitee: SS133)."""

# --- kinds of entry -----------------------------------------------------------------------------------

# The repo types that no personal token reaches: a password or an OAuth grant only.
OTHER_REPO_TYPE_DOCS: dict[str, str] = {
    "bitbucket": "Bitbucket (bitbucket.org): the account name and an app password (`kind: password`), or OAuth.",
    "devcloud": "Huawei Cloud CodeArts Repo (DevCloud): `{domain name}/{tenant name}` and its password "
                "(`kind: password`), or OAuth.",
}
REPO_TYPE_DOCS: dict[str, str] = {**{name: rt.doc for name, rt in REPO_TYPES.items()}, **OTHER_REPO_TYPE_DOCS}
ALL_REPO_TYPES = tuple(REPO_TYPE_DOCS)
"""Every repo type some kind of entry takes, lower case as the API takes them."""


@dataclass(frozen=True)
class Kind:
    """A kind of repository authorization (the API's ``token_type``): what the entry holds and where it is sent."""

    name: str  # the `kind` value and the API's token_type
    label: str  # "personal-token", "password", "OAuth": how messages name it ("a password entry")
    doc: str
    repo_types: tuple[str, ...]
    keys: tuple[str, ...]  # the keys only this kind has
    required: tuple[str, ...]  # the keys it needs besides `name` and `repo_type`
    secret: str | None  # the key holding the `${VAR}` reference of its secret, None: no secret in the file

    @property
    def title(self) -> str:
        """How messages name an entry of this kind: "a password entry", "an OAuth entry"."""
        return f"{'an' if self.label[0] in 'AEIOU' else 'a'} {self.label} entry"


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("personal", "personal-token",
             "A private (personal access) token of the repository, read from the environment at create time "
             "(`token: ${GITHUB_TOKEN}`). The default: an entry without `kind` is a personal-token entry. "
             "Repo types: `github`, `gitlab`, `gitee`.",
             ("github", "gitlab", "gitee"), ("token", "host"), ("token",), "token"),
        Kind("password", "password",
             "A user name and a password, read from the environment at create time (`user: tom`, "
             "`password: ${BITBUCKET_PASSWORD}`). For `devcloud` the user is `{domain name}/{tenant name}`; for "
             "`bitbucket` the account name. Repo types: `devcloud`, `bitbucket`.",
             ("devcloud", "bitbucket"), ("user", "password"), ("user", "password"), "password"),
        Kind("oauth", "OAuth",
             "An OAuth grant: created by authorizing ServiceStage in the browser (`servicestage-ls authorize`); "
             "the file holds no secret. `tag` (optional) is passed to the redirect and OAuth calls (e.g. `intl`). "
             "Repo types: `github`, `gitlab`, `gitee`, `bitbucket`, `devcloud`.",
             ("github", "gitlab", "gitee", "bitbucket", "devcloud"), ("tag",), (), None),
    )
}
DEFAULT_KIND = "personal"
KIND_OF_KEY: dict[str, str] = {key: kind.name for kind in KINDS.values() for key in kind.keys}
"""The keys that belong to one kind of entry only (`token` → personal, `user` → password, `tag` → oauth)."""
SECRET_KEY_OF_KIND: dict[str, str] = {kind.name: kind.secret for kind in KINDS.values() if kind.secret is not None}
"""Where each kind's secret reference stands: personal → `token`, password → `password` (OAuth has none)."""
SECRET_KEYS = tuple(SECRET_KEY_OF_KIND.values())
DEVCLOUD_USER_PATTERN = r"^[^/\s]+/[^/\s]+$"
DEVCLOUD_USER_RE = re.compile(DEVCLOUD_USER_PATTERN)


def kinds_with(repo_type: str) -> tuple[str, ...]:
    """The kinds of entry that take this repo type (``bitbucket`` → password, oauth)."""
    return tuple(name for name, kind in KINDS.items() if repo_type in kind.repo_types)


def kind_repo_types(kind: str) -> tuple[str, ...]:
    """The repo types a kind takes without a warning (gitee, on the Chinese site only, is SS133)."""
    return tuple(name for name in KINDS[kind].repo_types if name not in REPO_TYPES or REPO_TYPES[name].supported)


# What a status means for an entry of another kind than a personal token's (STATUS_DOCS).
KIND_STATUS_DOCS: dict[str, dict[int, str]] = {
    "password": {1: "overdue: the password expired; set a new password and rotate it.",
                 2: "unauthenticated: the repository rejected the user or the password; set the right password "
                    "and rotate it."},
    "oauth": {1: "overdue: the OAuth grant expired; authorize it again in the browser.",
              2: "unauthenticated: the repository rejected the OAuth grant; authorize it again in the browser."},
}
