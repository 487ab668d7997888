"""Error answers of every documented body shape, HTML, text and nothing, turned into one clear line."""

from __future__ import annotations

import json

import pytest

from servicestage_ls.cloud.errors import (
    ADVICE_AUTH,
    ADVICE_NOT_FOUND,
    ADVICE_SERVER,
    ADVICE_THROTTLED,
    CloudError,
    ConfigurationError,
    body_excerpt,
    parse_error_response,
)


@pytest.mark.parametrize(
    "body",
    [
        {"error_code": "SVCSTG.REPO.0403", "error_msg": "resource already exist"},
        {"errorCode": "SVCSTG.REPO.0403", "errorMessage": "resource already exist"},
        {"errorCode": "SVCSTG.REPO.0403", "errorMsg": "resource already exist"},
        {"code": "SVCSTG.REPO.0403", "message": "resource already exist"},
        {"error_code": "SVCSTG.REPO.0403", "error_message": "resource already exist"},
        {"error": {"code": "SVCSTG.REPO.0403", "message": "resource already exist"}},
    ],
    ids=["error_code/error_msg", "errorCode/errorMessage", "errorCode/errorMsg", "code/message",
         "error_code/error_message", "nested error"],
)
def test_every_documented_body_shape(body: dict) -> None:
    err = parse_error_response(400, {"X-Request-Id": "abc"}, json.dumps(body).encode())
    assert (err.kind, err.status, err.code, err.message, err.request_id) == (
        "http", 400, "SVCSTG.REPO.0403", "resource already exist", "abc"
    )
    assert str(err) == (
        "ServiceStage refused the request: SVCSTG.REPO.0403 resource already exist (HTTP 400, request id abc)"
        " — list authorizations; the name is taken"
    )


@pytest.mark.parametrize(
    ("code", "advice"),
    [
        ("SVCSTG.REPO.0400", "fix the request parameters"),
        ("SVCSTG.REPO.0401", "use another repository type"),
        ("SVCSTG.REPO.0402", "start again: a state works once"),
        ("SVCSTG.REPO.0450", "check the authorization name"),
        ("SVCSTG.REPO.0451", "authorize again (token rejected/expired)"),
        ("SVCSTG.REPO.0452", "fix the clone URL"),
    ],
)
def test_repo_codes_carry_the_documented_advice(code: str, advice: str) -> None:
    err = parse_error_response(400, {}, json.dumps({"error_code": code, "error_msg": "x"}).encode())
    assert err.advice == advice


def test_a_known_code_without_a_message_gets_its_documented_meaning() -> None:
    err = parse_error_response(400, {}, b'{"error_code": "SVCSTG.REPO.0451"}')
    assert str(err) == (
        "ServiceStage refused the request: SVCSTG.REPO.0451 repository authorization invalid (HTTP 400)"
        " — authorize again (token rejected/expired)"
    )


def test_gateway_authentication_failure() -> None:
    body = b'{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information: decrypt token fail"}'
    err = parse_error_response(401, {"x-request-id": "r1"}, body)
    assert err.code == "APIGW.0301"
    assert str(err) == (
        "ServiceStage refused the request: APIGW.0301 Incorrect IAM authentication information: decrypt token fail"
        f" (HTTP 401, request id r1) — {ADVICE_AUTH}"
    )
    assert parse_error_response(403, {}, body).advice == ADVICE_AUTH


def test_throttling_with_and_without_a_body() -> None:
    with_body = parse_error_response(429, {}, b'{"error_code":"APIGW.0308","error_msg":"The throttling threshold has been reached"}')
    assert (with_body.code, with_body.advice) == ("APIGW.0308", ADVICE_THROTTLED)
    empty = parse_error_response(429, {}, b"")
    assert str(empty) == f"ServiceStage refused the request: Too Many Requests (HTTP 429) — {ADVICE_THROTTLED}"


def test_server_error_html_is_reduced_to_text() -> None:
    body = (
        b"<html><head><title>502 Bad Gateway</title><style>body{color:red}</style></head>"
        b"<body>\n<h1>502 Bad   Gateway</h1>\n<p>nginx &amp; friends</p><script>var x=1;</script></body></html>"
    )
    err = parse_error_response(502, {"Content-Type": "text/html"}, body)
    assert err.code is None
    assert err.message == "Bad Gateway: 502 Bad Gateway nginx & friends"
    assert str(err) == (
        "ServiceStage had an internal problem: Bad Gateway: 502 Bad Gateway nginx & friends"
        f" (HTTP 502) — {ADVICE_SERVER}"
    )


def test_plain_text_body_is_a_single_line_excerpt_cut_at_200_characters() -> None:
    err = parse_error_response(500, {}, b"boom\n" + b"x" * 500)
    assert "\n" not in err.message
    assert err.message.startswith("Internal Server Error: boom xxx")
    assert err.message.endswith("…")
    assert len(err.message) == len("Internal Server Error: ") + 200


def test_empty_and_unrecognised_bodies_fall_back_to_the_status() -> None:
    assert parse_error_response(503, {}, b"").message == "Service Unavailable"
    assert parse_error_response(503, {}, b"  \n").message == "Service Unavailable"
    assert parse_error_response(404, {}, b"[1, 2]").message == "Not Found: [1, 2]"
    assert parse_error_response(404, {}, b"[1, 2]").advice == ADVICE_NOT_FOUND
    assert parse_error_response(400, {}, b'{"unexpected": true}').message == 'Bad Request: {"unexpected": true}'
    assert parse_error_response(599, {}, b"").message == "unexpected status"
    assert parse_error_response(400, {}, b"\xff\xfe").message == "Bad Request: \ufffd\ufffd"


def test_request_id_from_the_body_when_the_header_is_missing() -> None:
    err = parse_error_response(400, {}, b'{"error_code":"SVCSTG.REPO.0400","error_msg":"bad","request_id":"b-1"}')
    assert err.request_id == "b-1"


def test_multiline_server_messages_become_one_line() -> None:
    err = parse_error_response(400, {}, json.dumps({"error_code": "X.1", "error_msg": "line one\nline two"}).encode())
    assert err.message == "line one line two"


def test_scrub_removes_secrets_a_server_echoed() -> None:
    err = parse_error_response(400, {}, b'{"error_code":"SVCSTG.REPO.0451","error_msg":"token ghp_secret is bad"}')
    err.scrub(["ghp_secret", None, ""])
    assert "ghp_secret" not in str(err) + repr(err) + " ".join(map(str, err.args))
    assert err.message == "token *** is bad"


SK = "sk/Secret+Value=0"
ECHOES = {
    "url-encoded-in-json": b'{"error_code":"APIGW.0301","error_msg":"bad signature for sk%2FSecret%2BValue%3D0"}',
    "percent-encoded-text": b"bad signature for %73%6B%2F%53%65%63%72%65%74%2B%56%61%6C%75%65%3D%30",
    "json-u-escaped-inside-a-string": b'{"error_code":"APIGW.0301","error_msg":"bad signature for '
                                      b'\\u0073k/Secret+Value=0"}',
    "json-u-escaped-text": b"bad signature for \\u0073\\u006b\\/Secret+Value=0",
    "form-encoded-html": b"<html><body><p>bad signature for sk%2FSecret%2BValue%3D0</p></body></html>",
}


@pytest.mark.parametrize("body", ECHOES.values(), ids=ECHOES.keys())
def test_scrub_removes_a_secret_echoed_encoded(body: bytes) -> None:
    err = parse_error_response(401, {"Content-Type": "text/html"} if body.startswith(b"<") else {}, body)
    err.scrub([SK])
    assert err.message.endswith("bad signature for ***")
    assert "Secret" not in str(err) + repr(err) + " ".join(map(str, err.args))


@pytest.mark.parametrize(("body", "message"), [
    (json.dumps({"error_code": "APIGW.0301", "error_msg": "x" * 290 + " sk%2FSecret%2BValue%3D0 and more"}).encode(),
     "x" * 290 + " *** and…"),
    (("y" * 190 + " sk%2FSecret%2BValue%3D0 and more").encode(), "Unauthorized: " + "y" * 190 + " *** and…"),
    (json.dumps({"error_code": "X.1", "error_msg": "z" * 285 + " ghp_" + "Ab1" * 12}).encode(), "z" * 285 + " ghp_…"),
], ids=["json-message", "text-excerpt", "token-shape"])
def test_a_secret_at_the_cut_is_masked_before_the_message_is_cut_short(body: bytes, message: str) -> None:
    """Cut first, a message would keep the start of the secret (`sk%2FSecr…`, `ghp_Ab1Ab1Ab1Ab…`)."""
    assert parse_error_response(401, {}, body, secrets=[SK]).message == message


@pytest.mark.parametrize("echoed", ["%67%68%70%5F" + "Ab1" * 12, "\\u0067hp_" + "Ab1" * 12, "ghp%5F" + "Ab1" * 12])
def test_a_token_shape_echoed_encoded_is_redacted(echoed: str) -> None:
    err = parse_error_response(400, {}, f"token {echoed} is malformed".encode())
    assert str(err) == "ServiceStage refused the request: Bad Request: token ghp_… is malformed (HTTP 400)"
    assert "Ab1Ab1" not in repr(err)


def test_non_http_errors_print_their_message_and_advice() -> None:
    err = CloudError("timeout", "No answer from https://x within 3 s", advice="raise the timeout")
    assert str(err) == "No answer from https://x within 3 s — raise the timeout"
    assert CloudError("protocol", "odd answer", request_id="q").__str__() == "odd answer (request id q)"


def test_configuration_error_is_kind_config() -> None:
    err = ConfigurationError("set HUAWEICLOUD_SDK_PROJECT_ID")
    assert (err.kind, str(err), err.status, err.code) == ("config", "set HUAWEICLOUD_SDK_PROJECT_ID", None, None)
    assert isinstance(err, CloudError)


def test_body_excerpt_detects_html_without_a_content_type() -> None:
    assert body_excerpt(b"  <p>Hello <b>there</b></p>") == "Hello there"


def test_token_shaped_text_a_service_echoes_is_redacted() -> None:
    pasted = "ghp_" + "Ab1" * 12
    error = CloudError("http", f"name {pasted} is taken; host https://x/glpat-{'z' * 20}", status=400,
                       code="SVCSTG.REPO.0403", request_id="r1", advice=f"see {pasted}")
    shown = f"{error} {error!r}"
    assert pasted not in shown and "z" * 20 not in shown
    assert str(error) == ("ServiceStage refused the request: SVCSTG.REPO.0403 name ghp_… is taken; host "
                          "https://x/glpat-… (HTTP 400, request id r1) — see ghp_…")
