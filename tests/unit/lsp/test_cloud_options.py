"""The editor's ``servicestage.*`` settings as the engine's cloud options, and the command line's (its
``--timeout``, ``--ca-bundle``, ``--trust-endpoint`` and a typed ``--endpoint``, else the settings' defaults)."""

from __future__ import annotations

from dataclasses import replace

import certifi

from servicestage_ls.cli import build_parser, front
from servicestage_ls.cloud.errors import COMMAND_LINE_ADVICE
from servicestage_ls.core.settings import Settings
from servicestage_ls.engine.actions import CloudOptions
from servicestage_ls.lsp.run import cloud_options


def test_the_editors_settings_become_cloud_options_and_empty_texts_mean_not_set() -> None:
    assert cloud_options(Settings(endpoint="https://ss.example", timeoutSeconds=12, caBundle="/etc/ca.pem")) == \
        CloudOptions(timeout=12.0, endpoint="https://ss.example", ca_bundle="/etc/ca.pem", trusted=("ss.example:443",))
    # trustedEndpoints, and the host of the endpoint setting (both only ever from initializationOptions)
    assert cloud_options(Settings(endpoint="https://Stack.Example:8443/x", trustedEndpoints=("a.example",))) == \
        CloudOptions(timeout=30.0, endpoint="https://Stack.Example:8443/x", trusted=("a.example", "stack.example:8443"))
    assert cloud_options(Settings()) == CloudOptions(timeout=30.0, endpoint=None, ca_bundle=None)


def test_the_command_line_uses_the_settings_defaults() -> None:
    """The editor's default settings, with the advice on failed connections in the command line's words."""
    assert front.cloud_options() == CloudOptions(timeout=30.0, advice=COMMAND_LINE_ADVICE)
    assert replace(front.cloud_options(), advice=None) == cloud_options(Settings()) == CloudOptions(timeout=30.0)


def test_the_command_lines_flags_become_cloud_options() -> None:
    pem = certifi.where()  # any readable PEM file of CA certificates
    args = build_parser().parse_args(["plan", "team.servicestage.yaml", "--timeout", "7.5", "--ca-bundle", pem])
    assert front.cloud_options(timeout=args.timeout, ca_bundle=args.ca_bundle) == \
        CloudOptions(timeout=7.5, ca_bundle=pem, advice=COMMAND_LINE_ADVICE)


def test_trust_endpoint_and_a_typed_endpoint_are_trusted_on_the_command_line() -> None:
    from servicestage_ls.cli import _cloud_options

    args = build_parser().parse_args(["list", "--endpoint", "https://List.Example:9443/", "--project-id", "0a1b2c3d4e5f67890a1b2c3d4e5f6789",
                                      "--trust-endpoint", "Stack.Example", "--trust-endpoint", "[::2]:8443"])
    assert _cloud_options(args).trusted == ("stack.example", "[::2]:8443", "list.example:9443")
    args = build_parser().parse_args(["plan", "team.servicestage.yaml", "--trust-endpoint", "https://u.example"])
    assert _cloud_options(args).trusted == ("u.example:443",)
