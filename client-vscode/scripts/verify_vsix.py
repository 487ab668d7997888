#!/usr/bin/env python3
"""Check a packaged .vsix: its contents, and that its bundled server runs with nothing but the bundled libs.

For each Python found (``python3``, ``python3.10`` ... ``python3.13`` on PATH, or the interpreters listed in
``SERVICESTAGE_VERIFY_PYTHONS``, separated by the OS path separator) it runs, from an empty directory and with
``-S`` (no site-packages, so nothing installed on this machine can help) and ``PYTHONPATH=<extension>/bundled/libs``:

* ``python -S -m servicestage_ls --version``  → ``servicestage-ls <version>``;
* an import of every runtime dependency (pygls, lsprotocol, cattrs, attrs, yaml, httpx, ...), checking that each
  comes from the bundle, that PyYAML's C extension loads on linux x86_64, and that PyYAML still works with the
  C extension blocked (what every other platform gets);
* when the bundle contains the LSP adapter (``servicestage_ls/lsp/server.py``): an ``initialize``/``shutdown``/``exit``
  exchange over stdio with the server started as the extension starts it (``python -I <extension>/tool/server.py
  <extension>/bundled/libs``). The server is developed separately, so a failure here is reported as a warning and
  does not fail the check.

Usage: python3 scripts/verify_vsix.py [FILE.vsix]   (default: <name>-<version>.vsix from package.json)
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

CLIENT = Path(__file__).resolve().parent.parent
REQUIRED = (
    "extension/package.json",
    "extension/readme.md",
    "extension/LICENSE.txt",
    "extension/dist/extension.js",
    "extension/tool/server.py",
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

IMPORT_CHECK = r"""
import importlib, json, sys
libs = sys.argv[1]
mods = ["servicestage_ls", "servicestage_ls.cli", "pygls", "pygls.lsp.server", "lsprotocol.types", "cattrs", "attrs",
        "yaml", "httpx", "httpcore", "h11", "anyio", "idna", "certifi", "typing_extensions"]
if sys.version_info < (3, 11):
    mods.append("exceptiongroup")
outside = []
for name in mods:
    mod = importlib.import_module(name)
    if not str(getattr(mod, "__file__", "")).startswith(libs):
        outside.append(f"{name} from {mod.__file__}")
import yaml
assert yaml.safe_load("a: [1, 2]") == {"a": [1, 2]}
print(json.dumps({"outside": outside, "libyaml": yaml.__with_libyaml__}))
"""

PURE_YAML_CHECK = r"""
import sys
sys.modules["yaml._yaml"] = None  # what a platform without a matching _yaml*.so sees
sys.modules["_yaml"] = None
import yaml
assert not yaml.__with_libyaml__
assert yaml.safe_load("project_id: x\nauthorizations: [{name: token1}]") == {"project_id": "x", "authorizations": [{"name": "token1"}]}
print("pure-python yaml ok")
"""


def fail(message: str) -> None:
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


def clean_env(libs: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON") and k != "VIRTUAL_ENV"}
    env["PYTHONPATH"] = str(libs)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def lsp_roundtrip(python: str, extension: Path, cwd: Path) -> str:
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
    libs = extension / "bundled" / "libs"
    proc = subprocess.run(
        [python, "-I", str(extension / "tool" / "server.py"), str(libs)],
        input=b"".join(frame(m) for m in messages),
        capture_output=True,
        timeout=60,
        cwd=cwd,
        env=clean_env(libs),
        check=False,
    )
    out = proc.stdout.decode(errors="replace")
    if '"id": 1' not in out.replace('"id":1', '"id": 1') or "capabilities" not in out:
        raise RuntimeError(
            f"no initialize result (exit {proc.returncode}); stderr: {proc.stderr.decode(errors='replace')[-800:]}"
        )
    return "initialize/shutdown/exit ok"


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
        with tempfile.TemporaryDirectory(prefix="servicestage-vsix-") as tmp_name:
            tmp = Path(tmp_name)
            zf.extractall(tmp / "unzipped")
            libs = tmp / "unzipped" / "extension" / "bundled" / "libs"
            empty = tmp / "cwd"
            empty.mkdir()
            size = vsix.stat().st_size
            log(f"{vsix.name}: {len(names)} files, {size / 1e6:.1f} MB")
            found = pythons()
            if not found:
                fail("no Python to run the bundled server with")
            linux_x64 = sys.platform == "linux" and platform.machine() in ("x86_64", "AMD64")
            warnings = []
            for python in found:
                env = clean_env(libs)

                def run(
                    *args: str, python: str = python, env: dict[str, str] = env
                ) -> subprocess.CompletedProcess[str]:
                    return subprocess.run(
                        [python, "-S", *args],
                        capture_output=True,
                        text=True,
                        timeout=60,
                        cwd=empty,
                        env=env,
                        check=False,
                    )

                version = run("-c", "import sys; print(sys.version.split()[0])").stdout.strip()
                res = run("-m", "servicestage_ls", "--version")
                expected = f"servicestage-ls {manifest['version']}"
                if res.returncode != 0 or res.stdout.strip() != expected:
                    fail(
                        f"Python {version}: --version gave {res.stdout.strip()!r} (exit {res.returncode}): {res.stderr[-800:]}"
                    )
                res = run("-c", IMPORT_CHECK, str(libs))
                if res.returncode != 0:
                    fail(f"Python {version}: importing the dependencies failed: {res.stderr[-1500:]}")
                info = json.loads(res.stdout.strip().splitlines()[-1])
                if info["outside"]:
                    fail(f"Python {version}: imported from outside the bundle: {info['outside']}")
                if linux_x64 and not info["libyaml"]:
                    fail(f"Python {version}: PyYAML's C extension did not load on linux x86_64")
                res = run("-c", PURE_YAML_CHECK)
                if res.returncode != 0:
                    fail(f"Python {version}: PyYAML without its C extension failed: {res.stderr[-800:]}")
                lsp = "LSP exchange skipped (no servicestage_ls/lsp/server.py in the bundle yet)"
                if (libs / "servicestage_ls" / "lsp" / "server.py").exists():
                    try:
                        lsp = lsp_roundtrip(python, libs.parent.parent, empty)
                    except (RuntimeError, subprocess.SubprocessError) as exc:
                        lsp = f"LSP exchange FAILED (warning only): {exc}"
                        warnings.append(f"Python {version}: {exc}")
                log(
                    f"Python {version} ({python}): {expected}; dependencies from the bundle; "
                    f"libyaml={'yes' if info['libyaml'] else 'no'}; pure-Python yaml ok; {lsp}"
                )
            for w in warnings:
                log(f"WARNING: {w}")
    log("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
