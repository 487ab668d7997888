"""Property: random documents and random incremental edits never desynchronise or crash the server.

One real server per client preset (VS Code: UTF-16 positions, pushed diagnostics; Neovim that accepts
refreshes: UTF-8 positions, pulled diagnostics), a fresh uri per example. After every ``didChange`` the server
must answer diagnostics, completion, hover, code actions and document symbols without an error; every range it
returns must lie inside the client's current text (in the negotiated encoding, never splitting a character);
and what it reports must equal what the core computes locally on the client's text — so the server's copy of
the text is the client's.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
import pytest_lsp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lsprotocol import types as lsp

from helpers.lsp_session import assert_no_secrets, open_document
from reliability.conftest import (
    LITERAL_SECRETS,
    SECRET_VALUES,
    ReliabilityClient,
    assert_no_traceback,
    assert_range_inside,
    code_point_position,
    current_diagnostics,
    lsp_lines,
    offset_to_position,
    reliability_config,
    server_environment,
    start_session,
)
from servicestage_ls.core import completion, document, hover, rules
from servicestage_ls.core.model import Range

pytestmark = pytest.mark.asyncio(loop_scope="module")

ENV = server_environment()
_uris = itertools.count()

PRESETS = ["visual-studio-code", "neovim+pull"]  # UTF-16 and pushed; UTF-8 and pulled


@pytest_lsp.fixture(params=PRESETS, config=reliability_config(), scope="module")
async def client(request: pytest.FixtureRequest, lsp_client: ReliabilityClient):
    await start_session(lsp_client, request.param)
    yield
    await lsp_client.shutdown_session()
    # Literal tokens are cut and pasted at random here (a key or a name may end up holding one), so only the
    # environment's secrets are checked; test_secrets.py places literal tokens deliberately.
    assert_no_secrets(lsp_client, SECRET_VALUES)
    assert_no_traceback(lsp_client)


# --- strategies ----------------------------------------------------------------------------------------------

LINES = [
    "project_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789",
    "project_id: 0A1B",
    "region: cn-north-4",
    "region: cn-nort-4  # 注释",
    "endpoint: http://127.0.0.1:8080",
    "authorizations:",
    "authorizations: []",
    "  - name: token1",
    "  - name: token1",
    "  - name: 名前😀",
    "  -",
    "    repo_type: github",
    "    repo_type: gitlab",
    "    repo_type: gitee",
    "    token: ${GITHUB_TOKEN}",
    "    token: ${REL_GITLAB_TOKEN}",
    "    token: ${UNSET_RELIABILITY_VAR}",
    "    token: ${bad",
    f"    token: {LITERAL_SECRETS[0]}",
    f"    token: '{LITERAL_SECRETS[1]}'",
    "    host: https://github.com/x",
    "    host: http://gitlab.com/😀",
    "    status: 1",
    "    status: normal",
    "    create_time: 1700000000000",
    "    avatar: https://a/b.png",
    "    repo_user: 名前𝄞",
    '  - {name: 名前😀, repo_type: githib, token: "${GITHUB_TOKEN}"}',
    "  - {name: tok",
    "  - name: token2\t# 注释 🎉",
    "\t- name: tab",
    "# comment 😀𝄞",
    "",
    "   ",
    "---",
    "...",
    "%YAML 1.1",
    "key: [unclosed",
    "x: &a {a: 1}",
    "y: *a",
    "z: *missing",
    "  - &e {name: token9, repo_type: github, token: x}",
    "  - *e",
    "s: |",
    "  literal 😀",
    "q: 'unterminated",
    "? complex",
    ": value",
    "é: \u00e9\u0301",
    "nul: a\x00b",
    "nel: a\x85b\u2028c\u2029d\x0cé",
    "bom: \ufeff",
]
BREAKS = ["\n", "\n", "\n", "\r\n", "\r"]
JUNK = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=6)
FRAGMENTS = st.one_of(
    st.sampled_from(["", "\n", "\r\n", "\r", "\t", " ", "😀", "名前", "𝄞", "é", "- ", ": ", "#", "'", '"', "{", "}",
                     "[", "]", "${", "}", "&a ", "*a", "---\n", "\r\n  - name: ", "\n    token: ", "github",
                     LITERAL_SECRETS[2], "\x00", "\u2028", "\x85", "\ud800", "\udfff"]),  # lone surrogates too
    JUNK,
    st.lists(st.sampled_from(LINES), min_size=1, max_size=3).map(lambda ls: "\n".join(ls) + "\n"),
)


@st.composite
def documents(draw: st.DrawFn) -> str:
    parts: list[str] = []
    for _ in range(draw(st.integers(0, 14))):
        if draw(st.integers(0, 5)) == 0:
            parts.append(draw(JUNK))
        else:
            parts.append(draw(st.sampled_from(LINES)))
        parts.append(draw(st.sampled_from(BREAKS)))
    if parts and draw(st.booleans()):
        parts.pop()  # no final line break
    return "".join(parts)


def _boundaries(text: str) -> list[int]:
    """Code-point offsets a client position can name: anywhere but between \\r and \\n."""
    return [i for i in range(len(text) + 1) if not (0 < i < len(text) and text[i - 1] == "\r" and text[i] == "\n")]


def _special(text: str) -> list[int]:
    """Line ends, line starts and the end of the file: where edits most often go wrong."""
    out = {0, len(text)}
    for i, c in enumerate(text):
        if c in "\r\n":
            out.add(i)
            out.add(i + 1)
    return sorted(b for b in out if b in set(_boundaries(text)))


def draw_offset(data: st.DataObject, text: str) -> int:
    return data.draw(st.one_of(st.sampled_from(_special(text)), st.sampled_from(_boundaries(text))))


def draw_change(data: st.DataObject, text: str, encoding: str) -> tuple[lsp.TextDocumentContentChangeEvent, str]:
    """One change event against ``text`` and the text after it."""
    if data.draw(st.integers(0, 19)) == 0:
        new = data.draw(documents())
        return lsp.TextDocumentContentChangeWholeDocument(text=new), new
    start = draw_offset(data, text)
    kind = data.draw(st.sampled_from(["insert", "delete", "replace"]))
    end = start
    if kind != "insert":
        later = [b for b in _boundaries(text) if start <= b <= start + 60]
        end = data.draw(st.sampled_from(later))
    new_text = "" if kind == "delete" else data.draw(FRAGMENTS)
    rng = lsp.Range(offset_to_position(text, start, encoding), offset_to_position(text, end, encoding))
    if data.draw(st.integers(0, 9)) == 0:
        rng = lsp.Range(rng.end, rng.start)  # reversed: the server swaps it, so does the client here
    return lsp.TextDocumentContentChangePartial(range=rng, text=new_text), text[:start] + new_text + text[end:]


# --- what the server must say ----------------------------------------------------------------------------------


def expected_diagnostics(text: str, encoding: str) -> list[tuple[Any, ...]]:
    model = document.parse(text)
    assert model.lines == lsp_lines(text)
    out = []
    for f in rules.check(model, None, ENV):
        rng = _lsp_range(model.lines, f.range, encoding)
        related = tuple(_key(_lsp_range(model.lines, r.range, encoding)) for r in f.related)
        out.append((f.code, _key(rng), related))
    return sorted(out)


def _lsp_range(lines: list[str], rng: Range, encoding: str) -> lsp.Range:
    return lsp.Range(code_point_position(lines, rng.start, encoding), code_point_position(lines, rng.end, encoding))


def _key(rng: lsp.Range) -> tuple[int, int, int, int]:
    return (rng.start.line, rng.start.character, rng.end.line, rng.end.character)


def got_diagnostics(found: list[lsp.Diagnostic]) -> list[tuple[Any, ...]]:
    return sorted(
        (d.code, _key(d.range), tuple(_key(r.location.range) for r in d.related_information or []))
        for d in found
    )


async def check_step(client: ReliabilityClient, uri: str, version: int, text: str, data: st.DataObject) -> None:
    encoding = client.encoding
    lines = lsp_lines(text)
    found = await current_diagnostics(client, uri, version)
    for d in found:
        assert_range_inside(lines, d.range, encoding, f"diagnostic {d.code}")
        for r in d.related_information or []:
            assert r.location.uri == uri
            assert_range_inside(lines, r.location.range, encoding, f"related information of {d.code}")
    assert got_diagnostics(found) == expected_diagnostics(text, encoding), repr(text)

    model = document.parse(text)
    offset = draw_offset(data, text)
    position = offset_to_position(text, offset, encoding)
    cp = (position.line, len(lsp_lines(text[:offset])[-1]))
    doc = lsp.TextDocumentIdentifier(uri)

    result = await client.text_document_completion_async(lsp.CompletionParams(doc, position))
    items = [] if result is None else result.items if isinstance(result, lsp.CompletionList) else result
    local = completion.complete(model, cp, snippets=_snippets(client), env=ENV)
    assert [i.label for i in items] == [c.label for c in local], repr(text)
    for item, want in zip(items, local):
        edit = item.text_edit
        if edit is not None:
            rng = edit.range if isinstance(edit, lsp.TextEdit) else edit.replace
            assert_range_inside(lines, rng, encoding, f"completion {item.label!r}")
            assert want.replace is not None and rng == _lsp_range(model.lines, want.replace, encoding)

    info = await client.text_document_hover_async(lsp.HoverParams(doc, position))
    want_hover = hover.hover(model, cp, ENV)
    if want_hover is None:
        assert info is None, repr(text)
    else:
        assert info is not None and info.range is not None, repr(text)
        assert_range_inside(lines, info.range, encoding, "hover")
        assert info.range == _lsp_range(model.lines, want_hover.range, encoding)
        assert isinstance(info.contents, lsp.MarkupContent) and info.contents.value == want_hover.markdown

    whole = lsp.Range(lsp.Position(0, 0), offset_to_position(text, len(text), encoding))
    actions = await client.text_document_code_action_async(
        lsp.CodeActionParams(doc, whole, lsp.CodeActionContext(diagnostics=found))
    )
    for action in actions or []:
        # lsprotocol's client converter reads a CodeAction that carries a command as a Command: skip those.
        edit = action.edit if isinstance(action, lsp.CodeAction) else None
        if edit is None:
            continue
        for change in edit.document_changes or []:
            assert isinstance(change, lsp.TextDocumentEdit)
            for e in change.edits:
                assert_range_inside(lines, e.range, encoding, f"code action {action.title!r}")
        for edits in (edit.changes or {}).values():
            for e in edits:
                assert_range_inside(lines, e.range, encoding, f"code action {action.title!r}")

    found_symbols = await client.text_document_document_symbol_async(lsp.DocumentSymbolParams(doc))
    stack = list(found_symbols or [])
    while stack:
        s = stack.pop()
        if isinstance(s, lsp.DocumentSymbol):
            assert_range_inside(lines, s.range, encoding, f"symbol {s.name!r}")
            assert_range_inside(lines, s.selection_range, encoding, f"symbol {s.name!r}")
            stack.extend(s.children or [])
        else:
            assert_range_inside(lines, s.location.range, encoding, f"symbol {s.name!r}")


def _snippets(client: ReliabilityClient) -> bool:
    td = client.capabilities.text_document if client.capabilities else None
    item = td and td.completion and td.completion.completion_item
    return bool(item and item.snippet_support)


async def run_session(client: ReliabilityClient, text: str, data: st.DataObject, steps: int) -> None:
    uri = f"file:///work/reliability/sync{next(_uris)}.servicestage.yaml"
    open_document(client, uri, text, version=1)
    await check_step(client, uri, 1, text, data)
    for version in range(2, steps + 2):
        changes = []
        for _ in range(data.draw(st.integers(1, 3), label="changes in this didChange")):
            change, text = draw_change(data, text, client.encoding)
            changes.append(change)
        client.text_document_did_change(
            lsp.DidChangeTextDocumentParams(lsp.VersionedTextDocumentIdentifier(uri=uri, version=version), changes)
        )
        await check_step(client, uri, version, text, data)
    client.text_document_did_close(lsp.DidCloseTextDocumentParams(lsp.TextDocumentIdentifier(uri)))


PROFILE = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)


@PROFILE
@given(text=documents(), data=st.data())
async def test_random_edits_keep_the_server_in_sync(client: ReliabilityClient, text: str, data: st.DataObject) -> None:
    await run_session(client, text, data, steps=data.draw(st.integers(1, 8), label="didChange count"))


# --- fixed cases: shapes that matter (and examples that once failed) --------------------------------------------


FIXED: list[tuple[str, list[tuple[int, int, str]]]] = [
    # (document, [(start offset, end offset, new text)]) — offsets in code points of the text at that step.
    ("region: cn-north-4\r\nauthorizations:\r\n  - name: 名前😀\r\n", [(44, 44, "x"), (0, 0, "\r")]),
    ("a: 1\rb: 2\r", [(5, 5, "\n"), (4, 6, "")]),  # insert \n after a lone CR: the lines merge
    ("authorizations:\n  - name: 😀😀😀\n", [(26, 28, "𝄞"), (16, 31, ""), (0, 99, "")]),
    ("", [(0, 0, "region: cn-north-4"), (18, 18, "\r\n"), (20, 20, "authorizations:\r\n  - name: x\r\n")]),
    ("k: v\n\n\n", [(7, 7, "x"), (5, 7, ""), (4, 6, "\r")]),
    ("a\x85b\u2028c: 1\n", [(1, 2, ""), (4, 4, "\u2029")]),  # NEL/LS/PS are not LSP line breaks
    # A lone surrogate made libyaml raise UnicodeEncodeError (document.parse_text): now an SS100.
    ("authorizations:\n  - name: a\ud800b\n", [(27, 28, ""), (27, 27, "\udc00"), (0, 0, "\ud83d")]),
]


@pytest.mark.parametrize("index", range(len(FIXED)))
async def test_fixed_edit_sequences(client: ReliabilityClient, index: int) -> None:
    text, edits = FIXED[index]
    uri = f"file:///work/reliability/fixed{next(_uris)}.servicestage.yaml"
    open_document(client, uri, text)
    assert got_diagnostics(await current_diagnostics(client, uri, 1)) == expected_diagnostics(text, client.encoding)
    for version, (start, end, new) in enumerate(edits, start=2):
        start, end = min(start, len(text)), min(end, len(text))
        encoding = client.encoding
        rng = lsp.Range(offset_to_position(text, start, encoding), offset_to_position(text, end, encoding))
        text = text[:start] + new + text[end:]
        client.text_document_did_change(
            lsp.DidChangeTextDocumentParams(lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
                                            [lsp.TextDocumentContentChangePartial(range=rng, text=new)])
        )
        found = await current_diagnostics(client, uri, version)
        for d in found:
            assert_range_inside(lsp_lines(text), d.range, client.encoding, f"diagnostic {d.code}")
        assert got_diagnostics(found) == expected_diagnostics(text, client.encoding)
