"""The server's commands (``workspace/executeCommand``), shared by the server, its clients and the docs."""

CREATE = "servicestage-ls.createAuthorization"
CREATE_ALL = "servicestage-ls.createAll"
REFRESH = "servicestage-ls.refreshStatus"
SHOW_PLAN = "servicestage-ls.showPlan"
IMPORT = "servicestage-ls.importFromServiceStage"
ROTATE = "servicestage-ls.rotateToken"
DELETE = "servicestage-ls.deleteAuthorization"
TEST = "servicestage-ls.testAuthorization"
AUTHORIZE = "servicestage-ls.authorize"


# Each cloud action is offered under two kinds: `refactor.servicestage.*` for the menu of `Ctrl+.` / the lightbulb
# (VS Code leaves `source.*` out of it) and for the Refactor… menu, and `source.servicestage.*` for Source Action….
# One request gets each action once: the kind the client asked for first, or the refactor kind when it asked for
# none (VS Code's Ctrl+., Neovim's vim.lsp.buf.code_action()).
ACTION_KINDS = ("refactor.servicestage", "source.servicestage")


def action_kind(only: list[str] | None, action: str) -> str | None:
    """The kind to offer ``action`` (create, createAll, refresh, …) under, or None when the client asked for
    neither."""
    candidates = [f"{prefix}.{action}" for prefix in ACTION_KINDS]
    if not only:
        return candidates[0]
    for wanted in only:
        for kind in candidates:
            if wanted in ("", kind) or kind.startswith(f"{wanted}."):  # "": CodeActionKind.Empty, any kind
                return kind
    return None
