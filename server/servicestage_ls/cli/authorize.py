"""``servicestage-ls authorize FILE --name NAME``: the OAuth hand-off from a terminal. It prints the address to
open, opens a browser when it runs in a terminal and one is available, and reads the address the browser ended on
from standard input; ``--code``/``--state`` give them directly (scripts), ``--print-url`` only prints the address."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import TextIO

from servicestage_ls.cli.front import (
    EXIT_FAILED,
    EXIT_OK,
    FileFront,
    Usage,
    client_for_file,
    read_line,
    read_model,
    run_calls,
)
from servicestage_ls.core.schema import redact
from servicestage_ls.engine import oauth
from servicestage_ls.engine.actions import CloudOptions, Refused
from servicestage_ls.engine.lifecycle import INFO

INTERRUPTED = ("interrupted; an authorization that was already sent may have happened — run "
               "`servicestage-ls plan FILE` to see")


def browser_available(env: Mapping[str, str], out: TextIO, stdin: TextIO) -> bool:
    """A browser is opened only for someone at a terminal, and only one that shows a window (or the one BROWSER
    names): a text-mode browser would take the terminal the address is to be pasted into."""
    try:
        interactive = stdin.isatty() and os.isatty(out.fileno())
    except (AttributeError, ValueError, OSError):
        interactive = False
    if not interactive:
        return False
    graphical = bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")) or sys.platform in ("darwin", "win32")
    return graphical or bool(env.get("BROWSER"))


class TerminalFront(FileFront):
    """The file as the authorize front: the address on stdout, the pasted one from stdin."""

    def __init__(self, path: str, env: Mapping[str, str], out: TextIO, err: TextIO, stdin: TextIO) -> None:
        super().__init__(path, env, out, err)
        self.stdin = stdin

    async def hand_off(self, name: str, url: str) -> str | None:
        self.out.write(f"{self.path}: to authorize '{redact(name)}', open this address in a browser and allow "
                       f"ServiceStage:\n{url}\n")
        self.out.flush()
        if browser_available(self.env, self.out, self.stdin):
            import webbrowser

            try:
                opened = webbrowser.open(url)
            except webbrowser.Error:
                opened = False
            self.say(INFO, "opened it in the browser" if opened else "no browser could be opened: open it yourself")
        return read_line(f"{oauth.PASTE_PROMPT}: ", err=self.err, stdin=self.stdin)


def run_authorize(path: str, *, name: str, code: str | None, state: str | None, print_url: bool,
                  options: CloudOptions, env: Mapping[str, str], out: TextIO, err: TextIO,
                  stdin: TextIO | None = None) -> int:
    """Exit 0 authorized (and written back; with --print-url: the address printed), 1 a call failed, nothing was
    pasted or the write-back was refused, 2 usage (not an OAuth entry, errors in it, the configuration)."""
    from servicestage_ls.cloud.kinds import OAuthAnswer

    stdin = stdin or sys.stdin

    async def go() -> int:
        model = read_model(path, writing=not print_url)  # a read-only file is refused before anything is sent
        try:
            found = oauth.target(model, name, env)
        except Refused as why:
            raise Usage(redact(str(why))) from None
        client = await client_for_file(model, options, env)
        async with client:
            if print_url:
                out.write((await client.redirect_url(found.snapshot.repo_type, found.tag)).url + "\n")
                return EXIT_OK
            answer = OAuthAnswer(code, state) if code and state else None
            front = TerminalFront(path, dict(env), out, err, stdin)
            try:
                result = await oauth.authorize(front, client, found, answer)
            except Refused as why:  # the pasted address has no code or state
                raise Usage(str(why)) from None
        return EXIT_OK if result == "done" else EXIT_FAILED

    return run_calls(path, go(), err, failed_call=None, interrupted=INTERRUPTED)
