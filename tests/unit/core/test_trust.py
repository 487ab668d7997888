"""Which hosts may receive the credentials (core.trust): decided from the URL's text, never by resolving a name."""

from __future__ import annotations

import pytest

from servicestage_ls.core.trust import (
    COMMAND_LINE_WAYS,
    Address,
    NotAnAddress,
    entry_of,
    parse_address,
    untrusted,
    url_address,
)

OVERRIDES = {
    "HUAWEICLOUD_SDK_REGION_SERVICESTAGE_CN_NORTH_4": "https://ss.stack.corp:8443/",
    "HUAWEICLOUD_SDK_IAM_ENDPOINT": "https://iam.stack.corp",
}


def trusted(url: str, listed: tuple[str, ...] = (), env: dict[str, str] | None = None) -> bool:
    return untrusted(url, listed=listed, env=env or {}, ways=COMMAND_LINE_WAYS, what="the endpoint") is None


@pytest.mark.parametrize("url", [
    "https://servicestage.cn-north-4.myhuaweicloud.com",
    "https://servicestage.eu-west-101.myhuaweicloud.eu/",
    "https://servicestage.ap-southeast-1.huaweicloud.com:8443/v1",
    "https://SERVICESTAGE.CN-NORTH-4.MyHuaweiCloud.COM",
    "https://servicestage.cn-north-4.myhuaweicloud.com.",  # the same name, fully qualified
    "https://localhost:4443", "http://localhost:8080", "https://LOCALHOST",
    "https://127.0.0.1:1", "https://127.0.0.2", "https://127.255.0.9:8443", "https://[::1]:4443", "http://[::1]",
    "https://ss.stack.corp:8443/x",  # the region's override variable
    "https://iam.stack.corp",  # HUAWEICLOUD_SDK_IAM_ENDPOINT
])
def test_built_in_trust(url: str) -> None:
    assert trusted(url, env=OVERRIDES)


@pytest.mark.parametrize("url", [
    "https://evilmyhuaweicloud.com",
    "https://myhuaweicloud.com",  # only names under the domain
    "https://myhuaweicloud.com.evil.net",
    "https://servicestage.cn-north-4.myhuaweicloud.com.evil.net",
    "https://x.myhuaweicloud.co",
    "https://x.huaweicloud.com-evil.net",
    "https://localhost.",  # not literally localhost: a resolver may ask DNS
    "https://localhost.evil.net",
    "https://127.1",  # not a dotted quad: a name, never resolved
    "https://2130706433",
    "https://0x7f.0.0.1",
    "https://[::2]",
    "https://ss.stack.corp",  # the override's host on another port (443)
    "https://ss.stack.corp:9443",
    "https://capture.test:4443",
])
def test_not_trusted_without_the_user(url: str) -> None:
    assert not trusted(url, env=OVERRIDES)


@pytest.mark.parametrize("url", [
    "https://servicestage.cn-north-4.myhuaweicloud.com@evil.net",
    "https://user:pw@servicestage.cn-north-4.myhuaweicloud.com",
    "https://evil.net\\@x.myhuaweicloud.com",
    "https://evil.net%2f.myhuaweicloud.com",
    "https://x.myhuaweicloud.cоm",  # a Cyrillic о
    "https://ｘ.myhuaweicloud.com",  # full-width: an IDNA mapping away from ASCII
    "https://a..myhuaweicloud.com",
    "https://x.myhuaweicloud.com:99999",
    "https://x.myhuaweicloud.com:+443",
    "https://x.myhuaweicloud.com:",
    "ftp://x.myhuaweicloud.com",
    "x.myhuaweicloud.com",
])
def test_urls_that_parsers_may_read_differently_are_never_trusted(url: str) -> None:
    assert not trusted(url, listed=("evil.net", "x.myhuaweicloud.com"))


def test_the_users_entries_with_and_without_a_port() -> None:
    assert trusted("https://stack.example", ("Stack.Example",))
    assert trusted("https://stack.example:8443", ("stack.example",))  # no port: any port
    assert trusted("https://stack.example:8443", ("stack.example:8443",))
    assert not trusted("https://stack.example:9443", ("stack.example:8443",))
    assert trusted("https://stack.example", ("stack.example:443",))  # https's own port
    assert trusted("https://[fd00::1]:8443", ("[fd00::1]",))
    assert trusted("https://stack.example./x", ("stack.example",))
    assert not trusted("https://a.stack.example", ("stack.example",))  # a name, not a domain
    assert trusted("https://stack.example:8443", env={"SERVICESTAGE_TRUSTED_ENDPOINTS": " other.example ,stack.example:8443,"})


def test_the_message_names_the_host_as_written_and_both_ways() -> None:
    assert untrusted("https://Capture.Test:4443/v1", listed=(), env={}, ways=COMMAND_LINE_WAYS,
                     what="the endpoint") == (
        "the endpoint's host capture.test:4443 is not trusted to receive your credentials: nothing is sent to it "
        "until you trust it with --trust-endpoint capture.test:4443 or SERVICESTAGE_TRUSTED_ENDPOINTS=capture.test:4443 "
        "in the environment")
    assert untrusted("https://evil.net", listed=(), env={}, ways=COMMAND_LINE_WAYS, what="the IAM endpoint") == (
        "the IAM endpoint's host evil.net is not trusted to receive your credentials: nothing is sent to it until you "
        "trust it with --trust-endpoint evil.net or SERVICESTAGE_TRUSTED_ENDPOINTS=evil.net in the environment")
    assert untrusted("https://a@b.example", listed=(), env={}, ways=COMMAND_LINE_WAYS, what="the endpoint") == (
        "the endpoint cannot receive your credentials: 'https://a@b.example' has user information or escapes in its "
        "host; nothing is sent to it")
    assert untrusted("https://b.example", listed=(), env={"SERVICESTAGE_TRUSTED_ENDPOINTS": "b.example,a b"},
                     ways=COMMAND_LINE_WAYS, what="the endpoint") == (
        "the trusted endpoints cannot be read: SERVICESTAGE_TRUSTED_ENDPOINTS: 'a b' is not a host name; "
        "nothing is sent")


def test_entries_and_addresses() -> None:
    assert parse_address("Stack.Example:8443") == Address("stack.example", 8443)
    assert parse_address("[::1]") == Address("::1") and Address("::1", 4443).text() == "[::1]:4443"
    assert entry_of("https://stack.example/api") == Address("stack.example", 443)
    assert url_address("http://localhost") == Address("localhost", 80)
    for bad in ("", "a b", "host:0", "host:65536", "[::1", "[nope]", "*.example.com", "a/b"):
        with pytest.raises(NotAnAddress):
            parse_address(bad)
