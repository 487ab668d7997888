"""``parse_settings``: typed settings from loose JSON; each invalid value falls back to its default with one line."""

from __future__ import annotations

from servicestage_ls.core.settings import DEFAULT_FILES, Settings, parse_settings


def test_nothing_gives_the_defaults_without_problems() -> None:
    assert parse_settings(None) == (Settings(), [])
    assert parse_settings({}) == (Settings(), [])


def test_valid_values_are_taken_and_lists_become_tuples() -> None:
    settings, problems = parse_settings({"validate": "onSave", "files": ["*.yaml"], "endpoint": "https://x.test",
                                         "remoteCheck": "onSave", "timeoutSeconds": 5, "caBundle": "/ca.pem"})
    assert problems == []
    assert settings == Settings(validate="onSave", files=("*.yaml",), endpoint="https://x.test",
                                remoteCheck="onSave", timeoutSeconds=5, caBundle="/ca.pem")


def test_a_section_nested_once_more_is_read() -> None:
    assert parse_settings({"servicestage": {"validate": "onSave"}}) == (Settings(validate="onSave"), [])


def test_each_invalid_value_falls_back_to_its_default_with_one_problem() -> None:
    settings, problems = parse_settings({"validate": "sometimes", "timeoutSeconds": 0, "files": [],
                                         "endpoint": 3, "caBundle": "/ok.pem"})
    assert settings == Settings(caBundle="/ok.pem")
    assert problems == [
        "servicestage.validate must be one of 'onChange', 'onSave', got 'sometimes'; using the default 'onChange'",
        "servicestage.timeoutSeconds must be at least 1, got 0; using the default 30",
        "servicestage.files must name at least one glob; using the default "
        f"{list(DEFAULT_FILES)!r}",
        "servicestage.endpoint must be a string, got int; using the default ''",
    ]


def test_numbers_are_bounded_and_booleans_are_not_numbers() -> None:
    assert parse_settings({"timeoutSeconds": 601})[1] == [
        "servicestage.timeoutSeconds must be at most 600, got 601; using the default 30"]
    assert parse_settings({"timeoutSeconds": True})[1] == [
        "servicestage.timeoutSeconds must be a number, got bool; using the default 30"]


def test_globs_must_be_non_empty_strings() -> None:
    assert parse_settings({"files": ["a", ""]})[1] == [
        f"servicestage.files must be a list of non-empty glob strings; using the default {list(DEFAULT_FILES)!r}"]


def test_not_an_object_is_one_problem() -> None:
    assert parse_settings(["validate"]) == (Settings(), ["servicestage settings must be an object, got list"])


def test_null_values_keep_the_default_and_unknown_keys_are_kept_aside() -> None:
    settings, problems = parse_settings({"validate": None, "trace": {"server": "off"}})
    assert (settings, problems) == (Settings(), [])
    assert settings.extra == {"trace": {"server": "off"}}


# --- what the workspace may not set (issue 18: a repository's .vscode/settings.json, .dir-locals.el, exrc) ----------

INITIAL = {"endpoint": "https://ss.stack.corp", "caBundle": "/etc/stack-ca.pem", "trustedEndpoints": ["stack.corp"],
           "remoteCheck": "onSave", "timeoutSeconds": 10}


def test_the_workspace_cannot_set_a_host_a_file_or_trust() -> None:
    from servicestage_ls.core.settings import from_workspace

    hostile = {"endpoint": "https://capture.test", "caBundle": "/tmp/evil.pem", "trustedEndpoints": ["capture.test"],
               "validate": "onSave", "timeoutSeconds": 5}
    settings, problems = from_workspace(INITIAL, hostile)
    assert (settings.endpoint, settings.caBundle, settings.trustedEndpoints) == (
        "https://ss.stack.corp", "/etc/stack-ca.pem", ("stack.corp",))
    assert (settings.validate, settings.timeoutSeconds, settings.remoteCheck, problems) == ("onSave", 5, "onSave", [])
    settings, _ = from_workspace(None, {"servicestage": hostile})  # nested once more; nothing from initialize
    assert (settings.endpoint, settings.caBundle, settings.trustedEndpoints) == ("", "", ())
    assert settings.trusted() == ()


def test_the_workspace_may_turn_remote_check_off_never_on() -> None:
    from servicestage_ls.core.settings import from_workspace

    assert from_workspace(INITIAL, {"remoteCheck": "off"})[0].remoteCheck == "off"
    assert from_workspace(INITIAL, {})[0].remoteCheck == "onSave"
    assert from_workspace({"remoteCheck": "off"}, {"remoteCheck": "onSave"})[0].remoteCheck == "off"
    assert from_workspace(None, {"remoteCheck": "onSave"})[0].remoteCheck == "off"


def test_trusted_endpoints_and_ca_bundle_are_checked() -> None:
    settings, problems = parse_settings({"trustedEndpoints": ["ok.example", "a b"], "caBundle": "certs/ca.pem"})
    assert (settings.trustedEndpoints, settings.caBundle) == ((), "")
    assert problems == [
        "servicestage.trustedEndpoints must be a list of \"host\" or \"host:port\" strings: 'a b' is not a host name; "
        "using the default []",
        "servicestage.caBundle must be an absolute path, got 'certs/ca.pem'; using the default ''",
    ]
    settings, problems = parse_settings({"trustedEndpoints": ["Stack.Example:8443"], "endpoint": "https://e.example:9443"})
    assert problems == [] and settings.trusted() == ("Stack.Example:8443", "e.example:9443")


def test_trusted_endpoints_of_the_wrong_type_fall_back_to_none() -> None:
    for bad in ("a.example", [1], {"a.example": True}):
        settings, problems = parse_settings({"trustedEndpoints": bad})
        assert settings.trustedEndpoints == ()
        assert problems == ["servicestage.trustedEndpoints must be a list of \"host\" or \"host:port\" strings; "
                            "using the default []"]
