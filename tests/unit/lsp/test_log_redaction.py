"""The server's own log (stderr) never carries a token-shaped text: names and values from files, exceptions."""

from __future__ import annotations

import io
import logging

from servicestage_ls.lsp.server import RedactTokenShapes

PASTED = "ghp_" + "Qw3rTy" * 6 + "Zx"


def test_log_records_and_their_tracebacks_are_redacted() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactTokenShapes())
    logger = logging.getLogger("servicestage_ls.test_log_redaction")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("create of %s failed", PASTED)
        try:
            raise ValueError(f"no entry named {PASTED}")
        except ValueError:
            logger.exception("command failed for glpat-%s", "a" * 20)
        logger.warning("nothing secret here: %s", "github")
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    assert PASTED not in text and "a" * 20 not in text
    assert text.splitlines()[0] == "create of ghp_… failed"
    assert "ValueError: no entry named ghp_…" in text
    assert "command failed for glpat-…" in text
    assert text.splitlines()[-1] == "nothing secret here: github"
