"""User settings (section ``servicestage``): one table that the server, the docs and the editor clients share.

Settings arrive as loosely typed JSON from ``initializationOptions`` and ``workspace/configuration``.
``parse_settings`` turns them into a typed :class:`Settings`, replacing each invalid value by its default and
returning one human-readable problem per replaced value.
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
    ),
    SettingSpec(
        "endpoint",
        "",
        "string",
        "ServiceStage endpoint URL used when the file sets no `endpoint` (empty: derive it from `region`).",
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
        "Path to a PEM file of CA certificates to trust for TLS (private clouds); empty: the system store.",
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
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


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


_CHECKS: dict[str, Callable[[SettingSpec, Any], str | None]] = {
    "string": _check_string,
    "number": _check_number,
    "array": _check_globs,
}


def parse_settings(raw: Any) -> tuple[Settings, list[str]]:
    """Typed settings from a JSON object; invalid values fall back to defaults, each with one problem line."""
    problems: list[str] = []
    if raw is None:
        return Settings(), problems
    if not isinstance(raw, dict):
        return Settings(), [f"servicestage settings must be an object, got {type(raw).__name__}"]
    # Clients sometimes nest the section once more ({"servicestage": {...}}).
    if set(raw) == {"servicestage"} and isinstance(raw["servicestage"], dict):
        raw = raw["servicestage"]
    values: dict[str, Any] = {}
    for key, value in raw.items():
        spec = SPEC_BY_KEY.get(key)
        if spec is None or value is None:
            continue
        problem = _CHECKS[spec.json_type](spec, value)
        if problem is not None:
            problems.append(f"servicestage.{key} {problem}; using the default {spec.default!r}")
            continue
        values[key] = tuple(value) if spec.json_type == "array" else value
    extra = {k: v for k, v in raw.items() if k not in SPEC_BY_KEY}
    return dataclasses.replace(Settings(), **values, extra=extra), problems
