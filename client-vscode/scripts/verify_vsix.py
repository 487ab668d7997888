#!/usr/bin/env python3
"""Check a packaged .vsix: its contents, that its Python bundle is exactly the lock file, and that its bundled
server runs with nothing but the bundled libs, from a folder that holds hostile modules.

* The bundled distributions (``bundled/libs/*.dist-info``) are exactly the pins of client-vscode/requirements.txt
  (name and version; scripts/lockfile.py) plus servicestage-ls at the extension's version, and the .vsix carries
  that lock file as ``bundled/requirements.txt``.
* Every check below runs with the working directory set to a folder holding shadow modules — ``yaml.py``,
  ``json.py``, ``httpx/``, ``servicestage_ls/`` — that fail loudly when imported, as a cloned repository could
  hold them (first it checks that a plain ``python -c "import yaml"`` there does hit the shadow). The bundle is
  reached as the extension reaches it: ``python -I -S`` (isolated: neither the working directory nor ``PYTHON*``
  variables nor any site-packages on ``sys.path``) with ``bundled/libs`` put first on ``sys.path`` by the code run.

For each Python found (``python3``, ``python3.10`` ... ``python3.13`` on PATH, or the interpreters listed in
``SERVICESTAGE_VERIFY_PYTHONS``, separated by the OS path separator) it runs:

* ``servicestage-ls --version``  → ``servicestage-ls <version>``;
* an import of every runtime dependency (pygls, lsprotocol, cattrs, attrs, yaml, httpx, truststore, ...),
  checking that each comes from the bundle, that PyYAML's C extension loads on linux x86_64, and that PyYAML
  still works with the C extension blocked (what every other platform gets); it reports which CAs TLS trusts;
* an ``initialize``/``shutdown``/``exit`` exchange over stdio with the server started as the extension starts it,
  by its launcher: ``python -I -S <extension>/tool/server.py <extension>/bundled/libs``.

Usage: python3 scripts/verify_vsix.py [FILE.vsix]   (default: <name>-<version>.vsix from package.json)
"""

from __future__ import annotations

import email.parser
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import NoReturn

from lockfile import LOCK, LockError, read_lock

from pip._vendor.packaging.utils import canonicalize_name

CLIENT = Path(__file__).resolve().parent.parent
REQUIRED = (
    "extension/package.json",
    "extension/readme.md",
    "extension/LICENSE.txt",
    "extension/dist/extension.js",
    "extension/tool/server.py",
    "extension/bundled/requirements.txt",
    "extension/bundled/libs/servicestage_ls/__init__.py",
    "extension/bundled/libs/servicestage_ls/__main__.py",
    "extension/bundled/libs/yaml/__init__.py",
    "extension/bundled/libs/pygls/__init__.py",
)
FORBIDDEN_PREFIXES = (
    "extension/node_modules/",
    "extension/src/",
    "extension/test/",
    "extension/out/",
    "extension/bundled/libs/bin/",
)
SHADOW_MARK = "SHADOW MODULE IMPORTED FROM THE WORKING DIRECTORY"
#: What a hostile repository could hold next to its authorization file.
SHADOWS = ("yaml.py", "json.py", "httpx/__init__.py", "servicestage_ls/__init__.py", "servicestage_ls/__main__.py")

# Run with -I -S: sys.argv[1] is the bundle's libs folder, put first on sys.path as tool/server.py does.
ON_PATH = "import sys; sys.path.insert(0, sys.argv[1]); "
VERSION_CHECK = ON_PATH + "from servicestage_ls.cli import main; sys.exit(main(['--version']))"
IMPORT_CHECK = ON_PATH + r"""
import importlib, json
libs = sys.argv[1]
mods = ["servicestage_ls", "servicestage_ls.cli", "servicestage_ls.cloud.tls", "pygls", "pygls.lsp.server",
        "lsprotocol.types", "cattrs", "attrs", "yaml", "httpx", "httpcore", "h11", "anyio", "idna", "certifi",
        "truststore", "typing_extensions"]
if sys.version_info < (3, 11):
    mods.append("exceptiongroup")
outside = []
for name in mods:
    mod = importlib.import_module(name)
    if not str(getattr(mod, "__file__", "")).startswith(libs):
        outside.append(f"{name} from {mod.__file__}")
import yaml
assert yaml.safe_load("a: [1, 2]") == {"a": [1, 2]}
from servicestage_ls.cloud.tls import tls_context
print(json.dumps({"outside": outside, "libyaml": yaml.__with_libyaml__, "tls": tls_context(None, {})[1]}))
"""

PURE_YAML_CHECK = ON_PATH + r"""
sys.modules["yaml._yaml"] = None  # what a platform without a matching _yaml*.so sees
sys.modules["_yaml"] = None
import yaml
assert not yaml.__with_libyaml__
assert yaml.safe_load("project_id: x\nauthorizations: [{name: token1}]") == {"project_id": "x", "authorizations": [{"name": "token1"}]}
print("pure-python yaml ok")
"""


def fail(message: str) -> NoReturn:
    print(f"[verify] FAIL: {message}", flush=True)
    raise SystemExit(1)


def log(message: str) -> None:
    print(f"[verify] {message}", flush=True)


def pythons() -> list[str]:
    listed = os.environ.get("SERVICESTAGE_VERIFY_PYTHONS")
    names = (
        listed.split(os.pathsep)
        if listed
        else ["python3", "python3.10", "python3.11", "python3.12", "python3.13"]
    )
    found: dict[str, str] = {}
    for name in names:
        exe = shutil.which(name) or (name if Path(name).is_file() else None)
        if not exe:
            continue
        try:
            out = subprocess.run(
                [exe, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                capture_output=True,
                text=True,
                timeout=20,
                check=True,
            ).stdout.strip()
        except (subprocess.SubprocessError, OSError):
            continue  # e.g. a pyenv shim for a version that is not active
        if tuple(map(int, out.split("."))) < (3, 10):
            log(f"skipping {exe}: Python {out} (the extension needs 3.10 or newer)")
            continue
        found.setdefault(out, exe)
    return [found[v] for v in sorted(found, key=lambda v: tuple(map(int, v.split("."))))]


def clean_env(shadow: Path) -> dict[str, str]:
    """This environment without Python's variables, then PYTHONPATH at the shadow folder: ``-I`` must ignore it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON") and k != "VIRTUAL_ENV"}
    env["PYTHONPATH"] = str(shadow)
    return env


def make_shadow(folder: Path) -> None:
    """Modules a hostile repository could hold, each failing loudly when imported."""
    for name in SHADOWS:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"raise SystemExit({SHADOW_MARK + ': ' + name!r})\n", encoding="utf-8")


def check_shadow_bites(python: str, shadow: Path) -> None:
    """Without -I, the working directory comes first: the shadow ``yaml.py`` must be what is imported."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    res = subprocess.run([python, "-S", "-c", "import yaml"], capture_output=True, text=True, timeout=60,
                         cwd=shadow, env=env, check=False)
    if res.returncode == 0 or SHADOW_MARK not in res.stderr:
        fail(f"{python}: the shadow yaml.py in {shadow} was not imported without -I; the check would prove nothing")


def bundle_matches_lock(zf: zipfile.ZipFile, names: list[str], version: str) -> str:
    """The bundled distributions are exactly the lock's pins plus servicestage-ls; the .vsix carries the lock."""
    try:
        pins = read_lock(LOCK)
    except LockError as err:
        fail(str(err))
    expected = {name: pin.version for name, pin in pins.items()} | {"servicestage-ls": version}
    bundled = {}
    for meta in names:
        parts = meta.split("/")
        if len(parts) == 5 and parts[:3] == ["extension", "bundled", "libs"] and parts[4] == "METADATA" and (
                parts[3].endswith(".dist-info")):
            headers = email.parser.Parser().parsestr(zf.read(meta).decode("utf-8"), headersonly=True)
            bundled[canonicalize_name(headers["Name"])] = headers["Version"]
    if bundled != expected:
        differ = sorted(set(bundled.items()) ^ set(expected.items()))
        fail(f"the bundled packages are not those of {LOCK.name}: bundled {sorted(bundled.items())}, "
             f"locked {sorted(expected.items())} (differ: {differ}); rebuild with npm run bundle-python")
    if zf.read("extension/bundled/requirements.txt") != LOCK.read_bytes():
        fail(f"bundled/requirements.txt is not {LOCK.relative_to(CLIENT.parent)}; rebuild with npm run bundle-python")
    return f"{len(pins)} locked packages + servicestage-ls {version}, exactly"


def lsp_roundtrip(command: list[str], shadow: Path) -> str:
    def frame(obj: dict) -> bytes:
        body = json.dumps(obj).encode()
        return b"Content-Length: %d\r\n\r\n" % len(body) + body

    messages = [
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "processId": None,
                "rootUri": None,
                "capabilities": {},
                "initializationOptions": {"validate": "onChange"},
            },
        },
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
        {"jsonrpc": "2.0", "id": 2, "method": "shutdown", "params": None},
        {"jsonrpc": "2.0", "method": "exit", "params": None},
    ]
    proc = subprocess.run(
        command,
        input=b"".join(frame(m) for m in messages),
        capture_output=True,
        timeout=60,
        cwd=shadow,
        env=clean_env(shadow),
        check=False,
    )
    out = proc.stdout.decode(errors="replace")
    if '"id": 1' not in out.replace('"id":1', '"id": 1') or "capabilities" not in out:
        raise RuntimeError(
            f"no initialize result (exit {proc.returncode}); stderr: {proc.stderr.decode(errors='replace')[-800:]}"
        )
    return "initialize/shutdown/exit ok"


def check_python(python: str, libs: Path, launcher: Path, shadow: Path, expected: str) -> str:
    """Every runtime check with one interpreter; the line to log."""
    check_shadow_bites(python, shadow)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([python, "-I", "-S", *args], capture_output=True, text=True, timeout=60, cwd=shadow,
                              env=clean_env(shadow), check=False)

    version = run("-c", "import sys; print(sys.version.split()[0])").stdout.strip()
    res = run("-c", VERSION_CHECK, str(libs))
    if res.returncode != 0 or res.stdout.strip() != expected:
        fail(f"Python {version}: --version gave {res.stdout.strip()!r} (exit {res.returncode}): {res.stderr[-800:]}")
    res = run("-c", IMPORT_CHECK, str(libs))
    if res.returncode != 0:
        fail(f"Python {version}: importing the dependencies failed: {res.stderr[-1500:]}")
    info = json.loads(res.stdout.strip().splitlines()[-1])
    if info["outside"]:
        fail(f"Python {version}: imported from outside the bundle: {info['outside']}")
    if sys.platform == "linux" and platform.machine() in ("x86_64", "AMD64") and not info["libyaml"]:
        fail(f"Python {version}: PyYAML's C extension did not load on linux x86_64")
    res = run("-c", PURE_YAML_CHECK, str(libs))
    if res.returncode != 0:
        fail(f"Python {version}: PyYAML without its C extension failed: {res.stderr[-800:]}")
    try:
        lsp = lsp_roundtrip([python, "-I", "-S", str(launcher), str(libs)], shadow) + " (started by tool/server.py)"
    except (RuntimeError, subprocess.SubprocessError) as exc:
        fail(f"Python {version}: the server started by tool/server.py did not answer: {exc}")
    return (f"Python {version} ({python}): {expected}; dependencies from the bundle, none from the shadow folder; "
            f"libyaml={'yes' if info['libyaml'] else 'no'}; pure-Python yaml ok; TLS trusts {info['tls']}; {lsp}")


def main() -> int:
    manifest = json.loads((CLIENT / "package.json").read_text(encoding="utf-8"))
    vsix = (
        Path(sys.argv[1]) if len(sys.argv) > 1 else CLIENT / f"{manifest['name']}-{manifest['version']}.vsix"
    )
    if not vsix.is_file():
        fail(f"{vsix} does not exist")
    with zipfile.ZipFile(vsix) as zf:
        names = zf.namelist()
        missing = [n for n in REQUIRED if n not in names]
        if missing:
            fail("missing from the .vsix: " + ", ".join(missing))
        stray = sorted({n for n in names if n.startswith(FORBIDDEN_PREFIXES)})
        if stray:
            fail("should not be in the .vsix: " + ", ".join(stray[:10]))
        packaged = json.loads(zf.read("extension/package.json"))
        if packaged["version"] != manifest["version"]:
            fail("the packaged package.json has another version")
        log(f"{vsix.name}: {len(names)} files, {vsix.stat().st_size / 1e6:.1f} MB; "
            + bundle_matches_lock(zf, names, manifest["version"]))
        with tempfile.TemporaryDirectory(prefix="servicestage-vsix-") as tmp_name:
            tmp = Path(tmp_name)
            zf.extractall(tmp / "unzipped")
            libs = tmp / "unzipped" / "extension" / "bundled" / "libs"
            launcher = tmp / "unzipped" / "extension" / "tool" / "server.py"
            shadow = tmp / "shadow"
            make_shadow(shadow)
            found = pythons()
            if not found:
                fail("no Python to run the bundled server with")
            for python in found:
                log(check_python(python, libs, launcher, shadow, f"servicestage-ls {manifest['version']}"))
    log("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
