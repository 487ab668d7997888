"""`make docs-gen` (``python -m tools.docsgen``): writes the generated reference pages under docs/reference/ from the
code — the diagnostics from ``schema.RULES`` and ``core/codedocs.py`` (with the quick fixes of ``core/fixes.py``
and the editor's ``lsp/lifecycle.py``), the command line from the argparse parser and ``cli/exits.py``, the
settings from ``client-vscode/package.json``, the JSON Schema from ``servicestage-ls schema``.

``--check`` writes nothing and exits 1 naming each stale page (tests/unit/test_docs_generated.py does the same).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

from tools.docsgen import cli, diagnostics, schema, settings
from tools.docsgen.common import ROOT, CatalogueError

PAGES: dict[str, Callable[[], str]] = {
    "docs/reference/diagnostics.md": diagnostics.render,
    "docs/reference/cli.md": cli.render,
    "docs/reference/settings.md": settings.render,
    "docs/reference/schema.md": schema.render,
}


def stale_pages() -> list[str]:
    """The generated pages whose file differs from what the code gives now."""
    return [page for page, render in PAGES.items()
            if not (ROOT / page).is_file() or (ROOT / page).read_text(encoding="utf-8") != render()]


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if args == ["--check"]:
            stale = stale_pages()
            for page in stale:
                print(f"{page} is stale: run `make docs-gen`", file=sys.stderr)
            return 1 if stale else 0
        if args:
            print("usage: python -m tools.docsgen [--check]", file=sys.stderr)
            return 2
        for page, render in PAGES.items():
            path = ROOT / page
            text = render()
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                path.write_text(text, encoding="utf-8")
                print(f"wrote {page}")
        return 0
    except CatalogueError as exc:
        print(f"docs-gen: {exc}", file=sys.stderr)
        return 1
