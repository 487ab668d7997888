"""``engine.create``: the create loop both front ends run — what is sent, in which order, what is marked, written
back and said, with the editor's and the command line's words."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from servicestage_ls.cloud.client import Authorization
from servicestage_ls.cloud.errors import CloudError
from servicestage_ls.core.document import parse
from servicestage_ls.core.edits import TextEdit, apply_edits
from servicestage_ls.core.model import Model
from servicestage_ls.engine import actions
from servicestage_ls.engine.actions import Audience, Refused
from servicestage_ls.engine.create import CreateOutcome, create_each, prepare_each, summary

HEAD = "region: cn-north-4\nproject_id: p\nauthorizations:\n"
ENV = {"GITHUB_TOKEN": "ghp_" + "a" * 36}
TAKEN = CloudError("http", "the name is taken", status=400, code="SVCSTG.REPO.0403")


def entry(name: str, token: str = "${GITHUB_TOKEN}") -> str:
    return f"  - name: {name}\n    repo_type: github\n    token: {token}\n"


class FakeFront:
    """A file held in memory; every call of the loop is recorded in ``events``."""

    def __init__(self, text: str, audience: Audience) -> None:
        self.text = text
        self.env = ENV
        self.audience = audience
        self.events: list[tuple[Any, ...]] = []
        self.refuse_writes: str | None = None
        self.labels: list[str] = []

    def progress(self, message: str, percentage: int | None = None) -> None:
        self.events.append(("progress", message, percentage))

    def say(self, level: str, message: str) -> None:
        self.events.append((level, message))

    async def write(self, compute: Callable[[Model], list[TextEdit]], label: str) -> None:
        self.labels.append(label)
        if self.refuse_writes is not None:
            raise Refused(self.refuse_writes)
        model = parse(self.text)
        self.text = apply_edits(model, compute(model))

    def mark(self, name: str, message: str) -> None:
        self.events.append(("mark", name, message))

    def unmark(self, name: str) -> None:
        self.events.append(("unmark", name))


class FakeClient:
    """Answers creates like ServiceStage: ``taken`` is refused, ``lost`` comes back from the list."""

    def __init__(self, front: FakeFront | None = None, edit_during: str | None = None) -> None:
        self.sent: list[tuple[str, str, str, str | None]] = []
        self.front = front
        self.edit_during = edit_during  # the text the user has typed when ServiceStage answers

    async def create_personal_authorization(self, repo_type: str, name: str, token: str,
                                            host: str | None) -> Authorization:
        self.sent.append((repo_type, name, token, host))
        if self.front is not None and self.edit_during is not None:
            self.front.text = self.edit_during
        if name == "taken":
            raise TAKEN
        return Authorization(name, repo_user=f"user-{name}", status=0, recovered=name == "lost")


def prepared_from(front: FakeFront, outcome: CreateOutcome | None = None) -> tuple[list[actions.Prepared],
                                                                                   CreateOutcome]:
    outcome = CreateOutcome() if outcome is None else outcome
    model = parse(front.text)
    return prepare_each(front, model, actions.new_entries(model), outcome), outcome


async def test_each_entry_is_sent_in_order_a_failure_is_marked_and_the_others_go_on() -> None:
    front = FakeFront(HEAD + entry("web-app") + entry("taken") + entry("lost"), actions.EDITOR)
    client = FakeClient()
    prepared, outcome = prepared_from(front)
    returned = await create_each(front, client, prepared, outcome)  # type: ignore[arg-type]
    assert returned is outcome
    token = ENV["GITHUB_TOKEN"]
    assert client.sent == [("github", "web-app", token, None), ("github", "taken", token, None),
                           ("github", "lost", token, None)]
    failure = "ServiceStage refused the request: SVCSTG.REPO.0403 the name is taken (HTTP 400)"
    assert str(TAKEN) == failure
    assert front.events == [
        ("progress", "'web-app' (1/3)", 0),
        ("unmark", "web-app"),
        ("info", "created authorization 'web-app': repo_user user-web-app, status 0 (normal)"),
        ("progress", "'taken' (2/3)", 33),
        ("mark", "taken", failure),
        ("error", f"creating 'taken' failed: {failure}"),
        ("progress", "'lost' (3/3)", 66),
        ("unmark", "lost"),
        ("info", "created authorization 'lost' (its answer was lost; the list shows it was created): "
                 "repo_user user-lost, status 0 (normal)"),
    ]
    assert front.labels == ["ServiceStage: created 'web-app'", "ServiceStage: created 'lost'"]
    assert front.text == HEAD + (entry("web-app") + "    repo_user: user-web-app\n    status: 0  # normal\n"
                                 + entry("taken")
                                 + entry("lost") + "    repo_user: user-lost\n    status: 0  # normal\n")
    assert outcome == CreateOutcome(created=["web-app", "lost"], unwritten=[], failed=["taken"], refused=[])


async def test_the_command_line_says_created_without_the_editors_word() -> None:
    front = FakeFront(HEAD + entry("web-app"), actions.COMMAND_LINE)
    prepared, _ = prepared_from(front)
    await create_each(front, FakeClient(), prepared)  # type: ignore[arg-type]
    assert [e for e in front.events if e[0] == "info"] == [
        ("info", "created 'web-app': repo_user user-web-app, status 0 (normal)")]


@pytest.mark.parametrize(("audience", "said"), [
    (actions.EDITOR, "created 'web-app' (repo_user user-web-app, status 0 (normal)), but 'web-app' changed while "
                     "ServiceStage answered (token); nothing was written — run Refresh status to write repo_user and "
                     "status"),
    (actions.COMMAND_LINE, "created 'web-app' (repo_user user-web-app, status 0 (normal)) but did not write it back: "
                           "'web-app' changed while ServiceStage answered (token); nothing was written — write "
                           "repo_user and status with Refresh status in the editor, or by hand"),
])
async def test_an_entry_changed_while_the_create_was_answered_is_not_written(audience: Audience, said: str) -> None:
    typed = HEAD + entry("web-app", "${OTHER_TOKEN}")
    front = FakeFront(HEAD + entry("web-app"), audience)
    prepared, outcome = prepared_from(front)
    await create_each(front, FakeClient(front, edit_during=typed), prepared, outcome)  # type: ignore[arg-type]
    assert front.text == typed
    assert front.events[-1] == ("warning", said)
    assert outcome == CreateOutcome(created=["web-app"], unwritten=["web-app"], failed=[], refused=[])


async def test_a_refused_write_is_said_with_the_front_ends_reason() -> None:
    front = FakeFront(HEAD + entry("lost"), actions.EDITOR)
    front.refuse_writes = "the file was closed before ServiceStage answered; nothing was written"
    prepared, outcome = prepared_from(front)
    await create_each(front, FakeClient(), prepared, outcome)  # type: ignore[arg-type]
    assert front.events[-1] == (
        "warning", "created 'lost' (its answer was lost; the list shows it was created) (repo_user user-lost, status "
                   "0 (normal)), but the file was closed before ServiceStage answered; nothing was written")
    assert outcome.unwritten == ["lost"]


def test_refused_entries_are_skipped_with_their_reason_and_recorded() -> None:
    text = HEAD + entry("web-app") + entry("unset", "${UNSET_TOKEN}") + "  - repo_type: github\n    token: x\n" + (
        "  - name: old-one\n    repo_type: github\n    token: ${GITHUB_TOKEN}\n    repo_user: tom\n")
    front = FakeFront(text, actions.COMMAND_LINE)
    model = parse(text)
    outcome = CreateOutcome()
    prepared = prepare_each(front, model, model.entries, outcome)
    assert [p.snapshot.name for p in prepared] == ["web-app"]
    assert outcome.refused == ["unset", "entry 3", "old-one"]
    assert [e[0] for e in front.events] == ["warning", "warning", "warning"]
    assert front.events[0] == ("warning", "skipped 'unset': the token reference ${UNSET_TOKEN} is not set in the "
                                          "environment; set it and run the command again (nothing was sent)")
    assert front.events[2] == ("warning", "skipped 'old-one': it was already created (it has repo_user)")


async def test_a_cancelled_loop_has_recorded_what_it_did() -> None:
    front = FakeFront(HEAD + entry("web-app") + entry("never"), actions.EDITOR)
    prepared, outcome = prepared_from(front)

    class StopsAtTheSecond(FakeClient):
        async def create_personal_authorization(self, repo_type: str, name: str, token: str,
                                                host: str | None) -> Authorization:
            if name == "never":
                raise asyncio.CancelledError
            return await super().create_personal_authorization(repo_type, name, token, host)

    with pytest.raises(asyncio.CancelledError):
        await create_each(front, StopsAtTheSecond(), prepared, outcome)  # type: ignore[arg-type]
    assert outcome == CreateOutcome(created=["web-app"], unwritten=[], failed=[], refused=[])


def test_the_summary_of_a_create_all() -> None:
    assert summary(CreateOutcome(created=["a", "b"])) == ("info", "created 2")
    assert summary(CreateOutcome(created=["a"], failed=["b"], refused=["c", "entry 4"])) == (
        "error", "created 1; failed 1 (b); skipped 2 (c, entry 4)")
    assert summary(CreateOutcome(refused=["c"])) == ("info", "created 0; skipped 1 (c)")
