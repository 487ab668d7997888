"""Completion: keys by context, values, token references, the entry snippet — in valid and invalid YAML."""

from __future__ import annotations

import pytest

import time
from bisect import bisect_right

from servicestage_ls.core import document, schema
from servicestage_ls.core.completion import Completion, complete
from servicestage_ls.core.model import Model, Pos, Range, split_lines
from servicestage_ls.core.regions import REGIONS

HEAD = "project_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789\nregion: cn-north-4\nauthorizations:\n"
NEW_ENTRIES = ["new authorization entry", "new password entry", "new OAuth entry"]
WRITTEN_BACK = ["repo_user", "status", "repo_host", "repo_home", "avartar", "token_type", "create_time",
                "update_time"]


def at_cursor(marked: str) -> tuple[Model, Pos]:
    """The model of ``marked`` without its ``|`` and the position (code points) where the ``|`` was."""
    index = marked.index("|")
    text = marked[:index] + marked[index + 1 :]
    starts = split_lines(text)[1]
    line = bisect_right(starts, index) - 1
    return document.parse(text), (line, index - starts[line])


def items(marked: str, *, snippets: bool = False, env: dict[str, str] | None = None) -> list[Completion]:
    model, pos = at_cursor(marked)
    return complete(model, pos, snippets=snippets, env=env or {})


def labels(result: list[Completion]) -> list[str]:
    return [c.label for c in sorted(result, key=lambda c: c.sort_text or "")]


def by_label(result: list[Completion]) -> dict[str, Completion]:
    return {c.label: c for c in result}


# --- keys ------------------------------------------------------------------------------------------------


def test_entry_keys_mid_typing_leave_out_present_keys_and_sort_written_back_last() -> None:
    result = items(HEAD + "  - name: token1\n    repo_t|\n    token: ${GITHUB_TOKEN}\n")
    assert labels(result) == ["repo_type", "host", "kind", *WRITTEN_BACK]
    repo_type = by_label(result)["repo_type"]
    assert repo_type.kind == "key"
    assert repo_type.insert_text == "repo_type: "
    assert repo_type.is_snippet is False
    assert repo_type.replace == Range((4, 4), (4, 10))
    assert repo_type.filter_text == "repo_type"
    assert repo_type.detail == "string, required"
    assert repo_type.documentation == (
        "**repo_type** · string · required\n\nRepository type, by kind: a personal token `github` or `gitlab` (`gitee` "
        "on the Chinese site), a password `devcloud` or `bitbucket`, OAuth any of them."
    )
    assert by_label(result)["status"].detail == "integer, written back by the server"
    assert by_label(result)["status"].documentation.startswith(
        "**status** · integer · optional · written back by the server\n\n"
    )


def test_entry_key_snippets_have_placeholders_and_the_token_follows_repo_type() -> None:
    result = by_label(items(HEAD + "  - repo_type: gitlab\n    |\n", snippets=True))
    assert "repo_type" not in result
    assert result["name"].insert_text == "name: ${1:my-authorization}"
    assert result["token"].insert_text == "token: ${1:\\${GITLAB_TOKEN\\}}"
    assert result["host"].insert_text == "host: $0"
    assert all(c.is_snippet for c in result.values())
    assert result["name"].replace == Range((4, 4), (4, 4))


def test_top_level_keys_at_column_zero() -> None:
    result = items("region: cn-north-4\n|\n")
    assert labels(result) == ["project_id", "endpoint", "authorizations", "x-defaults"]
    auth = by_label(result)["authorizations"]
    assert auth.insert_text == "authorizations:\n  - "
    assert auth.replace == Range((1, 0), (1, 0))
    assert auth.documentation is not None and auth.documentation.startswith("**authorizations** · list")


def test_top_level_authorizations_key_snippet_and_partial_word() -> None:
    result = by_label(items("region: cn-north-4\naut|", snippets=True))
    assert result["authorizations"].insert_text == "authorizations:\n  - $0"
    assert result["authorizations"].replace == Range((1, 0), (1, 3))
    assert result["project_id"].insert_text == "project_id: ${1:00000000000000000000000000000000}"


def test_top_level_offers_an_extension_field_for_anchors_last() -> None:
    ext = by_label(items("region: cn-north-4\nx|\n"))["x-defaults"]
    assert (ext.kind, ext.detail, ext.insert_text, ext.is_snippet, ext.replace, ext.sort_text) == (
        "key", "extension field, ignored", "x-defaults: &defaults {repo_type: github}", False, Range((1, 0), (1, 1)),
        "2")
    assert ext.documentation == (
        "**x-…** · extension field · ignored\n\nAn extension field (`x-…`, as in docker-compose): ignored by "
        "servicestage-ls. A place for YAML anchors that entries merge: `x-defaults: &defaults {repo_type: github}`, "
        "then `<<: *defaults` in an entry.")
    snippet = by_label(items("region: cn-north-4\n|\n", snippets=True))["x-defaults"]
    assert snippet.insert_text == "x-${1:defaults}: &${1:defaults} {repo_type: ${2:github}}$0"
    assert "x-defaults" not in labels(items(HEAD + "  - name: token1\n    |\n"))


def test_key_before_an_existing_colon_inserts_the_name_alone() -> None:
    result = by_label(items(HEAD + "  - name: token1\n    repo_t|ype: github\n"))
    assert result["repo_type"].insert_text == "repo_type"
    assert result["repo_type"].replace == Range((4, 4), (4, 13))


def test_item_line_offers_entry_keys_and_the_entry_snippet() -> None:
    result = items(HEAD + "  - name: token1\n    repo_type: github\n  - |", snippets=True)
    assert labels(result)[:4] == ["name", "repo_type", "token", "host"]
    snippet = by_label(result)["new authorization entry"]
    assert snippet.kind == "snippet"
    assert snippet.is_snippet is True
    assert snippet.insert_text == (
        "name: ${1:my-authorization}\n    repo_type: ${2:github}\n    token: ${3:\\${GITHUB_TOKEN\\}}$0"
    )
    assert snippet.replace == Range((5, 4), (5, 4))


def test_item_marker_without_blank_gets_a_blank() -> None:
    result = by_label(items(HEAD + "  -|"))
    assert result["name"].insert_text == " name: "
    assert result["new authorization entry"].insert_text == (
        " name: my-authorization\n    repo_type: github\n    token: ${GITHUB_TOKEN}"
    )


# --- the entry snippet at item positions ------------------------------------------------------------------


def test_empty_line_in_the_list_at_the_marker_column_offers_only_the_snippet() -> None:
    result = items(HEAD + "  - name: token1\n    repo_type: github\n  |\n  - name: token2\n")
    assert [c.label for c in result] == NEW_ENTRIES
    assert result[0].insert_text == "- name: my-authorization\n    repo_type: github\n    token: ${GITHUB_TOKEN}"
    assert result[0].is_snippet is False
    assert result[0].replace == Range((5, 2), (5, 2))


def test_line_after_authorizations_at_column_zero_offers_top_keys_and_an_indented_snippet() -> None:
    result = items("region: cn-north-4\nauthorizations:\n|")
    assert labels(result) == ["project_id", "endpoint", "x-defaults", *NEW_ENTRIES]
    snippet = by_label(result)["new authorization entry"]
    assert snippet.insert_text == "  - name: my-authorization\n    repo_type: github\n    token: ${GITHUB_TOKEN}"
    assert snippet.replace == Range((2, 0), (2, 0))


def test_after_authorizations_colon_the_snippet_starts_a_new_line() -> None:
    result = items("region: cn-north-4\nauthorizations: |")
    assert [c.label for c in result] == NEW_ENTRIES
    assert result[0].insert_text == "\n  - name: my-authorization\n    repo_type: github\n    token: ${GITHUB_TOKEN}"
    assert result[0].replace == Range((1, 16), (1, 16))


def test_snippet_follows_the_existing_marker_column() -> None:
    result = items("authorizations:\n- name: token1\n  repo_type: github\n|")
    snippet = by_label(result)["new authorization entry"]
    assert snippet.insert_text == "- name: my-authorization\n  repo_type: github\n  token: ${GITHUB_TOKEN}"


# --- values --------------------------------------------------------------------------------------------


def test_repo_type_values_at_the_end_of_the_file_with_gitee_last_and_warned() -> None:
    result = items(HEAD + "  - name: token1\n    repo_type: |")
    assert labels(result) == ["github", "gitlab", "gitee"]
    values = by_label(result)
    assert values["github"].kind == "value"
    assert values["github"].insert_text == "github"
    assert values["github"].detail == "https://github.com"
    assert values["github"].documentation == schema.REPO_TYPES["github"].doc
    assert values["gitee"].detail == "warning: only ServiceStage's Chinese site supports gitee (SS133)"
    assert values["github"].replace == Range((4, 15), (4, 15))


def test_value_prefix_and_the_rest_of_the_value_are_replaced() -> None:
    result = by_label(items(HEAD + "  - name: token1\n    repo_type: gi|tlab  # comment\n"))
    assert result["gitlab"].replace == Range((4, 15), (4, 21))


def test_value_right_after_the_colon_gets_a_blank() -> None:
    result = by_label(items(HEAD + "  - name: token1\n    repo_type:|"))
    assert result["github"].insert_text == " github"
    assert result["github"].replace == Range((4, 14), (4, 14))


def test_region_values_carry_their_endpoint() -> None:
    result = items("region: cn-|\n", env={"HUAWEICLOUD_SDK_REGION_SERVICESTAGE_AP_SOUTHEAST_1": "https://ss.example"})
    assert labels(result) == list(REGIONS)
    values = by_label(result)
    assert values["cn-north-4"].detail == "https://servicestage.cn-north-4.myhuaweicloud.com"
    assert values["cn-north-4"].documentation == (
        "Endpoint `https://servicestage.cn-north-4.myhuaweicloud.com` "
        "(override: `HUAWEICLOUD_SDK_REGION_SERVICESTAGE_CN_NORTH_4`, not set)."
    )
    assert values["ap-southeast-1"].detail == "https://ss.example"
    assert values["cn-north-4"].replace == Range((0, 8), (0, 11))


def test_status_values_with_their_meaning() -> None:
    result = items(HEAD + "  - name: token1\n    status: |\n")
    assert [(c.label, c.detail) for c in result] == [("0", "normal"), ("1", "overdue"), ("2", "unauthenticated")]
    assert result[1].documentation == schema.STATUS_DOCS[1]


def test_token_type_values() -> None:
    assert labels(items(HEAD + "  - token_type: |\n")) == ["personal", "password", "oauth"]


def test_token_references_offer_names_never_values() -> None:
    env = {"MY_GITHUB_PAT": "s3cr3t-value", "DEPLOY_TOKEN": "tok-value-42", "HOME": "/root", "PATH": "/bin",
           "GL_PAT": "glpat-value"}
    result = items(HEAD + "  - name: token1\n    repo_type: github\n    token: |\n", env=env)
    assert labels(result) == ["${GITHUB_TOKEN}", "${DEPLOY_TOKEN}", "${GL_PAT}", "${MY_GITHUB_PAT}"]
    refs = by_label(result)
    assert refs["${GITHUB_TOKEN}"].kind == "reference"
    assert refs["${GITHUB_TOKEN}"].detail == "environment variable, not set"
    assert refs["${DEPLOY_TOKEN}"].detail == "environment variable, set"
    assert refs["${MY_GITHUB_PAT}"].insert_text == "${MY_GITHUB_PAT}"
    assert refs["${MY_GITHUB_PAT}"].is_snippet is False
    shown = repr(result)
    for value in env.values():
        assert value not in shown


@pytest.mark.parametrize("variable", ["HUAWEICLOUD_AUTH_TOKEN", "HUAWEICLOUD_SDK_SECURITY_TOKEN", "HUAWEICLOUD_SDK_AK",
                                      "HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_IAM_PASSWORD", "HUAWEICLOUD_IAM_USER",
                                      "huaweicloud_auth_token", "HUAWEICLOUD_GITHUB_TOKEN", "AWS_SESSION_TOKEN",
                                      "AZURE_ACCESS_TOKEN", "GOOGLE_OAUTH_ACCESS_TOKEN", "ALIBABA_CLOUD_SECURITY_TOKEN",
                                      "TENCENTCLOUD_SESSION_TOKEN", "SERVICESTAGE_EMULATOR_TOKEN", "OS_TOKEN"])
def test_token_references_never_offer_the_products_own_cloud_credentials(variable: str) -> None:
    env = {variable: "cloud-secret", "DEPLOY_TOKEN": "x"}
    result = items(HEAD + "  - name: token1\n    repo_type: github\n    token: |\n", env=env)
    assert labels(result) == ["${GITHUB_TOKEN}", "${DEPLOY_TOKEN}"]
    result = items(HEAD + "  - name: token1\n    repo_type: github\n    token: ${HUAW|}\n", env=env)
    assert "${" + variable + "}" not in labels(result)


def test_token_references_without_a_repo_type_offer_both_conventional_names() -> None:
    result = items(HEAD + "  - name: token1\n    token: |\n")
    assert labels(result) == ["${GITHUB_TOKEN}", "${GITLAB_TOKEN}"]


def test_token_reference_prefix_covers_the_dollar_brace_and_the_closing_brace() -> None:
    result = items(HEAD + "  - repo_type: gitlab\n    token: ${GI|}\n", env={"GITLAB_TOKEN": "glpat-secret"})
    ref = by_label(result)["${GITLAB_TOKEN}"]
    assert ref.replace == Range((4, 11), (4, 16))
    assert ref.filter_text == "${GITLAB_TOKEN}"
    assert ref.detail == "environment variable, set"
    assert "glpat-secret" not in repr(result)


def test_host_values_are_public_hosts_and_hosts_used_in_the_file() -> None:
    text = (HEAD + "  - name: token1\n    repo_type: gitlab\n    host: https://git.example.com/team\n"
            "  - {name: token2, repo_type: github, host: https://ghe.example.org}\n"
            "  - name: token3\n    repo_type: gitlab\n    host: |\n")
    result = items(text)
    assert [(c.label, c.detail) for c in result] == [
        ("https://gitlab.com", "the public gitlab host"),
        ("https://github.com", "the public github host"),
        ("https://gitee.com", "the public gitee host"),
        ("https://git.example.com/team", "used in this file"),
        ("https://ghe.example.org", "used in this file"),
    ]


def test_hosts_with_credentials_are_never_offered() -> None:
    text = HEAD + "  - name: token1\n    host: https://oauth2:glpat-secret@gitlab.example.com\n" \
        "  - name: token2\n    host: |\n"
    result = items(text)
    assert [c.label for c in result] == ["https://github.com", "https://gitlab.com", "https://gitee.com"]
    assert "glpat-secret" not in repr(result)


def test_hosts_with_a_token_pasted_into_them_are_never_offered() -> None:
    pasted = "ghp_" + "a1B2c3D4e5" * 4
    text = HEAD + f"  - name: token1\n    host: https://github.com/{pasted}\n" \
        f"  - name: token2\n    host: https://gitlab.example.com/glpat-{'x' * 20}/repo\n  - name: token3\n    host: |\n"
    result = items(text)
    assert [c.label for c in result] == ["https://github.com", "https://gitlab.com", "https://gitee.com"]
    assert pasted not in repr(result) and "x" * 20 not in repr(result)


# --- flow entries, broken documents, line breaks, code points -------------------------------------------


def test_half_typed_flow_entry_value() -> None:
    result = items(HEAD + "  - {name: x, repo_type: |}")
    assert labels(result) == ["github", "gitlab", "gitee"]
    assert result[0].replace == Range((3, 25), (3, 25))


def test_flow_entry_keys_leave_out_keys_on_the_line() -> None:
    result = items(HEAD + "  - {name: abcd, repo_type: gitlab, |}", snippets=True)
    assert labels(result) == ["token", "host", "kind", *WRITTEN_BACK]
    token = by_label(result)["token"]
    assert token.insert_text == 'token: ${1:"\\${GITLAB_TOKEN\\}"}'
    assert token.replace == Range((3, 36), (3, 36))


def test_flow_entry_reference_is_quoted() -> None:
    result = items(HEAD + '  - {name: abcd, repo_type: gitlab, token: "${|}"}')
    ref = by_label(result)["${GITLAB_TOKEN}"]
    assert ref.insert_text == '"${GITLAB_TOKEN}"'
    assert ref.replace == Range((3, 43), (3, 48))
    assert ref.filter_text == '"${GITLAB_TOKEN}'


def test_a_syntax_error_in_another_entry_does_not_stop_completion() -> None:
    text = HEAD + "  - name: [broken\n    repo_type: : :\n  - name: token2\n    repo_t|\n"
    model, pos = at_cursor(text)
    assert model.has_syntax_errors
    result = complete(model, pos, snippets=False, env={})
    assert labels(result) == ["repo_type", "token", "host", "kind", *WRITTEN_BACK]
    assert result[0].replace == Range((6, 4), (6, 10))


def test_the_whole_document_invalid_still_completes() -> None:
    result = items("region: [cn-north-4\nauthorizations:\n  - name: ok\n    repo_type: |\n")
    assert labels(result) == ["github", "gitlab", "gitee"]


def test_crlf_lines_and_snippets_keep_crlf() -> None:
    text = HEAD.replace("\n", "\r\n") + "  - name: token1\r\n    repo_type: github\r\n  - |\r\n"
    result = by_label(items(text))
    assert result["new authorization entry"].insert_text == (
        "name: my-authorization\r\n    repo_type: github\r\n    token: ${GITHUB_TOKEN}"
    )
    assert result["name"].replace == Range((5, 4), (5, 4))
    auth = by_label(items("region: cn-north-4\r\n|\r\n"))["authorizations"]
    assert auth.insert_text == "authorizations:\r\n  - "


def test_crlf_value_at_end_of_line() -> None:
    result = items(HEAD.replace("\n", "\r\n") + "  - name: token1\r\n    repo_type: gi|\r\n")
    assert result[0].replace == Range((4, 15), (4, 17))


def test_columns_are_code_points_after_cjk_and_emoji() -> None:
    result = items(HEAD + "  - {name: 名前🎉ab, repo_t|}")
    assert labels(result) == ["repo_type", "token", "host", "kind", *WRITTEN_BACK]
    assert result[0].replace == Range((3, 18), (3, 24))
    values = items(HEAD + "  # 注释 🎉🎉\n  - name: 名前🎉ab\n    repo_type: g|")
    assert values[0].replace == Range((5, 15), (5, 16))


def test_no_completion_in_comments_nested_lists_or_unknown_mappings() -> None:
    assert items(HEAD + "  - name: token1  # a comment |\n") == []
    assert items(HEAD + "  - - |\n") == []
    assert items("other:\n  nested: |\n") == []
    assert items("other:\n  - name: |\n") == []


def test_values_of_keys_without_choices_are_empty() -> None:
    assert items(HEAD + "  - name: |\n") == []


def test_completion_is_fast_in_a_large_file() -> None:
    entries = "".join(f"  - name: token{i:04d}\n    repo_type: github\n    token: ${{GITHUB_TOKEN}}\n"
                      f"    host: https://github.com/org{i}\n    status: 0\n" for i in range(3800))
    text = HEAD + entries + "  - name: last\n    repo_type: github\n    \n"
    model = document.parse(text)
    line = len(model.lines) - 2
    start = time.perf_counter()
    for _ in range(20):
        result = complete(model, (line, 4), snippets=True, env={})
    per_request = (time.perf_counter() - start) / 20
    assert labels(result)[:2] == ["token", "host"]
    assert per_request < 0.02


def test_every_position_of_broken_variants_answers_without_error_or_secret() -> None:
    from servicestage_ls.core.hover import hover

    secret = "ghp_" + "Zq9" * 12
    text = (
        "project_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789\nregion: cn-north-4\nauthorizations:\n"
        f"  - name: token1\n    repo_type: github\n    token: {secret}\n    host: https://github.com/x\n"
        f'  - {{name: abcd, repo_type: gitlab, token: "{secret}"}}\n'
        "  -\n    name: efgh\n    token: ${MY_TOKEN}\n    create_time: 1649762172340\n"
        "other: {a: [1, 2]}\n"
    )
    variants = [text, text.replace("\n", "\r\n"), text.replace("github\n", "github"),
                text.replace("- {", "- {{"), text.replace("  -\n", "  -  [\n"), text[: len(text) // 2]]
    env = {"MY_TOKEN": "s3cr3t-value"}
    for variant in variants:
        model = document.parse(variant)
        for line, content in enumerate(model.lines):
            for col in range(len(content) + 1):
                for snippets in (True, False):
                    shown = repr(complete(model, (line, col), snippets=snippets, env=env))
                    assert secret not in shown and "s3cr3t-value" not in shown
                info = hover(model, (line, col), env)
                if info is not None:
                    assert secret[:8] not in info.markdown and "s3cr3t-value" not in info.markdown
