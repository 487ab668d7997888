"""Columns in code points (the core's unit) ↔ the client's position encoding (UTF-16 by default)."""

from __future__ import annotations

ENCODINGS = ("utf-16", "utf-8", "utf-32")


def _units(char: str, encoding: str) -> int:
    code = ord(char)
    if encoding == "utf-16":
        return 2 if code > 0xFFFF else 1
    if encoding == "utf-8":
        return 1 if code < 0x80 else 2 if code < 0x800 else 3 if code < 0x10000 else 4
    return 1


def to_client_column(line: str, column: int, encoding: str) -> int:
    """Code-point column → client units on this line (columns past the end are clamped to it)."""
    column = min(column, len(line))
    if encoding == "utf-32" or line.isascii():
        return column
    prefix = line[:column]
    if encoding == "utf-16":
        return column + sum(1 for c in prefix if ord(c) > 0xFFFF)
    return len(prefix.encode("utf-8", "surrogatepass"))


def from_client_column(line: str, units: int, encoding: str) -> int:
    """Client units → code-point column; a position inside a character snaps to its start, past the end to it."""
    if units <= 0:
        return 0
    if encoding == "utf-32" or line.isascii():
        return min(units, len(line))
    count = 0
    for index, char in enumerate(line):
        width = _units(char, encoding)
        if count + width > units:
            return index
        count += width
    return len(line)
