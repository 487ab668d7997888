"""``refresh_edits``: what Refresh status writes."""

from __future__ import annotations

from servicestage_ls.cloud.client import Authorization
from servicestage_ls.core.document import parse
from servicestage_ls.core.edits import apply_edits
from servicestage_ls.engine.actions import refresh_edits

HEAD = "region: cn-north-4\nproject_id: p\nauthorizations:\n"
TEXT = HEAD + (
    "  - name: fresh\n    repo_user: tom\n    status: 0\n"
    "  - name: stale\n    repo_user: tom\n    status: 0  # normal\n"
    "  - name: bare\n    repo_type: github\n"
    "  - name: local-only\n"
    "  - name: odd\n    status: '1'\n"
)


def test_refresh_updates_what_differs_and_names_what_is_missing() -> None:
    remote = [
        Authorization("fresh", repo_user="tom", status=0),
        Authorization("stale", repo_user="tom", status=2),
        Authorization("bare", repo_user="ann", status=0),
        Authorization("odd", repo_user=None, status=1),
        Authorization("elsewhere", repo_user="x", status=0),
    ]
    model = parse(TEXT)
    edits, updated, missing = refresh_edits(model, remote)
    assert updated == ["stale", "bare", "odd"]
    assert missing == ["local-only"]
    assert apply_edits(model, edits) == HEAD + (
        "  - name: fresh\n    repo_user: tom\n    status: 0\n"
        "  - name: stale\n    repo_user: tom\n    status: 2  # unauthenticated\n"
        "  - name: bare\n    repo_type: github\n    repo_user: ann\n    status: 0  # normal\n"
        "  - name: local-only\n"
        "  - name: odd\n    status: 1  # overdue\n"
    )


def test_a_refreshed_file_needs_no_second_refresh() -> None:
    remote = [Authorization("fresh", repo_user="tom", status=0), Authorization("stale", repo_user="tom", status=2)]
    model = parse(TEXT)
    again = parse(apply_edits(model, refresh_edits(model, remote)[0]))
    assert refresh_edits(again, remote)[:2] == ([], [])


def test_the_client_is_opened_with_the_files_target_and_the_front_ends_options() -> None:
    from servicestage_ls.engine.actions import CloudOptions, client_settings

    model = parse("region: cn-north-4\nproject_id: p-1\nendpoint: https://ss.example\nauthorizations: []\n")
    options = CloudOptions(timeout=7.5, endpoint="https://setting.example", ca_bundle="/etc/ca.pem",
                           trusted=("stack.example:8443",))
    assert client_settings(model, options) == {
        "region": "cn-north-4", "file_endpoint": "https://ss.example", "setting_endpoint": "https://setting.example",
        "project_id": "p-1", "timeout": 7.5, "ca_bundle": "/etc/ca.pem", "trusted": ("stack.example:8443",)}
    assert client_settings(parse("authorizations: []\n"), CloudOptions(timeout=30.0)) == {
        "region": None, "file_endpoint": None, "setting_endpoint": None, "project_id": None, "timeout": 30.0,
        "ca_bundle": None, "trusted": ()}


def test_a_configuration_problem_is_found_without_the_network() -> None:
    from servicestage_ls.engine.actions import CloudOptions, call_plan, configuration_problem

    model = parse("region: cn-north-4\nproject_id: p-1\nauthorizations: []\n")
    options = CloudOptions(timeout=30.0, endpoint="http://127.0.0.1:9")
    assert configuration_problem(model, options, {"HUAWEICLOUD_AUTH_TOKEN": "t"}) is None
    plan = call_plan(model, options, {"HUAWEICLOUD_AUTH_TOKEN": "t"})
    assert (plan.endpoint, plan.project_id, plan.problem) == ("http://127.0.0.1:9", "p-1", None)
    assert plan.create_url("github") == "http://127.0.0.1:9/v1/p-1/git/auths/github/personal"
    no_credentials = (
        "No Huawei Cloud credentials: set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK (plus "
        "HUAWEICLOUD_SDK_SECURITY_TOKEN for temporary keys), or HUAWEICLOUD_AUTH_TOKEN, or HUAWEICLOUD_IAM_USER, "
        "HUAWEICLOUD_IAM_PASSWORD and HUAWEICLOUD_IAM_DOMAIN in the environment")
    assert configuration_problem(model, options, {}) == call_plan(model, options, {}).problem == no_credentials
