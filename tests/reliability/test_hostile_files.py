"""Hostile files through the language server and through ``servicestage-ls check``.

Every sample of the corpus (``tests/corpus`` plus big ones generated into tmp: 10 MB, a 1 MB line, 10,000
entries, thousands of duplicate keys, 10,000 nesting levels, alias bombs, junk) must be answered within a hang
guard (generous: this is not a benchmark) with diagnostics or nothing, with bounded memory, and without a
traceback in the server's stderr or an error in ``window/logMessage``. The CLI must exit 0/1/2 as documented,
say clearly why it refuses a file, and print nothing but its result lines.
"""

from __future__ import annotations

import asyncio

import pytest
import pytest_lsp
from lsprotocol import types as lsp

from helpers.lsp_session import open_document
from reliability import corpus
from reliability.conftest import (
    ALL_SECRETS,
    ReliabilityClient,
    assert_no_traceback,
    assert_range_inside,
    assert_secrets_absent,
    lsp_lines,
    reliability_config,
    rss_mb,
    server_pid,
    start_session,
    units,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

HANG_GUARD_SECONDS = 15.0
MAX_RSS_MB = 600.0
SAMPLES = corpus.samples()
IDS = [s.name.removesuffix(".servicestage.yaml") for s in SAMPLES]


@pytest_lsp.fixture(config=reliability_config(), scope="module")
async def client(lsp_client: ReliabilityClient):
    await start_session(lsp_client, "neovim+pull")  # pulls diagnostics: each answer can be timed on its own
    yield
    await lsp_client.shutdown_session()
    assert_secrets_absent(lsp_client.everything_received(), ALL_SECRETS)
    assert_no_traceback(lsp_client)


async def _timed(what: str, awaitable):  # noqa: ANN001, ANN202 - a thin timing wrapper
    loop = asyncio.get_running_loop()
    start = loop.time()
    result = await asyncio.wait_for(awaitable, HANG_GUARD_SECONDS * 2)
    elapsed = loop.time() - start
    assert elapsed < HANG_GUARD_SECONDS, f"{what} took {elapsed:.1f} s"
    return result


def _positions(text: str, encoding: str) -> list[lsp.Position]:
    """Where a user might put the cursor: the start, the middle, the end, inside the longest line."""
    lines = lsp_lines(text)
    longest = max(range(len(lines)), key=lambda i: len(lines[i]))
    middle = len(lines) // 2
    picks = [(0, 0), (middle, min(3, len(lines[middle]))), (len(lines) - 1, len(lines[-1])),
             (longest, len(lines[longest]) // 2), (longest, len(lines[longest]))]
    return [lsp.Position(line, units(lines[line][:col], encoding)) for line, col in picks]


EXPECTED_CODES = {
    "ten-megabytes": {"SS104"},
    "nested-flow-10000": {"SS100"},
    "nested-flow-map-10000": {"SS100"},
    "nested-block-10000": {"SS100"},
    "nested-block-mappings": {"SS100"},
    "nul-bytes": {"SS100"},
    "duplicate-keys": {"SS101"},
}


@pytest.mark.parametrize("sample", SAMPLES, ids=IDS)
async def test_the_server_answers_every_hostile_file(client: ReliabilityClient, sample: corpus.Sample) -> None:
    data = sample.load()
    text = corpus.as_editor_text(data)
    stderr_mark, received_mark = len(client.stderr_lines), len(client.received)
    uri = f"file:///work/hostile/{sample.file_name}"
    encoding = client.encoding
    lines = lsp_lines(text)
    doc = lsp.TextDocumentIdentifier(uri)

    open_document(client, uri, text)
    report = await _timed("diagnostics after open", client.text_document_diagnostic_async(
        lsp.DocumentDiagnosticParams(text_document=doc)))
    assert isinstance(report, lsp.RelatedFullDocumentDiagnosticReport)
    for d in report.items:
        assert_range_inside(lines, d.range, encoding, f"diagnostic {d.code}")
    name = sample.name.removesuffix(".servicestage.yaml")
    if name in EXPECTED_CODES:
        assert EXPECTED_CODES[name] <= {str(d.code) for d in report.items}
    if name == "ten-megabytes":
        assert [d.code for d in report.items] == ["SS104"]

    for position in _positions(text, encoding):
        found = await _timed(f"completion at {position}",
                             client.text_document_completion_async(lsp.CompletionParams(doc, position)))
        items = [] if found is None else found.items if isinstance(found, lsp.CompletionList) else found
        for item in items:
            edit = item.text_edit
            if edit is not None:
                assert_range_inside(lines, edit.range if isinstance(edit, lsp.TextEdit) else edit.replace,
                                    encoding, f"completion {item.label!r}")
        info = await _timed(f"hover at {position}", client.text_document_hover_async(lsp.HoverParams(doc, position)))
        if info is not None and info.range is not None:
            assert_range_inside(lines, info.range, encoding, "hover")
    symbols = await _timed("document symbols", client.text_document_document_symbol_async(
        lsp.DocumentSymbolParams(doc)))
    assert symbols is None or isinstance(symbols, list)
    actions = await _timed("code actions", client.text_document_code_action_async(lsp.CodeActionParams(
        doc, lsp.Range(lsp.Position(0, 0), lsp.Position(len(lines) - 1, 0)),
        lsp.CodeActionContext(diagnostics=list(report.items)[:200]))))
    assert actions is None or isinstance(actions, (list, tuple))

    # An edit in the middle (typing one character), then the whole text deleted: both answered in time.
    middle = lsp.Position(len(lines) // 2, 0)
    client.text_document_did_change(lsp.DidChangeTextDocumentParams(
        lsp.VersionedTextDocumentIdentifier(uri=uri, version=2),
        [lsp.TextDocumentContentChangePartial(range=lsp.Range(middle, middle), text="x")]))
    report = await _timed("diagnostics after an edit", client.text_document_diagnostic_async(
        lsp.DocumentDiagnosticParams(text_document=doc)))
    assert isinstance(report, lsp.RelatedFullDocumentDiagnosticReport)
    lines[middle.line] = "x" + lines[middle.line]
    end = lsp.Position(len(lines) - 1, units(lines[-1], encoding))
    client.text_document_did_change(lsp.DidChangeTextDocumentParams(
        lsp.VersionedTextDocumentIdentifier(uri=uri, version=3),
        [lsp.TextDocumentContentChangePartial(range=lsp.Range(lsp.Position(0, 0), end), text="")]))
    report = await _timed("diagnostics after deleting everything", client.text_document_diagnostic_async(
        lsp.DocumentDiagnosticParams(text_document=doc)))
    assert isinstance(report, lsp.RelatedFullDocumentDiagnosticReport)
    for d in report.items:
        assert_range_inside([""], d.range, encoding, f"diagnostic {d.code} of the empty text")
    client.text_document_did_close(lsp.DidCloseTextDocumentParams(doc))

    current, peak = rss_mb(server_pid(client))
    assert peak < MAX_RSS_MB, f"server peak RSS {peak:.0f} MiB"
    assert current < MAX_RSS_MB, f"server RSS {current:.0f} MiB"
    assert_no_traceback(client, stderr_mark, received_mark)


async def test_the_server_is_still_healthy_after_the_corpus(client: ReliabilityClient) -> None:
    uri = "file:///work/hostile/after.servicestage.yaml"
    open_document(client, uri, corpus.HEADER + corpus.ENTRY.format(i=1).replace("github", "githib"))
    report = await client.text_document_diagnostic_async(
        lsp.DocumentDiagnosticParams(text_document=lsp.TextDocumentIdentifier(uri)))
    assert [d.code for d in report.items] == ["SS132"]
    current, peak = rss_mb(server_pid(client))
    assert peak < MAX_RSS_MB and current < MAX_RSS_MB

