"""Where a call goes and with what, resolved without network: the endpoint (the file's, the setting's or the
region's), the project id's source, the TLS verification, and what is missing before any call can start."""

from __future__ import annotations

import ipaddress
import os
import ssl
from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit

from servicestage_ls.cloud.credentials import (
    Credentials,
    IamPasswordCredentials,
    TokenCredentials,
    resolve_credentials,
)
from servicestage_ls.cloud.errors import EDITOR_ADVICE, Advice, ConfigurationError
from servicestage_ls.cloud.tls import tls_context
from servicestage_ls.core.regions import REGIONS, iam_endpoint, override_variable, region_endpoint
from servicestage_ls.core.trust import untrusted

ENV_PROJECT_ID = "HUAWEICLOUD_SDK_PROJECT_ID"
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def _is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_endpoint_url(url: str, what: str) -> str:
    """An https URL, or http on loopback; returned without a trailing slash. ConfigurationError otherwise."""
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and parts.hostname and _is_loopback(parts.hostname):
        return url
    raise ConfigurationError(
        f"{what} {url!r} must be an https URL (http is allowed only for 127.0.0.1, localhost and ::1)"
    )


def resolve_endpoint(
    *, region: str | None, file_endpoint: str | None, setting_endpoint: str | None, env: Mapping[str, str]
) -> str:
    """The file's endpoint, else the setting, else the region's (honouring the SDK's override variable)."""
    if file_endpoint and file_endpoint.strip():
        return check_endpoint_url(file_endpoint, "The file's endpoint")
    if setting_endpoint and setting_endpoint.strip():
        return check_endpoint_url(setting_endpoint, "The servicestage.endpoint setting")
    if region and region.strip():
        region = region.strip()
        if region not in REGIONS and not env.get(override_variable(region), "").strip():
            raise ConfigurationError(
                f"Unknown region {region!r}: use a ServiceStage region, set `endpoint` in the file, "
                f"or set {override_variable(region)}"
            )
        return check_endpoint_url(region_endpoint(region, env), override_variable(region))
    raise ConfigurationError(
        "No endpoint: set `region` (or `endpoint`) in the file, or the editor's servicestage.endpoint setting"
    )


def refuse_untrusted(
    *, endpoint: str, region: str | None, credentials: Credentials, project_id: str | None, trusted: Sequence[str],
    env: Mapping[str, str], advice: Advice = EDITOR_ADVICE,
) -> None:
    """ConfigurationError when a host that would receive the credentials is not trusted (core.trust): the endpoint,
    and the IAM endpoint when it is called (the project id looked up, or an IAM user's token asked for). Before any
    connection: nothing is resolved, nothing is sent."""
    targets = [(endpoint, "the endpoint")]
    if isinstance(credentials, IamPasswordCredentials) or not explicit_project_id(project_id, env):
        targets.append((iam_endpoint(region.strip() if region and region.strip() else None, env), "the IAM endpoint"))
    for url, what in targets:
        problem = untrusted(url, listed=trusted, env=env, ways=advice.trust, what=what)
        if problem is not None:
            raise ConfigurationError(problem)


def project_id_needed_message(region: str | None) -> str:
    """Why the project id cannot be found (not in the file, not in the environment, and no IAM lookup)."""
    if not (region and region.strip()):
        why = "looking it up from IAM needs `region` in the file"
    else:
        why = "an X-Auth-Token (HUAWEICLOUD_AUTH_TOKEN) cannot look it up from IAM (AK/SK or IAM user credentials can)"
    return f"No project id: set `project_id` in the file or {ENV_PROJECT_ID} in the environment; {why}"


def describe_configuration(
    *,
    region: str | None,
    file_endpoint: str | None,
    setting_endpoint: str | None,
    project_id: str | None,
    env: Mapping[str, str],
) -> tuple[str | None, str | None, str | None, str]:
    """(endpoint, kind of credentials, explicit project id, how the project id is found), without network and
    without raising: None where it cannot be resolved (``missing_configuration`` says why)."""
    try:
        endpoint: str | None = resolve_endpoint(region=region, file_endpoint=file_endpoint,
                                                setting_endpoint=setting_endpoint, env=env)
    except ConfigurationError:
        endpoint = None
    try:
        credentials: Credentials | None = resolve_credentials(env)
    except ConfigurationError:
        credentials = None
    kind = credentials.kind() if credentials is not None else None
    if project_id and project_id.strip():
        return endpoint, kind, project_id.strip(), "the file's `project_id`"
    if env.get(ENV_PROJECT_ID, "").strip():
        return endpoint, kind, env[ENV_PROJECT_ID].strip(), ENV_PROJECT_ID
    region = region.strip() if region and region.strip() else None
    if region is None or isinstance(credentials, TokenCredentials):
        return endpoint, kind, None, "none: " + project_id_needed_message(region)
    iam = iam_endpoint(region, env)
    return endpoint, kind, None, f"looked up from IAM when the run starts (GET {iam}/v3/projects?name={region})"


def missing_configuration(
    *,
    region: str | None,
    file_endpoint: str | None,
    setting_endpoint: str | None,
    project_id: str | None,
    env: Mapping[str, str],
    ca_bundle: str | None = None,
    trusted: Sequence[str] = (),
    advice: Advice = EDITOR_ADVICE,
) -> str | None:
    """What :func:`open_client` would refuse to start without (no network), or None when all is there.

    The LSP uses it to stay silent (remoteCheck) rather than warn when the user has not configured the cloud.
    """
    try:
        endpoint = resolve_endpoint(region=region, file_endpoint=file_endpoint, setting_endpoint=setting_endpoint,
                                    env=env)
        credentials = resolve_credentials(env)
        needs_lookup = not explicit_project_id(project_id, env)
        if needs_lookup and (isinstance(credentials, TokenCredentials) or not (region and region.strip())):
            raise ConfigurationError(project_id_needed_message(region))
        refuse_untrusted(endpoint=endpoint, region=region, credentials=credentials, project_id=project_id,
                         trusted=trusted, env=env, advice=advice)
        ssl_verify(ca_bundle, env)
    except ConfigurationError as err:
        return str(err)
    return None


def explicit_project_id(project_id: str | None, env: Mapping[str, str]) -> str | None:
    value = (project_id or "").strip() or env.get(ENV_PROJECT_ID, "").strip()
    return value or None


def ssl_verify(ca_bundle: str | None, env: Mapping[str, str]) -> ssl.SSLContext:
    """The TLS context of every call (``cloud.tls``: the user's CA file, else SSL_CERT_FILE or SSL_CERT_DIR, else
    the operating system's trust store, else certifi's); ConfigurationError when a CA file cannot be used."""
    path = os.path.expanduser(ca_bundle.strip()) if ca_bundle and ca_bundle.strip() else None
    if path is not None and not os.path.isfile(path):
        raise ConfigurationError(f"The servicestage.caBundle file {path!r} does not exist")
    try:
        return tls_context(path, env)[0]
    except (ssl.SSLError, OSError, ValueError):
        if path is None:
            name = "SSL_CERT_FILE" if env.get("SSL_CERT_FILE", "").strip() else "SSL_CERT_DIR"
            raise ConfigurationError(
                f"{name} names {env[name].strip()!r}, which holds no usable PEM certificate"
            ) from None
        raise ConfigurationError(
            f"The servicestage.caBundle file {path!r} holds no usable PEM certificate"
        ) from None


def trusted_iam_endpoint(endpoint: str, region: str | None, credentials: Credentials, project_id: str | None,
                         trusted: Sequence[str], env: Mapping[str, str], advice: Advice) -> str:
    """The IAM endpoint, once the hosts that would receive the credentials are trusted (``trusted``: the user's
    besides the built-in ones, core.trust): refused before any connection, in ``advice``'s words."""
    iam = check_endpoint_url(iam_endpoint(region, env), "The IAM endpoint")
    refuse_untrusted(endpoint=endpoint, region=region, credentials=credentials, project_id=project_id,
                     trusted=trusted, env=env, advice=advice)
    _parsed_alike(endpoint, iam)
    return iam


def _parsed_alike(*urls: str) -> None:
    """httpx reads each URL's host as the trust check did (``core.trust`` accepts only hosts that every parser
    reads alike; this holds it where the connection is made)."""
    import httpx  # parsing only: no connection

    from servicestage_ls.core.trust import NotAnAddress, url_address

    for url in urls:
        try:
            ours = url_address(url).name
        except NotAnAddress:
            continue  # not called, or refused already
        if httpx.URL(url).host.rstrip(".").lower() != ours:
            raise ConfigurationError(f"cannot tell which host {url!r} names; nothing was sent")
