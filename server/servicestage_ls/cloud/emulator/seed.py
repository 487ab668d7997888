"""The ``--seed`` file: authorizations every project starts with (overdue, unauthenticated, remote-only ones)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from servicestage_ls.cloud.emulator.api import NAME_RULE, PUBLIC_WEB, REPO_TYPES, auth_record

SEED_KEYS = frozenset({"name", "repo_type", "repo_user", "status", "create_time", "update_time", "host",
                       "repo_host", "repo_home", "avartar", "token_type"})


def load_seed(text: str, now_ms: int) -> tuple[str | None, list[dict[str, Any]]]:
    """Read a seed file (YAML or JSON): a list of authorizations, or ``{project_id?, authorizations: [...]}``.

    Each item needs ``name`` and ``repo_type``; ``repo_user``, ``status`` (0, 1, 2), ``create_time`` and
    ``update_time`` (milliseconds since the epoch), ``host`` and the other AUTH fields are optional. Raises
    ValueError saying what is wrong.
    """
    from servicestage_ls.core.yamlparse import load_plain

    try:
        data = load_plain(text)
    except ValueError as exc:
        raise ValueError(f"not YAML or JSON: {exc}") from None
    project_id = None
    if isinstance(data, dict):
        project_id = data.get("project_id")
        if project_id is not None and not isinstance(project_id, str):
            raise ValueError("project_id must be a string")
        data = data.get("authorizations")
    if not isinstance(data, list):
        raise ValueError("expected a list of authorizations (or a mapping with `authorizations`)")
    out: list[dict[str, Any]] = []
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            raise ValueError(f"item {number} is not a mapping")
        unknown = sorted(str(k) for k in item if k not in SEED_KEYS)
        if unknown:
            raise ValueError(f"item {number}: unknown key {unknown[0]!r}")
        name, repo_type = item.get("name"), item.get("repo_type")
        if not isinstance(name, str) or not NAME_RULE.fullmatch(name):
            raise ValueError(f"item {number}: `name` must follow the naming rule (4 to 63 of A-Z a-z 0-9 . _ -)")
        if repo_type not in REPO_TYPES:
            raise ValueError(f"item {number} ({name}): `repo_type` must be one of {', '.join(REPO_TYPES)}")
        status = item.get("status", 0)
        if status not in (0, 1, 2) or isinstance(status, bool):
            raise ValueError(f"item {number} ({name}): `status` must be 0, 1 or 2")
        host = item.get("host")
        if host is not None and (not isinstance(host, str) or urlsplit(host).scheme not in ("http", "https")):
            raise ValueError(f"item {number} ({name}): `host` must be an http(s) URL")
        created = item.get("create_time", now_ms)
        record = auth_record(name, repo_type, host, created if isinstance(created, int) else now_ms)
        if host is None and isinstance(item.get("repo_user"), str):
            record["repo_home"] = f"{PUBLIC_WEB[repo_type]}/{item['repo_user']}"
        record.update({k: v for k, v in item.items() if k != "host"})
        record["status"] = status
        record.setdefault("update_time", record["create_time"])
        if any(n["name"] == name for n in out):
            raise ValueError(f"item {number}: the name {name!r} is repeated")
        out.append(record)
    return project_id, out
