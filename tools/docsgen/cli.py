"""docs/reference/cli.md: every command, argument, default and exit code, read from the argparse parser that
`servicestage-ls` runs (``cli.build_parser``) and the exit codes of ``cli/exits.py``."""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator

from servicestage_ls.cli import build_parser
from servicestage_ls.cli.exits import EXIT_CODES
from tools.docsgen.common import CatalogueError, banner, cell, code_span

USAGE_WIDTH = "100"


def commands(parser: argparse.ArgumentParser) -> dict[str, tuple[str, argparse.ArgumentParser]]:
    """Each command's name → (its one-line help, its parser), in the order of `--help`."""
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {choice.dest: choice.help or "" for choice in sub._choices_actions}
    return {name: (helps.get(name, ""), command) for name, command in sub.choices.items()}


def arguments(parser: argparse.ArgumentParser) -> Iterator[argparse.Action]:
    """The documented arguments (not -h, not what --help hides)."""
    for action in parser._actions:
        if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)) or action.help == argparse.SUPPRESS:
            continue
        yield action


def argument_name(action: argparse.Action) -> str:
    if not action.option_strings:
        return str(action.metavar or action.dest)
    takes = action.nargs != 0 and not isinstance(action, argparse._VersionAction)
    choices = "{" + ",".join(map(str, action.choices)) + "}" if action.choices else None
    shown = action.metavar or choices or action.dest.upper()
    metavar = f" {shown}" if takes else ""
    return ", ".join(action.option_strings) + metavar


def default_of(action: argparse.Action) -> str:
    if isinstance(action, argparse._StoreTrueAction):
        return "off"
    if action.default is None or action.default == argparse.SUPPRESS or isinstance(action, argparse._VersionAction):
        return "—"
    return code_span(str(action.default))


def meaning_of(action: argparse.Action) -> str:
    words = [action.help or ""]
    if action.choices:
        words.append("one of " + ", ".join(code_span(str(c)) for c in action.choices))
    if isinstance(action, argparse._AppendAction):
        words.append("repeatable")
    if action.required and action.option_strings:
        words.append("required")
    if action.nargs == "+":
        words.append("one or more")
    elif action.nargs == "?":
        words.append("optional")
    return cell("; ".join(w for w in words if w)) or "—"


def usage(parser: argparse.ArgumentParser) -> str:
    saved = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = USAGE_WIDTH  # the same line breaks whatever terminal runs the generator
    try:
        return parser.format_usage().strip()
    finally:
        if saved is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = saved


def section(name: str, summary: str, parser: argparse.ArgumentParser) -> str:
    if name not in EXIT_CODES:
        raise CatalogueError(f"the command `{name}` has no exit codes: add its row to EXIT_CODES in "
                             "server/servicestage_ls/cli/exits.py, then run `make docs-gen`")
    rows = [f"| `{argument_name(a)}` | {default_of(a)} | {meaning_of(a)} |" for a in arguments(parser)]
    table = ("| argument | default | meaning |\n|---|---|---|\n" + "\n".join(rows) + "\n") if rows else \
        "No arguments.\n"
    exits = "\n".join(f"| {code} | {cell(meaning)} |" for code, meaning in EXIT_CODES[name])
    sentence = cell(summary[:1].upper() + summary[1:])
    return (f"## servicestage-ls {name}\n\n{sentence}.\n\n```text\n{usage(parser)}\n```\n\n{table}\n"
            f"Exit status:\n\n| code | meaning |\n|---|---|\n{exits}\n")


def render() -> str:
    parser = build_parser()
    found = commands(parser)
    index = "\n".join(f"| [`{name}`](#servicestage-ls-{name}) | {cell(summary)} |"
                      for name, (summary, _) in found.items())
    top = "\n".join(f"| `{argument_name(a)}` | {meaning_of(a)} |" for a in arguments(parser))
    return ("# Command-line reference\n\n"
            + banner("the argparse parser of `servicestage-ls` and `cli/exits.py`")
            + "\nEvery command, argument, default and exit status, as `servicestage-ls COMMAND --help` shows them. "
            "What the commands do, with examples: [Command line](../cli.md), [the life cycle](../lifecycle.md), "
            "[CI](../ci.md). Without a command, `servicestage-ls` runs the language server on stdio (`serve`).\n\n"
            f"```text\n{usage(parser)}\n```\n\n| argument | meaning |\n|---|---|\n{top}\n\n"
            f"| command | what it does |\n|---|---|\n{index}\n"
            + "".join("\n" + section(name, summary, command) for name, (summary, command) in found.items()))
