#!/usr/bin/env python3
"""Bundle the language server and its Python dependencies into client-vscode/bundled/libs.

The result serves every Python from 3.10 to 3.13 on every OS and CPU:

* the server (built as a wheel from the repository root, not editable) and its dependencies are installed with
  ``pip install --target`` for Python 3.10 (``--python-version 3.10 --only-binary=:all:``);
* pip evaluates environment markers for the interpreter running it, not for the target, so the dependencies that
  only some Pythons/OSes need (``exceptiongroup; python_version < "3.11"``, ...) are found by evaluating every
  ``Requires-Dist`` marker for Python 3.10-3.13 on Linux, macOS and Windows, and added until nothing is missing;
* PyYAML's optional C extension: the linux x86_64 ``_yaml.cpython-31X-x86_64-linux-gnu.so`` of cp310..cp313 are
  merged into one ``yaml/`` folder (the filenames carry the ABI tag, so each Python loads its own); everywhere else
  ``yaml`` falls back to its pure-Python implementation;
* any other compiled file is an error: it would make the bundle platform-specific without anyone noticing.

Usage: python3 scripts/bundle_python.py   (run from anywhere; needs pip and the package index)
"""

from __future__ import annotations

import email.parser
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from pip._vendor.packaging.markers import default_environment
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
# (sys_platform, platform_system, os_name, platform_machine) of the platforms the .vsix serves.
PLATFORMS = (
    ("linux", "Linux", "posix", "x86_64"),
    ("linux", "Linux", "posix", "aarch64"),
    ("darwin", "Darwin", "posix", "arm64"),
    ("darwin", "Darwin", "posix", "x86_64"),
    ("win32", "Windows", "nt", "AMD64"),
)


def log(message: str) -> None:
    print(f"[bundle-python] {message}", flush=True)


def pip(*args: str) -> None:
    cmd = [sys.executable, "-m", "pip", *args]
    log("$ " + " ".join(cmd))
    subprocess.run(cmd, check=True)


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


def environments() -> list[dict[str, str]]:
    envs = []
    for python in PYTHONS:
        for sys_platform, system, os_name, machine in PLATFORMS:
            env = dict(default_environment())
            env.update(
                python_version=python,
                python_full_version=python + ".0",
                implementation_name="cpython",
                platform_python_implementation="CPython",
                sys_platform=sys_platform,
                platform_system=system,
                os_name=os_name,
                platform_machine=machine,
                extra="",
            )
            envs.append(env)
    return envs


def missing_requirements(libs: Path) -> list[str]:
    """Requirements some supported Python/platform needs that are not installed (without their markers)."""
    have = installed(libs)
    envs = environments()
    missing: dict[str, str] = {}
    for meta in have.values():
        headers = email.parser.Parser().parsestr(meta.read_text(encoding="utf-8"), headersonly=True)
        for line in headers.get_all("Requires-Dist") or []:
            req = Requirement(line)
            if req.marker is not None and not any(req.marker.evaluate(env) for env in envs):
                continue
            name = canonicalize_name(req.name)
            if name not in have:
                missing[name] = f"{req.name}{req.specifier}"
    return sorted(missing.values())


def install(wheel: Path, extra: list[str]) -> None:
    shutil.rmtree(LIBS, ignore_errors=True)
    LIBS.mkdir(parents=True)
    pip(
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-compile",
        "--target",
        str(LIBS),
        *target_options(BASE_PYTHON),
        str(wheel),
        *extra,
    )


def merge_yaml_extensions(tmp: Path) -> None:
    have = installed(LIBS)
    meta = have.get("pyyaml")
    if meta is None:
        raise SystemExit("PyYAML is not among the bundled packages")
    version = email.parser.Parser().parsestr(meta.read_text(encoding="utf-8"), headersonly=True)["Version"]
    for python in PYTHONS:
        tag = "cpython-" + python.replace(".", "")
        if list((LIBS / "yaml").glob(f"_yaml.{tag}-*.so")):
            continue
        dest = tmp / f"pyyaml-{python}"
        pip(
            "download",
            "--quiet",
            "--no-deps",
            "--dest",
            str(dest),
            *target_options(python),
            f"PyYAML=={version}",
        )
        wheels = list(dest.glob("*.whl"))
        if not wheels:
            raise SystemExit(f"no PyYAML {version} wheel for Python {python} on linux x86_64")
        with zipfile.ZipFile(wheels[0]) as whl:
            members = [m for m in whl.namelist() if m.startswith(f"yaml/_yaml.{tag}-") and m.endswith(".so")]
            if not members:
                raise SystemExit(f"{wheels[0].name} has no yaml/_yaml.{tag}-*.so")
            for member in members:
                (LIBS / member).write_bytes(whl.read(member))
                log(f"added {member} (from {wheels[0].name})")


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
    shutil.rmtree(BUNDLED, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix="servicestage-bundle-") as tmp_name:
        tmp = Path(tmp_name)
        src = stage_source(tmp)
        wheels = tmp / "wheels"
        pip(
            "wheel",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--wheel-dir",
            str(wheels),
            str(src),
        )
        (wheel,) = wheels.glob("servicestage_ls-*.whl")
        extra: list[str] = []
        for _ in range(5):
            install(wheel, extra)
            missing = missing_requirements(LIBS)
            if not missing:
                break
            log("needed by some Python 3.10-3.13 / platform but not installed: " + ", ".join(missing))
            extra = sorted(set(extra) | set(missing))
        else:
            raise SystemExit("the dependency set did not settle; missing: " + ", ".join(missing))
        merge_yaml_extensions(tmp)
    clean()
    check_compiled()
    (BUNDLED / "README.txt").write_text(
        "Generated by scripts/bundle_python.py: the servicestage-ls server and its dependencies for Python 3.10-3.13.\n"
        "The extension runs: <python> -m servicestage_ls serve   with PYTHONPATH=<this folder>/libs\n",
        encoding="utf-8",
    )
    packages = sorted(p.name.removesuffix(".dist-info") for p in LIBS.glob("*.dist-info"))
    log(f"bundled into {LIBS.relative_to(CLIENT)}: " + ", ".join(packages))
    return 0


if __name__ == "__main__":
    sys.exit(main())
