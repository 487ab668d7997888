"""Hover: field docs on keys, meanings of values, never a token's value."""

from __future__ import annotations

from bisect import bisect_right

from servicestage_ls.core import document
from servicestage_ls.core.hover import HoverInfo, format_timestamp, hover
from servicestage_ls.core.model import Model, Pos, Range, split_lines

HEAD = "project_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789\nregion: cn-north-4\nauthorizations:\n"


def at_cursor(marked: str) -> tuple[Model, Pos]:
    """The model of ``marked`` without its ``|`` and the position (code points) where the ``|`` was."""
    index = marked.index("|")
    text = marked[:index] + marked[index + 1 :]
    starts = split_lines(text)[1]
    line = bisect_right(starts, index) - 1
    return document.parse(text), (line, index - starts[line])


def hover_at(marked: str, env: dict[str, str] | None = None) -> HoverInfo | None:
    model, pos = at_cursor(marked)
    return hover(model, pos, env or {})


def test_entry_key_shows_the_field_doc() -> None:
    info = hover_at(HEAD + "  - name: token1\n    repo_ty|pe: github\n")
    assert info == HoverInfo(
        "**repo_type** · string · required\n\nRepository type, by kind: a personal token `github` or `gitlab` (`gitee` "
        "on the Chinese site), a password `devcloud` or `bitbucket`, OAuth any of them.",
        Range((4, 4), (4, 13)),
    )


def test_written_back_key_says_so() -> None:
    info = hover_at(HEAD + "  - name: token1\n    sta|tus: 0\n")
    assert info is not None
    assert info.markdown.startswith("**status** · integer · optional · written back by the server\n\n")
    assert info.range == Range((4, 4), (4, 10))


def test_top_level_key() -> None:
    info = hover_at("project_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789\nreg|ion: cn-north-4\n")
    assert info is not None
    assert info.markdown.startswith("**region** · string · optional\n\nThe ServiceStage region;")
    assert info.range == Range((1, 0), (1, 6))


def test_unknown_key_suggests_the_closest() -> None:
    info = hover_at(HEAD + "  - name: token1\n    ava|tar: x\n")
    assert info is not None
    assert info.markdown.startswith("Unknown key in an entry. Did you mean `avartar`?")
    assert info.range == Range((4, 4), (4, 10))


def test_repo_type_value() -> None:
    info = hover_at(HEAD + "  - name: token1\n    repo_type: git|lab\n")
    assert info == HoverInfo(
        "**gitlab** — GitLab (gitlab.com or self-managed). Use a personal access token (`glpat-…`).\n\n"
        "Public host: https://gitlab.com\n\nKinds: `personal`, `oauth`.",
        Range((4, 15), (4, 21)),
    )
    gitee = hover_at(HEAD + "  - name: token1\n    repo_type: gitee|\n")
    assert gitee is not None and gitee.markdown.endswith("⚠️ Only ServiceStage's Chinese site supports it.")


def test_status_value_meaning() -> None:
    info = hover_at(HEAD + "  - name: token1\n    status: |1\n")
    assert info == HoverInfo(
        "**status 1** — overdue: the token expired; create a new token and a new authorization.",
        Range((4, 12), (4, 13)),
    )


def test_timestamps_as_utc_dates() -> None:
    info = hover_at(HEAD + "  - name: token1\n    create_time: 16497621|72340\n")
    assert info is not None
    assert info.markdown.startswith("**create_time**: 2022-04-12 11:16:12.340 UTC\n\n")
    assert info.range == Range((4, 17), (4, 30))
    assert format_timestamp(0) == "1970-01-01 00:00:00.000 UTC"
    assert format_timestamp(10**30) is None


def test_region_value_shows_its_endpoint_and_override_variable() -> None:
    info = hover_at("project_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789\nregion: cn-no|rth-4\n")
    assert info == HoverInfo(
        "**cn-north-4** → `https://servicestage.cn-north-4.myhuaweicloud.com`\n\n"
        "Override it with `HUAWEICLOUD_SDK_REGION_SERVICESTAGE_CN_NORTH_4` (not set).",
        Range((1, 8), (1, 18)),
    )
    env = {"HUAWEICLOUD_SDK_REGION_SERVICESTAGE_CN_NORTH_4": "https://servicestage.internal.example/"}
    overridden = hover_at("project_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789\nregion: cn-no|rth-4\n", env)
    assert overridden is not None
    assert overridden.markdown == (
        "**cn-north-4** → `https://servicestage.internal.example`\n\n"
        "From `HUAWEICLOUD_SDK_REGION_SERVICESTAGE_CN_NORTH_4` (set); the default endpoint is "
        "`https://servicestage.cn-north-4.myhuaweicloud.com`."
    )


def test_unknown_region() -> None:
    info = hover_at("region: cn-nrth-|4\n")
    assert info is not None and info.markdown == "Unknown region. Did you mean `cn-north-4`?"


def test_reference_says_whether_the_variable_is_set_never_its_value() -> None:
    text = HEAD + "  - name: token1\n    repo_type: github\n    token: ${NA|ME}\n"
    info = hover_at(text, {"NAME": "s3cr3t-value"})
    assert info is not None
    assert info.markdown.startswith("**token** from the environment variable `NAME`\n\n`NAME` is **set**")
    assert "s3cr3t-value" not in info.markdown
    assert str(len("s3cr3t-value")) not in info.markdown
    assert info.range == Range((5, 11), (5, 18))
    unset = hover_at(text, {})
    assert unset is not None and "`NAME` is **not set**" in unset.markdown


def test_literal_token_is_a_warning_and_never_echoed() -> None:
    secret = "ghp_" + "A1b2C3d4" * 5
    info = hover_at(HEAD + f"  - name: token1\n    repo_type: gitlab\n    token: {secret[:10]}|{secret[10:]}\n")
    assert info is not None
    assert info.markdown.startswith("⚠️ **Plaintext secret**")
    assert "`${GITLAB_TOKEN}`" in info.markdown
    assert secret not in info.markdown and secret[:8] not in info.markdown
    assert info.range == Range((5, 11), (5, 11 + len(secret)))


def test_literal_token_in_a_broken_entry_is_never_echoed() -> None:
    secret = "glpat-" + "x" * 24
    info = hover_at(HEAD + f"  - name: [broken\n    token: {secret}|\n")
    assert info is not None
    assert info.markdown.startswith("⚠️ **Plaintext secret**")
    assert secret not in info.markdown


def test_name_value_shows_the_rule() -> None:
    info = hover_at(HEAD + "  - name: to|k\n")
    assert info is not None
    assert info.markdown.startswith("**name** — the authorization's name: 4 to 63 characters")
    assert info.markdown.endswith("This name has 3 characters.")
    assert info.range == Range((3, 10), (3, 13))


def test_host_value_shows_the_url() -> None:
    info = hover_at(HEAD + "  - name: token1\n    repo_type: github\n    host: https://github.com/tom|-repo\n")
    assert info == HoverInfo(
        "**host**: <https://github.com/tom-repo>\n\nThe repository address. The public github host.",
        Range((5, 10), (5, 37)),
    )


def test_line_fallback_when_the_entry_does_not_parse() -> None:
    info = hover_at(HEAD + "  - name: token1\n    repo_t|ype: github\n    token: [\n")
    assert info is not None
    assert info.markdown.startswith("**repo_type** · string · required")
    assert info.range == Range((4, 4), (4, 13))


def test_flow_entry_with_cjk_and_emoji_uses_code_points() -> None:
    info = hover_at(HEAD + "  - {name: 名前🎉ab, repo_type: git|hub}\n")
    assert info is not None
    assert info.markdown.startswith("**github** — GitHub")
    assert info.range == Range((3, 29), (3, 35))


def test_crlf_document() -> None:
    info = hover_at(HEAD.replace("\n", "\r\n") + "  - name: token1\r\n    status: 2|\r\n")
    assert info == HoverInfo(
        "**status 2** — unauthenticated: the repository rejected the token; authorize again.",
        Range((4, 12), (4, 13)),
    )


def test_nothing_on_blank_lines_comments_and_list_markers() -> None:
    assert hover_at(HEAD + "  - name: token1\n|\n") is None
    assert hover_at(HEAD + "  # a com|ment\n  - name: token1\n") is None
    assert hover_at(HEAD + "  |- name: token1\n") is None


def test_values_that_may_hold_a_glued_secret_are_not_echoed() -> None:
    secret = "ghp_" + "Zq9" * 12
    glued = hover_at(HEAD + f"  - name: token1\n    repo_type: git|hub    token: {secret}\n")
    assert glued is not None
    assert glued.markdown == "Unsupported `repo_type`; allowed: `github`, `gitlab`."
    host = hover_at(HEAD + f"  - name: token1\n    host: https://oauth2:{secret}@gitlab.example.com/gr|oup\n")
    assert host is not None
    assert host.markdown.startswith("**host**: <https://***@gitlab.example.com/group>\n\n")
    assert "⚠️ The URL holds credentials" in host.markdown
    assert secret not in host.markdown


def test_hover_never_repeats_a_token_pasted_into_a_reference() -> None:
    from servicestage_ls.core.document import parse
    from servicestage_ls.core.hover import hover

    pasted = "ghp_" + "P4st3d" * 6
    model = parse("authorizations:\n  - name: token1\n    repo_type: github\n    token: ${" + pasted + "}\n")
    info = hover(model, (3, 14), {})
    assert info is not None
    assert pasted not in info.markdown
    assert "looks like a token" in info.markdown


def test_region_says_how_the_project_id_is_found_when_the_file_has_none() -> None:
    iam = ("\n\nThe file has no `project_id`: it is looked up from IAM (the project named after this region, with "
           "AK/SK or IAM user credentials) when a call is made.")
    info = hover_at("region: cn-no|rth-4\nauthorizations: []\n")
    assert info == HoverInfo("**cn-north-4** → `https://servicestage.cn-north-4.myhuaweicloud.com`\n\nOverride it "
                             "with `HUAWEICLOUD_SDK_REGION_SERVICESTAGE_CN_NORTH_4` (not set)." + iam,
                             Range((0, 8), (0, 18)))
    info = hover_at("reg|ion: cn-north-4\nauthorizations: []\n")
    assert info is not None and info.markdown.endswith(iam)
    info = hover_at("reg|ion: cn-north-4\n", {"HUAWEICLOUD_SDK_PROJECT_ID": "0" * 32})
    assert info is not None and info.markdown.endswith(
        "\n\nThe project id comes from `HUAWEICLOUD_SDK_PROJECT_ID` (set): the file has no `project_id`.")
    info = hover_at("project_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789\nreg|ion: cn-north-4\n")
    assert info is not None and "project id" not in info.markdown


def test_project_id_key_says_it_is_optional_and_how_it_is_found() -> None:
    info = hover_at("project_|id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789\n")
    assert info is not None
    assert info.markdown == (
        "**project_id** · string · optional\n\nTenant's project ID in the region: 32 lowercase hexadecimal "
        "characters. Optional: when it is left out, the id comes from `HUAWEICLOUD_SDK_PROJECT_ID` in the "
        "environment, else it is looked up from IAM (the project named after `region`, with AK/SK or IAM user "
        "credentials) when a call is made.")


PASTED = "ghp_" + "a1B2c3D4e5" * 3 + "f6G7h8"


def test_hover_never_shows_token_shaped_text_from_the_file() -> None:
    for marked in (f"endpoint: https://x.example/{PASTED[:5]}|{PASTED[5:]}\n",
                   HEAD + f"  - name: token1\n    host: https://github.com/{PASTED[:3]}|{PASTED[3:]}\n",
                   HEAD + f"  - name: token1\n    host: https://oauth2:{PASTED[:3]}|{PASTED[3:]}@github.com/o\n"):
        info = hover_at(marked)
        assert info is not None
        assert PASTED not in info.markdown and PASTED[4:] not in info.markdown
    info = hover_at(f"endpoint: https://x.example/{PASTED[:5]}|{PASTED[5:]}\n")
    assert info is not None and info.markdown.startswith("**endpoint**: <https://x.example/ghp_…>")


def test_extension_fields_and_merge_keys_are_hovered_as_such() -> None:
    text = 'x-def|aults: &d {repo_type: github}\n' + HEAD + "  - <<: *d\n    name: token1\n"
    info = hover_at(text)
    assert info == HoverInfo(
        "**x-defaults** · extension field · ignored\n\nAn extension field (`x-…`, as in docker-compose): ignored by "
        "servicestage-ls. A place for YAML anchors that entries merge: `x-defaults: &defaults {repo_type: github}`, "
        "then `<<: *defaults` in an entry.", Range((0, 0), (0, 10)))
    info = hover_at(text.replace("|", "").replace("  - <<", "  - <|<"))
    assert info == HoverInfo(
        "**<<** · merge key\n\nMerges into this entry the keys of the mapping (or list of mappings) it names: "
        "`<<: *defaults` with `x-defaults: &defaults {repo_type: github, token: \"${GITHUB_TOKEN}\"}` at the top "
        "level. The entry's own keys win over merged ones.", Range((4, 4), (4, 6)))


def test_a_credential_reference_says_it_is_never_sent() -> None:
    info = hover_at(HEAD + "  - name: token1\n    repo_type: github\n    token: ${AWS_SECRET_|ACCESS_KEY}\n",
                    {"AWS_SECRET_ACCESS_KEY": "aws-secret-value"})
    assert info is not None
    assert info.markdown == ("⛔ **token**: `AWS_SECRET_ACCESS_KEY` is a cloud credential variable, not a repository "
                             "token; it is never sent. Put the token in a variable such as `GITHUB_TOKEN` and write "
                             "`${GITHUB_TOKEN}`.")


def test_a_malformed_reference_names_the_one_it_meant() -> None:
    info = hover_at(HEAD + "  - name: token1\n    repo_type: github\n    token: $GITHUB_|TOKEN\n")
    assert info is not None
    assert info.markdown == ("**token**: malformed environment reference, never sent as it is; write it as `${NAME}` "
                             "(letters, digits and `_`) — `${GITHUB_TOKEN}`.")
