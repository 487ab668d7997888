"""docs/reference/settings.md: every setting of ``client-vscode/package.json`` (the server's own, which
``core/settings.py`` defines and the VS Code settings mirror, and the extension's), with the names the Neovim
plugin and Emacs (eglot) give each."""

from __future__ import annotations

import json
from typing import Any

from servicestage_ls.core.settings import SETTINGS
from tools.docsgen.common import ROOT, CatalogueError, banner, cell, code_span

PACKAGE_JSON = ROOT / "client-vscode" / "package.json"

#: Settings of the VS Code extension that the server does not read: what the other clients have instead.
CLIENT_ONLY: dict[str, tuple[str, str]] = {
    "server.pythonPath": (
        '`cmd` of `setup()`, e.g. `{ "/path/to/python", "-I", "-m", "servicestage_ls", "serve" }`',
        "`servicestage-ls-command`",
    ),
    "trace.server": (
        '`vim.lsp.set_log_level("debug")` (`vim.lsp.log.set_level` on 0.12+), then '
        "`:lua print(vim.lsp.get_log_path())`",
        "`M-x eglot-events-buffer`",
    ),
}


def properties() -> dict[str, dict[str, Any]]:
    package = json.loads(PACKAGE_JSON.read_text(encoding="utf-8"))
    found: dict[str, dict[str, Any]] = package["contributes"]["configuration"]["properties"]
    return found


def client_names(key: str) -> tuple[str, str]:
    """(Neovim, Emacs) for a key without the `servicestage.` prefix."""
    if key in {spec.key for spec in SETTINGS if spec.scope == "machine"}:
        emacs = ("`servicestage-ls-trusted-endpoints`" if key == "trustedEndpoints"
                 else f"`:{key}` in `servicestage-ls-settings`")
        neovim = ("`trusted_endpoints = { … }` of `setup()` (sent as `trustedEndpoints`" if key == "trustedEndpoints"
                  else f"`settings = {{ {key} = … }}` of `setup()` (sent") + " in `initializationOptions`)"
        return (neovim,
                f"{emacs} of your init file (sent in `initializationOptions`; never from "
                "`eglot-workspace-configuration`, which a repository's `.dir-locals.el` may set)")
    if key == "remoteCheck":
        return ("`settings = { remoteCheck = … }` of `setup()` (sent in `initializationOptions`)",
                "`:remoteCheck` in `servicestage-ls-settings` of your init file (sent in `initializationOptions`); "
                "in `eglot-workspace-configuration` it can only be `\"off\"`")
    if key in {spec.key for spec in SETTINGS}:
        neovim = f"`settings = {{ {key} = … }}` of `setup()`"
        if key == "files":
            neovim += " (or `files = { … }`)"
        return neovim, f"`(:servicestage (:{key} …))` in `eglot-workspace-configuration`"
    if key in CLIENT_ONLY:
        return CLIENT_ONLY[key]
    raise CatalogueError(f"servicestage.{key} is in client-vscode/package.json but is neither a server setting "
                         "(core/settings.py) nor in CLIENT_ONLY of tools/docsgen/settings.py: add its Neovim and "
                         "Emacs names there, then run `make docs-gen`")


def allowed(spec: dict[str, Any]) -> str:
    if "enum" in spec:
        return "one of " + ", ".join(code_span(json.dumps(v)) for v in spec["enum"])
    if "minimum" in spec or "maximum" in spec:
        return f"{spec.get('minimum', '…')} to {spec.get('maximum', '…')}"
    return spec.get("type", "")


def section(name: str, spec: dict[str, Any]) -> str:
    key = name.removeprefix("servicestage.")
    neovim, emacs = client_names(key)
    text = spec.get("markdownDescription") or spec.get("description") or ""
    server = "the server" if key in {s.key for s in SETTINGS} else "the VS Code extension only"
    return (f"## {name}\n\n{text}\n\n"
            f"- default: {code_span(json.dumps(spec.get('default')))}; {allowed(spec)}\n"
            f"- read by: {server}; VS Code scope: `{spec.get('scope', 'window')}`\n"
            f"- Neovim: {neovim}\n- Emacs: {emacs}\n")


def render() -> str:
    props = properties()
    missing = [spec.key for spec in SETTINGS if f"servicestage.{spec.key}" not in props]
    if missing:
        raise CatalogueError(f"server settings missing from client-vscode/package.json: {', '.join(missing)}")
    rows = "\n".join(f"| [`{name}`](#{name.replace('.', '').lower()}) | {code_span(json.dumps(spec.get('default')))} | "
                     f"{cell(spec.get('description') or spec.get('markdownDescription') or '')} |"
                     for name, spec in props.items())
    return ("# Settings\n\n" + banner("`client-vscode/package.json` and `core/settings.py`")
            + "\nThe server reads its settings (section `servicestage`) from `initializationOptions` and from "
            "`workspace/configuration` (re-read on `workspace/didChangeConfiguration`; registered dynamically only "
            "where the client supports it). An invalid value is reported once and replaced by its default. What "
            "`workspace/configuration` says may come from the repository (`.vscode/settings.json`, `.dir-locals.el`, "
            "an exrc): the settings of VS Code scope `machine` (a host, a file, the hosts trusted with your "
            "credentials) are taken only from `initializationOptions`, which clients build from your own "
            "configuration, and from the workspace `remoteCheck` can only be turned off (to turn it on, clients "
            "send it in `initializationOptions` too). VS Code names them `servicestage.KEY`; the Neovim plugin and "
            "Emacs (eglot) send the same section under the "
            "names below. How each editor is set up: [Editors](../editors/index.md).\n\n"
            f"| setting | default | what it does |\n|---|---|---|\n{rows}\n"
            + "".join("\n" + section(name, spec) for name, spec in props.items()))
