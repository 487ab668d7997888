"""The composite GitHub Action (action.yml): its inputs reach its script (action/check.sh), and the script run
as the runner runs it (inputs as INPUT_* variables, GITHUB_OUTPUT, GITHUB_ACTION_PATH, RUNNER_TEMP)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
SCRIPT = REPO / "action" / "check.sh"
SERVICESTAGE_LS = str(Path(sys.executable).parent / "servicestage-ls")

CLEAN = "project_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789\nregion: cn-north-4\nauthorizations: []\n"


def run_action(workspace: Path, tmp_path: Path, action_path: Path = REPO, **inputs: str) -> tuple[subprocess.CompletedProcess[str], str]:
    """Runs the script in `workspace` with the action's inputs; returns the process and what it wrote to
    GITHUB_OUTPUT. `SERVICESTAGE_LS` in inputs (not an input of the action) skips the install."""
    output = tmp_path / "github_output"
    output.write_text("", encoding="utf-8")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("HUAWEICLOUD_", "INPUT_")) and k not in ("GITHUB_TOKEN", "GITLAB_TOKEN")}
    env.update(GITHUB_OUTPUT=str(output), GITHUB_ACTION_PATH=str(action_path), RUNNER_TEMP=str(tmp_path / "runner-temp"))
    for name, value in inputs.items():
        env[name if name == "SERVICESTAGE_LS" else f"INPUT_{name.upper()}"] = value  # sarif_file: INPUT_SARIF_FILE
    (tmp_path / "runner-temp").mkdir(exist_ok=True)
    result = subprocess.run(["bash", str(action_path / "action" / "check.sh")], cwd=workspace, env=env, capture_output=True, text=True,
                            timeout=600)
    return result, output.read_text(encoding="utf-8")


def workspace_with(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "workspace"
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def test_action_yml_passes_every_input_to_its_script() -> None:
    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) == {"paths", "format", "sarif-file", "version", "python"}
    assert {name: spec["default"] for name, spec in action["inputs"].items()} == {
        "paths": ".", "format": "github", "sarif-file": "servicestage.sarif", "version": "", "python": "python3"}
    (step,) = action["runs"]["steps"]
    assert step["shell"] == "bash"
    assert step["run"] == '"$GITHUB_ACTION_PATH/action/check.sh"'
    assert step["env"] == {f"INPUT_{name.upper().replace('-', '_')}": "${{ inputs." + name + " }}"
                           for name in action["inputs"]}
    assert {name: spec["value"] for name, spec in action["outputs"].items()} == {
        "exit-code": "${{ steps.check.outputs.exit-code }}", "sarif-file": "${{ steps.check.outputs.sarif-file }}"}
    assert os.access(SCRIPT, os.X_OK)


def test_github_format_annotates_every_problem_and_fails_on_errors(tmp_path: Path) -> None:
    workspace = workspace_with(tmp_path, {
        "mistakes.servicestage.yaml": (EXAMPLES / "mistakes.servicestage.yaml").read_text(encoding="utf-8"),
        "other.yaml": "repo_type: githib\n",
    })
    result, outputs = run_action(workspace, tmp_path, SERVICESTAGE_LS=SERVICESTAGE_LS)
    assert (result.returncode, result.stderr) == (1, "")
    # exactly the annotations of `servicestage-ls check --format github .`, one per problem
    direct = subprocess.run([SERVICESTAGE_LS, "check", "--format", "github", "."], cwd=workspace,
                            env={k: v for k, v in os.environ.items() if k != "GITHUB_TOKEN"},
                            capture_output=True, text=True)
    assert result.stdout == direct.stdout
    assert [line.split("title=")[1].split("::")[0] for line in result.stdout.splitlines()] == [
        "SS120", "SS121", "SS130", "SS132", "SS140", "SS110", "SS111", "SS151", "SS131", "SS160"]  # no SS142: CI lacks GITHUB_TOKEN
    assert result.stdout.splitlines()[0].startswith(
        "::error file=mistakes.servicestage.yaml,line=2,col=13,endLine=2,endColumn=25,title=SS120::")
    assert outputs == "exit-code=1\n"


def test_paths_input_limits_the_check_and_clean_files_pass(tmp_path: Path) -> None:
    workspace = workspace_with(tmp_path, {
        "deploy/servicestage.yaml": CLEAN,
        "mistakes.servicestage.yaml": (EXAMPLES / "mistakes.servicestage.yaml").read_text(encoding="utf-8"),
    })
    result, outputs = run_action(workspace, tmp_path, SERVICESTAGE_LS=SERVICESTAGE_LS, paths="deploy",
                                 format="text")
    direct = subprocess.run([SERVICESTAGE_LS, "check", "deploy"], cwd=workspace, capture_output=True, text=True)
    assert direct.stdout.startswith("0 errors, 0 warnings in 1 file")
    assert (result.returncode, result.stdout, result.stderr) == (0, direct.stdout, "")
    assert outputs == "exit-code=0\n"


def test_an_unknown_format_is_an_error_annotation(tmp_path: Path) -> None:
    workspace = workspace_with(tmp_path, {"servicestage.yaml": CLEAN})
    result, outputs = run_action(workspace, tmp_path, SERVICESTAGE_LS=SERVICESTAGE_LS, format="xml")
    assert (result.returncode, result.stdout) == (
        2, "::error title=servicestage-ls::format must be github, sarif, text or json, got 'xml'\n")
    assert outputs == ""


def test_sarif_format_writes_the_log_for_upload_sarif(tmp_path: Path) -> None:
    workspace = workspace_with(tmp_path, {
        "mistakes.servicestage.yaml": (EXAMPLES / "mistakes.servicestage.yaml").read_text(encoding="utf-8"),
    })
    result, outputs = run_action(workspace, tmp_path, SERVICESTAGE_LS=SERVICESTAGE_LS, format="sarif",
                                 sarif_file="out/results.sarif")
    assert (result.returncode, result.stdout) == (1, "servicestage-ls: SARIF log written to out/results.sarif (exit code 1)\n")
    assert outputs == "sarif-file=out/results.sarif\nexit-code=1\n"
    log = json.loads((workspace / "out" / "results.sarif").read_text(encoding="utf-8"))
    assert log["version"] == "2.1.0"
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == [
        "SS120", "SS121", "SS130", "SS132", "SS140", "SS110", "SS111", "SS151", "SS131", "SS160"]  # no SS142: CI lacks GITHUB_TOKEN


def test_without_a_version_it_installs_the_actions_own_checkout(tmp_path: Path) -> None:
    """What `uses: …@v1` does on a runner: a venv in RUNNER_TEMP with servicestage-ls from the action's folder."""
    workspace = workspace_with(tmp_path, {"team.servicestage.yaml": CLEAN})
    action_copy = tmp_path / "action-checkout"  # the runner's copy of the repository at the tag
    shutil.copytree(REPO, action_copy, ignore=shutil.ignore_patterns(
        ".venv", "node_modules", "build", "*.egg-info", ".git", "client-vscode", "bench", "test-results", ".*cache"))
    result, outputs = run_action(workspace, tmp_path, action_copy, python=sys.executable)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""  # github format: no annotations for a clean file
    assert outputs == "exit-code=0\n"
    installed = tmp_path / "runner-temp" / "servicestage-ls-venv" / "bin" / "servicestage-ls"
    version = subprocess.run([str(installed), "--version"], capture_output=True, text=True, check=True)
    assert version.stdout == "servicestage-ls 0.1.0\n"
