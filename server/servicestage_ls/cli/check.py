"""``servicestage-ls check``: the editor's diagnostics for files and directories, for CI."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from typing import TextIO

from servicestage_ls.core import collector
from servicestage_ls.core.document import parse
from servicestage_ls.core.files import matches
from servicestage_ls.core.rules import Finding, check
from servicestage_ls.core.schema import Severity
from servicestage_ls.core.settings import DEFAULT_FILES

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
MAX_FILE_BYTES = 64 * 1024 * 1024
SKIPPED_DIRS = {".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".tox"}
_SEVERITY_NAMES = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFORMATION: "info",
                   Severity.HINT: "hint"}


class Unreadable(Exception):
    """A file that cannot be checked; the message says why (never its content)."""


def find_files(paths: Sequence[str]) -> Iterator[str]:
    """Files named on the command line, and matching files below named directories (sorted)."""
    for path in paths:
        if os.path.isdir(path):
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
                for name in sorted(files):
                    full = os.path.join(root, name)
                    # Regular files only: opening a FIFO (or a device) found by the walk would block forever.
                    if matches(full, DEFAULT_FILES) and os.path.isfile(full):
                        yield full
        else:
            yield path


def read_text(path: str) -> str:
    try:
        size = os.path.getsize(path)
        if size > MAX_FILE_BYTES:
            raise Unreadable(f"file is {size:,} bytes, more than the {MAX_FILE_BYTES:,} that are read")
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise Unreadable("no such file") from None
    except IsADirectoryError:
        raise Unreadable("is a directory") from None
    except OSError as exc:
        raise Unreadable(exc.strerror or "cannot be read") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Unreadable(f"not UTF-8 text (invalid byte 0x{data[exc.start]:02x} at offset {exc.start})") from None


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


def run_check(paths: Sequence[str], fmt: str, out: TextIO, err: TextIO) -> int:
    files = list(find_files(paths))
    results: list[dict[str, object]] = []
    errors = warnings = 0
    unreadable = False
    for path in files:
        try:
            text = read_text(path)
        except Unreadable as exc:
            unreadable = True
            err.write(f"{path}: error: {exc}\n")
            continue
        with collector.paused():
            found = check(parse(text))
        for f in found:
            if f.severity == Severity.ERROR:
                errors += 1
            elif f.severity == Severity.WARNING:
                warnings += 1
            if fmt == "json":
                results.append({
                    "file": path,
                    "line": f.range.start[0] + 1,
                    "column": f.range.start[1] + 1,
                    "endLine": f.range.end[0] + 1,
                    "endColumn": f.range.end[1] + 1,
                    "severity": _SEVERITY_NAMES[f.severity],
                    "code": f.code,
                    "message": f.message,
                })
            else:
                out.write(_format(path, f, fmt) + "\n")
    if fmt == "json":
        json.dump(results, out, indent=2)
        out.write("\n")
    elif fmt == "text":
        checked = len(files)
        out.write(f"{errors} error(s), {warnings} warning(s) in {checked} file(s) checked\n")
    if not files:
        err.write("no matching files found (*.servicestage.yaml, *.servicestage.yml, servicestage.yaml, "
                  "servicestage.yml)\n")
        return EXIT_USAGE
    if unreadable:
        return EXIT_USAGE
    return EXIT_FINDINGS if errors else EXIT_OK
