"""Code-point columns ↔ the client's encoding, on lines with ASCII, 2-, 3- and 4-byte characters."""

from __future__ import annotations

import pytest

from servicestage_ls.lsp.positions import from_client_column, to_client_column

LINE = "a é 中 😀 z"  # 😀 is outside the BMP: two UTF-16 units, four UTF-8 bytes


@pytest.mark.parametrize(("column", "utf16", "utf8", "utf32"), [
    (0, 0, 0, 0),
    (2, 2, 2, 2),   # before é
    (3, 3, 4, 3),   # after é (2 bytes)
    (5, 5, 8, 5),   # after 中 (3 bytes)
    (7, 8, 13, 7),  # after 😀 (4 bytes, 2 units)
    (9, 10, 15, 9),  # the end
])
def test_columns_convert_both_ways(column: int, utf16: int, utf8: int, utf32: int) -> None:
    for encoding, units in (("utf-16", utf16), ("utf-8", utf8), ("utf-32", utf32)):
        assert to_client_column(LINE, column, encoding) == units
        assert from_client_column(LINE, units, encoding) == column


def test_a_position_inside_a_character_snaps_to_its_start() -> None:
    assert from_client_column(LINE, 7, "utf-16") == 6  # between the two units of 😀
    assert from_client_column(LINE, 10, "utf-8") == 6  # inside the four bytes of 😀
    assert from_client_column(LINE, 3, "utf-8") == 2  # inside é


def test_columns_past_the_end_are_clamped_and_negative_ones_are_zero() -> None:
    assert to_client_column(LINE, 99, "utf-16") == 10
    assert from_client_column(LINE, 99, "utf-16") == 9
    assert from_client_column(LINE, -1, "utf-8") == 0
    assert to_client_column("abc", 7, "utf-8") == 3
    assert from_client_column("abc", 7, "utf-8") == 3
