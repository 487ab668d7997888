"""docs/reference/schema.md: the JSON Schema exactly as `servicestage-ls schema` prints it."""

from __future__ import annotations

import contextlib
import io

from servicestage_ls.cli import main
from tools.docsgen.common import CatalogueError, banner


def schema_text() -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(["schema"])
    if status != 0:
        raise CatalogueError(f"`servicestage-ls schema` exited {status}")
    return out.getvalue()


def render() -> str:
    return ("# JSON Schema\n\n" + banner("`servicestage-ls schema`")
            + "\nThe JSON Schema of the file format, generated from the same tables the validator uses: "
            "`servicestage-ls schema > servicestage.schema.json` writes it. How to use it with "
            "yaml-language-server, and what it cannot express: [The file](../file.md#using-the-json-schema-with-"
            "yaml-language-server).\n\n```json\n" + schema_text() + "```\n")
