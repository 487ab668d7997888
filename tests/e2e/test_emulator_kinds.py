"""The emulator's calls for every kind (password, OAuth with its browser pages, namespaces), driven over loopback by
the product's client (cloud.client and cloud.kinds); the seed file with every kind."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from tests.helpers.cloud_servers import start_emulator

from servicestage_ls.cloud.client import Namespace, ServiceStageClient, oauth_answer, open_client
from servicestage_ls.cloud.emulator import Emulator, read_seed
from servicestage_ls.cloud.emulator.git import AUTHORIZE_PATH, CONSOLE_PATH
from servicestage_ls.cloud.errors import CloudError
from servicestage_ls.cloud.kinds import OAuthAnswer

TOKEN = "kinds-emulator-token-SECRET"
PASSWORD = "hunter2-correct-SECRET"
PROJECT = "abcdef0123456789abcdef0123456789"
SEED = f"""
project_id: {PROJECT}
password_rule: 'hunter2-.*'
oauth_user: octo-tom
authorizations:
  - {{name: web-frontend, repo_type: github, repo_user: tom-repo, namespaces: [tom-repo, acme, acme-labs]}}
  - {{name: expired-one, repo_type: gitlab, status: 1}}
  - {{name: codehub-pw, repo_type: devcloud, token_type: password, repo_user: tom}}
  - {{name: gitee-oauth, repo_type: gitee, token_type: oauth, tag: intl}}
"""


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    seed = read_seed(SEED, 1700000000000)
    with Emulator(token=TOKEN, log_stream=io.StringIO(), seed=seed.authorizations, seed_project=seed.project_id,
                  **seed.rules()) as emu:
        yield emu


@pytest.fixture
async def client(emulator: Emulator) -> AsyncIterator[ServiceStageClient]:
    async with await open_client(region="cn-north-4", file_endpoint=emulator.url, setting_endpoint=None,
                                 project_id=PROJECT, timeout=5, ca_bundle=None,
                                 env={"HUAWEICLOUD_AUTH_TOKEN": TOKEN}) as opened:
        yield opened


async def refused(call: object) -> CloudError:
    with pytest.raises(CloudError) as caught:
        await call  # type: ignore[misc]
    return caught.value


async def follow_the_browser(url: str) -> str:
    """What a browser does with the redirect URL: a plain GET, answered by a redirect to the console."""
    async with httpx.AsyncClient() as http:
        page = await http.get(url)
        assert page.status_code == 302
        location = page.headers["Location"]
        console = await http.get(location)
    assert (console.status_code, console.headers["Content-Type"]) == (200, "text/html; charset=utf-8")
    assert "Copy the address of this page" in console.text
    return location


async def test_password_create_list_and_namespaces(client: ServiceStageClient) -> None:
    created = await client.create_password_authorization("devcloud", "pw-created", "acme/tom-dev", PASSWORD)
    assert (created.name, created.repo_type, created.repo_user, created.token_type, created.status) == (
        "pw-created", "devcloud", "tom-dev", "password", 0)
    listed = {a.name: a for a in await client.list_authorizations()}
    assert (listed["pw-created"].token_type, listed["pw-created"].tag) == ("password", None)
    assert await client.namespaces("pw-created") == [Namespace(listed_id("devcloud", "tom-dev"), "tom-dev")]
    bitbucket = await client.create_password_authorization("bitbucket", "pw-bucket", "tom-b", PASSWORD)
    assert (bitbucket.repo_user, bitbucket.repo_home) == ("tom-b", "https://bitbucket.org/tom-b")


def listed_id(repo_type: str, name: str) -> str:
    import hashlib

    return str(int(hashlib.sha256(f"{repo_type}:{name}".encode()).hexdigest()[:8], 16))


@pytest.mark.parametrize(
    ("repo_type", "name", "user", "password", "code", "message"),
    [
        ("devcloud", "pw-wrong", "acme/tom", "not-the-rule", "SVCSTG.REPO.0451",
         "repository authorization invalid: the devcloud user or password was not accepted"),
        ("devcloud", "pw-no-slash", "tom", PASSWORD, "SVCSTG.REPO.0400",
         "parameter invalid: a devcloud user is {domain name}/{tenant name}"),
        ("bitbucket", "pw-no-user", " ", PASSWORD, "SVCSTG.REPO.0400", "parameter invalid: user is required"),
        ("bitbucket", "pw-no-password", "tom", "", "SVCSTG.REPO.0400", "parameter invalid: password is required"),
        ("github", "pw-github", "tom", PASSWORD, "SVCSTG.REPO.0401",
         "repository not implemented: repository type 'github' is not supported for password"),
        ("devcloud", "codehub-pw", "acme/tom", PASSWORD, "SVCSTG.REPO.0403", "resource already exist"),
        ("bitbucket", "ab", "tom", PASSWORD, "SVCSTG.REPO.0400",
         "parameter invalid: name must be 4 to 63 characters: letters, digits, '.', '_' and '-'"),
    ],
)
async def test_password_refusals(client: ServiceStageClient, repo_type: str, name: str, user: str, password: str,
                                 code: str, message: str) -> None:
    err = await refused(client.create_password_authorization(repo_type, name, user, password))
    assert (err.status, err.code, err.message) == (400, code, message)
    assert PASSWORD not in str(err) and PASSWORD not in repr(err)


async def test_the_oauth_flow_through_the_emulators_pages(client: ServiceStageClient, emulator: Emulator) -> None:
    redirect = await client.redirect_url("GitHub", tag="intl")
    assert (redirect.repo_type, redirect.tag) == ("github", "intl")
    parts = urlsplit(redirect.url)
    assert (f"{parts.scheme}://{parts.netloc}", parts.path) == (emulator.url, AUTHORIZE_PATH)
    state = parse_qs(parts.query)["state"][0]
    assert parse_qs(parts.query)["tag"] == ["intl"] and parse_qs(parts.query)["repo_type"] == ["github"]
    location = await follow_the_browser(redirect.url)
    assert urlsplit(location).path == CONSOLE_PATH and parse_qs(urlsplit(location).query)["state"] == [state]
    answer = oauth_answer(location)
    created = await client.create_oauth_authorization("github", "oauth-created", answer, tag="intl")
    assert (created.token_type, created.repo_user, created.repo_home) == (
        "oauth", "octo-tom", "https://github.com/octo-tom")
    listed = {a.name: a for a in await client.list_authorizations()}
    assert (listed["oauth-created"].token_type, listed["oauth-created"].tag) == ("oauth", "intl")
    assert (listed["gitee-oauth"].token_type, listed["gitee-oauth"].tag) == ("oauth", "intl")
    assert [n.name for n in await client.namespaces("oauth-created")] == ["octo-tom"]
    again = await refused(client.create_oauth_authorization("github", "oauth-again", answer))
    assert (again.code, again.message, again.advice) == (
        "SVCSTG.REPO.0402", "oauth code or state invalid", "start again: a state works once")
    assert str(again).endswith("SVCSTG.REPO.0402 oauth code or state invalid (HTTP 400, request id "
                               f"{again.request_id}) — start again: a state works once")
    assert answer.code not in str(again) and answer.code not in repr(answer)


async def test_a_state_works_once_and_for_its_repo_type_and_code(client: ServiceStageClient) -> None:
    answer = oauth_answer(await follow_the_browser((await client.redirect_url("gitlab")).url))
    wrong_code = await refused(client.create_oauth_authorization("gitlab", "oauth-code", OAuthAnswer("x", answer.state)))
    burnt = await refused(client.create_oauth_authorization("gitlab", "oauth-burnt", answer))
    other = oauth_answer(await follow_the_browser((await client.redirect_url("gitlab")).url))
    wrong_type = await refused(client.create_oauth_authorization("gitee", "oauth-type", other))
    unused = await client.redirect_url("bitbucket")  # never opened: no code was given for its state
    state = parse_qs(urlsplit(unused.url).query)["state"][0]
    not_opened = await refused(client.create_oauth_authorization("bitbucket", "oauth-unopened", OAuthAnswer("c", state)))
    assert [e.code for e in (wrong_code, burnt, wrong_type, not_opened)] == ["SVCSTG.REPO.0402"] * 4
    names = {a.name for a in await client.list_authorizations()}
    assert not names & {"oauth-code", "oauth-burnt", "oauth-type", "oauth-unopened"}


async def test_oauth_refusals_before_the_state_is_spent(client: ServiceStageClient) -> None:
    answer = oauth_answer(await follow_the_browser((await client.redirect_url("gitee")).url))
    taken = await refused(client.create_oauth_authorization("gitee", "gitee-oauth", answer))
    bad_tag = await refused(client.create_oauth_authorization("gitee", "oauth-tag", answer, tag="no spaces"))
    assert [(e.code, e.message) for e in (taken, bad_tag)] == [
        ("SVCSTG.REPO.0403", "resource already exist"),
        ("SVCSTG.REPO.0400", "parameter invalid: tag must be up to 32 of A-Z a-z 0-9 _ -")]
    created = await client.create_oauth_authorization("gitee", "oauth-gitee", answer)
    assert (created.repo_type, created.token_type) == ("gitee", "oauth")
    redirect = await refused(client.redirect_url("svn"))
    assert (redirect.code, redirect.message) == (
        "SVCSTG.REPO.0401", "repository not implemented: repository type 'svn' is not supported for oauth")


async def test_the_provider_page_works_once_per_state(client: ServiceStageClient) -> None:
    url = (await client.redirect_url("github")).url
    await follow_the_browser(url)
    async with httpx.AsyncClient() as http:
        second = await http.get(url)
        unknown = await http.get(url.replace("state=", "state=x"))
    assert [(r.status_code, r.json()["error_code"]) for r in (second, unknown)] == [
        (400, "SVCSTG.REPO.0402"), (400, "SVCSTG.REPO.0402")]


async def test_namespaces_per_authorization(client: ServiceStageClient, emulator: Emulator) -> None:
    assert [n.name for n in await client.namespaces("web-frontend")] == ["tom-repo", "acme", "acme-labs"]
    assert [n.name for n in await client.namespaces("codehub-pw")] == ["tom"]
    none = await refused(client.namespaces("no-such-auth"))
    expired = await refused(client.namespaces("expired-one"))
    assert [(e.code, e.message) for e in (none, expired)] == [
        ("SVCSTG.REPO.0450", "no repository authorization: no authorization named 'no-such-auth'"),
        ("SVCSTG.REPO.0451", "repository authorization invalid: the repository no longer accepts this authorization")]
    async with httpx.AsyncClient() as http:
        missing = await http.get(f"{emulator.url}/v1/{PROJECT}/git/repos/namespaces",
                                 headers={"X-Auth-Token": TOKEN})
        anonymous = await http.get(f"{emulator.url}/v1/{PROJECT}/git/repos/namespaces",
                                   headers={"X-Repo-Auth": "web-frontend"})
    assert (missing.status_code, missing.json()["error_msg"]) == (
        400, "no repository authorization: the X-Repo-Auth header is missing")
    assert (anonymous.status_code, anonymous.json()["error_code"]) == (401, "APIGW.0301")


async def test_the_list_shows_every_kind_and_the_tag(emulator: Emulator) -> None:
    async with httpx.AsyncClient() as http:
        body = (await http.get(f"{emulator.url}/v1/{PROJECT}/git/auths", headers={"X-Auth-Token": TOKEN})).json()
    seeded = {a["name"]: (a["token_type"], a["tag"]) for a in body["authorizations"]}
    assert {k: seeded[k] for k in ("web-frontend", "codehub-pw", "gitee-oauth")} == {
        "web-frontend": ("personal", ""), "codehub-pw": ("password", ""), "gitee-oauth": ("oauth", "intl")}
    assert all("namespaces" not in a for a in body["authorizations"])


async def test_a_personal_host_that_is_not_a_url_is_0452(emulator: Emulator) -> None:
    async with httpx.AsyncClient() as http:
        answer = await http.post(f"{emulator.url}/v1/{PROJECT}/git/auths/github/personal",
                                 headers={"X-Auth-Token": TOKEN},
                                 json={"name": "bad-host", "token": "ghp_" + "a" * 36, "host": "git@github.com:x"})
    assert (answer.status_code, answer.json()["error_code"], answer.json()["error_msg"]) == (
        400, "SVCSTG.REPO.0452", "clone url invalid: host must be an http(s) URL")


@pytest.mark.parametrize(
    ("pasted", "code", "state"),
    [
        ("http://127.0.0.1:1/emulator/console/oauth-callback?code=a%2Bb%3D&state=s%2F1", "a+b=", "s/1"),
        ("https://console.example/servicestage/#/oauth?code=c1&state=s1", "c1", "s1"),
        ("  code=c2&state=s2\n", "c2", "s2"),
    ],
)
def test_the_pasted_address_gives_code_and_state_url_decoded(pasted: str, code: str, state: str) -> None:
    assert oauth_answer(pasted) == OAuthAnswer(code, state)


@pytest.mark.parametrize(
    ("pasted", "message"),
    [
        ("", "nothing was pasted: paste the address the browser ended on"),
        ("https://console.example/?state=s", "the pasted address has no code: paste the whole address the browser "
                                             "ended on, after the repository's sign-in"),
        ("https://console.example/", "the pasted address has no code and no state: paste the whole address the "
                                     "browser ended on, after the repository's sign-in"),
    ],
)
def test_a_pasted_address_without_code_or_state(pasted: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        oauth_answer(pasted)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("seed", "message"),
    [
        ("[{name: pw-one, repo_type: github, token_type: password}]",
         "item 1 (pw-one): `repo_type` must be one of devcloud, bitbucket for token_type password"),
        ("[{name: tt-one, repo_type: github, token_type: ssh}]",
         "item 1 (tt-one): `token_type` must be one of personal, password, oauth"),
        ("{password_rule: '(', authorizations: []}",
         "password_rule is not a regular expression: missing ), unterminated subpattern at position 0"),
        ("{oauth_user: 'a b'}", "oauth_user must be a user name (4 to 63 of A-Z a-z 0-9 . _ -)"),
        ("{passwords: {}}", "unknown key 'passwords'"),
        ("[{name: ns-one, repo_type: github, namespaces: []}]",
         "item 1 (ns-one): `namespaces` must be a list of names"),
    ],
)
def test_seed_refusals(seed: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        read_seed(seed, 0)
    assert str(caught.value) == message


async def test_the_command_takes_a_seed_of_every_kind(tmp_path: Path) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text(SEED, encoding="utf-8")
    process = start_emulator(["--port", "0", "--token", TOKEN, "--seed", str(seed)], tmp_path / "stderr.log")
    try:
        async with await open_client(region="cn-north-4", file_endpoint=process.url, setting_endpoint=None,
                                     project_id=PROJECT, timeout=5, ca_bundle=None,
                                     env={"HUAWEICLOUD_AUTH_TOKEN": TOKEN}) as client:
            listed = [(a.name, a.token_type, a.tag) for a in await client.list_authorizations()]
            refused_pw = await refused(client.create_password_authorization("bitbucket", "pw-rule", "tom", "x" * 9))
            created = await client.create_password_authorization("bitbucket", "pw-rule", "tom", PASSWORD)
            oauth = await client.create_oauth_authorization(
                "gitlab", "oauth-seeded",
                oauth_answer(await follow_the_browser((await client.redirect_url("gitlab")).url)))
    finally:
        assert process.stop() == 0
    assert listed == [("web-frontend", "personal", None), ("expired-one", "personal", None),
                      ("codehub-pw", "password", None), ("gitee-oauth", "oauth", "intl")]
    assert (refused_pw.code, created.token_type, oauth.repo_user) == ("SVCSTG.REPO.0451", "password", "octo-tom")
    log = process.stderr()
    assert PASSWORD not in log and TOKEN not in log
    assert re.search(r"GET /emulator/oauth/authorize -> 302 \(request id [0-9a-f]{32}\)", log)
    assert "state=" not in log and "code=" not in log
