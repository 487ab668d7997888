"""What each command's exit status means: shown at the end of its ``--help`` and in the generated command-line
reference (docs/reference/cli.md, ``make docs-gen``). A command added to the parser needs its row here: the docs
tests fail on a command without one."""

from __future__ import annotations

EXIT_CODES: dict[str, tuple[tuple[int, str], ...]] = {
    "serve": (
        (0, "the client ended the session (over TCP: the editor's connection ended)"),
        (1, "--tcp: the port cannot be had (in use, not permitted)"),
        (2, "usage problem (a --tcp host that is not loopback, a port outside 0-65535)"),
        (130, "stopped by Ctrl+C"),
    ),
    "check": (
        (0, "no errors (warnings allowed)"),
        (1, "errors found, or a file too large to be validated (SS104) unless --allow-unchecked"),
        (2, "usage problem or unreadable input (a missing file, not UTF-8, no matching files)"),
    ),
    "schema": (
        (0, "the schema was printed"),
    ),
    "create": (
        (0, "every entry was created"),
        (1, "a call failed or an entry was skipped (a failed lookup of the project id from IAM included)"),
        (2, "usage or configuration problem (no credentials, no project id, no endpoint, a file-level error, a "
            "file that cannot be read): nothing is sent"),
    ),
    "list": (
        (0, "listed"),
        (1, "a call failed (the list, the lookup of the project id)"),
        (2, "usage or configuration problem (a missing file, no credentials, a file whose project, region or "
            "endpoint has errors)"),
    ),
    "refresh": (
        (0, "the file was brought up to date (or already was)"),
        (1, "a call failed, or the file could not be written"),
        (2, "usage or configuration problem"),
    ),
    "plan": (
        (0, "the plan was printed (also with changes pending, unless --detailed-exitcode)"),
        (1, "a call failed (the list, the lookup of the project id)"),
        (2, "usage or configuration problem"),
        (3, "with --detailed-exitcode: a change other than `none` is pending"),
    ),
    "apply": (
        (0, "done"),
        (1, "a call failed, or a write-back to the file was refused"),
        (2, "usage or configuration problem, or a rotation or deletion not confirmed"),
    ),
    "import": (
        (0, "the entries were written (or printed)"),
        (1, "a call failed, or a --name is not in ServiceStage"),
        (2, "usage or configuration problem (-o onto an existing file included)"),
    ),
    "delete": (
        (0, "deleted"),
        (1, "a call failed"),
        (2, "usage or configuration problem, or not confirmed"),
    ),
    "test": (
        (0, "every authorization tested works"),
        (1, "an authorization does not work, or its call failed (the line says why)"),
        (2, "usage or configuration problem (an unknown --name, no credentials, a file whose project, region or "
            "endpoint has errors)"),
    ),
    "authorize": (
        (0, "authorized and written back (or, with --print-url, the address printed)"),
        (1, "a call failed, nothing was pasted, or the write-back was refused"),
        (2, "usage or configuration problem (not an OAuth entry, an entry with errors, a pasted address without "
            "`code` or `state`)"),
    ),
    "emulator": (
        (0, "stopped by SIGTERM or Ctrl+C"),
        (1, "the address cannot be bound"),
        (2, "usage problem, or a seed file that cannot be used"),
    ),
}


def epilog(command: str) -> str | None:
    """The exit codes of a command as the end of its ``--help`` (None for a command without a row)."""
    rows = EXIT_CODES.get(command)
    if rows is None:
        return None
    return "exit status:\n" + "\n".join(f"  {code}  {meaning}" for code, meaning in rows)
