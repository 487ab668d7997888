"""The fast path for simple entries gives exactly what PyYAML gives, or steps aside."""

from __future__ import annotations

from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from servicestage_ls.core.model import Mapping, Node, Scalar, Sequence, split_lines
from servicestage_ls.core.yamlparse import ParsedText, _fast_item, parse_text


def shape(node: Node) -> Any:
    if isinstance(node, Scalar):
        return ("scalar", node.value, node.tag, node.style, node.start, node.end)
    if isinstance(node, Mapping):
        return ("map", node.flow, node.start, node.end, [(shape(p.key), shape(p.value)) for p in node.pairs])
    if isinstance(node, Sequence):
        return ("seq", node.flow, node.start, node.end, [shape(i) for i in node.items])
    return (node.kind, node.start, node.end)


def parsed_shape(parsed: ParsedText) -> Any:
    return ([shape(r) for r in parsed.roots], parsed.error)


KEYS = st.sampled_from(["name", "repo_type", "token", "host", "status", "on", "null", "yes", "k", "_x", "a1"])
VALUES = st.one_of(
    st.sampled_from([
        "token1", "github", "${GITHUB_TOKEN}", "https://github.com/x?y=1&z=2#f", "0", "1", "-1", "+1", ".5",
        "1e3", "0x1F", "0o17", "1_000", "2001-12-14", "2001-12-14t21:59:43.10-05:00", "null", "Null", "~", "true",
        "Yes", "off", ".inf", ".NaN", "a:b", "a:", "a#b", "x,y", "@x", "=", "a{b}", "a}", "$", "/x", "..", "1:20",
        "ghp_abc", "glpat-x_y.z", "a%20b", "a?b", "a&b", "a=b", "a~b", "a+b", "a@b", "a-", "x.", "1.0", "0.",
    ]),
    st.text(alphabet="abcXYZ019_$/.:@+=~%?&-{}#,", min_size=1, max_size=8),
)
SPACES = st.sampled_from([" ", "  ", "   "])
COMMENT = st.sampled_from(["", " # c", "  #c", " #", "#no-space"])
TRAIL = st.sampled_from(["", " ", "  "])


@st.composite
def items(draw: st.DrawFn) -> str:
    indent = draw(st.sampled_from(["", "  ", "    "]))
    after_dash = draw(SPACES)
    key_col = len(indent) + 1 + len(after_dash)
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    lines = [f"{indent}-{after_dash}{draw(KEYS)}:{draw(SPACES)}{draw(VALUES)}{draw(COMMENT)}{draw(TRAIL)}"]
    for _ in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from(["pair", "pair", "pair", "comment", "blank", "odd-indent"]))
        if kind == "pair":
            lines.append(f"{' ' * key_col}{draw(KEYS)}:{draw(SPACES)}{draw(VALUES)}{draw(COMMENT)}{draw(TRAIL)}")
        elif kind == "comment":
            lines.append(f"{' ' * draw(st.integers(0, 6))}# note")
        elif kind == "blank":
            lines.append(" " * draw(st.integers(0, 3)))
        else:
            lines.append(f"{' ' * (key_col + draw(st.sampled_from([-1, 1, 2])))}{draw(KEYS)}: {draw(VALUES)}")
    text = eol.join(lines)
    return text + eol if draw(st.booleans()) else text


@settings(max_examples=1500, deadline=None, derandomize=True)
@given(items())
@example("  - name: token1\n    repo_type: github\n    token: ${GITHUB_TOKEN}\n")
@example("  - name: a\n    b: 1")
@example("  - name: a  # c\n    b: 1   \n  # comment\n\n")
@example("  -   name: a\n      b: x:y\r\n")
def test_fast_path_matches_pyyaml_or_steps_aside(text: str) -> None:
    fast = _fast_item(text)
    if fast is not None:
        assert parsed_shape(fast) == parsed_shape(parse_text(text))
    # The same with the lines the model has already split (document.py passes them: no second split per entry).
    lines = split_lines(text)[0]
    with_lines = _fast_item(text, lines[:-1] if text.endswith("\n") else lines)
    assert (with_lines is None) == (fast is None)
    if fast is not None and with_lines is not None:
        assert parsed_shape(with_lines) == parsed_shape(fast)


def test_a_typical_entry_takes_the_fast_path() -> None:
    assert _fast_item("  - name: token1\n    repo_type: github\n    token: ${GITHUB_TOKEN}\n"
                      "    host: https://github.com/x\n    status: 0  # normal\n") is not None


def test_anything_unusual_goes_to_pyyaml() -> None:
    for text in ['  - name: "quoted"\n', "  - {name: a}\n", "  - name:\n", "  - name: a b\n", "  - n: [1]\n",
                 "  - name: é\n", "  - name: a\n    nested:\n      x: 1\n", "  - name: a\n\tb: 1\n", "  -\n    a: 1\n"]:
        assert _fast_item(text) is None, text
