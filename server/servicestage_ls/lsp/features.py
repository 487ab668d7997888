"""The editor features of the pure core, each adapted to the protocol: pulled diagnostics, completion, hover,
code actions (the core's quick fixes, then what the other features add), document symbols and code lenses.

The core modules are imported when first used (and in the background after initialize: ``sync.FEATURE_MODULES``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from lsprotocol import types as lsp

from servicestage_ls.lsp.server import SOURCE, ServiceStageServer, log

if TYPE_CHECKING:
    from servicestage_ls.core import completion, symbols
    from servicestage_ls.core.model import Model
    from servicestage_ls.lsp.state import DocState

DIAGNOSTIC_OPTIONS = lsp.DiagnosticOptions(identifier=SOURCE, inter_file_dependencies=False,
                                           workspace_diagnostics=False)
COMPLETION_OPTIONS = lsp.CompletionOptions(trigger_characters=[":", " ", "$", "{", "-", "/"], resolve_provider=False)
CODE_ACTION_OPTIONS = lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix,
                                                               lsp.CodeActionKind.Refactor, lsp.CodeActionKind.Source])
CODE_LENS_OPTIONS = lsp.CodeLensOptions(resolve_provider=False)


def pull_diagnostics(ls: ServiceStageServer, params: lsp.DocumentDiagnosticParams) -> Any:
    state = ls.docs.get(params.text_document.uri)
    if state is None:
        return lsp.RelatedFullDocumentDiagnosticReport(items=[], result_id="none")
    diagnostics = ls.diagnostics_for(state)
    return lsp.RelatedFullDocumentDiagnosticReport(items=diagnostics, result_id=f"{state.version}")


def completion_list(ls: ServiceStageServer, params: lsp.CompletionParams) -> lsp.CompletionList | None:
    state = ls.docs.get(params.text_document.uri)
    if state is None:
        return None
    from servicestage_ls.core import completion

    model = state.model()
    pos = ls.from_lsp_position(model, params.position)
    found = completion.complete(model, pos, snippets=ls.client_supports_snippets(), env=ls.env)
    return lsp.CompletionList(is_incomplete=False, items=[_completion_item(ls, model, c) for c in found])


def hover(ls: ServiceStageServer, params: lsp.HoverParams) -> lsp.Hover | None:
    state = ls.docs.get(params.text_document.uri)
    if state is None:
        return None
    model = state.model()
    from servicestage_ls.core import hover

    info = hover.hover(model, ls.from_lsp_position(model, params.position), ls.env)
    if info is None:
        return None
    return lsp.Hover(
        contents=_markup(ls.hover_format(), info.markdown),
        range=ls.to_lsp_range(model, info.range),
    )


def code_actions(ls: ServiceStageServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction] | None:
    """The quick fixes of our diagnostics, then what the other features (``ls.features``) offer."""
    state = ls.docs.get(params.text_document.uri)
    if state is None:
        return None
    actions: list[lsp.CodeAction] = []
    only = params.context.only
    if not only or any(str(k).startswith("quickfix") for k in only):
        actions.extend(_quick_fixes(ls, state, params.context.diagnostics))
    for feature in ls.features:
        actions.extend(feature.code_actions(ls, state, params))
    return actions or None


def _quick_fixes(ls: ServiceStageServer, state: DocState,
                 diagnostics: Sequence[lsp.Diagnostic]) -> list[lsp.CodeAction]:
    model = state.model()
    actions: list[lsp.CodeAction] = []
    for diagnostic in diagnostics:
        if diagnostic.source != SOURCE or not isinstance(diagnostic.code, str):
            continue
        data = diagnostic.data if isinstance(diagnostic.data, dict) else None
        rng = ls.from_lsp_range(model, diagnostic.range)
        from servicestage_ls.core import fixes

        for fix in fixes.fixes_for(model, diagnostic.code, rng, data):
            edits = [lsp.TextEdit(ls.to_lsp_range(model, e.range), e.new_text) for e in fix.edits]
            actions.append(
                lsp.CodeAction(
                    title=fix.title,
                    kind=lsp.CodeActionKind.QuickFix,
                    diagnostics=[diagnostic],
                    is_preferred=fix.preferred or None,
                    edit=ls.workspace_edit(state, edits),
                )
            )
    return actions


def document_symbols(ls: ServiceStageServer, params: lsp.DocumentSymbolParams) -> Any:
    state = ls.docs.get(params.text_document.uri)
    if state is None:
        return None
    model = state.model()
    from servicestage_ls.core import symbols

    found = symbols.document_symbols(model)
    if ls.client_has_hierarchical_symbols():
        return [_document_symbol(ls, model, s) for s in found]
    flat: list[lsp.SymbolInformation] = []
    _flatten_symbols(ls, model, state.uri, found, None, flat)
    return flat


def code_lenses(ls: ServiceStageServer, params: lsp.CodeLensParams) -> list[lsp.CodeLens] | None:
    """The code lenses the other features (``ls.features``) put on the document."""
    state = ls.docs.get(params.text_document.uri)
    if state is None:
        return None
    return [lens for feature in ls.features for lens in feature.code_lenses(ls, state)]


def _markup(kind: lsp.MarkupKind, markdown: str) -> lsp.MarkupContent:
    if kind == lsp.MarkupKind.Markdown:
        return lsp.MarkupContent(kind=kind, value=markdown)
    from servicestage_ls.core.markup import plain_text

    return lsp.MarkupContent(kind=lsp.MarkupKind.PlainText, value=plain_text(markdown))


def _documentation(kind: lsp.MarkupKind | None, markdown: str | None) -> lsp.MarkupContent | str | None:
    if not markdown:
        return None
    if kind is None:
        from servicestage_ls.core.markup import plain_text

        return plain_text(markdown)
    return _markup(kind, markdown)


_COMPLETION_KINDS = {
    "key": lsp.CompletionItemKind.Property,
    "value": lsp.CompletionItemKind.EnumMember,
    "snippet": lsp.CompletionItemKind.Snippet,
    "reference": lsp.CompletionItemKind.Variable,
}


def _completion_item(ls: ServiceStageServer, model: Model, c: completion.Completion) -> lsp.CompletionItem:
    text_edit = None
    if c.replace is not None:
        text_edit = lsp.TextEdit(ls.to_lsp_range(model, c.replace), c.insert_text)
    return lsp.CompletionItem(
        label=c.label,
        kind=_COMPLETION_KINDS.get(c.kind, lsp.CompletionItemKind.Text),
        detail=c.detail,
        documentation=_documentation(ls.completion_documentation_format(), c.documentation),
        insert_text=None if text_edit else c.insert_text,
        text_edit=text_edit,
        insert_text_format=lsp.InsertTextFormat.Snippet if c.is_snippet else lsp.InsertTextFormat.PlainText,
        sort_text=c.sort_text,
        filter_text=c.filter_text,
    )


_WARM_TEXT = ("authorizations:\n  - name: a\n    repo_type: githib\n    token: ${GITHUB_TOKEN}\n"
              "  - name: a\n    repo_type: github\n    token: ${GITHUB_TOKEN}\n")
"""A sample document for ``warm_conversions``: diagnostics with data and related information, completion at the
value of the last ``repo_type`` (line 5), hover on its key."""


def warm_conversions(ls: ServiceStageServer) -> None:
    """Make, while the server is idle, what the first message of each kind would otherwise pay for: cattrs builds
    the converter of a message type the first time it meets one (about 25 ms for a completion's request, items and
    response), and forgets every converter it has made whenever it meets a new kind of list or dict — so the
    samples go twice. Called on the main thread (never while a handler runs); nothing is sent."""
    try:
        from servicestage_ls.core import completion, hover
        from servicestage_ls.core.document import parse
        from servicestage_ls.core.rules import check

        model = parse(_WARM_TEXT)
        uri = "file:///servicestage-ls-warm-up.servicestage.yaml"
        diagnostics = [ls.to_diagnostic(model, uri, f) for f in check(model, env=ls.env)]
        value = {"line": 5, "character": 15}
        found = completion.complete(model, (5, 15), snippets=ls.client_supports_snippets(), env=ls.env)
        items = lsp.CompletionList(is_incomplete=False, items=[_completion_item(ls, model, c) for c in found])
        info = hover.hover(model, (5, 5), ls.env)
        shown = None if info is None else lsp.Hover(contents=_markup(ls.hover_format(), info.markdown),
                                                    range=ls.to_lsp_range(model, info.range))
        protocol = ls.compat
        for _ in range(2):
            protocol.warm_conversions(lsp.TEXT_DOCUMENT_DID_OPEN, {"textDocument": {
                "uri": uri, "languageId": "yaml", "version": 1, "text": _WARM_TEXT}})
            protocol.warm_conversions(lsp.TEXT_DOCUMENT_DID_CHANGE, {
                "textDocument": {"uri": uri, "version": 2},
                "contentChanges": [{"range": {"start": value, "end": value}, "text": ""}],
            })
            protocol.warm_conversions(lsp.TEXT_DOCUMENT_COMPLETION,
                                      {"textDocument": {"uri": uri}, "position": value}, items)
            protocol.warm_conversions(lsp.TEXT_DOCUMENT_HOVER,
                                      {"textDocument": {"uri": uri}, "position": {"line": 5, "character": 5}}, shown)
            protocol.warm_notification(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS,
                                       lsp.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=1))
    except Exception:  # noqa: BLE001 - only a warm-up: the request itself will show any real failure
        log.debug("warm-up of the conversions failed", exc_info=True)


_SYMBOL_KINDS = {
    "entry": lsp.SymbolKind.Object,
    "key": lsp.SymbolKind.Property,
    "list": lsp.SymbolKind.Array,
}


def _document_symbol(ls: ServiceStageServer, model: Model, s: symbols.Symbol) -> lsp.DocumentSymbol:
    return lsp.DocumentSymbol(
        name=s.name or "(empty)",
        detail=s.detail,
        kind=_SYMBOL_KINDS.get(s.kind, lsp.SymbolKind.Field),
        range=ls.to_lsp_range(model, s.range),
        selection_range=ls.to_lsp_range(model, s.selection_range),
        children=[_document_symbol(ls, model, c) for c in s.children] or None,
    )


def _flatten_symbols(ls: ServiceStageServer, model: Model, uri: str, found: Any, container: str | None,
                     out: list[lsp.SymbolInformation]) -> None:
    for s in found:
        out.append(
            lsp.SymbolInformation(
                name=s.name or "(empty)",
                kind=_SYMBOL_KINDS.get(s.kind, lsp.SymbolKind.Field),
                location=lsp.Location(uri, ls.to_lsp_range(model, s.range)),
                container_name=container,
            )
        )
        _flatten_symbols(ls, model, uri, s.children, s.name, out)
