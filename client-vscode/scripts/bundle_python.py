#!/usr/bin/env python3
"""Bundle the language server and its Python dependencies into client-vscode/bundled/libs.

The result serves every Python from 3.10 to 3.13 on every OS and CPU, and holds exactly the packages of the lock
file client-vscode/requirements.txt (pinned, with hashes; scripts/lockfile.py says how to regenerate it):

* the lock files are checked first: every dependency and build requirement of pyproject.toml must be satisfied
  by a pin (else: regenerate with ``make lock``);
* the server is built as a wheel from a copy of the repository, in a throw-away environment holding only the
  pinned, hash-checked build requirements (client-vscode/build-requirements.txt; no build isolation, which would
  fetch an unpinned build backend);
* the wheel and every pin are installed with ``pip install --require-hashes --no-deps --target`` for Python 3.10
  (``--python-version 3.10 --only-binary=:all:``): pip fetches nothing that is not in the lock, and a file whose
  sha256 is not the locked one stops the bundle. The pins are installed whatever their environment marker says
  (pip would evaluate markers for the interpreter running it, not for the target): the lock is one universal
  resolution, and the bundle serves the Pythons and OSes that need ``exceptiongroup`` and those that do not;
* the result is checked: the installed distributions are exactly the pins plus servicestage-ls, and every
  ``Requires-Dist`` that some Python 3.10-3.13 on Linux, macOS or Windows needs is satisfied (else the lock
  misses something: regenerate it);
* PyYAML's optional C extension: the linux x86_64 ``_yaml.cpython-31X-x86_64-linux-gnu.so`` of cp310..cp313 are
  merged into one ``yaml/`` folder (the filenames carry the ABI tag, so each Python loads its own), each from
  the wheel of the locked PyYAML version, downloaded with ``--require-hashes`` (the lock holds the hash of every
  wheel of that release); everywhere else ``yaml`` falls back to its pure-Python implementation;
* any other compiled file is an error: it would make the bundle platform-specific without anyone noticing;
* the lock file is copied to ``bundled/requirements.txt``, so an installed extension says what it carries.

Usage: python3 scripts/bundle_python.py   (run from anywhere; needs pip, venv and the package index)
"""

from __future__ import annotations

import email.parser
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from lockfile import LOCK, BUILD_LOCK, LockError, Pin, check_against_pyproject, environments

from pip._vendor.packaging.requirements import Requirement
from pip._vendor.packaging.utils import canonicalize_name

HERE = Path(__file__).resolve().parent
CLIENT = HERE.parent
REPO = CLIENT.parent
BUNDLED = CLIENT / "bundled"
LIBS = BUNDLED / "libs"

BASE_PYTHON = "3.10"
PYTHONS = ("3.10", "3.11", "3.12", "3.13")
# The glibc x86_64 platform tags PyYAML's wheels carry (besides pure-Python "any").
LINUX_X64 = ("manylinux_2_17_x86_64", "manylinux2014_x86_64")


def log(message: str) -> None:
    print(f"[bundle-python] {message}", flush=True)


def pip(*args: str) -> None:
    cmd = [sys.executable, "-m", "pip", *args]
    log("$ " + " ".join(cmd))
    done = subprocess.run(cmd, check=False)
    if done.returncode != 0:
        raise SystemExit(f"pip {args[0]} failed (exit {done.returncode}): see its message above")


def target_options(python: str) -> list[str]:
    abi = "cp" + python.replace(".", "")
    opts = ["--only-binary=:all:", "--python-version", python, "--implementation", "cp"]
    for tag in (abi, "abi3", "none"):
        opts += ["--abi", tag]
    for platform in LINUX_X64:
        opts += ["--platform", platform]
    return opts


def stage_source(dest: Path) -> Path:
    """A copy of what building the server needs, so the build never writes into the shared checkout."""
    src = dest / "src"
    src.mkdir()
    shutil.copy2(REPO / "pyproject.toml", src / "pyproject.toml")
    readme = REPO / "README.md"
    if readme.exists():
        shutil.copy2(readme, src / "README.md")
    else:  # pyproject.toml names a readme; the package itself does not need it
        (src / "README.md").write_text("# servicestage-ls\n", encoding="utf-8")
    for extra in REPO.glob("LICENSE*"):
        shutil.copy2(extra, src / extra.name)
    shutil.copytree(
        REPO / "server",
        src / "server",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build"),
    )
    return src


def installed(libs: Path) -> dict[str, Path]:
    """Canonical distribution name -> its METADATA file."""
    result = {}
    for meta in libs.glob("*.dist-info/METADATA"):
        name = email.parser.Parser().parsestr(meta.read_text(encoding="utf-8"), headersonly=True)["Name"]
        result[canonicalize_name(name)] = meta
    return result


def installed_versions(libs: Path) -> dict[str, str]:
    """Canonical distribution name -> version, of what is in ``libs``."""
    result = {}
    for name, meta in installed(libs).items():
        result[name] = email.parser.Parser().parsestr(meta.read_text(encoding="utf-8"), headersonly=True)["Version"]
    return result


def unmet_requirements(libs: Path) -> list[str]:
    """Requirements some supported Python/platform needs that no installed version satisfies (without markers)."""
    have = installed(libs)
    versions = installed_versions(libs)
    envs = environments()
    missing: dict[str, str] = {}
    for meta in have.values():
        headers = email.parser.Parser().parsestr(meta.read_text(encoding="utf-8"), headersonly=True)
        for line in headers.get_all("Requires-Dist") or []:
            req = Requirement(line)
            if req.marker is not None and not any(req.marker.evaluate(env) for env in envs):
                continue
            name = canonicalize_name(req.name)
            if name not in versions or not req.specifier.contains(versions[name], prereleases=True):
                missing[name] = f"{req.name}{req.specifier} (needed by {headers['Name']})"
    return sorted(missing.values())


def venv_python(env: Path) -> Path:
    return env / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def build_wheel(src: Path, tmp: Path) -> Path:
    """The server's wheel, built with the locked build requirements only."""
    env = tmp / "build-env"
    log(f"$ {sys.executable} -m venv {env}")
    subprocess.run([sys.executable, "-m", "venv", str(env)], check=True)
    python = str(venv_python(env))
    quiet = ["--quiet", "--disable-pip-version-check"]
    for args in (
        ["install", *quiet, "--require-hashes", "--no-deps", "--only-binary=:all:", "-r", str(BUILD_LOCK)],
        ["wheel", *quiet, "--no-build-isolation", "--no-deps", "--wheel-dir", str(tmp / "wheels"), str(src)],
    ):
        log("$ " + " ".join([python, "-m", "pip", *args]))
        subprocess.run([python, "-m", "pip", *args], check=True)
    (wheel,) = (tmp / "wheels").glob("servicestage_ls-*.whl")
    return wheel


def install(wheel: Path, pins: dict[str, Pin], tmp: Path) -> None:
    """The wheel (by the hash of the file just built) and every pin, nothing else, hash-checked."""
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    requirements = tmp / "bundle-requirements.txt"
    lines = [f"{wheel.as_uri()} --hash=sha256:{digest}"] + [pin.line() for pin in pins.values()]
    requirements.write_text("\n".join(lines) + "\n", encoding="utf-8")
    shutil.rmtree(LIBS, ignore_errors=True)
    LIBS.mkdir(parents=True)
    pip(
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-compile",
        "--require-hashes",
        "--no-deps",
        "--target",
        str(LIBS),
        *target_options(BASE_PYTHON),
        "-r",
        str(requirements),
    )


def check_installed(pins: dict[str, Pin], wheel: Path) -> None:
    """Exactly the pins and the server, and nothing any supported Python/OS needs is missing."""
    have = installed_versions(LIBS)
    server_version = wheel.name.split("-")[1]
    expected = {name: pin.version for name, pin in pins.items()} | {"servicestage-ls": server_version}
    if have != expected:
        extra = sorted(f"{n}=={v}" for n, v in have.items() if expected.get(n) != v)
        absent = sorted(f"{n}=={v}" for n, v in expected.items() if have.get(n) != v)
        raise SystemExit(f"the bundle is not the lock: installed {extra or 'nothing more'}, missing {absent or 'nothing'}")
    unmet = unmet_requirements(LIBS)
    if unmet:
        raise SystemExit(
            f"{LOCK.name} misses what some Python 3.10-3.13 / platform needs: {', '.join(unmet)}; regenerate it with "
            "`make lock`"
        )


def merge_yaml_extensions(pins: dict[str, Pin], tmp: Path) -> None:
    pin = pins.get("pyyaml")
    if pin is None:
        raise SystemExit(f"PyYAML is not in {LOCK.name}")
    requirement = tmp / "pyyaml-requirement.txt"
    requirement.write_text(pin.line() + "\n", encoding="utf-8")
    for python in PYTHONS:
        tag = "cpython-" + python.replace(".", "")
        if list((LIBS / "yaml").glob(f"_yaml.{tag}-*.so")):
            continue
        dest = tmp / f"pyyaml-{python}"
        pip(
            "download",
            "--quiet",
            "--disable-pip-version-check",
            "--require-hashes",
            "--no-deps",
            "--dest",
            str(dest),
            *target_options(python),
            "-r",
            str(requirement),
        )
        wheels = list(dest.glob("*.whl"))
        if not wheels:
            raise SystemExit(f"no PyYAML {pin.version} wheel for Python {python} on linux x86_64")
        with zipfile.ZipFile(wheels[0]) as whl:
            members = [m for m in whl.namelist() if m.startswith(f"yaml/_yaml.{tag}-") and m.endswith(".so")]
            if not members:
                raise SystemExit(f"{wheels[0].name} has no yaml/_yaml.{tag}-*.so")
            for member in members:
                (LIBS / member).write_bytes(whl.read(member))
                log(f"added {member} (from {wheels[0].name}, sha256 checked against {LOCK.name})")


def clean() -> None:
    shutil.rmtree(LIBS / "bin", ignore_errors=True)  # console scripts with this machine's interpreter path
    for cache in list(LIBS.rglob("__pycache__")):
        shutil.rmtree(cache, ignore_errors=True)
    for pyc in LIBS.rglob("*.pyc"):
        pyc.unlink()


def check_compiled() -> None:
    compiled = sorted(
        str(p.relative_to(LIBS)) for p in LIBS.rglob("*") if p.suffix in {".so", ".pyd", ".dylib", ".dll"}
    )
    unexpected = [c for c in compiled if not c.startswith("yaml/_yaml.")]
    if unexpected:
        raise SystemExit("compiled files other than PyYAML's optional extension: " + ", ".join(unexpected))
    log("compiled extensions: " + (", ".join(compiled) or "none"))


def main() -> int:
    try:
        pins, _ = check_against_pyproject()
    except LockError as err:
        raise SystemExit(str(err)) from None
    shutil.rmtree(BUNDLED, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix="servicestage-bundle-") as tmp_name:
        tmp = Path(tmp_name)
        wheel = build_wheel(stage_source(tmp), tmp)
        install(wheel, pins, tmp)
        check_installed(pins, wheel)
        merge_yaml_extensions(pins, tmp)
    clean()
    check_compiled()
    shutil.copy2(LOCK, BUNDLED / "requirements.txt")
    (BUNDLED / "README.txt").write_text(
        "Generated by scripts/bundle_python.py: the servicestage-ls server and its dependencies for Python 3.10-3.13\n"
        "in libs/, exactly the versions of requirements.txt (pinned, sha256-checked when bundled).\n"
        "The extension runs: <python> -I <extension>/tool/server.py <this folder>/libs\n",
        encoding="utf-8",
    )
    packages = sorted(p.name.removesuffix(".dist-info") for p in LIBS.glob("*.dist-info"))
    log(f"bundled into {LIBS.relative_to(CLIENT)}: " + ", ".join(packages))
    return 0


if __name__ == "__main__":
    sys.exit(main())
