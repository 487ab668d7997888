"""``servicestage-ls check``: the editor's diagnostics for files, directories and standard input, for CI."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, BinaryIO, TextIO
from urllib.parse import quote

from servicestage_ls import __version__
from servicestage_ls.cli.files import Unreadable, read_stream, read_text
from servicestage_ls.core import collector
from servicestage_ls.core.codedocs import DOCS
from servicestage_ls.core.document import parse
from servicestage_ls.core.files import matches
from servicestage_ls.core.markup import plain_text
from servicestage_ls.core.rules import Finding, check
from servicestage_ls.core.schema import RULES, Severity
from servicestage_ls.core.settings import DEFAULT_FILES

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
SKIPPED_DIRS = {".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".tox"}
STDIN = "-"
STDIN_NAME = "<stdin>"
_SEVERITY_NAMES = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFORMATION: "info",
                   Severity.HINT: "hint"}
_SARIF_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFORMATION: "note",
                 Severity.HINT: "note"}
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
#: The diagnostics reference of the docs site (docs/reference/diagnostics.md): one section per code, `#ss110`.
DIAGNOSTICS_URL = "https://servicestage-ls.github.io/servicestage-ls/reference/diagnostics/"


def find_files(paths: Sequence[str]) -> Iterator[str]:
    """Files named on the command line, and matching files below named directories (sorted)."""
    for path in paths:
        if path != STDIN and os.path.isdir(path):
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
                for name in sorted(files):
                    # normpath: `check .` names files `x.servicestage.yaml`, not `./x…` (GitHub annotations, SARIF).
                    full = os.path.normpath(os.path.join(root, name))
                    # Regular files only: opening a FIFO (or a device) found by the walk would block forever.
                    if matches(full, DEFAULT_FILES) and os.path.isfile(full):
                        yield full
        else:
            yield path


def _escape_github(value: str, prop: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        value = value.replace(":", "%3A").replace(",", "%2C")
    return value


def printable(text: str) -> str:
    """Control and bidirectional-override characters from the file, escaped: a terminal shows them as written."""
    return "".join(c if c.isprintable() or c == " " else f"\\u{ord(c):04x}" for c in text)


def _format(path: str, f: Finding, fmt: str) -> str:
    (line, col), (end_line, end_col) = f.range.start, f.range.end
    severity = _SEVERITY_NAMES[f.severity]
    if fmt == "github":
        level = {"error": "error", "warning": "warning"}.get(severity, "notice")
        props = (f"file={_escape_github(path, True)},line={line + 1},col={col + 1},endLine={end_line + 1},"
                 f"endColumn={end_col + 1},title={_escape_github(f.code, True)}")
        return f"::{level} {props}::{_escape_github(printable(f.message))}"
    return f"{path}:{line + 1}:{col + 1}: {severity} {f.code} {printable(f.message)}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


# --- SARIF 2.1.0 -----------------------------------------------------------------------------------------------


def _artifact_uri(path: str) -> str:
    """A file's SARIF artifact URI: relative paths stay relative (code scanning resolves them from the checkout)."""
    if os.path.isabs(path):
        return PurePath(path).as_uri()
    return quote(PurePath(path).as_posix())


def _sarif_rule(code: str) -> dict[str, Any]:
    rule = next(r for r in RULES if r.code == code)
    text = rule.summary
    doc = DOCS.get(code)  # every code has its row (tests/unit/test_docs_generated.py); never a crash here
    description, fix = (doc.description, doc.fix) if doc else (f"{text}.", "the message says what to change.")
    return {
        "id": rule.code,
        "name": rule.code,
        "shortDescription": {"text": text},
        "fullDescription": {"text": plain_text(description)},
        "help": {"text": f"{rule.code}: {plain_text(description)} Fix: {plain_text(fix)}",
                 "markdown": f"**{rule.code}**: {description}\n\n**Fix**: {fix}"},
        "helpUri": f"{DIAGNOSTICS_URL}#{code.lower()}",
        "defaultConfiguration": {"level": _SARIF_LEVELS[rule.severity]},
    }


def sarif_log(results: list[tuple[str, Finding]]) -> dict[str, Any]:
    """A SARIF 2.1.0 log: one run, one rule per diagnostic code (with its help), one result per finding."""
    index = {rule.code: i for i, rule in enumerate(RULES)}
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "servicestage-ls",
                "version": __version__,
                "informationUri": DIAGNOSTICS_URL,
                "rules": [_sarif_rule(rule.code) for rule in RULES],
            }},
            "columnKind": "unicodeCodePoints",
            "results": [{
                "ruleId": f.code,
                "ruleIndex": index[f.code],
                "level": _SARIF_LEVELS[f.severity],
                "message": {"text": printable(f.message)},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": _artifact_uri(path)},
                    "region": {"startLine": f.range.start[0] + 1, "startColumn": f.range.start[1] + 1,
                               "endLine": f.range.end[0] + 1, "endColumn": f.range.end[1] + 1},
                }}],
            } for path, f in results],
        }],
    }


# --- the command -----------------------------------------------------------------------------------------------


@dataclass
class _Tally:
    """What the files checked so far found: the findings kept for a JSON or SARIF report, and the counts."""

    found: list[tuple[str, Finding]] = field(default_factory=list)
    errors: int = 0
    warnings: int = 0
    checked: int = 0
    unchecked: int = 0  # too large to be validated (SS104)
    unreadable: bool = False


def run_check(paths: Sequence[str], fmt: str, out: TextIO, err: TextIO, *, stdin: BinaryIO | None = None,
              stdin_filename: str | None = None, allow_unchecked: bool = False, check_env: bool = False) -> int:
    """Check files (``-``: standard input, named ``stdin_filename`` in messages and for file matching).

    Exit 0 clean (warnings allowed), 1 errors found — or a file that was not validated (too large, SS104) unless
    ``allow_unchecked`` —, 2 usage or unreadable input. The summary counts only the files actually validated.
    Whether a `${NAME}` names a variable that is set is checked only with ``check_env`` (CI runners lack the
    variables the editor and the cloud commands have); a malformed reference is reported either way.
    """
    files = list(find_files(paths))
    tally = _Tally()
    for path in files:
        shown = (stdin_filename or STDIN_NAME) if path == STDIN else path
        text = _read(path, shown, tally, err, stdin=stdin, stdin_filename=stdin_filename)
        if text is not None:
            _check_one(text, shown, fmt, tally, out, check_env)
    _report(fmt, tally, allow_unchecked, out)
    if not files:
        err.write("no matching files found (*.servicestage.yaml, *.servicestage.yml, servicestage.yaml, "
                  "servicestage.yml)\n")
        return EXIT_USAGE
    if tally.unreadable:
        return EXIT_USAGE
    return EXIT_FINDINGS if tally.errors or (tally.unchecked and not allow_unchecked) else EXIT_OK


def _read(path: str, shown: str, tally: _Tally, err: TextIO, *, stdin: BinaryIO | None,
          stdin_filename: str | None) -> str | None:
    """The text to check, or None (said on ``err``) when it is not to be checked or cannot be read."""
    try:
        if path == STDIN:
            if stdin_filename and not matches(stdin_filename, DEFAULT_FILES):
                err.write(f"{shown}: not checked: the name does not match *.servicestage.yaml, "
                          "*.servicestage.yml, servicestage.yaml or servicestage.yml\n")
                return None
            if stdin is None:
                raise Unreadable("no standard input")
            return read_stream(stdin)
        return read_text(path)
    except Unreadable as exc:
        tally.unreadable = True
        err.write(f"{shown}: error: {exc}\n")
        return None


def _check_one(text: str, shown: str, fmt: str, tally: _Tally, out: TextIO, check_env: bool = False) -> None:
    """Check one text: its findings counted, and printed now (text, github) or kept for the report (json, sarif)."""
    with collector.paused():
        model = parse(text)
        found_here = check(model)
    if not check_env:  # an unset variable is the environment's business, not the file's
        found_here = [f for f in found_here if not (f.code == "SS142" and (f.data or {}).get("unset"))]
    if any(p.code == "SS104" for p in model.problems):
        tally.unchecked += 1
    else:
        tally.checked += 1
    for f in found_here:
        if f.severity == Severity.ERROR:
            tally.errors += 1
        elif f.severity == Severity.WARNING:
            tally.warnings += 1
        if fmt in ("json", "sarif"):
            tally.found.append((shown, f))
        else:
            out.write(_format(shown, f, fmt) + "\n")


def _report(fmt: str, tally: _Tally, allow_unchecked: bool, out: TextIO) -> None:
    """After the last file: the JSON list, the SARIF log, or the text summary (github has none)."""
    if fmt == "json":
        json.dump([{
            "file": path,
            "line": f.range.start[0] + 1,
            "column": f.range.start[1] + 1,
            "endLine": f.range.end[0] + 1,
            "endColumn": f.range.end[1] + 1,
            "severity": _SEVERITY_NAMES[f.severity],
            "code": f.code,
            "message": f.message,
        } for path, f in tally.found], out, indent=2)
        out.write("\n")
    elif fmt == "sarif":
        json.dump(sarif_log(tally.found), out, indent=2)
        out.write("\n")
    elif fmt == "text":
        summary = (f"{_plural(tally.errors, 'error')}, {_plural(tally.warnings, 'warning')} in "
                   f"{_plural(tally.checked, 'file')} checked")
        if tally.unchecked:
            summary += (f"; {_plural(tally.unchecked, 'file')} not checked (too large: SS104)"
                        + ("" if allow_unchecked else ", which fails the check unless --allow-unchecked is given"))
        out.write(summary + "\n")
