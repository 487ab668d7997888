"""An authorization as the API describes it (its AUTH object), read leniently from the JSON of an answer."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from servicestage_ls.cloud.errors import CloudError


def _optional_str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _optional_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    return None


@dataclass(frozen=True)
class Authorization:
    """A git repository authorization as ServiceStage describes it (``avartar`` is the API's spelling).

    ``token_type`` is the kind (``personal``, ``password``, ``oauth``); ``tag`` (list items only) the OAuth
    request's tag, None when empty.
    ``recovered`` is True when the create call's answer was lost (timeout, dropped connection) and the
    authorization was found afterwards by listing.
    """

    name: str
    repo_type: str | None = None
    repo_host: str | None = None
    repo_home: str | None = None
    repo_user: str | None = None
    avartar: str | None = None
    token_type: str | None = None
    create_time: int | None = None
    update_time: int | None = None
    status: int | None = None
    tag: str | None = None
    recovered: bool = False

    @classmethod
    def from_json(cls, data: object) -> Authorization:
        """Read one AUTH object; a missing or non-string ``name`` is a protocol error, other fields are lenient."""
        if not isinstance(data, Mapping):
            raise CloudError("protocol", f"expected an authorization object, got {type(data).__name__}")
        name = data.get("name")
        if not isinstance(name, str) or not name:
            raise CloudError("protocol", "an authorization in the answer has no name")
        return cls(
            name=name,
            repo_type=_optional_str(data.get("repo_type")),
            repo_host=_optional_str(data.get("repo_host")),
            repo_home=_optional_str(data.get("repo_home")),
            repo_user=_optional_str(data.get("repo_user")),
            avartar=_optional_str(data.get("avartar")),
            token_type=_optional_str(data.get("token_type")),
            create_time=_optional_int(data.get("create_time")),
            update_time=_optional_int(data.get("update_time")),
            status=_optional_int(data.get("status")),
            tag=_optional_str(data.get("tag")) or None,
        )
