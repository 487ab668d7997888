"""The settings the server reads (``servicestage_ls.core.settings.SETTINGS``) and those the VS Code extension
contributes (``client-vscode/package.json``, ``servicestage.*`` minus the client-only ``servicestage.server.*`` and
``servicestage.trace.*``) are the same set, with the same defaults, types, enums, bounds and descriptions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from servicestage_ls.core.settings import DEFAULT_FILES, SETTINGS, SettingSpec

PACKAGE_JSON = Path(__file__).resolve().parents[2] / "client-vscode" / "package.json"
CLIENT_ONLY_PREFIXES = ("servicestage.server.", "servicestage.trace.")


def _contributed() -> dict[str, dict[str, Any]]:
    manifest = json.loads(PACKAGE_JSON.read_text(encoding="utf-8"))
    properties: dict[str, dict[str, Any]] = manifest["contributes"]["configuration"]["properties"]
    return {
        name.removeprefix("servicestage."): schema
        for name, schema in properties.items()
        if name.startswith("servicestage.") and not name.startswith(CLIENT_ONLY_PREFIXES)
    }


CONTRIBUTED = _contributed()


def test_same_set_of_settings() -> None:
    assert sorted(CONTRIBUTED) == sorted(spec.key for spec in SETTINGS)


def test_client_only_settings_are_there_and_not_in_the_server_table() -> None:
    manifest = json.loads(PACKAGE_JSON.read_text(encoding="utf-8"))
    properties = manifest["contributes"]["configuration"]["properties"]
    assert properties["servicestage.server.pythonPath"]["type"] == "string"
    assert properties["servicestage.trace.server"]["enum"] == ["off", "messages", "verbose"]
    assert properties["servicestage.trace.server"]["default"] == "off"
    assert not {spec.key for spec in SETTINGS} & {"server", "trace", "server.pythonPath", "trace.server"}


@pytest.mark.parametrize("spec", SETTINGS, ids=lambda s: s.key)
def test_same_default_type_enum_bounds_and_description(spec: SettingSpec) -> None:
    schema = CONTRIBUTED[spec.key]
    assert schema["type"] == spec.json_type
    assert schema["default"] == spec.default
    assert type(schema["default"]) is type(spec.default)
    assert schema.get("enum") == (list(spec.enum) if spec.enum is not None else None)
    assert schema.get("minimum") == spec.minimum
    assert schema.get("maximum") == spec.maximum
    assert (schema.get("description") or schema.get("markdownDescription")) == spec.description
    assert schema["scope"] == spec.scope


def test_the_settings_that_pick_a_host_or_a_file_are_machine_scope() -> None:
    """A repository's .vscode/settings.json cannot set them (the server also ignores them from the workspace)."""
    assert {spec.key for spec in SETTINGS if spec.scope == "machine"} == {"endpoint", "caBundle", "trustedEndpoints"}


def test_files_default_is_the_server_default_globs() -> None:
    assert CONTRIBUTED["files"]["default"] == list(DEFAULT_FILES)
    assert CONTRIBUTED["files"]["items"]["type"] == "string"


def test_activation_events_cover_the_default_globs() -> None:
    manifest = json.loads(PACKAGE_JSON.read_text(encoding="utf-8"))
    assert {f"workspaceContains:{g}" for g in DEFAULT_FILES} <= set(manifest["activationEvents"])
