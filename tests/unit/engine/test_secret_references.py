"""Issue 18 item 2: what may be sent as an entry's secret. A reference to a cloud credential variable, a malformed
reference, an unset variable, and a value equal to any credential in use are refused — with the same words for the
editor and the command line, never the value."""

from __future__ import annotations

import pytest

from servicestage_ls.core.document import parse
from servicestage_ls.engine.actions import COMMAND_LINE, EDITOR, EntryRefused, can_create, prepare, resolve_secret

HEADER = "project_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789\nregion: cn-north-4\nauthorizations:\n"
SK = "cloud-sk-SECRET-1"
CREDENTIALS = {"HUAWEICLOUD_SDK_AK": "CLOUDAK0000000000001", "HUAWEICLOUD_SDK_SK": SK,
               "HUAWEICLOUD_SDK_SECURITY_TOKEN": "security-token-SECRET-2", "HUAWEICLOUD_AUTH_TOKEN": "x-auth-SECRET-3",
               "HUAWEICLOUD_IAM_PASSWORD": "iam-password-SECRET-4", "AWS_SECRET_ACCESS_KEY": "aws-SECRET-5"}
REPO_TOKEN = "ghp_" + "R3p0" * 9


def refusal(source: str, env: dict[str, str], key: str = "token", audience: object = EDITOR) -> str:
    with pytest.raises(EntryRefused) as caught:
        resolve_secret("'web'", source, env, audience, key, "github")  # type: ignore[arg-type]
    text = str(caught.value)
    for secret in (*CREDENTIALS.values(), REPO_TOKEN):
        assert secret not in text
    return text


@pytest.mark.parametrize("variable", ["HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_AUTH_TOKEN",
                                      "AWS_SECRET_ACCESS_KEY", "TENCENTCLOUD_SECRET_KEY", "azure_client_secret"])
def test_a_reference_to_a_credential_variable_is_refused_set_or_not(variable: str) -> None:
    expected = (f"cannot create 'web': the token reference ${{{variable}}} names a cloud credential variable, not a "
                "repository token; use a variable such as ${GITHUB_TOKEN} (nothing was sent)")
    assert refusal(f"${{{variable}}}", CREDENTIALS) == expected
    assert refusal(f"${{{variable}}}", {}) == expected


@pytest.mark.parametrize(("source", "meant"), [
    ("$GITHUB_TOKEN", " (${GITHUB_TOKEN}?)"), ("${GITHUB_TOKEN", " (${GITHUB_TOKEN}?)"),
    ("${GITHUB_TOKEN}suffix", " (${GITHUB_TOKEN}?)"), ("$HUAWEICLOUD_SDK_SK", ""), ("$" + REPO_TOKEN, ""),
])
def test_a_malformed_reference_is_refused_never_sent_as_a_literal(source: str, meant: str) -> None:
    env = {"GITHUB_TOKEN": REPO_TOKEN, **CREDENTIALS}
    assert refusal(source, env) == (f"cannot create 'web': the token reference is malformed; write it as ${{NAME}}"
                                    f"{meant} (nothing was sent)")


@pytest.mark.parametrize("credential", list(CREDENTIALS))
def test_a_value_equal_to_a_credential_in_use_is_refused_whatever_holds_it(credential: str) -> None:
    env = {**CREDENTIALS, "INNOCENT_TOKEN": CREDENTIALS[credential]}
    assert refusal("${INNOCENT_TOKEN}", env) == (
        "cannot create 'web': the token (${INNOCENT_TOKEN}) is one of the cloud credentials in use (an AK, SK, "
        "security token, X-Auth-Token or password); it is never sent (nothing was sent)")
    assert refusal(f"  {CREDENTIALS[credential]} ", env) == (
        "cannot create 'web': the token (a literal in the file) is one of the cloud credentials in use (an AK, SK, "
        "security token, X-Auth-Token or password); it is never sent (nothing was sent)")


def test_a_password_gets_the_same_rules_in_its_own_words() -> None:
    env = {**CREDENTIALS, "BITBUCKET_PASSWORD": "iam-password-SECRET-4"}
    assert refusal("${HUAWEICLOUD_IAM_PASSWORD}", env, key="password") == (
        "cannot create 'web': the password reference ${HUAWEICLOUD_IAM_PASSWORD} names a cloud credential variable, "
        "not a repository password; use a variable such as ${GITHUB_PASSWORD} (nothing was sent)")
    assert "the password (${BITBUCKET_PASSWORD}) is one of the cloud credentials" in refusal(
        "${BITBUCKET_PASSWORD}", env, key="password")


def test_unset_and_empty_say_where_for_each_audience() -> None:
    assert refusal("${GITHUB_TOKEN}", {}, audience=COMMAND_LINE) == (
        "cannot create 'web': the token reference ${GITHUB_TOKEN} is not set in the environment; set it and run the "
        "command again (nothing was sent)")
    assert refusal("   ", {}) == "cannot create 'web': the token is empty (nothing was sent)"


def test_a_good_reference_resolves() -> None:
    assert resolve_secret("'web'", "${GITHUB_TOKEN}", {**CREDENTIALS, "GITHUB_TOKEN": REPO_TOKEN}, EDITOR) == (
        REPO_TOKEN, "${GITHUB_TOKEN}")


def test_prepare_and_the_create_lens_refuse_a_credential_reference() -> None:
    model = parse(HEADER + "  - name: web-frontend\n    repo_type: github\n    token: ${HUAWEICLOUD_SDK_SK}\n")
    entry = model.entries[0]
    with pytest.raises(EntryRefused) as caught:
        prepare(model, entry, CREDENTIALS)
    assert str(caught.value).startswith("cannot create 'web-frontend': it has errors, fix them first: SS144 ")
    assert SK not in str(caught.value)
    assert can_create(model, entry, CREDENTIALS) is False
