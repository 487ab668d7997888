"""core/tokens.py: what a `token` value is (the one classification the rules, hover and the create action use) and
where token-shaped text stands."""

from __future__ import annotations

import pytest

from servicestage_ls.core import schema
from servicestage_ls.core.tokens import (
    credential_values,
    credential_variable,
    TokenShape,
    TokenValue,
    ValueKind,
    classify,
    has_token_shape,
    pasted_token,
    reference,
    shape_kind,
    token_reference,
    token_shapes,
)

GHP = "ghp_" + "a" * 36
PAT = "github_pat_" + "B" * 22
GLPAT = "glpat-" + "c" * 20


@pytest.mark.parametrize(
    ("text", "env", "expected"),
    [
        ("${GITHUB_TOKEN}", {"GITHUB_TOKEN": "x"}, TokenValue(ValueKind.SET, "GITHUB_TOKEN")),
        ("  ${GITHUB_TOKEN} ", {"GITHUB_TOKEN": ""}, TokenValue(ValueKind.SET, "GITHUB_TOKEN")),
        ("${MY_PAT}", {}, TokenValue(ValueKind.UNSET, "MY_PAT")),
        ("${_x9}", {"OTHER": "1"}, TokenValue(ValueKind.UNSET, "_x9")),
        ("${" + GHP + "}", {}, TokenValue(ValueKind.PASTED, None, schema.REPO_TYPES["github"])),
        ("${" + PAT + "}", {}, TokenValue(ValueKind.PASTED, None, schema.REPO_TYPES["github"])),
        ("${" + "a" * 32 + "}", {}, TokenValue(ValueKind.PASTED, None, schema.REPO_TYPES["gitee"])),
        ("${" + GLPAT + "}", {}, TokenValue(ValueKind.MALFORMED)),  # `-` is no letter of a variable name
        ("$GITHUB_TOKEN", {}, TokenValue(ValueKind.MALFORMED, intended="GITHUB_TOKEN")),
        ("${GITHUB_TOKEN", {}, TokenValue(ValueKind.MALFORMED, intended="GITHUB_TOKEN")),
        ("${GITHUB_TOKEN}suffix", {}, TokenValue(ValueKind.MALFORMED, intended="GITHUB_TOKEN")),
        ("${GITHUB_TOKEN} ${X}", {}, TokenValue(ValueKind.MALFORMED, intended="GITHUB_TOKEN")),
        ("$AWS_SECRET_ACCESS_KEY", {}, TokenValue(ValueKind.MALFORMED)),  # never offered
        ("$" + GHP, {}, TokenValue(ValueKind.MALFORMED)),  # a token after the `$`: never repeated
        ("${AWS_SECRET_ACCESS_KEY}", {}, TokenValue(ValueKind.CREDENTIAL, "AWS_SECRET_ACCESS_KEY")),
        ("${HUAWEICLOUD_SDK_SK}", {"HUAWEICLOUD_SDK_SK": "s"}, TokenValue(ValueKind.CREDENTIAL, "HUAWEICLOUD_SDK_SK")),
        ("${huaweicloud_sdk_sk}", {}, TokenValue(ValueKind.CREDENTIAL, "huaweicloud_sdk_sk")),
        ("${OS_PASSWORD}", {}, TokenValue(ValueKind.CREDENTIAL, "OS_PASSWORD")),
        ("${OS_REGION_NAME_TOKEN}", {}, TokenValue(ValueKind.UNSET, "OS_REGION_NAME_TOKEN")),
        ("${9LIVES}", {}, TokenValue(ValueKind.MALFORMED)),
        ("${GITHUB-TOKEN}", {}, TokenValue(ValueKind.MALFORMED)),
        ("${}", {}, TokenValue(ValueKind.MALFORMED)),
        ("", {}, TokenValue(ValueKind.EMPTY)),
        ("   ", {}, TokenValue(ValueKind.EMPTY)),
        (GHP, {}, TokenValue(ValueKind.LITERAL)),
        ("not-a-token", {}, TokenValue(ValueKind.LITERAL)),
        ("x${GITHUB_TOKEN}", {"GITHUB_TOKEN": "x"}, TokenValue(ValueKind.LITERAL)),
    ],
)
def test_classify_says_what_a_token_value_is(text: str, env: dict[str, str], expected: TokenValue) -> None:
    assert classify(text, env) == expected


def test_a_token_pasted_between_the_braces_is_kept_nowhere_in_the_classification() -> None:
    value = classify("${" + GHP + "}", {})
    assert value.variable is None
    assert GHP not in repr(value)


def test_a_variable_that_exists_is_a_reference_even_when_its_name_looks_like_a_token() -> None:
    assert classify("${" + GHP + "}", {GHP: "v"}) == TokenValue(ValueKind.SET, GHP)
    assert pasted_token(GHP, {GHP: "v"}) is None


def test_pasted_token_names_the_repo_type_whose_token_it_looks_like() -> None:
    assert pasted_token(GHP, {}) is schema.REPO_TYPES["github"]
    assert pasted_token(PAT, {}) is schema.REPO_TYPES["github"]
    assert pasted_token(GLPAT, {}) is schema.REPO_TYPES["gitlab"]
    assert pasted_token("GITHUB_TOKEN", {}) is None


@pytest.mark.parametrize(("prefix", "kind"), [("ghp_", "github"), ("gho_", "github"), ("ghs_", "github"),
                                              ("github_pat_", "github"), ("glpat-", "gitlab")])
def test_shape_kind_is_the_repo_type_of_a_prefix(prefix: str, kind: str) -> None:
    assert shape_kind(prefix) == kind


def test_token_shapes_are_every_token_shaped_part_in_order() -> None:
    text = f"a: {GHP}\n# {GLPAT} and {PAT}x\n"
    second = text.index(GLPAT)
    third = text.index(PAT)
    assert list(token_shapes(text)) == [
        TokenShape(3, 3 + 40, "ghp_", "github"),
        TokenShape(second, second + 26, "glpat-", "gitlab"),
        TokenShape(third, third + 34, "github_pat_", "github"),
    ]


def test_a_prefix_too_short_to_be_a_token_is_no_shape() -> None:
    text = "ghp_short glpat-tiny github_pat_x " + "ghp_" + "a" * 35
    assert list(token_shapes(text)) == []
    assert has_token_shape(text) is False


def test_has_token_shape() -> None:
    assert has_token_shape(f"https://{GHP}@github.com") is True
    assert has_token_shape("https://github.com/tom") is False


def test_a_reference_is_written_dollar_brace_name_brace() -> None:
    assert reference("MY_PAT") == "${MY_PAT}"
    assert classify(reference("MY_PAT"), {"MY_PAT": "v"}) == TokenValue(ValueKind.SET, "MY_PAT")


@pytest.mark.parametrize(("repo_type", "expected"), [("github", "${GITHUB_TOKEN}"), ("gitlab", "${GITLAB_TOKEN}"),
                                                     ("gitee", "${GITEE_TOKEN}"), (None, "${REPO_TOKEN}"),
                                                     ("svn", "${REPO_TOKEN}")])
def test_token_reference_is_the_conventional_reference_of_a_repo_type(repo_type: str | None, expected: str) -> None:
    assert token_reference(repo_type) == expected


@pytest.mark.parametrize(("name", "credential"), [
    ("HUAWEICLOUD_SDK_AK", True), ("HUAWEICLOUD_SDK_SK", True), ("HUAWEICLOUD_SDK_SECURITY_TOKEN", True),
    ("HUAWEICLOUD_AUTH_TOKEN", True), ("HUAWEICLOUD_IAM_PASSWORD", True), ("HUAWEICLOUD_SDK_PROJECT_ID", True),
    ("HW_SECRET_KEY", True), ("AWS_SECRET_ACCESS_KEY", True), ("AWS_SESSION_TOKEN", True), ("AZURE_CLIENT_SECRET", True),
    ("ARM_CLIENT_SECRET", True), ("GOOGLE_OAUTH_ACCESS_TOKEN", True), ("GCP_SA_KEY", True), ("CLOUDSDK_AUTH_ACCESS_TOKEN", True),
    ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", True), ("ALICLOUD_SECRET_KEY", True), ("TENCENTCLOUD_SECRET_KEY", True),
    ("SERVICESTAGE_EMULATOR_TOKEN", True), ("OS_PASSWORD", True), ("os_token", True), ("Aws_Secret_Access_Key", True),
    ("GITHUB_TOKEN", False), ("GITLAB_TOKEN", False), ("BITBUCKET_PASSWORD", False), ("MY_AWS_TOKEN", False),
    ("OS_REGION_NAME", False), ("SERVICESTAGE_TRUSTED_ENDPOINTS", False), ("HWTOKEN", False),
])
def test_credential_variables(name: str, credential: bool) -> None:
    assert credential_variable(name) is credential


def test_credential_values_are_every_credential_variables_value() -> None:
    env = {"HUAWEICLOUD_SDK_AK": "ak", "HUAWEICLOUD_SDK_SK": " sk ", "AWS_SESSION_TOKEN": "st", "GITHUB_TOKEN": "gh",
           "HUAWEICLOUD_AUTH_TOKEN": "   "}
    assert credential_values(env) == {"ak", "sk", "st"}
