"""The OAuth hand-off, one engine for ``servicestage-ls authorize`` and the editor's Authorize: ask ServiceStage for
the redirect URL, let the front end hand it to a browser and bring back the address the browser ended on, take its
``code`` and ``state`` (URL-decoded), post them, and write ``repo_user``/``status`` back — with the create's words.

An entry that was authorized before (it has ``repo_user``) is authorized again: once the new code is in hand, the
old authorization is deleted (the API has no update) and created again from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from servicestage_ls.core import schema
from servicestage_ls.engine import actions
from servicestage_ls.engine.actions import Refused, Snapshot
from servicestage_ls.engine.create import LOST, CreateFront, unwritten_message
from servicestage_ls.engine.lifecycle import ERROR, INFO, WARNING

if TYPE_CHECKING:
    from servicestage_ls.cloud.client import Authorization, ServiceStageClient
    from servicestage_ls.cloud.kinds import OAuthAnswer
    from servicestage_ls.core.model import Model

#: What the user is asked for, by every front end.
PASTE_PROMPT = "Paste the address the browser ended on (after you authorized ServiceStage)"
PASTE_PLACEHOLDER = "https://…?code=…&state=…"
CANCELLED = "not authorized: no address was pasted; nothing was sent (a state works once: start again)"


class AuthorizeFront(CreateFront, Protocol):
    """A create front that can also hand an address to a browser and bring back the one it ended on."""

    async def hand_off(self, name: str, url: str) -> str | None:
        """Show (or open) ``url``, then the address the user pasted, or None when they gave none."""


@dataclass(frozen=True)
class Target:
    """An OAuth entry to authorize: what it said (the write-back checks it), its tag, whether it was before."""

    snapshot: Snapshot
    tag: str | None
    again: bool


def target(model: Model, name: str, env: Mapping[str, str]) -> Target:
    """The OAuth entry ``name``; Refused when it is another kind or has errors (nothing is sent)."""
    from servicestage_ls.core.rules import entry_errors

    entry = actions.find_entry(model, name)
    label = actions.entry_label(entry)
    kind = entry.kind
    if kind != "oauth":
        secret = "password" if kind == "password" else "token"
        raise Refused(f"{label} is not an OAuth entry (`kind: oauth`): create it from its {secret} instead")
    errors = entry_errors(model, entry, env)
    if errors:
        shown = "; ".join(f"{f.code} {f.message}" for f in errors[:3])
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        raise Refused(f"{label} has errors, fix them first (nothing was sent): {shown}{more}")
    again = bool((entry.value_of("repo_user") or "").strip())
    return Target(actions.snapshot_of(entry), (entry.tag or "").strip() or None, again)


def answer_of(pasted: str) -> OAuthAnswer:
    """The code and state of a pasted address; Refused with the reason when it has none."""
    from servicestage_ls.cloud.kinds import oauth_answer

    try:
        return oauth_answer(pasted)
    except ValueError as why:
        raise Refused(f"{why}; nothing was sent") from None


async def authorize(front: AuthorizeFront, client: ServiceStageClient, found: Target,
                    answer: OAuthAnswer | None = None) -> str:
    """The whole hand-off for one entry: "done", "unwritten" (authorized, the write-back refused), "failed" (a call
    failed, said) or "cancelled" (nothing pasted). With ``answer`` (a script's code and state) no redirect URL is
    asked for and no browser is involved."""
    from servicestage_ls.cloud.errors import CloudError

    name = found.snapshot.name
    removed = False
    try:
        if answer is None:
            front.progress("asking ServiceStage for the authorization address")
            redirect = await client.redirect_url(found.snapshot.repo_type, found.tag)
            pasted = await front.hand_off(name, redirect.url)
            if pasted is None or not pasted.strip():
                front.say(WARNING, CANCELLED)
                return "cancelled"
            answer = answer_of(pasted)
        if found.again:
            removed = await _remove_old(front, client, name)
        front.progress(f"authorizing '{schema.redact(name)}'")
        auth = await client.create_oauth_authorization(found.snapshot.repo_type, name, answer, found.tag)
    except CloudError as error:
        front.mark(name, str(error))
        front.say(ERROR, failed_line(name, error, removed))
        return "failed"
    front.unmark(name)
    try:
        await front.write(lambda model: actions.writeback(model, found.snapshot, auth, front.audience),
                          f"ServiceStage: authorized '{name}'")
    except Refused as why:
        front.say(WARNING, unwritten_message(front.audience, name, auth, why))
        return "unwritten"
    front.say(INFO, authorized_message(name, auth))
    return "done"


def authorized_message(name: str, auth: Authorization) -> str:
    """``authorized 'gh-oauth': repo_user octo-tom, status 0 (normal)``."""
    return f"authorized '{schema.redact(name)}'{LOST if auth.recovered else ''}: {actions.describe(auth)}"


def failed_line(name: str, error: object, removed: bool) -> str:
    label = schema.redact(name)
    if removed:
        return (f"AUTHORIZATION INCOMPLETE: the old '{label}' was deleted from ServiceStage, but authorizing it again "
                f"failed: {error}. To finish: authorize '{label}' again (a state works once: start again)")
    return f"authorizing '{label}' failed: {error}"


async def _remove_old(front: AuthorizeFront, client: ServiceStageClient, name: str) -> bool:
    """Authorizing again: the old authorization goes first (a create of a taken name is SVCSTG.REPO.0403)."""
    if not any(a.name == name for a in await client.list_authorizations()):
        return False
    front.progress(f"deleting the old authorization '{schema.redact(name)}'")
    await client.delete_authorization(name)
    front.say(INFO, f"deleted the old authorization '{schema.redact(name)}' to authorize it again")
    return True
