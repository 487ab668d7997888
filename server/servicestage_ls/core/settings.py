"""User settings (section ``servicestage``): one table that the server, the docs and the editor clients share.

Settings arrive as loosely typed JSON from ``initializationOptions`` and ``workspace/configuration``.
``parse_settings`` turns them into a typed :class:`Settings`, replacing each invalid value by its default and
returning one human-readable problem per replaced value.

``workspace/configuration`` and ``didChangeConfiguration`` may carry a repository's own settings
(``.vscode/settings.json``, ``.dir-locals.el``, an exrc): a setting that picks a host or a file (scope
``machine``: ``endpoint``, ``caBundle``, ``trustedEndpoints``) is taken only from ``initializationOptions``, which
clients build from the user's own configuration, and the workspace may only turn ``remoteCheck`` off
(``from_workspace``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Callable

DEFAULT_FILES: tuple[str, ...] = (
    "**/*.servicestage.yaml",
    "**/*.servicestage.yml",
    "**/servicestage.yaml",
    "**/servicestage.yml",
)


@dataclass(frozen=True)
class SettingSpec:
    """One setting: its key, default, JSON type, allowed values and description (shared with the clients)."""

    key: str
    default: Any
    json_type: str
    description: str
    enum: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    #: VS Code's scope; ``machine``: taken only from initializationOptions (user-level), never from the workspace.
    scope: str = "resource"


SETTINGS: tuple[SettingSpec, ...] = (
    SettingSpec(
        "validate",
        "onChange",
        "string",
        "When to validate: on every change, or only when the file is saved.",
        enum=("onChange", "onSave"),
    ),
    SettingSpec(
        "files",
        list(DEFAULT_FILES),
        "array",
        "Glob patterns of the files the server handles; they replace the default patterns.",
        scope="window",
    ),
    SettingSpec(
        "endpoint",
        "",
        "string",
        "ServiceStage endpoint URL used when the file sets no `endpoint` (empty: derive it from `region`). "
        "User or machine level only: a workspace value is ignored.",
        scope="machine",
    ),
    SettingSpec(
        "remoteCheck",
        "off",
        "string",
        "On save, compare the file's names with the authorizations that already exist in ServiceStage.",
        enum=("off", "onSave"),
    ),
    SettingSpec(
        "timeoutSeconds",
        30,
        "number",
        "Timeout in seconds for each ServiceStage or IAM API call.",
        minimum=1,
        maximum=600,
    ),
    SettingSpec(
        "caBundle",
        "",
        "string",
        "Absolute path to a PEM file of CA certificates to trust for TLS (private clouds); empty: the system "
        "store. User or machine level only: a workspace value is ignored.",
        scope="machine",
    ),
    SettingSpec(
        "trustedEndpoints",
        [],
        "array",
        "Hosts (`host` or `host:port`) besides Huawei Cloud's and loopback that may receive your credentials when "
        "a file's `endpoint` names them. User or machine level only: a workspace value is ignored.",
        scope="machine",
    ),
)

SPEC_BY_KEY = {spec.key: spec for spec in SETTINGS}


@dataclass(frozen=True)
class Settings:
    validate: str = "onChange"
    files: tuple[str, ...] = DEFAULT_FILES
    endpoint: str = ""
    remoteCheck: str = "off"  # noqa: N815 - the wire name
    timeoutSeconds: float = 30  # noqa: N815 - the wire name
    caBundle: str = ""  # noqa: N815 - the wire name
    trustedEndpoints: tuple[str, ...] = ()  # noqa: N815 - the wire name
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def trusted(self) -> tuple[str, ...]:
        """The hosts these settings trust to receive credentials (core.trust): ``trustedEndpoints`` and the
        ``endpoint`` setting's host (both taken only from initializationOptions: ``from_workspace``)."""
        from servicestage_ls.core.trust import NotAnAddress, url_address

        typed: tuple[str, ...] = ()
        if self.endpoint.strip():
            try:
                typed = (url_address(self.endpoint).text(),)
            except NotAnAddress:
                pass  # not a URL: opening the client says so
        return (*self.trustedEndpoints, *typed)


def _check_string(spec: SettingSpec, value: Any) -> str | None:
    if not isinstance(value, str):
        return f"must be a string, got {type(value).__name__}"
    if spec.enum is not None and value not in spec.enum:
        return "must be one of " + ", ".join(repr(v) for v in spec.enum) + f", got {value!r}"
    return None


def _check_number(spec: SettingSpec, value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"must be a number, got {type(value).__name__}"
    if spec.minimum is not None and value < spec.minimum:
        return f"must be at least {spec.minimum:g}, got {value}"
    if spec.maximum is not None and value > spec.maximum:
        return f"must be at most {spec.maximum:g}, got {value}"
    return None


def _check_globs(spec: SettingSpec, value: Any) -> str | None:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        return "must be a list of non-empty glob strings"
    if not value:
        return "must name at least one glob"
    return None


def _check_hosts(spec: SettingSpec, value: Any) -> str | None:
    from servicestage_ls.core.trust import NotAnAddress, entry_of

    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return "must be a list of \"host\" or \"host:port\" strings"
    for text in value:
        try:
            entry_of(text)
        except NotAnAddress as why:
            return f"must be a list of \"host\" or \"host:port\" strings: {why}"
    return None


def _check_absolute_path(spec: SettingSpec, value: Any) -> str | None:
    import os.path

    problem = _check_string(spec, value)
    if problem is None and value and not os.path.isabs(os.path.expanduser(value)):
        return f"must be an absolute path, got {value!r}"
    return problem


_CHECKS: dict[str, Callable[[SettingSpec, Any], str | None]] = {
    "string": _check_string,
    "number": _check_number,
    "array": _check_globs,
    "trustedEndpoints": _check_hosts,
    "caBundle": _check_absolute_path,
}


def parse_settings(raw: Any) -> tuple[Settings, list[str]]:
    """Typed settings from a JSON object; invalid values fall back to defaults, each with one problem line."""
    problems: list[str] = []
    if raw is None:
        return Settings(), problems
    if not isinstance(raw, dict):
        return Settings(), [f"servicestage settings must be an object, got {type(raw).__name__}"]
    raw = _section(raw)
    values: dict[str, Any] = {}
    for key, value in raw.items():
        spec = SPEC_BY_KEY.get(key)
        if spec is None or value is None:
            continue
        problem = _CHECKS.get(key, _CHECKS[spec.json_type])(spec, value)
        if problem is not None:
            problems.append(f"servicestage.{key} {problem}; using the default {spec.default!r}")
            continue
        values[key] = tuple(value) if spec.json_type == "array" else value
    extra = {k: v for k, v in raw.items() if k not in SPEC_BY_KEY}
    return dataclasses.replace(Settings(), **values, extra=extra), problems


def from_workspace(initial: Any, raw: Any) -> tuple[Settings, list[str]]:
    """The settings when ``raw`` comes from the workspace (``workspace/configuration``, ``didChangeConfiguration``)
    and ``initial`` from ``initializationOptions``: the workspace's values over the initial ones, except that the
    ``machine`` settings are only the initial ones and ``remoteCheck`` is the initial one unless the workspace
    turns it off."""
    first, workspace = _section(initial), _section(raw)
    if not isinstance(workspace, dict):
        return parse_settings(raw)
    machine = {spec.key for spec in SETTINGS if spec.scope == "machine"}
    merged = {**(first if isinstance(first, dict) else {}),
              **{k: v for k, v in workspace.items() if k not in machine and k != "remoteCheck"}}
    if workspace.get("remoteCheck") == "off":
        merged["remoteCheck"] = "off"
    return parse_settings(merged)


def _section(raw: Any) -> Any:
    """Clients sometimes nest the section once more ({"servicestage": {...}})."""
    if isinstance(raw, dict) and set(raw) == {"servicestage"} and isinstance(raw["servicestage"], dict):
        return raw["servicestage"]
    return raw
