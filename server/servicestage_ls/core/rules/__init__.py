"""Model → diagnostics (pure). Every rule of the catalogue in ``schema.RULES`` that needs no cloud call.

Findings for one entry depend only on that entry's text (and the process environment, for SS142), so they
are cached per entry text in a ``RuleCache``; only the cross-entry rule (SS131) and the few top-level rules run
on every build.

The rules are split by the part of the file they check: ``base`` (``Finding`` and the shared checks), ``top``,
``entry``, ``secrets`` (the `token` value and token-shaped text anywhere) and ``file`` (the whole file, its cache
and the errors that refuse a create).
"""

from __future__ import annotations

from servicestage_ls.core.rules.base import Finding, Related, finding
from servicestage_ls.core.rules.entry import entry_findings
from servicestage_ls.core.rules.file import RuleCache, check, entry_errors, file_errors, unvalidated
from servicestage_ls.core.rules.secrets import token_shaped

__all__ = ["Finding", "Related", "RuleCache", "check", "entry_errors", "entry_findings", "file_errors", "finding",
           "token_shaped", "unvalidated"]
