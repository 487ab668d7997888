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
    for step in ("1. Diagnostics", "2. Completion", "3. Hover", "4. Quick fix", "5. Create authorization",
                 "6. The life cycle from the command line", "7. Code lenses", "8. Every kind"):
        assert step in out
    assert "error SS132 unsupported repo_type `githib`" in out
    assert "SS132 diagnostics left: 0 (was 1)" in out
    assert "ServiceStage: created authorization 'web-frontend': repo_user tom-repo, status 0 (normal)" in out
    assert "+     repo_user: tom-repo" in out and "+     status: 0  # normal" in out
    # 6: a plan with the seeded overdue authorization, an import, an apply that rotates it, and a plan of `none`s.
    assert "  ± billing-api  rotate       ServiceStage reports status 1 (overdue): the token must be replaced" in out
    assert "      - legacy-ci    delete       in ServiceStage, not in the file" in out
    assert "platform.servicestage.yaml: imported 'legacy-ci'; its token is read from LEGACY_CI_TOKEN" in out
    assert "platform.servicestage.yaml: rotated the token of 'billing-api': repo_user pay-org, status 0 (normal)" in out
    assert "platform.servicestage.yaml: created 'docs-site': repo_user docs-org, status 0 (normal)" in out
    assert "No changes: the file and ServiceStage agree (3 up to date)." in out
    assert "+     token: ${LEGACY_CI_TOKEN}" in out and "+     repo_user: docs-org" in out
    assert "  line 17 [✓ normal · Refresh]  - name: legacy-ci" in out
    # 8: one entry of each kind created (the OAuth one through the emulator's provider page), tested, planned.
    assert "kinds.servicestage.yaml: created 'web-app': repo_user tom-repo, status 0 (normal)" in out
    assert "kinds.servicestage.yaml: created 'codehub-ci': repo_user tom, status 0 (normal)" in out
    assert ("[browser] signed in; the page sent the browser on to /emulator/console/oauth-callback?code=…&state=…"
            in out)
    assert ("    Paste the address the browser ended on (after you authorized ServiceStage): "
            "/emulator/console/oauth-callback?code=…&state=…\n"
            "    kinds.servicestage.yaml: authorized 'gitlab-oauth': repo_user emulator-user, status 0 (normal)\n"
            in out)
    assert ("    kinds.servicestage.yaml: ✓ web-app sees 1 namespace: tom-repo\n"
            "    kinds.servicestage.yaml: ✓ codehub-ci sees 1 namespace: tom\n"
            "    kinds.servicestage.yaml: ✓ gitlab-oauth sees 1 namespace: emulator-user\n"
            "    kinds.servicestage.yaml: 3 of 3 authorizations work\n") in out
    assert "        gitlab-oauth  none         up to date: status 0 (normal)" in out
    assert "+     repo_user: emulator-user" in out
    assert "  line 18 [Test]  - name: gitlab-oauth" in out
    assert out.rstrip().endswith("demo finished")
    assert "ghp_DemoToken" not in out + result.stderr
    assert "DemoPasswordForTheEmulator" not in out + result.stderr
