"""Diagnostics end to end: one test per code, exact ranges in UTF-16, CRLF, non-matching files."""

from __future__ import annotations

import itertools

import pytest
from lsprotocol import types as lsp

from helpers.lsp_session import (
    LITERAL_TOKEN,
    RecordingClient,
    change_document,
    codes,
    column,
    diagnostics,
    open_document,
    pulls,
    wait_until,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

HEADER = "project_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789\nregion: cn-north-4\nauthorizations:\n"
ENTRY = "  - name: token1\n    repo_type: github\n    token: ${GITHUB_TOKEN}\n"
_counter = itertools.count()


def new_uri(suffix: str = ".servicestage.yaml") -> str:
    return f"file:///work/project/file{next(_counter)}{suffix}"


def rng(sl: int, sc: int, el: int, ec: int) -> lsp.Range:
    return lsp.Range(lsp.Position(sl, sc), lsp.Position(el, ec))


CASES = {
    "SS100": (HEADER + "  - name: [token1\n", rng(3, 10, 3, 17)),
    "SS101": (HEADER.replace("region: cn-north-4\n", "region: cn-north-4\nregion: cn-north-1\n") + ENTRY,
              rng(2, 0, 2, 6)),
    "SS102": (HEADER + "  - just a string\n", rng(3, 4, 3, 17)),
    "SS103": (HEADER + ENTRY + "---\nregion: cn-north-1\n", rng(6, 0, 6, 3)),
    "SS110": (HEADER + ENTRY + "    avatar: https://a/b.png\n", rng(6, 4, 6, 10)),
    "SS111": (HEADER + "  - name: token1\n    repo_type: github\n", rng(3, 4, 3, 8)),
    "SS112": (HEADER + ENTRY + "    status: normal\n", rng(6, 12, 6, 18)),
    "SS120": (HEADER.replace("0a1b2c3d4e5f67890a1b2c3d4e5f6789", "0a1b") + ENTRY, rng(0, 12, 0, 16)),
    "SS121": (HEADER.replace("cn-north-4", "cn-nort-4") + ENTRY, rng(1, 8, 1, 17)),
    "SS122": (HEADER.replace("region: cn-north-4", "endpoint: http://example.com") + ENTRY, rng(1, 10, 1, 28)),
    "SS130": (HEADER + ENTRY.replace("token1", "abc"), rng(3, 10, 3, 13)),
    "SS131": (HEADER + ENTRY + ENTRY, rng(6, 10, 6, 16)),
    "SS132": (HEADER + ENTRY.replace("github", "githib"), rng(4, 15, 4, 21)),
    "SS133": (HEADER + ENTRY.replace("github", "gitee"), rng(4, 15, 4, 20)),
    "SS140": (HEADER + ENTRY.replace("${GITHUB_TOKEN}", LITERAL_TOKEN), rng(5, 11, 5, 11 + len(LITERAL_TOKEN))),
    "SS141": (HEADER + ENTRY.replace("${GITHUB_TOKEN}", "glpat-" + "a" * 20), rng(5, 11, 5, 37)),
    "SS142": (HEADER + ENTRY.replace("GITHUB_TOKEN", "UNSET_VARIABLE_FOR_TESTS"), rng(5, 11, 5, 38)),
    "SS150": (HEADER + ENTRY + "    host: http://github.com/x\n", rng(6, 10, 6, 29)),
    "SS151": (HEADER + ENTRY + "    host: https://gitlab.com/x\n", rng(6, 10, 6, 30)),
    "SS160": (HEADER + ENTRY + "    status: 1\n", rng(6, 12, 6, 13)),
    "SS143": (HEADER + ENTRY.replace("token1", LITERAL_TOKEN), rng(3, 10, 3, 10 + len(LITERAL_TOKEN))),
}


@pytest.mark.parametrize("code", sorted(CASES))
async def test_each_code_is_reported_with_its_exact_range(client: RecordingClient, code: str) -> None:
    text, expected = CASES[code]
    uri = new_uri()
    open_document(client, uri, text)
    found = [d for d in await diagnostics(client, uri) if d.code == code]
    assert len(found) == 1, codes(await diagnostics(client, uri))
    (diagnostic,) = found
    assert diagnostic.range == expected
    assert diagnostic.source == "servicestage"
    assert diagnostic.message
    if code in ("SS140", "SS143"):
        assert LITERAL_TOKEN not in diagnostic.message


async def test_a_clean_file_has_no_diagnostics(client: RecordingClient) -> None:
    uri = new_uri()
    open_document(client, uri, HEADER + ENTRY)
    assert await diagnostics(client, uri) == []


async def test_related_information_points_at_the_first_name(client: RecordingClient) -> None:
    uri = new_uri()
    open_document(client, uri, HEADER + ENTRY + ENTRY)
    (diagnostic,) = await diagnostics(client, uri)
    assert diagnostic.related_information is not None
    assert [(r.location.uri, r.location.range) for r in diagnostic.related_information] == [(uri, rng(3, 10, 3, 16))]


async def test_ranges_are_utf16_after_non_ascii_text(client: RecordingClient) -> None:
    uri = new_uri()
    text = HEADER + "  - {name: 名前😀, repo_type: githib, token: \"${GITHUB_TOKEN}\"}\n"
    open_document(client, uri, text)
    found = {d.code: d.range for d in await diagnostics(client, uri)}
    line = text.splitlines()[3]
    # 名前😀 is 3 code points, 4 UTF-16 units and 10 UTF-8 bytes: later columns follow the negotiated encoding.
    shift = {"utf-16": 1, "utf-8": 7, "utf-32": 0}[client.encoding]
    assert column(line, 14, client.encoding) == 14 + shift
    assert found["SS130"] == rng(3, 11, 3, 14 + shift)
    assert found["SS132"] == rng(3, 27 + shift, 3, 33 + shift)


async def test_crlf_file(client: RecordingClient) -> None:
    uri = new_uri()
    open_document(client, uri, (HEADER + ENTRY.replace("github", "githib")).replace("\n", "\r\n"))
    (diagnostic,) = await diagnostics(client, uri)
    assert (diagnostic.code, diagnostic.range) == ("SS132", rng(4, 15, 4, 21))


async def test_incremental_edits_update_diagnostics(client: RecordingClient) -> None:
    uri = new_uri()
    text = HEADER + ENTRY
    open_document(client, uri, text)
    assert await diagnostics(client, uri) == []
    edited = text.replace("repo_type: github", "repo_type: githux")
    change_document(client, uri, 2, [lsp.TextDocumentContentChangePartial(range=rng(4, 15, 4, 21), text="githux")],
                    edited)
    found = await diagnostics(client, uri)
    assert [(d.code, d.range) for d in found] == [("SS132", rng(4, 15, 4, 21))]
    # Typing on a line after a non-BMP character: the server converts UTF-16 columns.
    change_document(client, uri, 3, [lsp.TextDocumentContentChangePartial(range=rng(3, 16, 3, 16), text="😀")],
                    edited.replace("token1\n", "token1😀\n"))
    found = await diagnostics(client, uri)
    assert sorted(codes(found)) == ["SS130", "SS132"]


async def test_a_yaml_file_that_is_not_ours_gets_nothing(client: RecordingClient) -> None:
    uri = new_uri(".yaml")
    open_document(client, uri, "region: nowhere\nauthorizations: 1\n")
    other = new_uri()
    open_document(client, other, HEADER + ENTRY.replace("github", "githib"))
    assert codes(await diagnostics(client, other)) == ["SS132"]  # the server has processed both opens
    if pulls(client):
        assert await diagnostics(client, uri) == []
    else:
        assert uri not in client.diagnostics
    completion = await client.text_document_completion_async(
        lsp.CompletionParams(lsp.TextDocumentIdentifier(uri), lsp.Position(0, 8))
    )
    assert completion is None
    hover = await client.text_document_hover_async(
        lsp.HoverParams(lsp.TextDocumentIdentifier(uri), lsp.Position(0, 2))
    )
    assert hover is None


async def test_close_clears_diagnostics(client: RecordingClient) -> None:
    uri = new_uri()
    open_document(client, uri, HEADER + ENTRY.replace("github", "githib"))
    assert codes(await diagnostics(client, uri)) == ["SS132"]
    client.diagnostics.pop(uri, None)
    client.text_document_did_close(lsp.DidCloseTextDocumentParams(lsp.TextDocumentIdentifier(uri)))
    if pulls(client):
        # A pulling client drops a closed document's diagnostics itself; a pull for it now finds nothing.
        assert await diagnostics(client, uri) == []
    else:
        await wait_until(lambda: uri in client.diagnostics, "the cleared diagnostics")
        assert list(client.diagnostics[uri]) == []


@pytest.mark.parametrize("text, code, expected", [
    ("\ufeffregion: cn-nort-4\nauthorizations: []\n", "SS121", rng(0, 9, 0, 18)),
    ("\ufeffregion: cn-nort-4\rauthorizations: []\rproject_id: X\r", "SS120", rng(2, 12, 2, 13)),
    ("\ufeffregion: cn-nort-4\rauthorizations: []\rproject_id: X\r", "SS121", rng(0, 9, 0, 18)),
    ("\ufeff---\nregion: cn-nort-4\nproject_id: [\n", "SS100", rng(3, 0, 3, 0)),
    ("\ufeff{region: cn-nort-4}\n", "SS121", rng(0, 10, 0, 19)),
], ids=["line 0", "lone CRs, line 2", "lone CRs, line 0", "syntax error after ---", "flow"])
async def test_a_text_that_keeps_its_byte_order_mark_gets_the_ranges_of_its_text(
        client: RecordingClient, text: str, code: str, expected: lsp.Range) -> None:
    """A client that keeps U+FEFF: it is a character of line 0 (one UTF-16 unit, three UTF-8 bytes), so ranges on
    line 0 start after it; PyYAML's marks do not count it."""
    uri = new_uri()
    open_document(client, uri, text)
    found = [d.range for d in await diagnostics(client, uri) if d.code == code]
    shift = 2 if client.encoding == "utf-8" and expected.start.line == 0 else 0  # U+FEFF is 3 bytes, not 1
    assert found == [rng(expected.start.line, expected.start.character + shift, expected.end.line,
                         expected.end.character + shift)]


ALIASES = (HEADER + "x-defaults: &defaults\n  repo_type: github\n"
           "  - <<: *defaults\n    name: first-one\n    token: ${GITHUB_TOKEN}\n"
           "  - <<: *nosuch\n    name: second-one\n    token: ${GITHUB_TOKEN}\n"
           "  - <<: *defaults\n    name: third-one\n    token: ${GITHUB_TOKEN}\n").replace(
    "authorizations:\nx-defaults: &defaults\n  repo_type: github\n",
    "x-defaults: &defaults\n  repo_type: github\nauthorizations:\n")


async def test_only_the_undefined_alias_is_an_error_naming_it(client: RecordingClient) -> None:
    uri = new_uri()
    open_document(client, uri, ALIASES)
    found = [(d.code, d.range, d.message) for d in await diagnostics(client, uri) if d.code == "SS100"]
    assert found == [("SS100", rng(8, 8, 8, 15), "YAML syntax error: `*nosuch` is not defined; defined: defaults")]
