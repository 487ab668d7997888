"""Credentials from the environment: their order, blank values, what a half-set or missing set says."""

from __future__ import annotations

import pytest

from servicestage_ls.cloud.credentials import (
    AkSkCredentials,
    IamPasswordCredentials,
    TokenCredentials,
    has_credentials,
    resolve_credentials,
)
from servicestage_ls.cloud.errors import ConfigurationError

AKSK = {"HUAWEICLOUD_SDK_AK": "ak-value", "HUAWEICLOUD_SDK_SK": "sk-value"}
TOKEN = {"HUAWEICLOUD_AUTH_TOKEN": "token-value"}
IAM = {"HUAWEICLOUD_IAM_USER": "alice", "HUAWEICLOUD_IAM_PASSWORD": "pw-value", "HUAWEICLOUD_IAM_DOMAIN": "acme"}


def test_aksk_comes_first() -> None:
    creds = resolve_credentials({**IAM, **TOKEN, **AKSK, "HUAWEICLOUD_SDK_SECURITY_TOKEN": "sts"})
    assert creds == AkSkCredentials("ak-value", "sk-value", "sts")


def test_token_comes_before_iam() -> None:
    assert resolve_credentials({**IAM, **TOKEN}) == TokenCredentials("token-value")


def test_iam_user_last() -> None:
    assert resolve_credentials(IAM) == IamPasswordCredentials("alice", "pw-value", "acme")


def test_blank_values_count_as_unset() -> None:
    assert resolve_credentials({"HUAWEICLOUD_SDK_AK": " ", "HUAWEICLOUD_SDK_SK": "", **TOKEN}) == TokenCredentials(
        "token-value"
    )


def test_half_aksk_is_reported() -> None:
    with pytest.raises(ConfigurationError) as caught:
        resolve_credentials({"HUAWEICLOUD_SDK_AK": "ak-value", **TOKEN})
    assert str(caught.value) == (
        "HUAWEICLOUD_SDK_AK is set but HUAWEICLOUD_SDK_SK is not: set both to sign requests with AK/SK"
    )
    assert caught.value.kind == "config"
    assert "ak-value" not in str(caught.value)


def test_incomplete_iam_names_what_is_missing() -> None:
    with pytest.raises(ConfigurationError) as caught:
        resolve_credentials({"HUAWEICLOUD_IAM_USER": "alice"})
    assert str(caught.value) == (
        "IAM sign-in is incomplete: also set HUAWEICLOUD_IAM_PASSWORD, HUAWEICLOUD_IAM_DOMAIN"
    )


def test_no_credentials_lists_every_option() -> None:
    with pytest.raises(ConfigurationError) as caught:
        resolve_credentials({"HOME": "/root"})
    message = str(caught.value)
    assert message.startswith("No Huawei Cloud credentials: set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK")
    for name in ("HUAWEICLOUD_AUTH_TOKEN", "HUAWEICLOUD_IAM_USER", "HUAWEICLOUD_IAM_PASSWORD",
                 "HUAWEICLOUD_IAM_DOMAIN", "HUAWEICLOUD_SDK_SECURITY_TOKEN"):
        assert name in message


def test_has_credentials() -> None:
    assert has_credentials(AKSK) and has_credentials(TOKEN) and has_credentials(IAM)
    assert not has_credentials({})
    assert not has_credentials({"HUAWEICLOUD_SDK_SK": "sk-value"})
