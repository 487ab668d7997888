"""The engine and the kinds of entry: what a password entry sends (and never says), why an OAuth entry is not
created from a secret, and the words of each."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from servicestage_ls.cloud.client import Authorization
from servicestage_ls.core.document import parse
from servicestage_ls.engine import actions
from servicestage_ls.engine.actions import COMMAND_LINE, EDITOR, EntryRefused

HEAD = "region: cn-north-4\nproject_id: p\nauthorizations:\n"
PASSWORD_VALUE = "pw-correct-horse"
ENV = {"DEVCLOUD_PASSWORD": PASSWORD_VALUE, "GITHUB_TOKEN": "ghp_" + "a" * 36}
PASSWORD = ("  - name: codehub-pw\n    kind: password\n    repo_type: devcloud\n    user: my-domain/tom\n"
            "    password: ${DEVCLOUD_PASSWORD}\n")
OAUTH = "  - name: octo-oauth\n    kind: oauth\n    repo_type: github\n    tag: intl\n"


class FakeClient:
    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    async def create_password_authorization(self, repo_type: str, name: str, user: str,
                                            password: str) -> Authorization:
        self.calls.append(("password", repo_type, name, user, password))
        return Authorization(name, repo_type=repo_type, repo_user="tom", token_type="password", status=0)

    async def create_personal_authorization(self, repo_type: str, name: str, token: str,
                                            host: str | None = None) -> Authorization:
        self.calls.append(("personal", repo_type, name, token, host))
        return Authorization(name, repo_type=repo_type, repo_user="octo", token_type="personal", status=0)


def test_a_password_entry_is_prepared_with_its_user_and_password_and_sent_to_the_password_call() -> None:
    model = parse(HEAD + PASSWORD)
    prepared = actions.prepare(model, model.entries[0], ENV)
    assert (prepared.snapshot.kind, prepared.snapshot.user, prepared.token, prepared.token_origin) == (
        "password", "my-domain/tom", PASSWORD_VALUE, "${DEVCLOUD_PASSWORD}")
    assert PASSWORD_VALUE not in repr(prepared)
    assert repr(prepared.snapshot) == ("Snapshot(name='codehub-pw', kind='password', repo_type='devcloud', "
                                       "host=None, user='my-domain/tom', tag=None)")
    client = FakeClient()
    auth = asyncio.run(actions.create_call(client, prepared.snapshot, prepared.token, "codehub-pw.probe-abcdef"))
    assert client.calls == [("password", "devcloud", "codehub-pw.probe-abcdef", "my-domain/tom", PASSWORD_VALUE)]
    assert auth.token_type == "password"


def test_a_personal_entry_still_goes_to_the_personal_call() -> None:
    model = parse(HEAD + "  - name: web-frontend\n    repo_type: github\n    token: ${GITHUB_TOKEN}\n"
                         "    host: https://github.com/octo\n")
    prepared = actions.prepare(model, model.entries[0], ENV)
    client = FakeClient()
    asyncio.run(actions.create_call(client, prepared.snapshot, prepared.token, "web-frontend"))
    assert client.calls == [("personal", "github", "web-frontend", ENV["GITHUB_TOKEN"], "https://github.com/octo")]


@pytest.mark.parametrize(("audience", "how"), [
    (EDITOR, "run Authorize in the browser on it"),
    (COMMAND_LINE, "run `servicestage-ls authorize FILE --name octo-oauth`"),
])
def test_an_oauth_entry_is_not_created_from_a_secret(audience: actions.Audience, how: str) -> None:
    model = parse(HEAD + OAUTH)
    with pytest.raises(EntryRefused) as refused:
        actions.prepare(model, model.entries[0], ENV, audience)
    assert str(refused.value) == ("cannot create 'octo-oauth': it is an OAuth entry: it is authorized in the "
                                  f"browser, not created from a secret; {how}")
    assert not actions.can_create(model, model.entries[0], ENV)


def test_an_unset_password_reference_is_refused_in_the_passwords_words() -> None:
    model = parse(HEAD + PASSWORD)
    with pytest.raises(EntryRefused) as refused:
        actions.prepare(model, model.entries[0], {}, COMMAND_LINE)
    assert refused.value.reason == ("the password reference ${DEVCLOUD_PASSWORD} is not set in the environment; "
                                    "set it and run the command again (nothing was sent)")


def test_the_write_back_refuses_when_the_kind_user_or_password_changed_meanwhile() -> None:
    model = parse(HEAD + PASSWORD)
    snap = actions.snapshot_of(model.entries[0])
    auth = Authorization("codehub-pw", repo_user="tom", status=0)
    changed = parse(HEAD + PASSWORD.replace("my-domain/tom", "my-domain/ann").replace("${DEVCLOUD_PASSWORD}",
                                                                                       "${OTHER_PASSWORD}"))
    with pytest.raises(actions.Refused) as refused:
        actions.writeback(changed, snap, auth, COMMAND_LINE)
    assert str(refused.value) == ("'codehub-pw' changed while ServiceStage answered (password, user); nothing was "
                                  "written — write repo_user and status with Refresh status in the editor, or by hand")


def test_the_dry_run_url_is_the_kinds() -> None:
    plan = actions.CallPlan("https://servicestage.cn-north-4.myhuaweicloud.com", None, "p1", "p1", None)
    assert plan.create_url("devcloud", "password") == (
        "https://servicestage.cn-north-4.myhuaweicloud.com/v1/p1/git/auths/devcloud/password")
    assert plan.create_url("github") == "https://servicestage.cn-north-4.myhuaweicloud.com/v1/p1/git/auths/github/personal"


def test_a_password_is_never_a_cloud_credential() -> None:
    model = parse(HEAD + PASSWORD.replace("${DEVCLOUD_PASSWORD}", "${HUAWEICLOUD_SDK_SK}"))
    with pytest.raises(EntryRefused) as refused:
        actions.prepare(model, model.entries[0], {"HUAWEICLOUD_SDK_SK": "sk-value"}, COMMAND_LINE)
    assert refused.value.reason.startswith(
        "it has errors, fix them first: SS144 `${HUAWEICLOUD_SDK_SK}` is a cloud credential variable, not a "
        "repository password: it is never sent")
    model = parse(HEAD + PASSWORD)
    with pytest.raises(EntryRefused) as refused:
        actions.prepare(model, model.entries[0], {"DEVCLOUD_PASSWORD": "sk-value", "HUAWEICLOUD_SDK_AK": "ak",
                                                  "HUAWEICLOUD_SDK_SK": "sk-value"}, COMMAND_LINE)
    assert refused.value.reason == (
        "the password (${DEVCLOUD_PASSWORD}) is one of the cloud credentials in use (an AK, SK, security token, "
        "X-Auth-Token or password); it is never sent (nothing was sent)")
