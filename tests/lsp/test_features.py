"""Completion, hover, symbols and every quick fix through the real server, under the VS Code, Neovim and eglot 1.9
client presets (eglot 1.9 without markdown-mode accepts only plain text)."""

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


def plain(client: RecordingClient) -> bool:
    """Whether the client accepts only plain text (eglot 1.9 without markdown-mode)."""
    return client.capabilities is not None and client.capabilities.text_document is not None \
        and client.capabilities.text_document.hover is not None \
        and list(client.capabilities.text_document.hover.content_format or []) == [lsp.MarkupKind.PlainText]


async def test_hover_on_a_key_and_on_a_reference(client: RecordingClient) -> None:
    uri = new_uri()
    open_document(client, uri, HEADER + ENTRY + "    status: 1\n")
    on_status = await client.text_document_hover_async(lsp.HoverParams(doc(uri), lsp.Position(6, 13)))
    assert on_status is not None and isinstance(on_status.contents, lsp.MarkupContent)
    assert "overdue" in on_status.contents.value
    on_token = await client.text_document_hover_async(lsp.HoverParams(doc(uri), lsp.Position(5, 15)))
    assert on_token is not None and isinstance(on_token.contents, lsp.MarkupContent)
    if plain(client):
        assert on_token.contents.kind == lsp.MarkupKind.PlainText
        assert on_token.contents.value == (
            "token from the environment variable GITHUB_TOKEN\n\nGITHUB_TOKEN is set in the language server's "
            "environment; its value is read when Create authorization runs and is never shown."
        )
    else:
        assert on_token.contents.kind == lsp.MarkupKind.Markdown
        assert on_token.contents.value == (
            "**token** from the environment variable `GITHUB_TOKEN`\n\n`GITHUB_TOKEN` is **set** in the language "
            "server's environment; its value is read when *Create authorization* runs and is never shown."
        )
    assert SECRET_TOKEN_VALUE not in on_token.contents.value


async def test_hover_and_completion_documentation_in_the_clients_format(client: RecordingClient) -> None:
    """Markdown where the client accepts it; plain text (no `**`, backticks or links) where it does not."""
    uri = new_uri()
    open_document(client, uri, HEADER + ENTRY + "    status: 1\n    host: https://github.com/tom-repo\n    \n")
    on_key = await client.text_document_hover_async(lsp.HoverParams(doc(uri), lsp.Position(6, 6)))
    on_host = await client.text_document_hover_async(lsp.HoverParams(doc(uri), lsp.Position(7, 15)))
    result = await client.text_document_completion_async(lsp.CompletionParams(doc(uri), lsp.Position(8, 4)))
    items = result.items if isinstance(result, lsp.CompletionList) else result
    assert on_key is not None and on_host is not None and items is not None
    (repo_user,) = [i for i in items if i.label == "repo_user"]
    assert isinstance(on_key.contents, lsp.MarkupContent) and isinstance(on_host.contents, lsp.MarkupContent)
    if plain(client):
        assert (on_key.contents.kind, on_host.contents.kind) == (lsp.MarkupKind.PlainText, lsp.MarkupKind.PlainText)
        assert on_key.contents.value == (
            "status · integer · optional · written back by the server\n\nRepository authorization status: 0 normal, "
            "1 overdue, 2 unauthenticated. Written back by Create authorization and Refresh status."
        )
        assert on_host.contents.value == (
            "host: https://github.com/tom-repo\n\nThe repository address. The public github host."
        )
        # eglot 1.9 names no documentationFormat: a plain string.
        assert repo_user.documentation == (
            "repo_user · string · optional · written back by the server\n\nRepository username. Written back by "
            "Create authorization."
        )
    else:
        assert (on_key.contents.kind, on_host.contents.kind) == (lsp.MarkupKind.Markdown, lsp.MarkupKind.Markdown)
        assert on_key.contents.value == (
            "**status** · integer · optional · written back by the server\n\nRepository authorization status: "
            "0 normal, 1 overdue, 2 unauthenticated. Written back by *Create authorization* and *Refresh status*."
        )
        assert on_host.contents.value == (
            "**host**: <https://github.com/tom-repo>\n\nThe repository address. The public github host."
        )
        assert repo_user.documentation == lsp.MarkupContent(
            lsp.MarkupKind.Markdown,
            "**repo_user** · string · optional · written back by the server\n\nRepository username. Written back "
            "by *Create authorization*.",
        )


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
