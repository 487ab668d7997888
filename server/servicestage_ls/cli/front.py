"""What the cloud commands share: the file as a :class:`~servicestage_ls.engine.lifecycle.Front` (re-read
before each write, rewritten atomically, byte-identical elsewhere), the client, the confirmation prompt, and
:func:`run_calls` (their async part, with the same messages and exit codes for what stops it).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import threading
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Mapping
from typing import TYPE_CHECKING, Any, TextIO

from servicestage_ls.cli.files import Unreadable, read_only_problem, read_with_bom, write_atomically, write_problem
from servicestage_ls.cloud.errors import COMMAND_LINE_ADVICE
from servicestage_ls.core.document import parse
from servicestage_ls.core.model import Model
from servicestage_ls.core.rules import unvalidated
from servicestage_ls.core.edits import TextEdit, apply_edits
from servicestage_ls.core.settings import Settings
from servicestage_ls.engine import actions
from servicestage_ls.engine.actions import Refused
from servicestage_ls.engine.lifecycle import INFO

if TYPE_CHECKING:
    from servicestage_ls.cloud.client import ServiceStageClient

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_PENDING = 0, 1, 2, 3


def cloud_options(*, timeout: float | None = None, ca_bundle: str | None = None,
                  trusted: tuple[str, ...] = ()) -> actions.CloudOptions:
    """The command line's cloud options: ``--timeout`` (else the editor's default) and ``--ca-bundle`` (else the
    system's CAs); no endpoint override (the file, or ``--endpoint`` of list and import, says it); advice on failed
    connections in its own words (never the editor's settings); ``trusted``: ``--trust-endpoint`` and a typed
    ``--endpoint``."""
    return actions.CloudOptions(timeout=float(Settings().timeoutSeconds) if timeout is None else timeout,
                                ca_bundle=ca_bundle, advice=COMMAND_LINE_ADVICE, trusted=trusted)


class Usage(Exception):
    """A usage or configuration problem (exit 2); the message says what to do."""


class CallFailed(Exception):
    """A call made while opening the client failed (exit 1, whatever the command); the message says which."""


LISTING_FAILED = "listing the authorizations failed"
#: What Ctrl+C says for the commands that only read ServiceStage (their file writes are atomic).
INTERRUPTED_READING = "interrupted; nothing was changed in ServiceStage (this command only reads it)"


def run_calls(where: str, calls: Coroutine[Any, Any, int], err: TextIO, *, failed_call: str | None = LISTING_FAILED,
              interrupted: str) -> int:
    """Run a command's async part and return its exit code. A :class:`Usage` exits 2 with its message; a
    :class:`CallFailed` (opening the client) exits 1 with its message; another cloud error that escapes exits 1
    saying it was ``failed_call`` (None for the commands that report each of their calls themselves: its message
    alone); Ctrl+C exits 1 saying ``interrupted`` (what a call already sent may have done). Never a traceback."""
    from servicestage_ls.cloud.errors import CloudError

    try:
        return asyncio.run(calls)
    except Usage as why:
        err.write(f"{where}: error: {why}\n")
        return EXIT_USAGE
    except CallFailed as why:
        err.write(f"{where}: error: {why}\n")
        return EXIT_FAILED
    except CloudError as why:
        err.write(f"{where}: error: {why}\n" if failed_call is None else f"{where}: error: {failed_call}: {why}\n")
        return EXIT_FAILED
    except KeyboardInterrupt:
        err.write(f"{where}: {interrupted}\n")
        return EXIT_FAILED


class FileFront:
    """The life-cycle loops' view of a file on disk, reporting on stdout/stderr with the file's path."""

    def __init__(self, path: str, env: Mapping[str, str], out: TextIO, err: TextIO) -> None:
        self.path = path
        self.env = env
        self.audience = actions.COMMAND_LINE
        self.out = out
        self.err = err
        self.finish_hint = f"fix the cause, then run `servicestage-ls apply {path}` (it creates '{{name}}' again)"
        self.leftover_hint = (f"`servicestage-ls plan {path}` lists it as a leftover and "
                              f"`servicestage-ls apply {path}` deletes it")

    def current(self) -> Model:
        try:
            text, _ = read_with_bom(self.path)
        except Unreadable as why:
            raise Refused(f"the file cannot be read: {why}") from None
        return parse(text)

    def progress(self, message: str, percentage: int | None = None) -> None:
        """A terminal shows each result as it comes; no progress line."""

    def say(self, level: str, message: str) -> None:
        (self.out if level == INFO else self.err).write(f"{self.path}: {message}\n")

    async def write(self, compute: Callable[[Model], list[TextEdit]], label: str) -> None:
        try:
            text, bom = read_with_bom(self.path)
            model = parse(text)
            edits = compute(model)
            if not edits:
                return
            new_text = apply_edits(model, edits)
            write_atomically(self.path, ("\ufeff" if bom else "") + new_text)
        except Unreadable as why:
            raise actions.Unwritable(str(why)) from None  # the file's own problem: "no such file"
        except OSError as why:
            raise actions.Unwritable(write_problem(why)) from None

    def mark(self, name: str, message: str) -> None:
        """The message has been printed; a terminal has nothing else to mark."""

    def unmark(self, name: str) -> None:
        """Nothing is marked in a terminal."""


def read_model(path: str, *, writing: bool = False) -> Model:
    """The file for a cloud command; Usage when it cannot be used: unreadable, not validated (SS104), YAML syntax
    errors, or (``writing``: the command writes it back) read-only — all before anything is sent."""
    try:
        text, _ = read_with_bom(path)
    except Unreadable as why:
        raise Usage(str(why)) from None
    model = parse(text)
    if (unchecked := unvalidated(model)) is not None:
        raise Usage(unchecked)
    if model.has_syntax_errors:
        raise Usage("the file has YAML syntax errors; run `servicestage-ls check` and fix them first")
    problem = read_only_problem(path) if writing else None
    if problem is not None:
        raise Usage(f"{problem}; nothing was sent")
    return model


async def client_for_file(model: Model, options: actions.CloudOptions, env: Mapping[str, str]) -> ServiceStageClient:
    """A client for the file's project; Usage when the file's errors or the configuration would make the calls go
    wrong (nothing is sent), CallFailed when looking up its project id failed."""
    try:
        actions.refuse_file_errors(model, env)
    except Refused as why:
        raise Usage(str(why)) from None
    return await _opened(actions.open_client_for(model, options, env), model.top_value("region"))


async def client_for(*, region: str | None, endpoint: str | None, project_id: str | None,
                     options: actions.CloudOptions, env: Mapping[str, str]) -> ServiceStageClient:
    from servicestage_ls.cloud.client import open_client

    return await _opened(open_client(region=region, file_endpoint=endpoint, setting_endpoint=None,
                                     project_id=project_id, timeout=options.timeout, ca_bundle=options.ca_bundle,
                                     env=env, advice=COMMAND_LINE_ADVICE, trusted=options.trusted), region)


async def _opened(opening: Awaitable[ServiceStageClient], region: str | None) -> ServiceStageClient:
    """The client, or what stops the command: Usage for the configuration, CallFailed for the one call opening
    makes (the project id looked up from IAM when neither the file nor the environment gives it)."""
    from servicestage_ls.cloud.errors import CloudError, ConfigurationError

    try:
        return await opening
    except ConfigurationError as why:
        raise Usage(str(why)) from None
    except CloudError as why:
        raise CallFailed(f"looking up the project id from IAM for region {region} failed: {why}") from None


def confirm(question: str, *, yes: bool, out: TextIO, stdin: TextIO | None = None) -> bool | None:
    """True with --yes or a typed yes; False for another answer or Ctrl+C; None when there is no terminal to ask."""
    if yes:
        return True
    stdin = stdin or sys.stdin
    try:
        interactive = stdin.isatty() and os.isatty(out.fileno())
    except (AttributeError, ValueError, OSError):
        interactive = False
    if not interactive:
        return None
    try:
        with _interruptible():  # before the prompt shows: a Ctrl+C as soon as it is seen is a no
            out.write(f"{question} Type yes to go on: ")
            out.flush()
            answer = stdin.readline()
    except KeyboardInterrupt:  # Ctrl+C at the prompt is a no
        out.write("\n")
        return False
    return answer.strip().lower() == "yes"


def read_line(prompt: str, *, err: TextIO, stdin: TextIO | None = None) -> str | None:
    """A line typed or piped in after ``prompt`` (on ``err``, so that stdout stays the command's output); None at
    the end of the input or on Ctrl+C."""
    stdin = stdin or sys.stdin
    try:
        with _interruptible():
            err.write(prompt)
            err.flush()
            line = stdin.readline()
    except KeyboardInterrupt:
        err.write("\n")
        return None
    if not line.endswith("\n"):  # the end of the input: the next message on a line of its own
        err.write("\n")
    return line if line.strip() else None


@contextlib.contextmanager
def _interruptible() -> Iterator[None]:
    """Ctrl+C raises KeyboardInterrupt at once, also inside ``asyncio.run`` (whose own handler only cancels the
    task, which a prompt blocking the loop would see after Enter); the previous handler is put back after. Where
    Ctrl+C is ignored (``nohup``) it stays ignored."""
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is signal.SIG_IGN):
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
