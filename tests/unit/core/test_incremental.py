"""Incremental parsing: after any edit, the cached build equals a fresh build of the same text."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from servicestage_ls.core.document import ParseCache, parse
from servicestage_ls.core.model import Mapping, Model, Node, Scalar, Sequence, node_range
from servicestage_ls.core.rules import RuleCache, check

ENV = {"GITHUB_TOKEN": "x"}


def shape(node: Node | None, base: int) -> Any:
    if node is None:
        return None
    rng = node_range(node, base)
    if isinstance(node, Scalar):
        return ("scalar", node.value, node.tag, rng)
    if isinstance(node, Mapping):
        return ("map", rng, tuple((shape(p.key, base), shape(p.value, base)) for p in node.pairs))
    if isinstance(node, Sequence):
        return ("seq", rng, tuple(shape(i, base) for i in node.items))
    return (node.kind, rng)


def snapshot(model: Model) -> Any:
    auth = model.authorizations
    return (
        model.lines,
        model.root_kind,
        [(p.code, p.message, p.range) for p in model.problems],
        [(t.key_text, shape(t.key, t.base), shape(t.value, t.base) if t is not auth else None) for t in model.top],
        (shape(auth.key, auth.base), node_range(auth.value, auth.base)) if auth is not None else None,
        [(e.index, e.first_line, e.last_line, shape(e.node, e.base)) for e in model.entries],
        model.top_incomplete,
    )


def findings(found: list[Any]) -> list[Any]:
    return [(f.code, f.message, f.range, f.severity, f.data, f.related) for f in found]


ENTRY = st.sampled_from([
    "  - name: token{i}\n    repo_type: github\n    token: ${{GITHUB_TOKEN}}\n",
    "  - name: tok{i}   # comment\n    repo_type: githib\n    token: ghp_x\n\n",
    "  - {{name: flow{i}, repo_type: gitlab, token: \"${{GITLAB_TOKEN}}\"}}\n",
    "  # a comment line\n  - name: dup\n    repo_type: gitlab\n    status: 1\n",
    "  - name: blk{i}\n    token: |\n      multi\n      line\n    host: https://github.com/x\n",
])
TAIL = st.sampled_from(["", "endpoint: https://example.com\n", "# trailing comment\n", "zzz: 1\n"])
INSERTS = st.sampled_from(["x", "\n", "  - ", "  - name: new\n", "#", '"', "'", "{", "}", ":", " ", "\t", "é😀",
                           "\n    repo_type: gitlab", "&a ", "*a", "- ", "\r\n", "---\n", "    name: other\n", ""])


@st.composite
def documents(draw: st.DrawFn) -> str:
    entries = draw(st.lists(ENTRY, min_size=1, max_size=6))
    body = "".join(e.format(i=i) for i, e in enumerate(entries))
    return "project_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789\nregion: cn-north-4\nauthorizations:\n" + body + draw(TAIL)


@st.composite
def edits(draw: st.DrawFn, text: str) -> tuple[int, int, str]:
    start = draw(st.integers(0, len(text)))
    end = draw(st.integers(start, min(len(text), start + 12)))
    return start, end, draw(INSERTS)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[str, list[tuple[int, int, str]]]:
    text = draw(documents())
    steps = []
    current = text
    for _ in range(draw(st.integers(1, 5))):
        start, end, insert = draw(edits(current))
        steps.append((start, end, insert))
        current = current[:start] + insert + current[end:]
    return text, steps


def assert_same_as_fresh(text: str, steps: list[tuple[int, int, str]]) -> None:
    cache, rules = ParseCache(), RuleCache()
    check(cache.build(text), rules, ENV)
    for start, end, insert in steps:
        text = text[:start] + insert + text[end:]
        incremental = cache.build(text)
        fresh = parse(text)
        assert snapshot(incremental) == snapshot(fresh)
        assert findings(check(incremental, rules, ENV)) == findings(check(fresh, None, ENV))


BASE = ("project_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789\nregion: cn-north-4\nauthorizations:\n"
        "  - name: token0\n    repo_type: github\n    token: ${GITHUB_TOKEN}\n"
        "  - name: token1\n    repo_type: github\n    token: ${GITHUB_TOKEN}\n"
        "  - name: token2\n    repo_type: github\n    token: ${GITHUB_TOKEN}\n")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(scenarios())
@example((BASE, [(BASE.index("token1"), BASE.index("token1"), "\n  - name: split\n")]))
@example((BASE, [(BASE.index("  - name: token1"), BASE.index("  - name: token1") + 4, "")]))
@example((BASE, [(BASE.index("token2"), BASE.index("token2"), '"')]))
@example(("project_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789\nregion: cn-north-4\nauthorizations:\n  - name: blk0\n"
          "    token: |\n      multi\n      line\n    host: https://github.com/x\n  - name: token1\n"
          "    repo_type: github\n    token: ${GITHUB_TOKEN}\n  - name: token2\n    repo_type: github\n"
          "    token: ${GITHUB_TOKEN}\n", [(245, 245, "  - "), (95, 95, "\n")]))  # a moved error names its line
@example((BASE, [(BASE.index("token0"), BASE.index("token0"), "&a "), (BASE.index("token2") + 3, BASE.index("token2") + 3, " *a")]))
def test_incremental_build_equals_fresh_build(scenario: tuple[str, list[tuple[int, int, str]]]) -> None:
    assert_same_as_fresh(*scenario)


def test_an_edit_inside_one_entry_reuses_the_others() -> None:
    text = BASE + "".join(f"  - name: token{i}\n    repo_type: github\n    token: ${{GITHUB_TOKEN}}\n" for i in (3, 4))
    cache = ParseCache()
    first = cache.build(text)
    second = cache.build(text.replace("name: token2\n", "name: token2x\n"))
    # Entries away from the edit are the same objects; the neighbours are re-cut but their parse is cached.
    assert second.entries[0] is first.entries[0]
    assert second.entries[4] is first.entries[4]
    assert second.entries[1].node is first.entries[1].node
    assert second.entries[3].node is first.entries[3].node
    assert second.entries[2].name == "token2x"
    third = cache.build(text.replace("name: token2\n", "name: token2\n    host: https://github.com/a\n"))
    assert third.entries[4].node is first.entries[4].node
    assert third.entries[4].first_line == first.entries[4].first_line + 1
