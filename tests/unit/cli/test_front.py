"""``cli.front.run_calls``: the async part of every cloud command, and what stops it (exit codes, messages)."""

from __future__ import annotations

import io

import pytest

from servicestage_ls.cli.front import (
    EXIT_FAILED,
    EXIT_USAGE,
    INTERRUPTED_READING,
    LISTING_FAILED,
    CallFailed,
    Usage,
    run_calls,
)
from servicestage_ls.cloud.errors import CloudError

REFUSED = CloudError("http", "no such project", status=404, code="SVCSTG.00100404")
#: What every command's Ctrl+C says here (the commands pass their own).
STOPPED = INTERRUPTED_READING


async def _returns(code: int) -> int:
    return code


async def _raises(error: BaseException) -> int:
    raise error


def test_the_commands_exit_code_is_returned_and_nothing_is_said() -> None:
    err = io.StringIO()
    assert run_calls("a.servicestage.yaml", _returns(3), err, interrupted=STOPPED) == 3
    assert err.getvalue() == ""


def test_a_usage_problem_exits_2_with_its_message() -> None:
    err = io.StringIO()
    assert run_calls("a.servicestage.yaml", _raises(Usage("the file has YAML syntax errors")), err,
                     interrupted=STOPPED) == EXIT_USAGE
    assert err.getvalue() == "a.servicestage.yaml: error: the file has YAML syntax errors\n"


def test_a_cloud_error_exits_1_naming_the_call_that_failed() -> None:
    err = io.StringIO()
    assert run_calls("servicestage-ls list", _raises(REFUSED), err, interrupted=STOPPED) == EXIT_FAILED
    assert err.getvalue() == ("servicestage-ls list: error: listing the authorizations failed: ServiceStage refused "
                              "the request: SVCSTG.00100404 no such project (HTTP 404)\n")


def test_without_a_failed_call_a_cloud_error_is_said_alone_never_as_a_traceback() -> None:
    err = io.StringIO()
    assert run_calls("a.servicestage.yaml", _raises(REFUSED), err, failed_call=None,
                     interrupted=STOPPED) == EXIT_FAILED
    assert err.getvalue() == ("a.servicestage.yaml: error: ServiceStage refused the request: SVCSTG.00100404 no "
                              "such project (HTTP 404)\n")


@pytest.mark.parametrize("failed_call", [LISTING_FAILED, None])
def test_a_failed_opening_of_the_client_exits_1_with_its_own_words(failed_call: str | None) -> None:
    err = io.StringIO()
    opening = CallFailed("looking up the project id from IAM for region cn-north-4 failed: IAM timed out")
    assert run_calls("a.servicestage.yaml", _raises(opening), err, failed_call=failed_call,
                     interrupted=STOPPED) == EXIT_FAILED
    assert err.getvalue() == ("a.servicestage.yaml: error: looking up the project id from IAM for region cn-north-4 "
                              "failed: IAM timed out\n")


def test_ctrl_c_exits_1_saying_what_a_call_already_sent_may_have_done() -> None:
    err = io.StringIO()
    assert run_calls("a.servicestage.yaml", _raises(KeyboardInterrupt()), err,
                     interrupted="interrupted; run `servicestage-ls plan a.servicestage.yaml`") == EXIT_FAILED
    assert err.getvalue() == "a.servicestage.yaml: interrupted; run `servicestage-ls plan a.servicestage.yaml`\n"
