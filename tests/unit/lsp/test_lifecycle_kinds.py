"""SS160's quick fix in the editor renews each kind its way: a token or a password is rotated, an OAuth grant is
authorized again in the browser."""

from __future__ import annotations

import pytest
from lsprotocol import types as lsp

from servicestage_ls.lsp import lifecycle
from servicestage_ls.lsp.setup import create_server
from servicestage_ls.lsp.state import DocState

URI = "file:///work/kinds/renew.servicestage.yaml"
HEAD = "project_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789\nregion: cn-north-4\nauthorizations:\n"


@pytest.mark.parametrize(("entry", "title", "command"), [
    ("  - name: web-frontend\n    repo_type: github\n    token: ${GITHUB_TOKEN}\n", "Rotate token of 'web-frontend'",
     "servicestage-ls.rotateToken"),
    ("  - name: pw-one\n    kind: password\n    repo_type: bitbucket\n    user: tom\n    password: ${GITHUB_TOKEN}\n",
     "Rotate password of 'pw-one'", "servicestage-ls.rotateToken"),
    ("  - name: oauth-one\n    kind: oauth\n    repo_type: github\n", "Authorize 'oauth-one' again in the browser",
     "servicestage-ls.authorize"),
])
def test_an_overdue_entry_is_renewed_its_kinds_way(entry: str, title: str, command: str) -> None:
    server = create_server({"GITHUB_TOKEN": "x"})
    text = HEAD + entry + "    repo_user: tom\n    status: 1\n"
    state = DocState(URI, text, 1)
    line = text.count("\n") - 1
    diagnostic = lsp.Diagnostic(lsp.Range(lsp.Position(line, 12), lsp.Position(line, 13)), "overdue", code="SS160",
                                source="servicestage")
    params = lsp.CodeActionParams(lsp.TextDocumentIdentifier(URI), diagnostic.range,
                                  lsp.CodeActionContext(diagnostics=[diagnostic]))
    actions = lifecycle.code_actions(server, state, params)
    name = entry.split("name: ")[1].split("\n")[0]
    assert [(a.title, a.command.command, a.command.arguments) for a in actions
            if a.command and a.kind == lsp.CodeActionKind.QuickFix] == [
        (title, command, [{"uri": URI, "name": name}])]
