"""Completion, hover, symbols and every quick fix through the real server, under both client presets."""

from __future__ import annotations

import itertools

import pytest
from lsprotocol import types as lsp

from helpers.lsp_session import (
    LITERAL_TOKEN,
    SECRET_TOKEN_VALUE,
    RecordingClient,
    apply_text_edits,
    change_document,
    codes,
    diagnostics,
    open_document,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

HEADER = "project_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789\nregion: cn-north-4\nauthorizations:\n"
ENTRY = "  - name: token1\n    repo_type: github\n    token: ${GITHUB_TOKEN}\n"
_counter = itertools.count()


def new_uri() -> str:
    return f"file:///work/features/file{next(_counter)}.servicestage.yaml"


def doc(uri: str) -> lsp.TextDocumentIdentifier:
    return lsp.TextDocumentIdentifier(uri=uri)


async def test_completion_of_repo_type_values(client: RecordingClient) -> None:
    uri = new_uri()
    text = HEADER + "  - name: token1\n    repo_type: \n"
    open_document(client, uri, text)
    result = await client.text_document_completion_async(lsp.CompletionParams(doc(uri), lsp.Position(4, 15)))
    items = result.items if isinstance(result, lsp.CompletionList) else result
    assert items is not None
    assert [i.label for i in items][:2] == ["github", "gitlab"]


async def test_completion_of_missing_keys_while_the_yaml_is_broken(client: RecordingClient) -> None:
    uri = new_uri()
    text = HEADER + "  - name: token1\n    repo_t\n  - {name: [broken\n"
    open_document(client, uri, text)
    result = await client.text_document_completion_async(lsp.CompletionParams(doc(uri), lsp.Position(4, 10)))
    items = result.items if isinstance(result, lsp.CompletionList) else result
    assert items is not None
    labels = [i.label for i in items]
    assert "repo_type" in labels and "name" not in labels  # only keys not yet present


async def test_token_completion_offers_names_never_values(client: RecordingClient) -> None:
    uri = new_uri()
    open_document(client, uri, HEADER + "  - name: token1\n    repo_type: github\n    token: \n")
    result = await client.text_document_completion_async(lsp.CompletionParams(doc(uri), lsp.Position(5, 11)))
    items = result.items if isinstance(result, lsp.CompletionList) else result
    assert items is not None
    assert "${GITHUB_TOKEN}" in [i.label for i in items]
    assert SECRET_TOKEN_VALUE not in repr(items)


async def test_hover_on_a_key_and_on_a_reference(client: RecordingClient) -> None:
    uri = new_uri()
    open_document(client, uri, HEADER + ENTRY + "    status: 1\n")
    on_status = await client.text_document_hover_async(lsp.HoverParams(doc(uri), lsp.Position(6, 13)))
    assert on_status is not None and isinstance(on_status.contents, lsp.MarkupContent)
    assert "overdue" in on_status.contents.value
    on_token = await client.text_document_hover_async(lsp.HoverParams(doc(uri), lsp.Position(5, 15)))
    assert on_token is not None and isinstance(on_token.contents, lsp.MarkupContent)
    assert "`GITHUB_TOKEN` is **set**" in on_token.contents.value
    assert SECRET_TOKEN_VALUE not in on_token.contents.value


async def test_document_symbols(client: RecordingClient) -> None:
    uri = new_uri()
    open_document(client, uri, HEADER + ENTRY + ENTRY.replace("token1", "token2").replace("github", "gitlab"))
    symbols = await client.text_document_document_symbol_async(lsp.DocumentSymbolParams(doc(uri)))
    assert symbols is not None
    if isinstance(symbols[0], lsp.DocumentSymbol):
        names = [s.name for s in symbols]
        assert names == ["project_id", "region", "authorizations"]
        auth = symbols[2]
        assert isinstance(auth, lsp.DocumentSymbol) and auth.children is not None
        assert [(c.name, c.detail) for c in auth.children] == [("token1", "github"), ("token2", "gitlab")]
    else:
        assert [s.name for s in symbols] == ["project_id", "region", "authorizations", "token1", "token2"]


FIXES = {
    "SS110": (HEADER + ENTRY + "    avatar: https://a/b.png\n", "avartar"),
    "SS111": (HEADER + "  - name: token1\n    repo_type: github\n", "token"),
    "SS121": (HEADER.replace("cn-north-4", "cn-nort-4") + ENTRY, "cn-north-4"),
    "SS132": (HEADER + ENTRY.replace("github", "githib"), "github"),
    "SS140": (HEADER + ENTRY.replace("${GITHUB_TOKEN}", LITERAL_TOKEN), "${GITHUB_TOKEN}"),
}


@pytest.mark.parametrize("code", sorted(FIXES))
async def test_each_quick_fix_applied_revalidates_clean(client: RecordingClient, code: str) -> None:
    text, expected_in_result = FIXES[code]
    uri = new_uri()
    open_document(client, uri, text)
    (diagnostic,) = [d for d in await diagnostics(client, uri) if d.code == code]
    actions = await client.text_document_code_action_async(
        lsp.CodeActionParams(doc(uri), diagnostic.range, lsp.CodeActionContext(diagnostics=[diagnostic]))
    )
    fixes = [a for a in actions or [] if isinstance(a, lsp.CodeAction) and a.kind == lsp.CodeActionKind.QuickFix]
    assert len(fixes) == 1, actions
    edit = fixes[0].edit
    assert edit is not None
    edits = [e for c in edit.document_changes or [] if isinstance(c, lsp.TextDocumentEdit) for e in c.edits] + \
        [e for es in (edit.changes or {}).values() for e in es]
    fixed = apply_text_edits(text, edits, client.encoding)  # type: ignore[arg-type]
    assert expected_in_result in fixed
    change_document(client, uri, 2, [lsp.TextDocumentContentChangeWholeDocument(text=fixed)], fixed)
    assert codes(await diagnostics(client, uri)) == []
