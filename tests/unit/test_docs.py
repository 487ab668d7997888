"""The documentation: the README is a short front door whose links resolve, the docs site builds with
`mkdocs build --strict`, and nothing the old README said is lost (each of its sections has a page). The generated
reference pages: tests/unit/test_docs_generated.py."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
import unicodedata
from pathlib import Path

import pytest

from servicestage_ls.core.schema import REPO_TYPES

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
README = ROOT / "README.md"
REPOSITORY_BLOB = "https://github.com/servicestage-ls/servicestage-ls/blob/main/"
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)

# Every section of the 1,079-line README before the split (issue 21) and where it lives now.
OLD_README_SECTIONS = {
    "Quick start": "getting-started.md#quick-start",
    "Install": "getting-started.md#install",
    "The file": "file.md",
    "Diagnostics": "diagnostics.md",
    "Completion, hover, quick fixes, outline": "editors/index.md#what-every-editor-gets-completion-hover-quick-fixes-outline",
    "Creating authorizations in ServiceStage": "lifecycle.md#creating-authorizations-in-servicestage",
    "The life cycle in the editor": "lifecycle.md#the-life-cycle-in-the-editor",
    "Credentials and endpoint": "credentials.md",
    "The local emulator": "emulator.md",
    "Settings": "reference/settings.md",
    "Command line": "cli.md",
    "The GitHub Action, pre-commit, SARIF": "ci.md",
    "The life cycle: the file as the source of truth": "lifecycle.md#on-the-command-line-the-file-as-the-source-of-truth",
    "Using the JSON Schema with yaml-language-server": "file.md#using-the-json-schema-with-yaml-language-server",
    "Editors": "editors/index.md",
    "VS Code": "editors/vscode.md",
    "Neovim": "editors/neovim.md",
    "Emacs (eglot)": "editors/emacs.md",
    "Security": "security.md",
    "Limits": "limits.md",
    "Performance": "performance.md",
    "Development": "contributing.md",
}


def text_of(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def mkdocs_slug(heading: str) -> str:
    """Python-Markdown's toc slugify (what the site's anchors are)."""
    text = unicodedata.normalize("NFKD", heading).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


def github_slug(heading: str) -> str:
    """GitHub's anchors for a heading (what a reader of the Markdown on GitHub follows)."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def headings(path: Path) -> list[str]:
    text = FENCE.sub("", text_of(path))
    return [re.sub(r"[`*]", "", h).strip() for h in re.findall(r"^#{1,6} (.+)$", text, flags=re.M)]


def anchors_of(path: Path) -> set[str]:
    """The anchors that work both on the site and on GitHub."""
    found = headings(path)
    return {mkdocs_slug(h) for h in found} & {github_slug(h) for h in found}


def links_of(path: Path) -> list[str]:
    return LINK.findall(FENCE.sub("", text_of(path)))


def broken_relative_link(page: Path, link: str) -> str | None:
    """Why a relative link of `page` does not resolve (None when it does)."""
    if re.match(r"[a-z]+:", link):
        if link.startswith(REPOSITORY_BLOB):
            target = ROOT / link[len(REPOSITORY_BLOB):].split("#")[0]
            return None if target.exists() else f"{link}: no such file in the repository"
        return None
    target_text, _, anchor = link.partition("#")
    target = (page.parent / target_text).resolve() if target_text else page
    if not target.exists():
        return f"{link}: no such file"
    if anchor and anchor not in anchors_of(target):
        return f"{link}: no heading with the anchor #{anchor} in {target.relative_to(ROOT)}"
    return None


def test_the_readme_is_a_front_door_of_at_most_250_lines() -> None:
    readme = text_of(README)
    assert len(readme.splitlines()) <= 250
    first_screen = "\n".join(readme.splitlines()[:60])
    for editor in ("### VS Code", "### Neovim", "### Emacs", "### Any other LSP client"):
        assert editor in readme
    assert "## Install in your editor" in first_screen


def test_every_link_of_the_readme_resolves() -> None:
    links = links_of(README)
    assert "docs/vscode-problems.png" in links and "docs/editors/neovim.md" in links
    assert [problem for link in links if (problem := broken_relative_link(README, link))] == []


def test_every_link_of_the_docs_to_the_repository_resolves() -> None:
    """Links out of docs/ (CONTRIBUTING.md, SECURITY.md, the clients' READMEs) are repository URLs: mkdocs cannot
    check them, this does."""
    problems = [problem for page in sorted(DOCS.rglob("*.md")) for link in links_of(page)
                if link.startswith(REPOSITORY_BLOB) and (problem := broken_relative_link(page, link))]
    assert problems == []


@pytest.mark.parametrize("section", sorted(OLD_README_SECTIONS))
def test_every_section_of_the_old_readme_has_a_page(section: str) -> None:
    page, _, anchor = OLD_README_SECTIONS[section].partition("#")
    assert (DOCS / page).is_file()
    assert not anchor or anchor in anchors_of(DOCS / page)


@pytest.mark.parametrize("path", [README, *sorted(DOCS.rglob("*.md"))], ids=lambda p: str(p.relative_to(ROOT)))
def test_the_docs_hold_no_token_shaped_strings(path: Path) -> None:
    """The README becomes the package's description, and the VS Code packager refuses what looks like a secret."""
    for word in re.findall(r"[A-Za-z0-9_.-]{20,}", text_of(path)):
        assert not any(REPO_TYPES[rt].token_re.match(word) for rt in ("github", "gitlab")), word


def test_the_site_builds_strictly(tmp_path: Path) -> None:
    """No broken link or anchor, no page outside the nav (mkdocs.yml: strict, validation warnings)."""
    try:
        import mkdocs  # noqa: F401
    except ImportError:
        pytest.fail("mkdocs is not installed: `make .venv/.installed` installs the test extra (mkdocs, mkdocs-material)")
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
                            cwd=ROOT, capture_output=True, text=True, timeout=300,
                            env={"PATH": "/usr/bin:/bin", "NO_MKDOCS_2_WARNING": "1", "HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site" / "reference" / "diagnostics" / "index.html").is_file()
    pages = [page.read_text(encoding="utf-8") for page in (tmp_path / "site").rglob("*.html")]
    assert len(pages) >= 20 and not any("fonts.googleapis.com" in page for page in pages)  # readable offline


def test_the_package_metadata_points_at_the_docs_site() -> None:
    """The docs site is GitHub Pages of the repository (https://OWNER.github.io/REPO/, mkdocs.yml's site_url); PyPI's
    Documentation link, the .vsix's homepage (its Marketplace page), the Mason package and SARIF's help links go to
    its pages, never to README anchors."""
    project = tomllib.loads(text_of(ROOT / "pyproject.toml"))["project"]
    owner, repo = re.fullmatch(r"https://github\.com/([\w-]+)/([\w-]+)", project["urls"]["Source"]).groups()
    site = f"https://{owner}.github.io/{repo}/"
    assert project["urls"]["Documentation"] == site
    assert re.search(rf"^site_url: {re.escape(site)}$", text_of(ROOT / "mkdocs.yml"), flags=re.M)
    package = json.loads(text_of(ROOT / "client-vscode" / "package.json"))
    assert package["homepage"] == site + "editors/vscode/"
    assert re.search(rf"^homepage: {re.escape(site)}editors/neovim/$",
                     text_of(ROOT / "client-neovim" / "mason" / "package.yaml"), flags=re.M)
    from servicestage_ls.cli.check import DIAGNOSTICS_URL, sarif_log

    assert DIAGNOSTICS_URL == site + "reference/diagnostics/"
    rules = sarif_log([])["runs"][0]["tool"]["driver"]["rules"]
    anchors = anchors_of(DOCS / "reference" / "diagnostics.md")
    assert [rule["helpUri"] for rule in rules] == [f"{DIAGNOSTICS_URL}#{rule['id'].lower()}" for rule in rules]
    assert {rule["id"].lower() for rule in rules} <= anchors
    for url in re.findall(r"\((https://servicestage-ls\.github\.io/servicestage-ls/[^)]*)\)",
                          text_of(ROOT / "client-vscode" / "README.md")):
        path = url.removeprefix(site).rstrip("/")
        assert (DOCS / f"{path}.md").is_file() or (DOCS / path / "index.md").is_file(), url


def test_every_editor_command_is_on_its_editor_page() -> None:
    """The Neovim plugin's user commands, the VS Code extension's palette commands and the Emacs package's M-x
    commands, each on its page (a count in the text went stale once: none is kept)."""
    neovim = text_of(DOCS / "editors" / "neovim.md")
    plugin = "".join(text_of(p) for p in sorted((ROOT / "client-neovim").rglob("*.lua")))
    user_commands = set(re.findall(r"create_user_command\(\"(ServiceStage\w*)\"", plugin))
    assert user_commands and [c for c in sorted(user_commands) if not re.search(rf":{c}\b", neovim)] == []
    vscode = text_of(DOCS / "editors" / "vscode.md")
    contributed = json.loads(text_of(ROOT / "client-vscode" / "package.json"))["contributes"]["commands"]
    assert [c["title"] for c in contributed if f"**ServiceStage: {c['title']}**" not in vscode] == []
    emacs = text_of(DOCS / "editors" / "emacs.md")
    elisp = text_of(ROOT / "client-emacs" / "servicestage-ls.el")
    interactive = re.findall(r"^\(defun (servicestage-ls-[a-z-]+) \([^)]*\)\n(?:  \"(?:[^\"\\]|\\.)*\"\n)?  \(interactive",
                             elisp, flags=re.M)
    assert interactive and [c for c in interactive if f"M-x {c}`" not in emacs] == []


def test_every_server_command_is_documented_with_the_life_cycle() -> None:
    """The `workspace/executeCommand` names a client or a key binding can call (lsp/commands.py)."""
    from servicestage_ls.lsp import commands

    names = sorted(value for value in vars(commands).values()
                   if isinstance(value, str) and value.startswith("servicestage-ls."))
    lifecycle = text_of(DOCS / "lifecycle.md")
    assert len(names) >= 8 and [name for name in names if f"`{name}`" not in lifecycle] == []
