"""What a call needs, resolved without network: the endpoint's order and problems, what is missing."""

from __future__ import annotations

import pytest

from servicestage_ls.cloud.config import missing_configuration, resolve_endpoint
from servicestage_ls.cloud.errors import ConfigurationError

PROJECT = "0123456789abcdef0123456789abcdef"
TOKEN_ENV = {"HUAWEICLOUD_AUTH_TOKEN": "iam-token-secret"}


def test_endpoint_resolution_order() -> None:
    env = {"HUAWEICLOUD_SDK_REGION_SERVICESTAGE_CN_NORTH_4": "https://private.example.com/"}
    kwargs = {"region": "cn-north-4", "env": env}
    assert resolve_endpoint(file_endpoint="http://127.0.0.1:8080/", setting_endpoint="https://s.example.com",
                            **kwargs) == "http://127.0.0.1:8080"  # type: ignore[arg-type]
    assert resolve_endpoint(file_endpoint=None, setting_endpoint="https://s.example.com",
                            **kwargs) == "https://s.example.com"  # type: ignore[arg-type]
    assert resolve_endpoint(file_endpoint="", setting_endpoint=None, **kwargs) == "https://private.example.com"  # type: ignore[arg-type]
    assert resolve_endpoint(file_endpoint=None, setting_endpoint=None, region="ap-southeast-1", env={}) == (
        "https://servicestage.ap-southeast-1.myhuaweicloud.com"
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"file_endpoint": "http://servicestage.example.com"},
         ("The file's endpoint 'http://servicestage.example.com' must be an https URL (http is allowed only for "
         "127.0.0.1, localhost and ::1)")),
        ({"region": "cn-nowhere-1"},
         ("Unknown region 'cn-nowhere-1': use a ServiceStage region, set `endpoint` in the file, or set "
         "HUAWEICLOUD_SDK_REGION_SERVICESTAGE_CN_NOWHERE_1")),
        ({}, "No endpoint: set `region` (or `endpoint`) in the file, or the editor's servicestage.endpoint setting"),
    ],
)
def test_endpoint_problems(kwargs: dict, message: str) -> None:
    args = {"region": None, "file_endpoint": None, "setting_endpoint": None, "env": {}, **kwargs}
    with pytest.raises(ConfigurationError) as caught:
        resolve_endpoint(**args)
    assert str(caught.value) == message


def test_missing_configuration_lets_the_editor_stay_silent() -> None:
    base = {"region": "cn-north-4", "file_endpoint": None, "setting_endpoint": None, "project_id": PROJECT}
    assert missing_configuration(**base, env=TOKEN_ENV) is None  # type: ignore[arg-type]
    assert missing_configuration(**base, env={}).startswith("No Huawei Cloud credentials")  # type: ignore[arg-type]
    no_project = {**base, "project_id": None}
    assert missing_configuration(**no_project, env=TOKEN_ENV).startswith("No project id")  # type: ignore[arg-type]
    aksk = {"HUAWEICLOUD_SDK_AK": "ak-secret", "HUAWEICLOUD_SDK_SK": "sk-secret"}
    assert missing_configuration(**no_project, env=aksk) is None  # type: ignore[arg-type]
