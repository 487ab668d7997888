"""Regions with a ServiceStage endpoint (the SDK's list) and how their endpoints are named."""

from __future__ import annotations

import os
from collections.abc import Mapping

REGIONS: tuple[str, ...] = (
    "af-south-1",
    "cn-north-4",
    "cn-north-1",
    "cn-east-2",
    "cn-east-3",
    "cn-south-1",
    "cn-southwest-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "sa-brazil-1",
    "la-south-2",
    "la-north-2",
    "tr-west-1",
    "ru-moscow-1",
    "my-kualalumpur-1",
    "cn-north-12",
    "cn-south-4",
    "cn-east-4",
    "cn-north-9",
    "me-east-1",
)

REGION_OVERRIDE_PREFIX = "HUAWEICLOUD_SDK_REGION_SERVICESTAGE_"


def default_endpoint(region: str) -> str:
    """The public ServiceStage endpoint of a region."""
    return f"https://servicestage.{region}.myhuaweicloud.com"


def override_variable(region: str) -> str:
    """The SDK's per-region endpoint override variable, e.g. HUAWEICLOUD_SDK_REGION_SERVICESTAGE_CN_NORTH_4."""
    return REGION_OVERRIDE_PREFIX + region.upper().replace("-", "_")


def region_endpoint(region: str, env: Mapping[str, str] | None = None) -> str:
    """The endpoint for a region, honouring the SDK's per-region override variable."""
    env = os.environ if env is None else env
    override = env.get(override_variable(region), "").strip()
    return override.rstrip("/") if override else default_endpoint(region)


def iam_endpoint(region: str | None, env: Mapping[str, str] | None = None) -> str:
    """IAM endpoint: HUAWEICLOUD_SDK_IAM_ENDPOINT, else the region's, else the global one."""
    env = os.environ if env is None else env
    override = env.get("HUAWEICLOUD_SDK_IAM_ENDPOINT", "").strip()
    if override:
        return override.rstrip("/")
    return f"https://iam.{region}.myhuaweicloud.com" if region else "https://iam.myhuaweicloud.com"
