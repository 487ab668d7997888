"""docs/reference/diagnostics.md: one section per code of ``schema.RULES``, documented by ``core/codedocs.py``; each
example is run through ``servicestage-ls check`` and the page shows what it printed; the quick fixes come from the
tables of the code that offers them."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from servicestage_ls.core.codedocs import DOCS, EXAMPLE_ENV, GITHUB_TOKEN_SHAPED, CodeDoc
from servicestage_ls.core.document import parse
from servicestage_ls.core.fixes import fixable_codes, fixes_for
from servicestage_ls.core.rules import check
from servicestage_ls.core.schema import RULES, Rule, Severity
from servicestage_ls.engine.lifecycle import q
from servicestage_ls.lsp.lifecycle import QUICK_FIXES as EDITOR_QUICK_FIXES
from tools.docsgen.common import CatalogueError, banner, cell

PLACEHOLDER = "{GITHUB_TOKEN_SHAPED}"
SHOWN_TOKEN = "ghp_…"
EXAMPLE_NAME = "web-frontend"  # the entry every example's quick fix is offered on


def file_name(code: str) -> str:
    return f"{code.lower()}.servicestage.yaml"


def runnable(doc: CodeDoc) -> str:
    assert doc.example is not None
    return doc.example.replace(PLACEHOLDER, GITHUB_TOKEN_SHAPED)


def documented() -> dict[str, CodeDoc]:
    """Every code's documentation, or a CatalogueError that says which code lacks it (or what is left over)."""
    codes = [rule.code for rule in RULES]
    missing = [code for code in codes if code not in DOCS]
    if missing:
        raise CatalogueError(f"{', '.join(missing)} in schema.RULES but not documented: add a row to DOCS in "
                             "server/servicestage_ls/core/codedocs.py (description, fix, example and expect), "
                             "then run `make docs-gen`")
    extra = [code for code in DOCS if code not in codes]
    if extra:
        raise CatalogueError(f"{', '.join(extra)} documented in core/codedocs.py but not in schema.RULES")
    for code, doc in DOCS.items():
        if (doc.example is None) == (doc.no_example is None):
            raise CatalogueError(f"{code} in core/codedocs.py needs an example (and its expect) or a no_example")
    return DOCS


def run_examples() -> dict[str, list[str]]:
    """What `servicestage-ls check` prints for each example (its lines, without the summary), run in a directory
    of its own with ``EXAMPLE_ENV`` as the whole environment."""
    with tempfile.TemporaryDirectory() as tmp:
        examples = {code: doc for code, doc in documented().items() if doc.example is not None}
        for code, doc in examples.items():
            Path(tmp, file_name(code)).write_text(runnable(doc), encoding="utf-8")
        env = {**EXAMPLE_ENV, "PATH": os.defpath}
        result = subprocess.run([sys.executable, "-I", "-m", "servicestage_ls", "check", *map(file_name, examples)],
                                cwd=tmp, env=env, capture_output=True, text=True, timeout=120)
    if result.stderr:
        raise CatalogueError(f"`servicestage-ls check` of the examples failed: {result.stderr.strip()}")
    lines = result.stdout.splitlines()[:-1]  # the last line is the summary
    return {code: [line for line in lines if line.startswith(file_name(code) + ":")] for code in examples}


def position_and_code(line: str) -> str:
    """`ss132.servicestage.yaml:4:16: error SS132 …` → `4:16 SS132` (what a row's ``expect`` lists)."""
    _, line_no, column, rest = line.split(":", 3)
    return f"{line_no}:{column} {rest.split()[1]}"


def quick_fixes(code: str, doc: CodeDoc) -> list[str]:
    """The titles of the quick fixes the editor offers for this code (on its example, for core's fixes)."""
    if code in EDITOR_QUICK_FIXES:
        return [EDITOR_QUICK_FIXES[code].format(name=q(EXAMPLE_NAME))]
    if code not in fixable_codes():
        return []
    if doc.example is None:
        raise CatalogueError(f"{code} has a quick fix (core/fixes.py) but no example in core/codedocs.py to show it")
    model = parse(runnable(doc))
    titles = [fix.title for f in check(model) if f.code == code for fix in fixes_for(model, f.code, f.range, f.data)]
    if not titles:
        raise CatalogueError(f"{code} has a quick fix (core/fixes.py) but its example in core/codedocs.py gets none")
    return titles


def severity_name(rule: Rule) -> str:
    return Severity(rule.severity).name.lower()


def section(rule: Rule, doc: CodeDoc, output: list[str] | None) -> str:
    fixes = quick_fixes(rule.code, doc)
    fix_words = "; ".join(f"*{title}*" for title in fixes) if fixes else "none"
    out = [f"## {rule.code}\n", f"**{severity_name(rule)}** · {rule.summary} · quick fix: {fix_words}\n",
           doc.description + "\n"]
    if doc.example is None:
        out.append(f"No example: {doc.no_example}.\n")
    else:
        shown = doc.example.replace(PLACEHOLDER, SHOWN_TOKEN)
        note = f" (where it shows `{SHOWN_TOKEN}`, a whole GitHub token)" if PLACEHOLDER in doc.example else ""
        out.append(f"Example, `{file_name(rule.code)}`{note}:\n\n```yaml\n{shown}```\n")
        out.append(f"`servicestage-ls check {file_name(rule.code)}` prints:\n\n```text\n" + "\n".join(output or [])
                   + "\n```\n")
    out.append(f"**Fix**: {doc.fix}\n")
    return "\n".join(out)


def render() -> str:
    docs = documented()
    outputs = run_examples()
    rows = [f"| [{rule.code}](#{rule.code.lower()}) | {severity_name(rule)} | {cell(rule.summary)} | "
            f"{'yes' if quick_fixes(rule.code, docs[rule.code]) else 'no'} |" for rule in RULES]
    env = ", ".join(f"`{name}`" for name in sorted(EXAMPLE_ENV))
    head = ("# Diagnostics reference\n\n"
            + banner("`schema.RULES`, `core/codedocs.py` and the quick-fix tables; each example run through "
                     "`servicestage-ls check`")
            + "\nEvery code the server and `servicestage-ls check` report: its severity, what triggers it, an example "
            "file with what `check` prints for it, and the fix. How findings are shown: [Diagnostics]"
            "(../diagnostics.md). The examples are checked with " + env + " set and no other variable.\n\n"
            "| code | severity | title | quick fix |\n|---|---|---|---|\n"
            + "\n".join(rows) + "\n")
    return head + "".join("\n" + section(rule, docs[rule.code], outputs.get(rule.code)) for rule in RULES)
