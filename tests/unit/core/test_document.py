"""The document model: exact ranges (code points, LSP lines), chunk caching, and hostile input."""

from __future__ import annotations

import time

import pytest

from servicestage_ls.core.document import ParseCache, parse
from servicestage_ls.core.model import MAX_TEXT_CHARS, Mapping, Range, Scalar, node_range, split_lines

EXAMPLE = """\
# header
project_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789   # tenant
region: cn-north-4
authorizations:
  # first
  - name: token1
    repo_type: github
    token: ${GITHUB_TOKEN}
  - {name: tok2, repo_type: gitlab, token: x}

  - name: "token3"
    repo_type: gitlab
"""


def test_split_lines_follows_lsp_line_breaks_only() -> None:
    text = "a\r\nb\rc\nd\u2028e\x85f\x0cg"
    lines, starts = split_lines(text)
    assert lines == ["a", "b", "c", "d\u2028e\x85f\x0cg"]
    assert starts == [0, 3, 5, 7]


def test_top_level_keys_and_entries_have_exact_ranges() -> None:
    model = parse(EXAMPLE)
    assert model.root_kind == "mapping"
    assert [t.key_text for t in model.top] == ["project_id", "region", "authorizations"]
    project = model.top[0]
    assert node_range(project.key, project.base) == Range((1, 0), (1, 10))
    assert node_range(project.value, project.base) == Range((1, 12), (1, 44))
    region = model.top[1]
    assert node_range(region.value, region.base) == Range((2, 8), (2, 18))
    assert [e.name for e in model.entries] == ["token1", "tok2", "token3"]
    assert [(e.first_line, e.last_line) for e in model.entries] == [(5, 7), (8, 9), (10, 12)]
    flow = model.entries[1]
    assert isinstance(flow.node, Mapping) and flow.node.flow
    name = flow.scalar("name")
    assert name is not None and node_range(name, flow.base) == Range((8, 11), (8, 15))
    quoted = model.entries[2].scalar("name")
    assert quoted is not None and quoted.style == '"'
    assert node_range(quoted, model.entries[2].base) == Range((10, 10), (10, 18))


def test_ranges_count_code_points_after_non_ascii_text() -> None:
    text = "region: cn-north-4\nauthorizations:\n  - name: 名前😀x\n    repo_type: github\n"
    model = parse(text)
    entry = model.entries[0]
    name = entry.scalar("name")
    assert name is not None
    assert name.value == "名前😀x"
    assert node_range(name, entry.base) == Range((2, 10), (2, 14))
    repo_type = entry.scalar("repo_type")
    assert repo_type is not None and node_range(repo_type, entry.base) == Range((3, 15), (3, 21))


def test_crlf_lines_do_not_shift_columns() -> None:
    text = "region: cn-north-4\r\nauthorizations:\r\n  - name: abcd\r\n    repo_type: githib\r\n"
    model = parse(text)
    repo_type = model.entries[0].scalar("repo_type")
    assert repo_type is not None
    assert node_range(repo_type, model.entries[0].base) == Range((3, 15), (3, 21))
    assert model.lines[3] == "    repo_type: githib"


def test_unicode_line_separator_is_not_a_line_break() -> None:
    text = 'region: "a\u2028b"\nauthorizations: []\n'
    model = parse(text)
    assert len(model.lines) == 3
    item = model.top_item("authorizations")
    assert item is not None and node_range(item.key, item.base) == Range((1, 0), (1, 14))


def test_syntax_error_in_one_entry_keeps_the_others() -> None:
    model = parse(EXAMPLE.replace("tok2,", "tok2,,"))
    assert [p.code for p in model.problems] == ["SS100"]
    assert model.problems[0].range == Range((8, 16), (8, 17))
    assert [e.name for e in model.entries] == ["token1", None, "token3"]
    assert model.entries[1].node is None


def test_unterminated_quote_points_at_where_it_opened() -> None:
    model = parse(EXAMPLE.replace('"token3"', '"token3'))
    (problem,) = model.problems
    assert problem.code == "SS100"
    assert problem.range == Range((10, 10), (10, 17))
    assert "found unexpected end of stream" in problem.message
    assert "line 11" in problem.message


def test_aliases_across_top_level_keys_use_the_whole_text() -> None:
    model = parse("region: &r cn-north-4\nendpoint: *r\nauthorizations: []\n")
    assert model.problems == []
    assert model.top_value("endpoint") == "cn-north-4"


def test_second_document_is_reported() -> None:
    model = parse("region: cn-north-4\n---\nregion: cn-north-1\n")
    assert [(p.code, p.range) for p in model.problems] == [("SS103", Range((1, 0), (1, 3)))]


def test_leading_document_marker_is_fine() -> None:
    model = parse("---\nregion: cn-north-4\nauthorizations: []\n")
    assert model.problems == []
    assert model.top_value("region") == "cn-north-4"


def test_compact_sequence_at_column_zero() -> None:
    model = parse("authorizations:\n- name: abcd\n  repo_type: github\n- name: efgh\n")
    assert [e.name for e in model.entries] == ["abcd", "efgh"]
    assert [(e.first_line, e.last_line) for e in model.entries] == [(1, 2), (3, 4)]


@pytest.mark.parametrize("text", ["", "# only a comment\n", "\n\n"])
def test_empty_documents(text: str) -> None:
    model = parse(text)
    assert model.root_kind == "empty"
    assert model.problems == []


def test_wrong_root_kind() -> None:
    assert parse("- a\n- b\n").root_kind == "sequence"
    assert parse("just text\n").root_kind == "scalar"


def test_cache_reparses_only_the_edited_entry() -> None:
    entry = "  - name: token{i}\n    repo_type: github\n    token: ${{GITHUB_TOKEN}}\n"
    text = "region: cn-north-4\nauthorizations:\n" + "".join(entry.format(i=i) for i in range(200))
    cache = ParseCache()
    first = cache.build(text)
    edited = text.replace("name: token100\n", "name: token100x\n")
    second = cache.build(edited)
    assert second.entries[100].name == "token100x"
    # Unchanged entries are the very same nodes: they were not parsed again.
    assert second.entries[99].node is first.entries[99].node
    assert second.entries[101].node is first.entries[101].node
    assert second.entries[100].node is not first.entries[100].node


def test_inserted_line_shifts_later_entries_without_reparsing() -> None:
    text = "authorizations:\n  - name: abcd\n  - name: efgh\n"
    cache = ParseCache()
    first = cache.build(text)
    second = cache.build("# new comment\n" + text)
    assert second.entries[1].node is first.entries[1].node
    assert second.entries[1].base == first.entries[1].base + 1
    name = second.entries[1].scalar("name")
    assert name is not None and node_range(name, second.entries[1].base) == Range((3, 10), (3, 14))


def test_alias_bomb_stays_small_and_fast() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    start = time.perf_counter()
    model = parse("\n".join(lines) + "\n")
    assert time.perf_counter() - start < 5
    assert model.problems == []
    assert len(model.top) == 9


def test_deep_nesting_is_a_syntax_error_not_a_crash() -> None:
    model = parse("a: " + "[" * 10_000 + "]" * 10_000 + "\n")
    assert [p.code for p in model.problems] == ["SS100"]
    block = "- " * 10_000 + "x\n"
    assert [p.code for p in parse(block).problems] == ["SS100"]


def test_huge_text_is_not_parsed() -> None:
    model = parse("a: " + "x" * (MAX_TEXT_CHARS + 1))
    assert [p.code for p in model.problems] == ["SS104"]
    assert model.top == []


@pytest.mark.parametrize(
    "text",
    ["\x00\x01\x02binary", "key: \ufffd\ufffd", "\t\tindented: with tabs\n", "a: [\n", "{{{{", "key: 'open\n",
     "? complex\n: key\n", "a: !!binary AAAA\n", "&a [*a]\n"],
)
def test_hostile_text_gives_problems_or_nothing(text: str) -> None:
    model = parse(text)
    assert all(p.code in {"SS100", "SS103", "SS104"} for p in model.problems)


def test_scalar_repr_never_shows_the_value() -> None:
    model = parse("authorizations:\n  - token: ghp_secretvalue\n")
    token = model.entries[0].scalar("token")
    assert isinstance(token, Scalar)
    assert "ghp_secretvalue" not in repr(token)
