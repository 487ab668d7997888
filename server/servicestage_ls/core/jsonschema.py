"""The JSON Schema (draft-07) of the file, generated from the tables in ``schema`` the validator uses
(``servicestage-ls schema``)."""

from __future__ import annotations

from typing import Any

from servicestage_ls.core.markup import plain_text
from servicestage_ls.core.schema import (
    DEFAULT_KIND,
    ENTRY_FIELDS,
    EXTENSION_DOC,
    KIND_OF_KEY,
    KINDS,
    NAME_MAX,
    NAME_MIN,
    REQUIRED_ENTRY_KEYS,
    SECRET_KEYS,
    TOP_FIELDS,
    Field,
    Kind,
)


def _field_schema(f: Field) -> dict[str, Any]:
    schema: dict[str, Any] = {"description": plain_text(f.doc), "markdownDescription": f.doc}
    if f.kind == "integer":
        schema["type"] = "integer"
    elif f.kind == "string":
        schema["type"] = "string"
    if f.values:
        schema["enum"] = list(f.values)
    if f.pattern:
        schema["pattern"] = f.pattern
    return schema


def _kind_schema(kind: Kind) -> dict[str, Any]:
    """If the entry is of this kind (no `kind` is a personal-token entry), then: its repo types, its required keys,
    and no key of another kind."""
    condition: dict[str, Any] = {"properties": {"kind": {"const": kind.name}}}
    if kind.name != DEFAULT_KIND:
        condition["required"] = ["kind"]
    then: dict[str, Any] = {"properties": {"repo_type": {"enum": list(kind.repo_types)}}}
    then["properties"].update({key: False for key, owner in KIND_OF_KEY.items() if owner != kind.name})
    if kind.required:
        then["required"] = list(kind.required)
    return {"if": condition, "then": then}


def json_schema() -> dict[str, Any]:
    """A JSON Schema (draft-07) of the file, generated from the same tables the validator uses."""
    entry_props = {key: _field_schema(f) for key, f in ENTRY_FIELDS.items()}
    entry_props["name"]["minLength"] = NAME_MIN
    entry_props["name"]["maxLength"] = NAME_MAX
    for key in SECRET_KEYS:
        entry_props[key]["anyOf"] = [
            {"pattern": r"^\$\{[A-Za-z_][A-Za-z0-9_]*\}$"},
            {"minLength": 1},
        ]
    entry_props["host"]["pattern"] = r"^https://"
    top_props = {key: _field_schema(f) for key, f in TOP_FIELDS.items()}
    top_props["endpoint"]["pattern"] = r"^(https://|http://(127\.0\.0\.1|localhost|\[::1\])(:[0-9]+)?(/|$))"
    top_props["authorizations"] = {
        "description": plain_text(TOP_FIELDS["authorizations"].doc),
        "markdownDescription": TOP_FIELDS["authorizations"].doc,
        "type": "array",
        "items": {
            "type": "object",
            "properties": entry_props,
            "required": list(REQUIRED_ENTRY_KEYS),
            "additionalProperties": False,
            "allOf": [_kind_schema(kind) for kind in KINDS.values()],
        },
    }
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": "https://servicestage-ls.invalid/schema/authorizations.json",
        "title": "ServiceStage repository authorizations",
        "description": "Git repository authorizations for Huawei Cloud ServiceStage (servicestage-ls).",
        "type": "object",
        "properties": top_props,
        "required": ["authorizations"],
        "anyOf": [{"required": ["region"]}, {"required": ["endpoint"]}],
        "patternProperties": {"^x-": {"description": EXTENSION_DOC}},
        "additionalProperties": False,
    }
