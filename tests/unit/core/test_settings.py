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
