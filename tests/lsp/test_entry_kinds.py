"""The kinds of entry through the real server, under the VS Code, Neovim and eglot 1.9 client presets: the new
codes with their exact ranges and messages, their quick fixes applied, completion, hover (a password never shown)
and the outline."""

from __future__ import annotations

import itertools

import pytest
from lsprotocol import types as lsp

from helpers.lsp_session import (
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
# The password's variable is one the test server's environment sets (helpers.lsp_session.SECRET_ENV).
PASSWORD = ("  - name: pw-one\n    kind: password\n    repo_type: bitbucket\n    user: tom\n"
            "    password: ${GITHUB_TOKEN}\n")
_counter = itertools.count()


def new_uri() -> str:
    return f"file:///work/kinds/file{next(_counter)}.servicestage.yaml"


def doc(uri: str) -> lsp.TextDocumentIdentifier:
    return lsp.TextDocumentIdentifier(uri=uri)


def plain(client: RecordingClient) -> bool:
    """Whether the client accepts only plain text (eglot 1.9 without markdown-mode)."""
    return client.capabilities is not None and client.capabilities.text_document is not None \
        and client.capabilities.text_document.hover is not None \
        and list(client.capabilities.text_document.hover.content_format or []) == [lsp.MarkupKind.PlainText]


def rng(l1: int, c1: int, l2: int, c2: int) -> lsp.Range:
    return lsp.Range(lsp.Position(l1, c1), lsp.Position(l2, c2))


async def quick_fixes(client: RecordingClient, uri: str, diagnostic: lsp.Diagnostic) -> list[lsp.CodeAction]:
    actions = await client.text_document_code_action_async(
        lsp.CodeActionParams(doc(uri), diagnostic.range, lsp.CodeActionContext(diagnostics=[diagnostic])))
    return [a for a in actions or [] if isinstance(a, lsp.CodeAction) and a.kind == lsp.CodeActionKind.QuickFix]


def applied(client: RecordingClient, text: str, action: lsp.CodeAction) -> str:
    edit = action.edit
    assert edit is not None
    edits = [e for c in edit.document_changes or [] if isinstance(c, lsp.TextDocumentEdit) for e in c.edits] + \
        [e for es in (edit.changes or {}).values() for e in es]
    return apply_text_edits(text, edits, client.encoding)  # type: ignore[arg-type]


async def test_each_kind_is_valid_and_its_keys_are_checked(client: RecordingClient) -> None:
    uri = new_uri()
    text = HEADER + PASSWORD + "  - name: oauth-one\n    kind: oauth\n    repo_type: devcloud\n    tag: intl\n"
    open_document(client, uri, text)
    assert codes(await diagnostics(client, uri)) == []
    wrong = text.replace("    password: ${GITHUB_TOKEN}\n", "    token: ${GITHUB_TOKEN}\n") + "    token: x\n"
    change_document(client, uri, 2, [lsp.TextDocumentContentChangeWholeDocument(text=wrong)], wrong)
    found = [(d.code, d.range, d.message) for d in await diagnostics(client, uri)]
    assert [code for code, *_ in found] == ["SS111", "SS136", "SS136", "SS140"]
    assert found[1] == ("SS136", rng(7, 4, 7, 9), "`token` is a key of a personal-token entry, not of a password "
                                                  "entry: a password entry holds `user` and `password`; rename "
                                                  "`token` to `password`")
    assert found[2] == ("SS136", rng(12, 4, 12, 9), "`token` is a key of a personal-token entry, not of an OAuth "
                                                    "entry: an OAuth entry holds no secret (ServiceStage keeps the "
                                                    "grant made in the browser); remove it")


async def test_a_token_under_kind_password_is_renamed_by_its_quick_fix(client: RecordingClient) -> None:
    uri = new_uri()
    text = HEADER + PASSWORD.replace("    password:", "    token:")
    open_document(client, uri, text)
    (diagnostic,) = [d for d in await diagnostics(client, uri) if d.code == "SS136"]
    (fix,) = await quick_fixes(client, uri, diagnostic)
    assert fix.title == "Rename 'token' to 'password'"
    fixed = applied(client, text, fix)
    assert fixed == HEADER + PASSWORD
    change_document(client, uri, 2, [lsp.TextDocumentContentChangeWholeDocument(text=fixed)], fixed)
    assert codes(await diagnostics(client, uri)) == []


async def test_a_repo_type_of_other_kinds_offers_each_way_out(client: RecordingClient) -> None:
    uri = new_uri()
    text = HEADER + "  - name: token1\n    repo_type: bitbucket\n    token: ${GITHUB_TOKEN}\n"
    open_document(client, uri, text)
    (diagnostic,) = await diagnostics(client, uri)
    assert (diagnostic.code, diagnostic.range) == ("SS134", rng(4, 15, 4, 24))
    fixes = await quick_fixes(client, uri, diagnostic)
    assert [f.title for f in fixes] == ["Make it a password entry (kind: password)",
                                        "Make it an OAuth entry (kind: oauth)", "Change to 'github'",
                                        "Change to 'gitlab'"]
    fixed = applied(client, text, fixes[2])
    change_document(client, uri, 2, [lsp.TextDocumentContentChangeWholeDocument(text=fixed)], fixed)
    assert codes(await diagnostics(client, uri)) == []


async def test_completion_follows_the_kind(client: RecordingClient) -> None:
    uri = new_uri()
    open_document(client, uri, HEADER + "  - name: pw-one\n    kind: password\n    repo_type: \n")
    result = await client.text_document_completion_async(lsp.CompletionParams(doc(uri), lsp.Position(5, 15)))
    items = result.items if isinstance(result, lsp.CompletionList) else result
    assert [i.label for i in sorted(items or [], key=lambda i: i.sort_text or "")] == ["devcloud", "bitbucket"]
    result = await client.text_document_completion_async(lsp.CompletionParams(doc(uri), lsp.Position(4, 10)))
    items = result.items if isinstance(result, lsp.CompletionList) else result
    assert [i.label for i in sorted(items or [], key=lambda i: i.sort_text or "")] == [
        "personal", "password", "oauth"]


async def test_hover_on_a_password_never_shows_it(client: RecordingClient) -> None:
    uri = new_uri()
    open_document(client, uri, HEADER + PASSWORD)
    hover = await client.text_document_hover_async(lsp.HoverParams(doc(uri), lsp.Position(7, 18)))
    assert hover is not None and isinstance(hover.contents, lsp.MarkupContent)
    assert hover.range == rng(7, 14, 7, 29)
    if plain(client):
        assert hover.contents.value == (
            "password from the environment variable GITHUB_TOKEN\n\nGITHUB_TOKEN is set in the language server's "
            "environment; its value is read when Create authorization runs and is never shown.")
    else:
        assert hover.contents.value == (
            "**password** from the environment variable `GITHUB_TOKEN`\n\n`GITHUB_TOKEN` is **set** in the language "
            "server's environment; its value is read when *Create authorization* runs and is never shown.")
    assert SECRET_TOKEN_VALUE not in hover.contents.value


async def test_the_outline_names_each_entrys_kind(client: RecordingClient) -> None:
    uri = new_uri()
    open_document(client, uri, HEADER + PASSWORD + "  - name: oauth-one\n    kind: oauth\n    repo_type: github\n")
    symbols = await client.text_document_document_symbol_async(lsp.DocumentSymbolParams(doc(uri)))
    assert symbols is not None
    if isinstance(symbols[0], lsp.DocumentSymbol):
        auth = symbols[2]
        assert isinstance(auth, lsp.DocumentSymbol) and auth.children is not None
        assert [(c.name, c.detail) for c in auth.children] == [("pw-one", "bitbucket · password"),
                                                                ("oauth-one", "github · OAuth")]
    else:
        assert [s.name for s in symbols] == ["project_id", "region", "authorizations", "pw-one", "oauth-one"]

