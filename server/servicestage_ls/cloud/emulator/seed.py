"""The ``--seed`` file: authorizations every project starts with (every kind; overdue, unauthenticated, remote-only
ones), the password rule, the OAuth page's login, and the tokens the emulated provider refuses (revoked ones: a
create with one fails as the provider's check would)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from servicestage_ls.cloud.emulator.api import KIND_REPO_TYPES, NAME_RULE, PUBLIC_WEB, auth_record

SEED_KEYS = frozenset({"name", "repo_type", "repo_user", "status", "create_time", "update_time", "host",
                       "repo_host", "repo_home", "avartar", "token_type", "tag", "namespaces"})
TOP_KEYS = frozenset({"project_id", "authorizations", "password_rule", "oauth_user", "rejected_tokens"})


@dataclass
class Seed:
    """What a seed file sets: the project it is for (all when None), its authorizations, and the rules."""

    project_id: str | None = None
    authorizations: list[dict[str, Any]] = field(default_factory=list)
    password_rule: re.Pattern[str] | None = None
    oauth_user: str | None = None
    #: Tokens of the right shape that the provider refuses (SVCSTG.REPO.0451): revoked or expired ones.
    rejected_tokens: frozenset[str] = field(default=frozenset(), repr=False)

    def rules(self) -> dict[str, Any]:
        """The :class:`Emulator` fields the seed sets beside its authorizations."""
        rules: dict[str, Any] = {}
        if self.password_rule is not None:
            rules["password_rule"] = self.password_rule
        if self.oauth_user is not None:
            rules["oauth_user"] = self.oauth_user
        if self.rejected_tokens:
            rules["rejected_tokens"] = self.rejected_tokens
        return rules


def load_seed(text: str, now_ms: int) -> tuple[str | None, list[dict[str, Any]]]:
    """The project id and the authorizations of a seed file (:func:`read_seed`)."""
    seed = read_seed(text, now_ms)
    return seed.project_id, seed.authorizations


def read_seed(text: str, now_ms: int) -> Seed:
    """Read a seed file (YAML or JSON): a list of authorizations, or ``{project_id?, authorizations: [...],
    password_rule?, oauth_user?, rejected_tokens?}``. A project_id written as digits alone (a YAML number) is read
    as its digits, as the authorization file reads it.

    Each item needs ``name`` and ``repo_type``; ``token_type`` (personal, the default, password or oauth; the repo
    type must be one the kind has), ``repo_user``, ``status`` (0, 1, 2), ``create_time`` and ``update_time``
    (milliseconds since the epoch), ``host``, ``tag``, ``namespaces`` (the names ``X-Repo-Auth`` sees) and the other
    AUTH fields are optional. ``password_rule`` is a regular expression a created password must match in full;
    ``oauth_user`` is who the emulator's OAuth page signs in as; ``rejected_tokens`` lists personal tokens the
    provider refuses though they have the right shape (revoked). Raises ValueError saying what is wrong.
    """
    from servicestage_ls.core.yamlparse import load_plain

    try:
        data = load_plain(text)
    except ValueError as exc:
        raise ValueError(f"not YAML or JSON: {exc}") from None
    seed = Seed()
    if isinstance(data, dict):
        unknown = sorted(str(k) for k in data if k not in TOP_KEYS)
        if unknown:
            raise ValueError(f"unknown key {unknown[0]!r}")
        seed.project_id = data.get("project_id")
        if isinstance(seed.project_id, int) and not isinstance(seed.project_id, bool) and seed.project_id >= 0:
            seed.project_id = str(seed.project_id)
        if seed.project_id is not None and not isinstance(seed.project_id, str):
            raise ValueError("project_id must be a string")
        seed.password_rule = _rule(data.get("password_rule"))
        oauth_user = data.get("oauth_user")
        if oauth_user is not None and (not isinstance(oauth_user, str) or not NAME_RULE.fullmatch(oauth_user)):
            raise ValueError("oauth_user must be a user name (4 to 63 of A-Z a-z 0-9 . _ -)")
        seed.oauth_user = oauth_user
        rejected = data.get("rejected_tokens", [])
        if not isinstance(rejected, list) or not all(isinstance(t, str) and t for t in rejected):
            raise ValueError("rejected_tokens must be a list of tokens")
        seed.rejected_tokens = frozenset(rejected)
        data = data.get("authorizations", [])
    if not isinstance(data, list):
        raise ValueError("expected a list of authorizations (or a mapping with `authorizations`)")
    for number, item in enumerate(data, start=1):
        record = _record(number, item, now_ms)
        if any(n["name"] == record["name"] for n in seed.authorizations):
            raise ValueError(f"item {number}: the name {record['name']!r} is repeated")
        seed.authorizations.append(record)
    return seed


def _rule(value: object) -> re.Pattern[str] | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("password_rule must be a regular expression (a string)")
    try:
        return re.compile(value)
    except re.error as exc:
        raise ValueError(f"password_rule is not a regular expression: {exc}") from None


def _record(number: int, item: object, now_ms: int) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise ValueError(f"item {number} is not a mapping")
    unknown = sorted(str(k) for k in item if k not in SEED_KEYS)
    if unknown:
        raise ValueError(f"item {number}: unknown key {unknown[0]!r}")
    name, repo_type, kind = item.get("name"), item.get("repo_type"), item.get("token_type", "personal")
    if not isinstance(name, str) or not NAME_RULE.fullmatch(name):
        raise ValueError(f"item {number}: `name` must follow the naming rule (4 to 63 of A-Z a-z 0-9 . _ -)")
    if kind not in KIND_REPO_TYPES:
        raise ValueError(f"item {number} ({name}): `token_type` must be one of {', '.join(KIND_REPO_TYPES)}")
    if repo_type not in KIND_REPO_TYPES[kind]:
        raise ValueError(f"item {number} ({name}): `repo_type` must be one of {', '.join(KIND_REPO_TYPES[kind])}"
                         + ("" if kind == "personal" else f" for token_type {kind}"))
    status = item.get("status", 0)
    if status not in (0, 1, 2) or isinstance(status, bool):
        raise ValueError(f"item {number} ({name}): `status` must be 0, 1 or 2")
    host = item.get("host")
    if host is not None and (not isinstance(host, str) or urlsplit(host).scheme not in ("http", "https")):
        raise ValueError(f"item {number} ({name}): `host` must be an http(s) URL")
    tag = item.get("tag", "")
    if not isinstance(tag, str):
        raise ValueError(f"item {number} ({name}): `tag` must be a string")
    namespaces = item.get("namespaces")
    if namespaces is not None and (not isinstance(namespaces, list) or not namespaces
                                   or not all(isinstance(n, str) and n for n in namespaces)):
        raise ValueError(f"item {number} ({name}): `namespaces` must be a list of names")
    created = item.get("create_time", now_ms)
    record = auth_record(name, repo_type, host, created if isinstance(created, int) else now_ms, token_type=kind)
    if host is None and isinstance(item.get("repo_user"), str):
        record["repo_home"] = f"{PUBLIC_WEB[repo_type]}/{item['repo_user']}"
    record.update({k: v for k, v in item.items() if k != "host"})
    record["status"] = status
    record.setdefault("update_time", record["create_time"])
    return record
