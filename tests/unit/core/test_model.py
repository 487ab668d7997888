"""The model's own readings: an entry's status as written back, and absolute ranges of nodes inside chunks."""

from __future__ import annotations

import pytest

from servicestage_ls.core.document import parse
from servicestage_ls.core.model import Entry, Model, Range

HEAD = "project_id: 0123456789abcdef0123456789abcdef\nauthorizations:\n"


def _entry(body: str, index: int = 0) -> tuple[Model, Entry]:
    model = parse(HEAD + body)
    return model, model.entries[index]


@pytest.mark.parametrize(("written", "status"), [
    ("status: 3\n", 3),
    ("status: 0\n", 0),
    ('status: "3"\n', None),
    ("status: -1\n", None),
    ("status: x\n", None),
    ("status:\n", None),
    ("", None),
])
def test_status_is_read_only_as_plain_digits(written: str, status: int | None) -> None:
    _, entry = _entry("  - name: a\n    " + written)
    assert entry.status == status


def test_range_of_is_absolute_in_every_chunk() -> None:
    model, second = _entry("  - name: a\n    repo_type: github\n  - name: bb\n    repo_type: gitlab\n", 1)
    name = second.mapping.get("name").value
    assert second.range_of(name) == Range((4, 10), (4, 12))
    assert model.lines[4][10:12] == "bb"
    item = model.authorizations
    assert item.range_of(item.key) == Range((1, 0), (1, 14))
