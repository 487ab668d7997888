"""The editor's ``servicestage.*`` settings as the engine's cloud options, and the command line's (its
``--timeout`` and ``--ca-bundle``, else the settings' defaults)."""

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
        CloudOptions(timeout=12.0, endpoint="https://ss.example", ca_bundle="/etc/ca.pem")
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
