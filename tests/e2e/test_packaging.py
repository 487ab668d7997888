"""PyPI readiness: `python -m build` makes an sdist and a wheel (the wheel built from the sdist), `twine check`
accepts both, and the wheel installed into a fresh venv runs (`servicestage-ls`, `python -m servicestage_ls`).

The fresh venv gets the wheel only (`--no-deps`, nothing downloaded); the already-installed dependencies are
lent to it through PYTHONPATH, which Python searches without processing this checkout's editable-install hook,
so servicestage_ls itself can only come from the wheel (asserted)."""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import tarfile
import venv
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"


def run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """sdist and wheel of a copy of this checkout (building writes egg-info and build/ into the source)."""
    source = tmp_path_factory.mktemp("source") / "servicestage-ls"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(
        ".venv", "node_modules", "build", "dist", "*.egg-info", ".git", "test-results", ".*cache", "__pycache__"))
    out = tmp_path_factory.mktemp("dist")
    built = run(sys.executable, "-m", "build", "--outdir", str(out), str(source))
    assert built.returncode == 0, built.stdout + built.stderr
    # the licence declared the current way (an SPDX expression and license-files): no setuptools deprecation
    assert "Deprecat" not in built.stdout + built.stderr, built.stdout + built.stderr
    return out


def test_build_makes_an_sdist_and_a_wheel_that_twine_accepts(dist: Path) -> None:
    assert sorted(p.name for p in dist.iterdir()) == [
        "servicestage_ls-0.1.0-py3-none-any.whl", "servicestage_ls-0.1.0.tar.gz"]
    checked = run(sys.executable, "-m", "twine", "check", "--strict", *map(str, sorted(dist.iterdir())))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count("PASSED") == 2, checked.stdout


def test_the_metadata_has_classifiers_urls_and_the_readme(dist: Path) -> None:
    with zipfile.ZipFile(dist / "servicestage_ls-0.1.0-py3-none-any.whl") as wheel:
        metadata = Parser().parsestr(wheel.read("servicestage_ls-0.1.0.dist-info/METADATA").decode())
        names = wheel.namelist()
        entry_points = wheel.read("servicestage_ls-0.1.0.dist-info/entry_points.txt").decode()
    assert metadata["Name"] == "servicestage-ls"
    assert metadata["Requires-Python"] == ">=3.10"
    assert metadata["Description-Content-Type"] == "text/markdown"
    assert metadata.get_payload().startswith("# servicestage-ls\n")
    assert (metadata["License-Expression"], metadata.get_all("License-File")) == ("Apache-2.0", ["LICENSE"])
    assert not [c for c in metadata.get_all("Classifier") if c.startswith("License ::")]  # the expression says it
    assert "Programming Language :: Python :: 3.10" in metadata.get_all("Classifier")
    assert sorted(metadata.get_all("Project-URL")) == [
        "Changelog, https://github.com/servicestage-ls/servicestage-ls/blob/main/CHANGELOG.md",
        "Documentation, https://servicestage-ls.github.io/servicestage-ls/",
        "Homepage, https://github.com/servicestage-ls/servicestage-ls",
        "Issues, https://github.com/servicestage-ls/servicestage-ls/issues",
        "Source, https://github.com/servicestage-ls/servicestage-ls",
    ]
    assert sorted(r for r in metadata.get_all("Requires-Dist") if "extra ==" not in r) == [
        "PyYAML>=6.0", "certifi>=2026.10.19", "httpcore>=1.0.9", "httpx>=0.27", "lsprotocol>=2024.0.0",
        "pygls<3,>=2.0", "truststore>=0.10"]
    assert entry_points == "[console_scripts]\nservicestage-ls = servicestage_ls.cli:main\n"
    # every sub-package and the typing marker are in the wheel
    for module in ("servicestage_ls/py.typed", "servicestage_ls/__main__.py", "servicestage_ls/core/schema.py",
                   "servicestage_ls/engine/actions.py", "servicestage_ls/cloud/client.py",
                   "servicestage_ls/lsp/server.py", "servicestage_ls/cli/check.py",
                   "servicestage_ls/core/rules/file.py", "servicestage_ls/cloud/emulator/service.py"):
        assert module in names
    with tarfile.open(dist / "servicestage_ls-0.1.0.tar.gz") as sdist:
        members = sdist.getnames()
    assert "servicestage_ls-0.1.0/README.md" in members
    assert "servicestage_ls-0.1.0/LICENSE" in members


def test_the_wheel_installs_and_runs_in_a_fresh_venv(dist: Path, tmp_path: Path) -> None:
    fresh = tmp_path / "venv"
    venv.create(fresh, with_pip=True)
    python = fresh / "bin" / "python"
    installed = run(str(python), "-m", "pip", "install", "--no-index", "--no-deps", "--disable-pip-version-check",
                    str(dist / "servicestage_ls-0.1.0-py3-none-any.whl"))
    assert installed.returncode == 0, installed.stdout + installed.stderr

    env = {k: v for k, v in os.environ.items() if not k.startswith("HUAWEICLOUD_") and k != "GITHUB_TOKEN"}
    env["PYTHONPATH"] = os.pathsep.join(site.getsitepackages())  # the dependencies, not servicestage_ls
    where = run(str(python), "-c", "import servicestage_ls; print(servicestage_ls.__file__)", cwd=tmp_path, env=env)
    assert where.stdout.strip().startswith(str(fresh / "lib")), where.stdout + where.stderr

    version = run(str(fresh / "bin" / "servicestage-ls"), "--version", cwd=tmp_path, env=env)
    assert (version.returncode, version.stdout) == (0, "servicestage-ls 0.1.0\n")
    shutil.copy(EXAMPLES / "mistakes.servicestage.yaml", tmp_path / "mistakes.servicestage.yaml")
    checked = run(str(python), "-m", "servicestage_ls", "check", "mistakes.servicestage.yaml", cwd=tmp_path, env=env)
    # the same report as this checkout's own servicestage-ls
    direct = run(sys.executable, "-m", "servicestage_ls", "check", "mistakes.servicestage.yaml", cwd=tmp_path, env={
        k: v for k, v in env.items() if k != "PYTHONPATH"})
    assert (checked.returncode, checked.stdout) == (1, direct.stdout)
    # SS142 for the unset ${GITHUB_TOKEN} only with --check-env (a CI runner lacks the editor's variables)
    assert checked.stdout.splitlines()[-1] == "7 errors, 3 warnings in 1 file checked"
