"""Document symbols: top-level keys, and the entries of ``authorizations`` by name."""

from __future__ import annotations

from servicestage_ls.core import document
from servicestage_ls.core.model import Range
from servicestage_ls.core.symbols import Symbol, document_symbols


def test_symbol_tree_with_block_flow_unnamed_and_broken_entries() -> None:
    text = (
        "# servicestage\n"
        "project_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789\n"
        "region: cn-north-4\n"
        "authorizations:\n"
        "  - name: token1\n"
        "    repo_type: github\n"
        "    token: ${GITHUB_TOKEN}\n"
        "  # a comment after the entry\n"
        "  - {name: 名前🎉ab, repo_type: gitlab}\n"
        "  - repo_type: github\n"
        "  - name: [broken\n"
        "    repo_type: gitlab\n"
        "endpoint: https://x.example\n"
    )
    assert document_symbols(document.parse(text)) == [
        Symbol("project_id", "0a1b2c3d4e5f67890a1b2c3d4e5f6789", "key", Range((1, 0), (1, 44)),
               Range((1, 0), (1, 10))),
        Symbol("region", "cn-north-4", "key", Range((2, 0), (2, 18)), Range((2, 0), (2, 6))),
        Symbol(
            "authorizations", "4 entries", "list", Range((3, 0), (11, 21)), Range((3, 0), (3, 14)),
            (
                Symbol("token1", "github", "entry", Range((4, 2), (6, 26)), Range((4, 10), (4, 16))),
                Symbol("名前🎉ab", "gitlab", "entry", Range((8, 2), (8, 36)), Range((8, 11), (8, 16))),
                Symbol("(unnamed entry 3)", "github", "entry", Range((9, 2), (9, 21)), Range((9, 2), (9, 2))),
                Symbol("(unnamed entry 4)", None, "entry", Range((10, 2), (11, 21)), Range((10, 2), (10, 2))),
            ),
        ),
        Symbol("endpoint", "https://x.example", "key", Range((12, 0), (12, 27)), Range((12, 0), (12, 8))),
    ]


def test_flow_list_of_entries() -> None:
    text = "authorizations: [{name: abcd, repo_type: github}, {repo_type: gitlab}]\n"
    assert document_symbols(document.parse(text)) == [
        Symbol(
            "authorizations", "2 entries", "list", Range((0, 0), (0, 69)), Range((0, 0), (0, 14)),
            (
                Symbol("abcd", "github", "entry", Range((0, 17), (0, 48)), Range((0, 24), (0, 28))),
                Symbol("(unnamed entry 2)", "gitlab", "entry", Range((0, 50), (0, 69)), Range((0, 50), (0, 50))),
            ),
        )
    ]


def test_crlf_and_selection_inside_range() -> None:
    text = "authorizations:\r\n  - name: abcd\r\n    repo_type: github\r\n"
    (auth,) = document_symbols(document.parse(text))
    assert auth.detail == "1 entry"
    assert auth.range == Range((0, 0), (2, 21))
    (entry,) = auth.children
    assert entry.range == Range((1, 2), (2, 21))
    assert entry.selection_range == Range((1, 10), (1, 14))
    assert entry.range.contains(entry.selection_range.start) and entry.range.contains(entry.selection_range.end)


def test_empty_document_has_no_symbols() -> None:
    assert document_symbols(document.parse("")) == []
    assert document_symbols(document.parse("# only a comment\n")) == []


def test_token_shaped_names_keys_and_values_are_redacted_in_the_outline() -> None:
    pasted = "ghp_" + "a1B2c3D4e5" * 4
    text = (f"{pasted}: 1\nregion: {pasted}\nauthorizations:\n  - name: {pasted}\n    repo_type: glpat-{'q' * 20}\n")
    symbols = document_symbols(document.parse(text))
    assert [(s.name, s.detail) for s in symbols] == [("ghp_…", "1"), ("region", "ghp_…"),
                                                     ("authorizations", "1 entry")]
    assert [(s.name, s.detail) for s in symbols[2].children] == [("ghp_…", "glpat-…")]
