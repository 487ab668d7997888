"""Hostile files through ``servicestage-ls check`` (a subprocess, as CI runs it).

Every sample of the corpus must be answered within a hang guard, with exit code 0 (clean or warnings), 1
(errors) or 2 (unreadable: not UTF-8, too big, missing), a clear message for what it refuses, no traceback, no
secret, and nothing on stdout but its result lines — exactly what ``run_check`` writes in this process.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers.lsp_session import SECRET_ENV
from reliability import corpus
from reliability.conftest import CLOUD_SECRETS, assert_secrets_absent, server_environment

HANG_GUARD_SECONDS = 15.0
SAMPLES = corpus.samples()
IDS = [s.name.removesuffix(".servicestage.yaml") for s in SAMPLES]

CLI_ENV = server_environment()
LINE_RE = r"{path}:\d+:\d+: (error|warning|info|hint) SS\d{{3}} [^\n]+"
SUMMARY_RE = re.compile(r"(\d+) errors?, (\d+) warnings? in (\d+) files? checked(?:; (\d+) files? not checked "
                        r"\(too large: SS104\), which fails the check unless --allow-unchecked is given)?")


def run_cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> tuple[int, str, str, float]:
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "servicestage_ls", *args], cwd=cwd, env=env or CLI_ENV,
                          capture_output=True, timeout=HANG_GUARD_SECONDS * 4)
    elapsed = time.monotonic() - start
    stdout, stderr = proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")
    assert "Traceback" not in stderr, stderr[-3000:]
    assert "Traceback" not in stdout
    assert_secrets_absent(stdout + stderr)
    return proc.returncode, stdout, stderr, elapsed


def in_process_check(paths: list[str], fmt: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    """What ``run_check`` writes, in this process, with the CLI's environment: the CLI must print only that."""
    from servicestage_ls.cli.check import run_check

    with monkeypatch.context() as m:
        for key, value in {**SECRET_ENV, **CLOUD_SECRETS}.items():
            m.setenv(key, value)
        out, err = io.StringIO(), io.StringIO()
        code = run_check(paths, fmt, out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("sample", SAMPLES, ids=IDS)
def test_check_answers_every_hostile_file(sample: corpus.Sample, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    data = sample.load()
    (tmp_path / sample.file_name).write_bytes(data)
    code, out, err, elapsed = run_cli("check", sample.file_name, cwd=tmp_path)
    assert elapsed < HANG_GUARD_SECONDS, f"check took {elapsed:.1f} s"
    if not corpus.is_utf8(data):
        assert code == 2
        assert re.fullmatch(rf"{re.escape(sample.file_name)}: error: not UTF-8 text \(invalid byte 0x[0-9a-f]{{2}} "
                            r"at offset \d+\)\n", err), err
        assert out == "0 errors, 0 warnings in 0 files checked\n"
        return
    assert err == ""
    *findings, summary = out.splitlines()
    match = SUMMARY_RE.fullmatch(summary)
    assert match, summary
    errors, warnings, files, unchecked = (int(g or 0) for g in match.groups())
    assert files + unchecked == 1
    pattern = re.compile(LINE_RE.format(path=re.escape(sample.file_name)))
    for line in findings:
        assert pattern.fullmatch(line), line[:300]
    assert sum(" error SS" in line for line in findings) == errors
    assert sum(" warning SS" in line for line in findings) == warnings
    assert code == (1 if errors or unchecked else 0)  # a file that was not validated does not pass
    if len(data) < 200_000:  # nothing but run_check's own output (a stray print or warning would show here)
        monkeypatch.chdir(tmp_path)
        assert in_process_check([sample.file_name], "text", monkeypatch) == (code, out, err)


def test_check_formats_on_hostile_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for sample in corpus.committed():
        (tmp_path / sample.file_name).write_bytes(sample.load())
    code, out, err, _ = run_cli("check", "--format", "json", ".", cwd=tmp_path)
    assert code == 2  # some files are not UTF-8: refused, the others checked
    found = json.loads(out)
    assert {f["code"] for f in found} >= {"SS100", "SS110", "SS111"}
    assert all(set(f) == {"file", "line", "column", "endLine", "endColumn", "severity", "code", "message"}
               for f in found)
    assert err.count("not UTF-8 text") == sum(not corpus.is_utf8(s.load()) for s in corpus.committed())
    monkeypatch.chdir(tmp_path)
    assert in_process_check(["."], "json", monkeypatch) == (code, out, err)
    code, out, err, _ = run_cli("check", "--format", "github", ".", cwd=tmp_path)
    assert code == 2
    for line in out.splitlines():
        # One annotation per line: a message's line breaks are escaped.
        assert re.fullmatch(r"::(error|warning|notice) file=[^,]+,line=\d+,col=\d+,endLine=\d+,endColumn=\d+,"
                            r"title=SS\d{3}::.*", line), line[:300]


def test_check_refuses_what_it_cannot_read(tmp_path: Path) -> None:
    huge = tmp_path / "huge.servicestage.yaml"
    with open(huge, "wb") as f:
        f.truncate(64 * 1024 * 1024 + 1)  # sparse: costs nothing on disk
    code, out, err, elapsed = run_cli("check", huge.name, "missing.servicestage.yaml", cwd=tmp_path)
    assert elapsed < HANG_GUARD_SECONDS
    assert code == 2
    assert err == (f"{huge.name}: error: file is 67,108,865 bytes, more than the 67,108,864 that are read\n"
                   "missing.servicestage.yaml: error: no such file\n")
    assert out == "0 errors, 0 warnings in 0 files checked\n"
    empty = tmp_path / "empty"
    empty.mkdir()
    code, out, err, _ = run_cli("check", ".", cwd=empty)
    assert code == 2 and "no matching files found" in err
    code, out, err, _ = run_cli("check", str(tmp_path / "nothing-here"), cwd=tmp_path)
    assert code == 2 and "no such file" in err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_check_skips_fifos_and_dangling_links_in_directories(tmp_path: Path) -> None:
    """A FIFO named like an authorization file used to hang ``check DIR`` forever (open() waits for a writer)."""
    os.mkfifo(tmp_path / "pipe.servicestage.yaml")
    os.symlink(tmp_path / "nowhere", tmp_path / "dangling.servicestage.yaml")
    (tmp_path / "real.servicestage.yaml").write_text(corpus.HEADER + corpus.ENTRY.format(i=1))
    code, out, err, elapsed = run_cli("check", ".", cwd=tmp_path)
    assert elapsed < HANG_GUARD_SECONDS
    assert (code, out, err) == (0, "0 errors, 0 warnings in 1 file checked\n", "")
