"""The emulator page's walkthrough (docs/emulator.md, "Try it:") runs as written: against the emulator only, on a
copy of the example (the checked-in file is never edited), with nothing able to reach the real cloud."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.helpers.cloud_servers import start_emulator, subprocess_env

REPO = Path(__file__).resolve().parents[2]
PAGE = (REPO / "docs" / "emulator.md").read_text(encoding="utf-8")


def walkthrough() -> list[str]:
    block = re.search(r"Try it:\n\n```sh\n(.*?)```", PAGE, flags=re.S)
    assert block is not None, "docs/emulator.md has no 'Try it:' sh block"
    return block.group(1).splitlines()


def test_the_emulator_walkthrough_runs_against_the_emulator_on_a_copy(tmp_path: Path) -> None:
    lines = walkthrough()
    assert lines[0] == "servicestage-ls emulator --port 8080 --token demo &"
    # The test starts the emulator itself (on a free port, waiting for its ready line) and runs the rest as written.
    emulator = start_emulator(["--port", "0", "--token", "demo"], tmp_path / "emulator.err")
    try:
        port = emulator.url.rsplit(":", 1)[1]
        shutil.copytree(REPO / "examples", tmp_path / "examples")
        example = (tmp_path / "examples" / "team.servicestage.yaml").read_text(encoding="utf-8")
        script = "set -euo pipefail\n" + "\n".join(lines[1:]).replace("127.0.0.1:8080", f"127.0.0.1:{port}")
        env = {**subprocess_env(), "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"}
        env.pop("GITHUB_TOKEN", None)
        ran = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                             timeout=120)
    finally:
        emulator.process.kill()
        emulator.process.wait()
    assert (ran.returncode, ran.stderr) == (0, "")
    assert ran.stdout.splitlines() == [
        "try/team.servicestage.yaml: created 'web-frontend': repo_user tom-repo, status 0 (normal)",
        f"ServiceStage project 0a1b2c3d4e5f67890a1b2c3d4e5f6789 at http://127.0.0.1:{port}",
        "",
        "    web-frontend  none         up to date: status 0 (normal)",
        "  + payments-api  create       in the file, not in ServiceStage",
        "",
        "Plan: 1 create (1 up to date).",
    ]
    assert (tmp_path / "examples" / "team.servicestage.yaml").read_text(encoding="utf-8") == example
    copy = (tmp_path / "try" / "team.servicestage.yaml").read_text(encoding="utf-8")
    assert "region:" not in copy  # no region left: without the endpoint line nothing would be sent anywhere
    assert copy.startswith("endpoint: http://127.0.0.1:")
