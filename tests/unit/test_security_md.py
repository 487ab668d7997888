"""SECURITY.md names the guards by the names the code uses: each flag, variable, setting, code and path it gives a
user is where the code defines it, so the page cannot drift from what the tool does. The README and the docs
site's security page link to it, and it says how to report a vulnerability."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from servicestage_ls.core import schema

ROOT = Path(__file__).resolve().parents[2]
SECURITY = (ROOT / "SECURITY.md").read_text(encoding="utf-8")

#: (what SECURITY.md says, a file of the repository that defines it)
NAMES = [
    ("SS142", "server/servicestage_ls/core/schema.py"),
    ("SS143", "server/servicestage_ls/core/schema.py"),
    ("SS144", "server/servicestage_ls/core/schema.py"),
    ("SS123", "server/servicestage_ls/core/schema.py"),
    ("--trust-endpoint", "server/servicestage_ls/cli/__init__.py"),
    ("HOST[:PORT]", "server/servicestage_ls/cli/__init__.py"),
    ("SERVICESTAGE_TRUSTED_ENDPOINTS", "server/servicestage_ls/core/trust.py"),
    (".myhuaweicloud.com", "server/servicestage_ls/core/trust.py"),
    (".myhuaweicloud.eu", "server/servicestage_ls/core/trust.py"),
    (".huaweicloud.com", "server/servicestage_ls/core/trust.py"),
    ("trusted_endpoints", "client-neovim/lua/servicestage_ls/init.lua"),
    ("servicestage-ls-trusted-endpoints", "client-emacs/servicestage-ls.el"),
    ("trustedEndpoints", "server/servicestage_ls/core/settings.py"),
    ("HUAWEICLOUD_SDK_IAM_ENDPOINT", "server/servicestage_ls/core/regions.py"),
    ("HUAWEICLOUD_SDK_REGION_SERVICESTAGE_", "server/servicestage_ls/core/regions.py"),
    ("SERVICESTAGE_EMULATOR_TOKEN", "server/servicestage_ls/cli/__init__.py"),
    ("SERVICESTAGE_EMULATOR_AK", "server/servicestage_ls/cli/__init__.py"),
    ("SERVICESTAGE_EMULATOR_SK", "server/servicestage_ls/cli/__init__.py"),
    ("tool/server.py", "client-vscode/src/launch.ts"),
    ("trust this workspace to use ServiceStage", "client-vscode/src/restricted.ts"),
    ("--ca-bundle", "server/servicestage_ls/cli/__init__.py"),
    ("SSL_CERT_FILE", "server/servicestage_ls/cloud/tls.py"),
    ("truststore", "server/servicestage_ls/cloud/tls.py"),
    ("client-vscode/requirements.txt", "client-vscode/scripts/lockfile.py"),
    ("client-vscode/build-requirements.txt", "client-vscode/scripts/lockfile.py"),
    ("--require-hashes", "client-vscode/scripts/bundle_python.py"),
    ("httpcore>=1.0.9", "pyproject.toml"),
]


@pytest.mark.parametrize(("name", "where"), NAMES, ids=[name for name, _ in NAMES])
def test_each_name_security_md_gives_is_the_codes(name: str, where: str) -> None:
    assert name in SECURITY
    assert name in (ROOT / where).read_text(encoding="utf-8"), f"{name!r} is not in {where}"


def test_the_codes_it_names_are_in_the_catalogue() -> None:
    codes = {rule.code for rule in schema.RULES}
    assert {"SS123", "SS142", "SS143", "SS144"} <= codes


def test_the_vscode_settings_it_names_are_machine_scoped() -> None:
    manifest = json.loads((ROOT / "client-vscode" / "package.json").read_text(encoding="utf-8"))
    properties = manifest["contributes"]["configuration"]["properties"]
    restricted = manifest["capabilities"]["untrustedWorkspaces"]["restrictedConfigurations"]
    for setting in ("servicestage.endpoint", "servicestage.caBundle", "servicestage.trustedEndpoints"):
        assert f"`{setting}`" in SECURITY
        assert properties[setting]["scope"] == "machine", setting
        assert setting in restricted, setting


def test_it_says_how_to_report_a_vulnerability_and_is_linked() -> None:
    assert "## Reporting a vulnerability" in SECURITY
    assert "https://github.com/servicestage-ls/servicestage-ls/security/advisories/new" in SECURITY
    assert "](SECURITY.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert "blob/main/SECURITY.md)" in (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    for page in ("docs/security.md", "docs/credentials.md"):
        assert f"]({page})" in SECURITY and (ROOT / page).is_file()
