"""`make demo` keeps working: the scripted editor session runs to the end and shows each step."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo.py"


def test_the_demo_runs_every_step_and_cleans_up() -> None:
    result = subprocess.run([sys.executable, str(DEMO)], capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    out = result.stdout
    for step in ("1. Diagnostics", "2. Completion", "3. Hover", "4. Quick fix", "5. Create authorization"):
        assert step in out
    assert "error SS132 unsupported repo_type `githib`" in out
    assert "SS132 diagnostics left: 0 (was 1)" in out
    assert "ServiceStage: created authorization 'web-frontend': repo_user tom-repo, status 0 (normal)" in out
    assert "+     repo_user: tom-repo" in out and "+     status: 0  # normal" in out
    assert out.rstrip().endswith("demo finished")
    assert "ghp_DemoToken" not in out + result.stderr
