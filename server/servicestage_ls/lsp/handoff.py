"""The editor's side of the OAuth hand-off: open an address in the user's browser (``window/showDocument`` with
``external: true``; a message with the address where the client cannot) and ask for the address the browser ended
on with the ``servicestage/promptText`` request, which each client answers with its own prompt.

``servicestage/promptText`` (server → client): params ``{"title", "prompt", "placeHolder"}``; the answer is the text
typed, as a string or ``{"value": text}``, or ``null`` when the user cancelled. VS Code shows an input box, Neovim
``vim.ui.input``, Emacs ``read-string``. A client that does not know the request answers with an error: the user is
then told how to finish (the command line, or the command's ``address`` argument).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lsprotocol import types as lsp

from servicestage_ls.engine.actions import Refused

if TYPE_CHECKING:
    from servicestage_ls.lsp.server import ServiceStageServer

PROMPT_TEXT = "servicestage/promptText"


async def open_external(ls: ServiceStageServer, url: str, why: str) -> None:
    """Open ``url`` in the user's browser; where the client cannot, show it (``why``: what it is for)."""
    window = ls.client_capabilities.window
    supported = bool(window and window.show_document and window.show_document.support)
    opened = False
    if supported:
        try:
            result = await ls.window_show_document_async(lsp.ShowDocumentParams(uri=url, external=True))
            opened = bool(result and result.success)
        except Exception as exc:  # noqa: BLE001 - a client that fails to open it still gets the address
            ls.log_error("opening the address in the browser", exc)
    if not opened:
        ls.show(f"ServiceStage: {why}, open this address in a browser: {url}", lsp.MessageType.Info)


async def prompt_text(ls: ServiceStageServer, title: str, prompt: str, placeholder: str,
                      cannot: str) -> str | None:
    """The text the user typed, or None when they cancelled; Refused(``cannot``) when the client cannot ask."""
    params = {"title": title, "prompt": prompt, "placeHolder": placeholder}
    try:
        answer = await ls.protocol.send_request_async(PROMPT_TEXT, params)
    except Exception as exc:  # noqa: BLE001 - MethodNotFound, or the client failed to ask
        ls.log_error(f"asking for text with {PROMPT_TEXT}", exc)
        raise Refused(cannot) from None
    return _text_of(answer)


def _text_of(answer: Any) -> str | None:
    if answer is None or isinstance(answer, str):
        return answer
    value = answer.get("value") if isinstance(answer, dict) else getattr(answer, "value", None)
    return value if isinstance(value, str) else None
