"""The README documents every diagnostic code and every setting the server knows."""

from __future__ import annotations

import re
from pathlib import Path

from servicestage_ls.core.schema import RULES, Severity
from servicestage_ls.core.settings import SETTINGS

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_every_diagnostic_code_is_in_the_readme_table_with_its_severity() -> None:
    rows = dict(re.findall(r"^\| (SS\d{3}) \| (\w+) \|", README, flags=re.M))
    assert rows == {rule.code: Severity(rule.severity).name.lower() for rule in RULES}


def test_every_setting_is_in_the_readme() -> None:
    documented = set(re.findall(r"^\| `servicestage\.(\w+)` \|", README, flags=re.M))
    assert documented == {spec.key for spec in SETTINGS}


def test_the_readme_holds_no_token_shaped_strings() -> None:
    """The README becomes the package's description, and the VS Code packager refuses what looks like a secret."""
    import re as _re

    from servicestage_ls.core.schema import REPO_TYPES

    for word in _re.findall(r"[A-Za-z0-9_.-]{20,}", README):
        assert not any(REPO_TYPES[rt].token_re.match(word) for rt in ("github", "gitlab")), word
