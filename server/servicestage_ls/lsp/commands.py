"""The server's commands (``workspace/executeCommand``), shared by the server, its clients and the docs."""

CREATE = "servicestage-ls.createAuthorization"
CREATE_ALL = "servicestage-ls.createAll"
REFRESH = "servicestage-ls.refreshStatus"
SHOW_PLAN = "servicestage-ls.showPlan"
IMPORT = "servicestage-ls.importFromServiceStage"
ROTATE = "servicestage-ls.rotateToken"
DELETE = "servicestage-ls.deleteAuthorization"
