"""The generated reference pages (docs/reference/, tools/docsgen): current with the code, every code, command,
flag and setting in them, every diagnostics example giving exactly the findings its row says. Each failure says
what to run or add: a code, a flag or a setting added without its documentation fails here."""

from __future__ import annotations

import argparse
import json
import re

import pytest

from servicestage_ls.cli import build_parser
from servicestage_ls.cli.exits import EXIT_CODES
from servicestage_ls.core.codedocs import DOCS
from servicestage_ls.core.schema import RULES, Severity
from servicestage_ls.core.settings import SETTINGS
from tools.docsgen import PAGES, cli, diagnostics, settings
from tools.docsgen.common import ROOT

RUN_THE_GENERATOR = "run `make docs-gen` (python -m tools.docsgen) and commit the pages it writes"


def page(name: str) -> str:
    return (ROOT / "docs" / "reference" / name).read_text(encoding="utf-8")


def test_every_code_of_the_catalogue_is_documented_in_codedocs() -> None:
    codes = [rule.code for rule in RULES]
    missing = [code for code in codes if code not in DOCS]
    assert missing == [], (f"{missing} are in schema.RULES without documentation: add a row for each to DOCS in "
                           f"server/servicestage_ls/core/codedocs.py (description, fix, example, expect), then "
                           f"{RUN_THE_GENERATOR}")
    assert [code for code in DOCS if code not in codes] == []


@pytest.mark.parametrize("name", sorted(PAGES))
def test_each_generated_page_is_current(name: str) -> None:
    path = ROOT / name
    assert path.is_file(), f"{name} does not exist: {RUN_THE_GENERATOR}"
    assert path.read_text(encoding="utf-8") == PAGES[name](), f"{name} is stale: {RUN_THE_GENERATOR}"


def test_every_code_has_its_section_with_its_severity() -> None:
    text = page("diagnostics.md")
    rows = dict(re.findall(r"^\| \[(SS\d{3})\]\(#ss\d{3}\) \| (\w+) \|", text, flags=re.M))
    expected = {rule.code: Severity(rule.severity).name.lower() for rule in RULES}
    assert rows == expected, f"docs/reference/diagnostics.md lacks codes or severities: {RUN_THE_GENERATOR}"
    assert re.findall(r"^## (SS\d{3})$", text, flags=re.M) == [rule.code for rule in RULES], RUN_THE_GENERATOR


def test_every_example_gives_exactly_the_findings_its_row_says() -> None:
    """The examples are run, not just shown: `servicestage-ls check` of each gives the positions and codes of its
    row's ``expect``, nothing more, nothing less."""
    outputs = diagnostics.run_examples()
    got = {code: tuple(diagnostics.position_and_code(line) for line in lines) for code, lines in outputs.items()}
    expected = {code: doc.expect for code, doc in DOCS.items() if doc.example is not None}
    assert got == expected, ("an example of core/codedocs.py does not give its row's `expect`: fix the example "
                             f"(or the checker); if the change is meant, update `expect`, then {RUN_THE_GENERATOR}")


def test_the_page_shows_what_each_example_gives() -> None:
    text = page("diagnostics.md")
    for lines in diagnostics.run_examples().values():
        assert lines and all(f"\n{line}\n" in text for line in lines), RUN_THE_GENERATOR


def test_a_quick_fix_is_said_exactly_where_the_code_offers_one() -> None:
    """From the real tables: core.fixes (on the example, applied by fixes_for) and the editor's lifecycle feature."""
    fixable = {match for match in re.findall(r"^\| \[(SS\d{3})\]\(#ss\d{3}\) \| \w+ \| .* \| yes \|$",
                                              page("diagnostics.md"), flags=re.M)}
    assert fixable == {"SS110", "SS111", "SS121", "SS132", "SS140", "SS160", "SS173"} | {
        code for code in DOCS if diagnostics.quick_fixes(code, DOCS[code])}
    assert "quick fix: *Rename 'avatar' to 'avartar'*" in page("diagnostics.md")


def all_commands() -> dict[str, argparse.ArgumentParser]:
    return {name: parser for name, (_, parser) in cli.commands(build_parser()).items()}


def test_every_command_has_its_exit_codes() -> None:
    missing = [name for name in all_commands() if name not in EXIT_CODES]
    assert missing == [], (f"commands without exit codes: {missing}: add their rows to EXIT_CODES in "
                           f"server/servicestage_ls/cli/exits.py, then {RUN_THE_GENERATOR}")
    assert [name for name in EXIT_CODES if name not in all_commands()] == []


def test_every_command_and_flag_is_in_the_cli_reference() -> None:
    text = page("cli.md")
    sections = dict(re.findall(r"^## servicestage-ls (\S+)\n(.*?)(?=^## |\Z)", text, flags=re.M | re.S))
    missing = []
    for name, parser in all_commands().items():
        if name not in sections:
            missing.append(name)
            continue
        for action in cli.arguments(parser):
            for flag in action.option_strings or [str(action.metavar or action.dest)]:
                if not re.search(rf"^\| `{re.escape(flag)}[ `,]", sections[name], flags=re.M):
                    missing.append(f"{name} {flag}")
    assert missing == [], f"not in docs/reference/cli.md: {missing}: {RUN_THE_GENERATOR}"


def test_the_cli_reference_shows_the_exit_codes_and_defaults() -> None:
    text = page("cli.md")
    assert "| 3 | with --detailed-exitcode: a change other than `none` is pending |" in text
    assert "| `--format {text,json,github,sarif}` | `text` | one of `text`, `json`, `github`, `sarif` |" in text
    assert "| `--port PORT` | `0` | 0 picks a free port |" in text


def test_every_setting_is_in_the_settings_reference() -> None:
    text = page("settings.md")
    properties = json.loads((ROOT / "client-vscode" / "package.json").read_text(encoding="utf-8"))[
        "contributes"]["configuration"]["properties"]
    documented = re.findall(r"^## (servicestage\.\S+)$", text, flags=re.M)
    assert documented == list(properties), f"docs/reference/settings.md: {RUN_THE_GENERATOR}"
    assert {f"servicestage.{spec.key}" for spec in SETTINGS} <= set(documented)
    for name in properties:
        neovim, emacs = settings.client_names(name.removeprefix("servicestage."))
        assert f"- Neovim: {neovim}\n- Emacs: {emacs}\n" in text


def test_the_schema_page_holds_what_the_schema_command_prints() -> None:
    text = page("schema.md")
    shown = text[text.index("```json\n") + len("```json\n"):text.rindex("```")]
    assert json.loads(shown)["properties"]["authorizations"]["type"] == "array"


def test_the_generator_refuses_a_code_without_documentation(monkeypatch: pytest.MonkeyPatch) -> None:
    """What an engineer who adds a code and forgets its row sees, from `make docs-gen` and from these tests."""
    monkeypatch.delitem(DOCS, "SS151")
    with pytest.raises(diagnostics.CatalogueError, match=r"^SS151 in schema\.RULES but not documented: add a row "
                       r"to DOCS in server/servicestage_ls/core/codedocs\.py"):
        diagnostics.documented()


def test_the_generator_refuses_a_vscode_setting_without_its_other_names() -> None:
    with pytest.raises(settings.CatalogueError, match=r"servicestage\.newThing is in client-vscode/package\.json"):
        settings.client_names("newThing")


def test_the_generator_refuses_a_command_without_exit_codes() -> None:
    parser = argparse.ArgumentParser(prog="servicestage-ls new")
    with pytest.raises(cli.CatalogueError, match=r"the command `new` has no exit codes: add its row to EXIT_CODES"):
        cli.section("new", "a new command", parser)


def test_make_docs_runs_the_generator_then_the_strict_build() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "\tNO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict --site-dir site\n" in makefile
    assert re.search(r"^docs: docs-gen\n", makefile, flags=re.M)
    assert re.search(r"^docs-gen: \$\(STAMP\)\n\t\$\(PY\) -m tools\.docsgen\n", makefile, flags=re.M)


def test_the_screenshots_the_docs_show_are_the_ones_the_e2e_makes() -> None:
    """tests/vscode-e2e/test.mjs writes the VS Code and Neovim screenshots into docs/ (SERVICESTAGE_E2E_DOCS=1, the
    `docsName` of each shot): the pages show exactly those files, and each exists."""
    e2e = (ROOT / "tests" / "vscode-e2e" / "test.mjs").read_text(encoding="utf-8")
    made = set(re.findall(r"\"((?:vscode|neovim)-[\w-]+\.png)\"", e2e))
    shown = {(path.parent / link).resolve().relative_to(ROOT / "docs").as_posix()
             for path in (ROOT / "docs").rglob("*.md")
             for link in re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)", path.read_text(encoding="utf-8"))}
    assert len(made) == 8 and shown == made
    assert all((ROOT / "docs" / name).is_file() for name in made)


def test_each_command_help_ends_with_its_exit_codes() -> None:
    """The same table as the reference, at the end of `servicestage-ls COMMAND --help`."""
    commands = all_commands()
    assert commands["plan"].format_help().endswith(
        "exit status:\n  0  the plan was printed (also with changes pending, unless --detailed-exitcode)\n"
        "  1  a call failed (the list, the lookup of the project id)\n  2  usage or configuration problem\n"
        "  3  with --detailed-exitcode: a change other than `none` is pending\n")
    assert all(parser.epilog and parser.epilog.startswith("exit status:\n") for parser in commands.values())
