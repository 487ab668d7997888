"""Huawei Cloud credentials from the environment, in the design's order: AK/SK (+ security token), an X-Auth-Token,
an IAM user. Their reprs and messages never hold a secret."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from servicestage_ls.cloud.errors import CREDENTIAL_VARIABLES, ConfigurationError

ENV_AK = "HUAWEICLOUD_SDK_AK"
ENV_SK = "HUAWEICLOUD_SDK_SK"
ENV_SECURITY_TOKEN = "HUAWEICLOUD_SDK_SECURITY_TOKEN"
ENV_AUTH_TOKEN = "HUAWEICLOUD_AUTH_TOKEN"
ENV_IAM_USER = "HUAWEICLOUD_IAM_USER"
ENV_IAM_PASSWORD = "HUAWEICLOUD_IAM_PASSWORD"
ENV_IAM_DOMAIN = "HUAWEICLOUD_IAM_DOMAIN"


_MASK = "***"


@dataclass(frozen=True)
class AkSkCredentials:
    ak: str
    sk: str
    security_token: str | None = None

    def __repr__(self) -> str:
        token = _MASK if self.security_token else None
        return f"AkSkCredentials(ak={_MASK!r}, sk={_MASK!r}, security_token={token!r})"

    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.ak, self.sk, self.security_token) if s)

    def kind(self) -> str:
        """What these credentials are, for messages (never a value)."""
        extra = " with a temporary security token" if self.security_token else ""
        return f"AK/SK signing{extra} ({ENV_AK}, {ENV_SK})"


@dataclass(frozen=True)
class TokenCredentials:
    token: str

    def __repr__(self) -> str:
        return f"TokenCredentials(token={_MASK!r})"

    def secrets(self) -> tuple[str, ...]:
        return (self.token,)

    def kind(self) -> str:
        return f"an X-Auth-Token ({ENV_AUTH_TOKEN})"


@dataclass(frozen=True)
class IamPasswordCredentials:
    user: str
    password: str
    domain: str

    def __repr__(self) -> str:
        return f"IamPasswordCredentials(user={self.user!r}, password={_MASK!r}, domain={self.domain!r})"

    def secrets(self) -> tuple[str, ...]:
        return (self.password,)

    def kind(self) -> str:
        return f"an IAM user's password ({ENV_IAM_USER}, {ENV_IAM_PASSWORD}, {ENV_IAM_DOMAIN})"


Credentials = AkSkCredentials | TokenCredentials | IamPasswordCredentials


def _value(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    return value or None


def resolve_credentials(env: Mapping[str, str]) -> Credentials:
    """Credentials in the design's order: AK/SK (+ security token), then a token, then an IAM user.

    Raises ConfigurationError naming the variables to set when none is complete (and when AK/SK is half set,
    which is always a mistake worth reporting).
    """
    ak, sk = _value(env, ENV_AK), _value(env, ENV_SK)
    if ak and sk:
        return AkSkCredentials(ak, sk, _value(env, ENV_SECURITY_TOKEN))
    if ak or sk:
        present, missing = (ENV_AK, ENV_SK) if ak else (ENV_SK, ENV_AK)
        raise ConfigurationError(f"{present} is set but {missing} is not: set both to sign requests with AK/SK")
    token = _value(env, ENV_AUTH_TOKEN)
    if token:
        return TokenCredentials(token)
    iam = {name: _value(env, name) for name in (ENV_IAM_USER, ENV_IAM_PASSWORD, ENV_IAM_DOMAIN)}
    if all(iam.values()):
        return IamPasswordCredentials(iam[ENV_IAM_USER] or "", iam[ENV_IAM_PASSWORD] or "", iam[ENV_IAM_DOMAIN] or "")
    if any(iam.values()):
        missing = ", ".join(name for name, value in iam.items() if not value)
        raise ConfigurationError(f"IAM sign-in is incomplete: also set {missing}")
    raise ConfigurationError(f"No Huawei Cloud credentials: set {CREDENTIAL_VARIABLES} in the environment")


def has_credentials(env: Mapping[str, str]) -> bool:
    """Whether the environment holds a complete set of credentials (no network involved)."""
    try:
        resolve_credentials(env)
    except ConfigurationError:
        return False
    return True
