"""The session and the documents: initialize, the settings, and text sync (open, change, save, close).

Text sync is our own (``state.DocState``); ``compat.CompatProtocol`` keeps pygls' document store out of it.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import threading
from collections.abc import Callable
from typing import Any

from lsprotocol import types as lsp

from servicestage_ls.lsp import features
from servicestage_ls.lsp.server import RESTRICTED_OPTION, ServiceStageServer
from servicestage_ls.lsp.state import DocState, drop_stale_marks

log = logging.getLogger("servicestage_ls")

# The core and the features are imported when first used, and in the background once initialize is answered:
# they are not needed to answer it, and the start is what the user waits for.
FEATURE_MODULES = ("servicestage_ls.core.document", "servicestage_ls.core.rules", "servicestage_ls.core.completion",
                   "servicestage_ls.core.hover", "servicestage_ls.core.fixes", "servicestage_ls.core.symbols",
                   "servicestage_ls.lsp.cloud")


def initialize(ls: ServiceStageServer, params: lsp.InitializeParams) -> None:
    encoding = ls.workspace.position_encoding
    ls.encoding = str(getattr(encoding, "value", encoding) or "utf-16")
    ls.initialization_settings = params.initialization_options
    # Only initializationOptions, which the client builds, can say so: never workspace/configuration.
    options = params.initialization_options
    ls.restricted = isinstance(options, dict) and options.get(RESTRICTED_OPTION) is True
    ls.client_name = params.client_info.name if params.client_info else ""
    ls.apply_settings(params.initialization_options)


async def initialized(ls: ServiceStageServer, params: lsp.InitializedParams) -> None:
    loop = asyncio.get_running_loop()
    _warm_up(FEATURE_MODULES, lambda: loop.call_soon_threadsafe(features.warm_conversions, ls))
    ws = ls.client_capabilities.workspace
    change = ws and ws.did_change_configuration
    if change and change.dynamic_registration:
        await ls.client_register_capability_async(
            lsp.RegistrationParams(
                registrations=[
                    lsp.Registration(
                        id="servicestage-configuration",
                        method=lsp.WORKSPACE_DID_CHANGE_CONFIGURATION,
                        register_options=lsp.DidChangeConfigurationRegistrationOptions(section="servicestage"),
                    )
                ]
            )
        )
    await _pull_configuration(ls)


async def did_change_configuration(ls: ServiceStageServer, params: lsp.DidChangeConfigurationParams) -> None:
    before = ls.settings
    if ls.client_supports_configuration():
        await _pull_configuration(ls)
    elif isinstance(params.settings, dict) and "servicestage" in params.settings:
        ls.apply_settings(params.settings["servicestage"], from_workspace=True)
    if ls.settings == before:
        return  # clients send this for any section's change: nothing to show again
    for uri, state in list(ls.docs.items()):
        if not ls.is_ours(uri):
            ls.docs.pop(uri)
            ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
        elif ls.settings.validate == "onSave" and state.saved_findings is None:
            state.saved_findings = []
    ls.refresh_diagnostics()


def did_open(ls: ServiceStageServer, params: lsp.DidOpenTextDocumentParams) -> None:
    doc = params.text_document
    if not ls.is_ours(doc.uri):
        return
    state = ls.docs[doc.uri] = DocState(doc.uri, doc.text, doc.version)
    if ls.settings.validate == "onSave":
        state.saved_findings = []  # nothing is shown until the file is saved
    ls.publish(doc.uri)


def did_change(ls: ServiceStageServer, params: lsp.DidChangeTextDocumentParams) -> None:
    state = ls.docs.get(params.text_document.uri)
    if state is None:
        return
    for change in params.content_changes:
        state.apply_change(change, ls.encoding)
    state.note_change(params.text_document.version)
    drop_stale_marks(state)
    if ls.settings.validate == "onChange" or state.marks:
        ls.schedule_validation(state.uri)


def did_save(ls: ServiceStageServer, params: lsp.DidSaveTextDocumentParams) -> None:
    state = ls.docs.get(params.text_document.uri)
    if state is None:
        return
    if params.text is not None and params.text != state.text:
        state.text = params.text
    if ls.settings.validate == "onSave":
        state.saved_findings = state.findings(ls.env)
        ls.refresh_diagnostics(state.uri)
    for feature in ls.features:
        feature.on_save(ls, state)


def did_close(ls: ServiceStageServer, params: lsp.DidCloseTextDocumentParams) -> None:
    if ls.docs.pop(params.text_document.uri, None) is not None and not ls.client_pulls_diagnostics():
        ls.text_document_publish_diagnostics(
            lsp.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[])
        )


def shutdown(ls: ServiceStageServer, *args: Any) -> None:
    for task in list(ls.tasks):
        task.cancel()


def _warm_up(modules: tuple[str, ...], then: Callable[[], object]) -> None:
    """Import modules in a background thread (a request that needs one first simply waits for its import), then
    call ``then`` from that thread (it hands the rest of the warm-up to the event loop)."""

    def run() -> None:
        for name in modules:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - the request that needs it will report the failure
                log.exception("could not import %s", name)
        try:
            then()
        except RuntimeError:  # the event loop is closed: the server has stopped meanwhile
            pass

    threading.Thread(target=run, name="servicestage-warm-up", daemon=True).start()


async def _pull_configuration(ls: ServiceStageServer) -> None:
    if not ls.client_supports_configuration():
        return
    try:
        result = await ls.workspace_configuration_async(
            lsp.ConfigurationParams(items=[lsp.ConfigurationItem(section="servicestage")])
        )
    except Exception as exc:  # noqa: BLE001 - a client that cannot answer keeps the current settings
        ls.log_to_client(f"could not read the servicestage settings: {exc}", lsp.MessageType.Warning)
        return
    raw = result[0] if result else None
    if raw is None:
        return
    ls.apply_settings(raw, from_workspace=True)
