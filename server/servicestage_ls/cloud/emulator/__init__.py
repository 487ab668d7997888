"""A local ServiceStage-compatible API, for trying the product without a cloud account and for tests.

It serves, in memory and on loopback (stdlib only):

- ``POST /v1/{project_id}/git/auths/{repo_type}/personal`` — create a personal-token authorization,
- ``POST /v1/{project_id}/git/auths/{repo_type}/password`` — create a password authorization (the password must
  match the seed's ``password_rule``, by default 8 to 128 characters without white space, else SVCSTG.REPO.0451),
- ``GET /v1/{project_id}/git/auths/{repo_type}/redirect`` — the OAuth redirect URL: the emulator's own provider
  page, ``/emulator/oauth/authorize?…&state=…``. A plain GET of it answers 302 to the console-like page
  ``/emulator/console/oauth-callback?code=…&state=…``, so tests, scripts and the demo finish without a browser,
- ``POST /v1/{project_id}/git/auths/{repo_type}/oauth?tag=…`` — create an OAuth authorization from that code and
  state (a state works once: reused or unknown, SVCSTG.REPO.0402); the tag is kept and listed,
- ``GET /v1/{project_id}/git/auths`` — list them (with ``token_type`` and ``tag``),
  ``DELETE /v1/{project_id}/git/auths/{name}`` — delete one,
- ``GET /v1/{project_id}/git/repos/namespaces`` with ``X-Repo-Auth: NAME`` — the namespaces the authorization sees
  (the seed's ``namespaces``, else one named after its user); 0450 for no such authorization, 0451 when its status
  is not 0,
- ``--seed FILE`` preloads authorizations of every kind (:func:`read_seed`): overdue, unauthenticated, remote-only
  ones, and sets ``password_rule`` and ``oauth_user`` (who the OAuth page signs in as).
- ``POST /v3/auth/tokens`` and ``GET /v3/projects?name=REGION`` — enough of IAM for password sign-in.

It validates like the real service: the name rule (SVCSTG.REPO.0400), the repo type of each kind
(SVCSTG.REPO.0401), the token's shape and the password (SVCSTG.REPO.0451), the personal ``host``
(SVCSTG.REPO.0452), duplicates (SVCSTG.REPO.0403), and credentials (401 with an APIGW.0301 body).

Credentials it accepts:

- ``X-Auth-Token``: the ``--token`` value and any token its own IAM issued. With neither ``--token`` nor
  ``--ak`` configured it runs open: any non-empty ``X-Auth-Token`` is accepted (a request with no credential
  at all is still refused).
- AK/SK: requests signed (SDK-HMAC-SHA256) with ``--ak``/``--sk``, verified with the client's own signer code;
  an ``X-Sdk-Date`` more than 15 minutes away from the emulator's clock is refused.
- IAM password sign-in: any non-empty user name, password and domain name (or only ``iam_password`` when the
  :class:`Emulator` is built with one); the token returned in ``X-Subject-Token`` is ``--token``, or a fresh
  random token when none is configured. Project ids are derived from the region name (32 hex characters).

The credentials may also come from ``SERVICESTAGE_EMULATOR_TOKEN``, ``_AK`` and ``_SK`` in its environment (the
command line wins). A request whose ``Host`` is not the address it listens on is answered 421 before anything else
(DNS rebinding: a web page's own name resolved to 127.0.0.1).

Requests are logged to stderr as method, path, status and request id: never headers or bodies.

The package: ``api`` (constants, error answers, the AUTH object), ``git`` (the git-authorization calls of every
kind and their state), ``service`` (the :class:`Emulator`: authentication, IAM, routing, start and stop),
``handler`` (HTTP), ``seed`` (``--seed`` files) and ``run`` (the ``servicestage-ls emulator`` command).
"""

from __future__ import annotations

from servicestage_ls.cloud.emulator.api import ApiError, project_id_for
from servicestage_ls.cloud.emulator.run import READY_LINE, run_emulator
from servicestage_ls.cloud.emulator.seed import Seed, load_seed, read_seed
from servicestage_ls.cloud.emulator.service import Emulator

__all__ = ["READY_LINE", "ApiError", "Emulator", "Seed", "load_seed", "project_id_for", "read_seed", "run_emulator"]
