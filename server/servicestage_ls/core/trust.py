"""Which hosts may receive the user's credentials: decided from the URL's text alone (no DNS, no connection).

Trusted without asking: a region's own endpoint, any host ending in ``.myhuaweicloud.com``, ``.myhuaweicloud.eu``
or ``.huaweicloud.com``, the hosts of the SDK's override variables (``HUAWEICLOUD_SDK_REGION_SERVICESTAGE_*``,
``HUAWEICLOUD_SDK_IAM_ENDPOINT``) and loopback written literally (``localhost``, ``127.x.x.x``, ``[::1]``). Any
other host is trusted only by the user: ``SERVICESTAGE_TRUSTED_ENDPOINTS`` in the environment, the command line's
``--trust-endpoint`` (or an ``--endpoint`` typed there), the editor's ``trustedEndpoints`` from
``initializationOptions``. Nothing a repository holds can add to that list.

Hosts are compared in a strict form that every URL parser reads alike: ASCII letters, digits, ``-``, ``_`` and dots
(an internationalized name in its ``xn--`` form), or an IP literal; no user information (``user@``), no percent
signs or backslashes, one trailing dot at most (the same name). Anything else is not trusted.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from servicestage_ls.core.regions import REGION_OVERRIDE_PREFIX, REGIONS, default_endpoint

TRUSTED_VARIABLE = "SERVICESTAGE_TRUSTED_ENDPOINTS"
IAM_VARIABLE = "HUAWEICLOUD_SDK_IAM_ENDPOINT"
TRUSTED_SUFFIXES = (".myhuaweicloud.com", ".myhuaweicloud.eu", ".huaweicloud.com")
DEFAULT_PORTS = {"https": 443, "http": 80}

_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
_PORT = re.compile(r"[0-9]{1,5}")

#: How each audience trusts a host ({entry}: the host as the user would write it).
COMMAND_LINE_WAYS = "--trust-endpoint {entry} or SERVICESTAGE_TRUSTED_ENDPOINTS={entry} in the environment"
EDITOR_WAYS = ("the user setting servicestage.trustedEndpoints (trustedEndpoints in the client's "
               "initializationOptions) or SERVICESTAGE_TRUSTED_ENDPOINTS={entry} in the language server's environment")


@dataclass(frozen=True)
class Address:
    """A host (lower case, ASCII; an IPv6 literal without brackets) and its port (None: any)."""

    host: str
    port: int | None = None

    @property
    def name(self) -> str:
        """The host without the trailing dot of a fully qualified name (``x.example.`` is ``x.example``)."""
        return self.host[:-1] if self.host.endswith(".") else self.host

    def text(self) -> str:
        """As the user writes it: ``host``, ``host:port``, ``[::1]:port``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port is None else f"{host}:{self.port}"

    def covers(self, other: Address) -> bool:
        """Whether this entry of a trusted list trusts ``other`` (an entry without a port: every port)."""
        return self.name == other.name and (self.port is None or self.port == other.port)


class NotAnAddress(ValueError):
    """A text that is not a host[:port] (the message says why)."""


def _host(text: str) -> str:
    """The strict form of a host, or NotAnAddress."""
    if text.startswith("[") and text.endswith("]"):
        try:
            return str(ipaddress.IPv6Address(text[1:-1]))
        except ValueError:
            raise NotAnAddress(f"{text!r} is not an IPv6 address") from None
    if not text.isascii():
        raise NotAnAddress(f"{text!r} is not written in ASCII (write an internationalized name in its xn-- form)")
    host = text.lower()
    labels = (host[:-1] if host.endswith(".") else host).split(".")
    if not host or len(host) > 254 or not all(_LABEL.fullmatch(label) for label in labels):
        raise NotAnAddress(f"{text!r} is not a host name")
    return host


def _port(text: str) -> int:
    if not _PORT.fullmatch(text) or not 0 < int(text) < 65536:
        raise NotAnAddress(f"{text!r} is not a port (1 to 65535)")
    return int(text)


def parse_address(text: str) -> Address:
    """``host``, ``host:port``, ``[v6]`` or ``[v6]:port`` (what a trusted list holds), or NotAnAddress."""
    text = text.strip()
    if text.startswith("["):
        close = text.find("]")
        host, rest = text[: close + 1], text[close + 1 :]
        if close < 0 or (rest and not rest.startswith(":")):
            raise NotAnAddress(f"{text!r} is not [IPv6] or [IPv6]:PORT")
        return Address(_host(host), _port(rest[1:]) if rest else None)
    host, sep, port = text.partition(":")
    return Address(_host(host), _port(port) if sep else None)


def written_address(url: str) -> tuple[str, Address]:
    """A URL's scheme (lower case) and its host with the port it writes (None when it writes none), or
    NotAnAddress."""
    scheme, sep, rest = url.strip().partition("://")
    scheme = scheme.lower()
    if not sep or scheme not in DEFAULT_PORTS:
        raise NotAnAddress(f"{url.strip()!r} is not an http(s) URL")
    netloc = re.split(r"[/?#]", rest, maxsplit=1)[0]
    if "@" in netloc or "\\" in netloc or "%" in netloc:
        raise NotAnAddress(f"{url.strip()!r} has user information or escapes in its host")
    return scheme, parse_address(netloc)


def url_address(url: str) -> Address:
    """The host and port (explicit, else the scheme's) a URL would connect to, or NotAnAddress."""
    scheme, address = written_address(url)
    return Address(address.host, address.port or DEFAULT_PORTS[scheme])


def entry_of(text: str) -> Address:
    """One entry of a trusted list: ``host[:port]``, or a URL (its host and port)."""
    return url_address(text) if "://" in text else parse_address(text)


def is_loopback(address: Address) -> bool:
    """``localhost``, 127.x.x.x or ::1, as written: a name other than ``localhost`` (``localhost.`` included: a
    resolver may ask DNS for it) is never resolved."""
    if address.host == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.host).is_loopback
    except ValueError:
        return False


def _region_hosts() -> frozenset[str]:
    return frozenset(url_address(default_endpoint(region)).host for region in REGIONS)


REGION_HOSTS = _region_hosts()


def built_in(address: Address, env: Mapping[str, str]) -> bool:
    """Trusted without asking: Huawei Cloud's domains, a region's endpoint, the SDK's overrides, loopback."""
    if address.name in REGION_HOSTS or address.name.endswith(TRUSTED_SUFFIXES) or is_loopback(address):
        return True
    return any(entry.covers(address) for entry in _override_entries(env))


def _override_entries(env: Mapping[str, str]) -> Iterable[Address]:
    for name, value in env.items():
        if (name.startswith(REGION_OVERRIDE_PREFIX) or name == IAM_VARIABLE) and value.strip():
            try:
                yield url_address(value)
            except NotAnAddress:
                continue  # its use is refused where it is read


def user_entries(listed: Iterable[str], env: Mapping[str, str]) -> list[Address]:
    """The user's trusted entries: ``listed`` (the command line's or the editor's) and the environment variable.
    NotAnAddress names the first entry that is not a host[:port]."""
    out = []
    for where, texts in (("", listed), (TRUSTED_VARIABLE, env.get(TRUSTED_VARIABLE, "").split(","))):
        for text in texts:
            if not text.strip():
                continue
            try:
                out.append(entry_of(text))
            except NotAnAddress as why:
                raise NotAnAddress(f"{where}: {why}" if where else str(why)) from None
    return out


def untrusted(url: str, *, listed: Iterable[str], env: Mapping[str, str], ways: str, what: str) -> str | None:
    """None when ``url``'s host may receive credentials; else the one message that says so (``what``: "the
    endpoint", "the IAM endpoint"), naming the host and how the user trusts it (``ways``: COMMAND_LINE_WAYS or
    EDITOR_WAYS)."""
    try:
        address = url_address(url)
    except NotAnAddress as why:
        return f"{what} cannot receive your credentials: {why}; nothing is sent to it"
    try:
        entries = user_entries(listed, env)
    except NotAnAddress as why:
        return f"the trusted endpoints cannot be read: {why}; nothing is sent"
    if built_in(address, env) or any(entry.covers(address) for entry in entries):
        return None
    shown = written_address(url)[1].text()
    return (f"{what}'s host {shown} is not trusted to receive your credentials: nothing is sent to it until you "
            f"trust it with " + ways.format(entry=shown))
