"""The eglot client (Emacs 28 with Debian's eglot 1.9 and yaml-mode, client-emacs/servicestage-ls.el) in a real
``emacs --batch``, talking to the real server over stdio and, for the create commands, to the emulator on loopback.

The script drives Emacs as its command loop would for a user (tests/helpers/emacs.py): commands run between the
command hooks, and waiting lets the idle timers that are due run. Emacs missing is a failure: CI installs
``emacs-nox elpa-eglot elpa-yaml-mode``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from helpers.cloud_servers import EmulatorProcess, start_emulator, subprocess_env
from helpers.emacs import CLIENT_DIR, EmacsRun, elisp, emacs_executable, run_emacs, server_messages

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
AUTH_TOKEN = "emacs-emulator-token-SECRET"
GITHUB_TOKEN = "ghp_" + "EmacsT0ken" * 4
GITLAB_TOKEN = "glpat-" + "EmacsGitlab" * 2
SECRETS = (AUTH_TOKEN, GITHUB_TOKEN, GITLAB_TOKEN)
SERVER_CMD = [sys.executable, "-I", "-m", "servicestage_ls", "serve"]  # isolated: the project is not on its path
INFO = 3


@pytest.fixture
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    process = start_emulator(["--port", "0", "--token", AUTH_TOKEN], tmp_path_factory.mktemp("emu") / "stderr.log")
    yield process
    assert process.stop() == 0


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / ".git").mkdir(parents=True)
    (root / "deploy").mkdir()
    shutil.copy(EXAMPLES / "mistakes.servicestage.yaml", root / "mistakes.servicestage.yaml")
    (root / "other.yaml").write_text("repo_type: githib\n", encoding="utf-8")
    return root


def configure(settings: str = '(:validate "onChange")') -> str:
    return (f"(setq servicestage-ls-command {elisp(SERVER_CMD)})\n"
            f"(setq-default eglot-workspace-configuration '(:servicestage {settings}))\n"
            "(add-hook 'servicestage-yaml-mode-hook #'eglot-ensure)\n")


def run(tmp_path: Path, project: Path, body: str, main_buffer: str, **extra_env: str) -> EmacsRun:
    env = subprocess_env()  # the server inherits Emacs' environment
    env.update(GITHUB_TOKEN=GITHUB_TOKEN, GITLAB_TOKEN=GITLAB_TOKEN, **extra_env)
    result = run_emacs(tmp_path / "emacs", project, env, configure(), body, main_buffer)
    everything = str(result.results) + result.stderr + result.stdout
    for secret in SECRETS:  # never in messages, hovers or the LSP traffic eglot logged
        assert secret not in everything
    assert_no_error_shown(result)
    return result


def assert_no_error_shown(result: EmacsRun) -> None:
    """Nothing the user would see as an error: no error message from the server, eglot or Emacs, no JSON-RPC
    error in the events buffer, no traceback from the server."""
    r = result.results
    assert [m for m in server_messages(result) if m[0] <= 2] == []
    messages = r["messages_buffer"]
    for bad in ("error", "Error", "Timed out", "Wrong type", "Unknown", "Server tried"):
        assert bad not in messages, messages
    assert ":error" not in (r["events"] or "")
    assert "internal error" not in (r["events"] or "")
    assert "Traceback" not in (r["stderr"] or "")


def find_and_wait(path: str) -> str:
    """Visit a file as C-x C-f does, wait until eglot manages its buffer, and press C-a (flymake starts after
    the first command in a managed buffer)."""
    return f"""
  (T-call #'find-file {elisp(path)})
  (T-wait {elisp("eglot to manage " + path)} (lambda () eglot--managed-mode))
  (T-command #'move-beginning-of-line)
"""


def test_diagnostics_hover_quick_fix_and_completion(tmp_path: Path, project: Path) -> None:
    (project / "completion.servicestage.yaml").write_text(
        "project_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789\nregion: cn-north-4\nauthorizations:\n"
        "  - name: new-entry\n    repo_type: gith\n    token: ${GITHUB_TOKEN}\n"
        '  - {name: "😀😀 x", repo_type: githib, token: "${GITHUB_TOKEN}"}\n', encoding="utf-8")
    result = run(tmp_path, project, """
  (T-call #'find-file "other.yaml")
  (T-set "other_mode" (symbol-name major-mode))
  (T-set "other_managed" eglot--managed-mode)
""" + find_and_wait("mistakes.servicestage.yaml") + """
  (T-set "mode" (symbol-name major-mode))
  (T-wait "the diagnostics" (lambda () (= (length (flymake-diagnostics)) 10)))
  (T-set "diagnostics" (T-diagnostics))
  ;; Hover, as eldoc shows it (eglot's own formatting of what the server sent).
  (T-goto 14 4)
  (T-set "hover" (let ((info (jsonrpc-request (eglot--current-server-or-lose) :textDocument/hover
                                              (eglot--TextDocumentPositionParams))))
                   (eglot--hover-info (plist-get info :contents) (plist-get info :range))))
  ;; The quick fix on `repo_type: githib`: the only quickfix there is applied at once.
  (T-goto 5 16)
  (T-call #'eglot-code-actions (point) nil "quickfix" t)
  (T-set "fixed_line" (buffer-substring-no-properties (line-beginning-position) (line-end-position)))
  (T-wait "the fix to be validated"
          (lambda () (= (length (flymake-diagnostics)) 9)))
  (T-set "after_fix" (mapcar (lambda (d) (aref d 5)) (T-diagnostics)))
""" + find_and_wait("completion.servicestage.yaml") + """
  (T-wait "the diagnostics after non-BMP characters" (lambda () (> (length (flymake-diagnostics)) 0)))
  (T-set "non_bmp" (T-diagnostics))
  (T-goto 4 19)
  (T-set "candidates" (let ((capf (eglot-completion-at-point)))
                        (all-completions "" (nth 2 capf))))
  (T-command #'completion-at-point)
  (T-set "completed_line" (buffer-substring-no-properties (line-beginning-position) (line-end-position)))
""", main_buffer="mistakes.servicestage.yaml")
    r = result.results
    assert (r["other_mode"], r["other_managed"]) == ("yaml-mode", None)  # other YAML files: no server
    assert r["mode"] == "servicestage-yaml-mode"
    assert [d[:5] for d in r["diagnostics"]] == [
        [1, 12, 1, 24, "eglot-error"],
        [2, 8, 2, 17, "eglot-error"],
        [4, 10, 4, 12, "eglot-error"],
        [5, 15, 5, 21, "eglot-error"],
        [6, 11, 6, 53, "eglot-warning"],
        [7, 4, 7, 10, "eglot-error"],
        [8, 4, 8, 8, "eglot-error"],
        [10, 10, 10, 38, "eglot-warning"],
        [11, 10, 11, 22, "eglot-error"],
        [14, 12, 14, 13, "eglot-warning"],
    ]
    assert r["diagnostics"][3][5] == ("servicestage [SS132]: unsupported repo_type `githib`; did you mean `github`? "
                                      "Allowed: `github`, `gitlab`")
    assert r["hover"] == ("status · integer · optional · written back by the server\n\nRepository authorization "
                          "status: 0 normal, 1 overdue, 2 unauthenticated. Written back by Create authorization and "
                          "Refresh status.")
    assert r["fixed_line"] == "    repo_type: github                          # misspelt repo type"
    assert not any("SS132" in text for text in r["after_fix"])
    # Columns in characters: eglot 1.9 counts UTF-16 units as the server does (😀 is two of them).
    assert [d[:5] for d in r["non_bmp"] if d[0] == 6 and "SS132" in d[5]] == [[6, 30, 6, 36, "eglot-error"]]
    assert r["candidates"] == ["github", "gitlab", "gitee"]
    assert r["completed_line"] == "    repo_type: github"
    assert r["prompts"] is None  # nothing asked


TEAM = [
    "# Repository authorizations that ServiceStage uses to pull our source.",
    "project_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789   # tenant project id",
    "endpoint: {url}",
    "authorizations:",
    "  - name: web-frontend                         # what ServiceStage calls the authorization",
    "    repo_type: github",
    "    token: ${{GITHUB_TOKEN}}                     # read from the environment when the action runs",
    "    host: https://github.com/tom-repo",
    "  - name: payments-api",
    "    repo_type: gitlab",
    "    token: ${{GITLAB_TOKEN}}",
    "    host: https://gitlab.com/tom-group/payments",
    "  - name: docs-site",
    "    repo_type: github",
    "    token: ${{GITHUB_TOKEN}}",
]


def test_create_create_all_and_refresh_write_back_into_the_buffer(tmp_path: Path, project: Path,
                                                                  emulator: EmulatorProcess) -> None:
    lines = [line.format(url=emulator.url) for line in TEAM]
    path = project / "deploy" / "team.servicestage.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run(tmp_path, project, find_and_wait("deploy/team.servicestage.yaml") + """
  (defun T-shown-p (text) (member (list 3 text) (T-server-messages)))
  ;; What M-x eglot-code-actions offers on the first entry.
  (T-goto 6 4)
  (T-set "actions" (mapcar (lambda (a) (plist-get a :title)) (eglot-code-actions (point))))
  ;; M-x servicestage-ls-create on the first entry.
  (T-command #'servicestage-ls-create)
  (T-wait "the create's message"
          (lambda () (T-shown-p "ServiceStage: created authorization 'web-frontend': repo_user tom-repo, status 0 (normal)")))
  (T-set "after_create" (T-text))
  ;; The code action "Create all new authorizations" (C-c a in many setups: M-x eglot-code-actions).
  (T-goto 1 0)
  (T-call #'eglot-code-actions (point) nil "source.servicestage.createAll" t)
  (T-wait "create-all's summary" (lambda () (T-shown-p "ServiceStage: created 2")))
  (T-set "after_create_all" (T-text))
  (T-command #'servicestage-ls-refresh)
  (T-wait "the refresh's summary" (lambda () (T-shown-p "ServiceStage: everything is up to date")))
  (T-set "after_refresh" (T-text))
  (T-set "modified" (buffer-modified-p))
  (T-set "diagnostics" (T-diagnostics))
""", main_buffer="team.servicestage.yaml", HUAWEICLOUD_AUTH_TOKEN=AUTH_TOKEN)
    r = result.results
    assert r["actions"] == [
        "Create authorization 'web-frontend' in ServiceStage",
        "Create all new authorizations in ServiceStage (3)",
        "Refresh status from ServiceStage",
        "Import from ServiceStage",
        "Show plan (the file against ServiceStage)",
    ]
    created_one = lines[:8] + ["    repo_user: tom-repo", "    status: 0  # normal"] + lines[8:]
    assert r["after_create"] == "\n".join(created_one) + "\n"
    created_all = (created_one[:14] + ["    repo_user: tom-group", "    status: 0  # normal"] + created_one[14:]
                   + ["    repo_user: docs-site", "    status: 0  # normal"])
    assert r["after_create_all"] == "\n".join(created_all) + "\n"
    assert r["after_refresh"] == r["after_create_all"]
    assert r["modified"] is True
    assert r["diagnostics"] == []
    assert path.read_text(encoding="utf-8") == "\n".join(lines) + "\n"  # modified, not saved
    edit_prompt = f"[eglot] Server wants to edit:\n  {path}\n Proceed? "
    assert r["prompts"] == [edit_prompt] * 3
    assert server_messages(result) == [
        [INFO, "ServiceStage: Creating authorization…"],
        [INFO, "ServiceStage: created authorization 'web-frontend': repo_user tom-repo, status 0 (normal)"],
        [INFO, "ServiceStage: Creating new authorizations…"],
        [INFO, "ServiceStage: created authorization 'payments-api': repo_user tom-group, status 0 (normal)"],
        [INFO, "ServiceStage: created authorization 'docs-site': repo_user docs-site, status 0 (normal)"],
        [INFO, "ServiceStage: created 2"],
        [INFO, "ServiceStage: Refreshing authorization status…"],
        [INFO, "ServiceStage: everything is up to date"],
    ]
    assert re.findall(r"\[eglot\] Edit successful!", r["messages_buffer"]) == ["[eglot] Edit successful!"] * 3


def test_the_package_byte_compiles_without_warnings(tmp_path: Path) -> None:
    source = tmp_path / "servicestage-ls.el"
    shutil.copy(CLIENT_DIR / "servicestage-ls.el", source)
    process = subprocess.run(
        [emacs_executable(), "--batch", "--no-site-file", "--eval", "(package-initialize)",
         "--eval", "(setq byte-compile-error-on-warn t)", "-f", "batch-byte-compile", str(source)],
        env={**subprocess_env(), "HOME": str(tmp_path)}, stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=120,
    )
    assert (process.returncode, process.stderr) == (0, "")
    assert (tmp_path / "servicestage-ls.elc").is_file()


def test_plan_and_import(tmp_path: Path, project: Path, emulator: EmulatorProcess) -> None:
    """M-x servicestage-ls-plan shows the plan's lines (the CLI's words) in *servicestage-ls log*; M-x
    servicestage-ls-import writes the entry that exists only in ServiceStage."""
    lines = [line.format(url=emulator.url) for line in TEAM]
    path = project / "deploy" / "team.servicestage.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    answer = httpx.post(f"{emulator.url}/v1/0a1b2c3d4e5f67890a1b2c3d4e5f6789/git/auths/github/personal",
                        json={"name": "legacy-ci", "token": GITHUB_TOKEN}, headers={"X-Auth-Token": AUTH_TOKEN})
    assert answer.status_code == 200, answer.text
    result = run(tmp_path, project, find_and_wait("deploy/team.servicestage.yaml") + """
  (T-command #'servicestage-ls-plan)
  (T-wait "the plan's summary" (lambda () (cl-some (lambda (m) (string-prefix-p "ServiceStage: Plan" (cadr m)))
                                                   (T-server-messages))))
  (T-set "log" (with-current-buffer "*servicestage-ls log*" (buffer-string)))
  (T-set "log_shown" (and (get-buffer-window "*servicestage-ls log*") t))
  (T-command #'servicestage-ls-import)
  (T-wait "the import's message" (lambda () (= (length (T-server-messages)) 4)))
  (T-set "after_import" (T-text))
""", main_buffer="team.servicestage.yaml", HUAWEICLOUD_AUTH_TOKEN=AUTH_TOKEN)
    r = result.results
    cli = subprocess.run([sys.executable, "-m", "servicestage_ls", "plan", str(path)], capture_output=True, text=True,
                         env={**subprocess_env(), "HUAWEICLOUD_AUTH_TOKEN": AUTH_TOKEN, "GITHUB_TOKEN": GITHUB_TOKEN,
                              "GITLAB_TOKEN": GITLAB_TOKEN}, timeout=60)
    assert [line for line in r["log"].splitlines() if line] == [line for line in cli.stdout.splitlines() if line]
    assert r["log_shown"] is True
    assert r["log"].splitlines()[1:6] == [
        "  + web-frontend  create       in the file, not in ServiceStage",
        "  + payments-api  create       in the file, not in ServiceStage",
        "  + docs-site     create       in the file, not in ServiceStage",
        "  - legacy-ci     delete       in ServiceStage, not in the file",
        "Plan: 3 create, 1 delete (0 up to date).",
    ]
    assert r["after_import"] == "\n".join(lines) + "\n" + (
        "  - name: legacy-ci\n"
        "    repo_type: github\n"
        "    token: ${LEGACY_CI_TOKEN}\n"
        "    host: https://github.com/legacy-ci\n"
        "    repo_user: legacy-ci\n"
        "    status: 0  # normal\n"
    )
    assert server_messages(result) == [
        [INFO, "ServiceStage: Comparing the file with ServiceStage…"],
        [INFO, "ServiceStage: Plan: 3 create, 1 delete (0 up to date)."],
        [INFO, "ServiceStage: Importing from ServiceStage…"],
        [INFO, "ServiceStage: imported 'legacy-ci'; its token is read from LEGACY_CI_TOKEN when it is created again "
               "or rotated (set it in the environment first)"],
    ]


def test_test_says_what_the_authorization_at_point_sees(tmp_path: Path, project: Path,
                                                         emulator: EmulatorProcess) -> None:
    """M-x servicestage-ls-test on a created entry: the server's words (the command line's) in the echo area."""
    path = project / "deploy" / "team.servicestage.yaml"
    path.write_text(f"project_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789\nendpoint: {emulator.url}\nauthorizations:\n"
                    "  - name: web-frontend\n    repo_type: github\n    token: ${GITHUB_TOKEN}\n"
                    "    repo_user: tom-repo\n    status: 0\n", encoding="utf-8")
    answer = httpx.post(f"{emulator.url}/v1/0a1b2c3d4e5f67890a1b2c3d4e5f6789/git/auths/github/personal",
                        json={"name": "web-frontend", "token": GITHUB_TOKEN, "host": "https://github.com/tom-repo"},
                        headers={"X-Auth-Token": AUTH_TOKEN})
    assert answer.status_code == 200, answer.text
    result = run(tmp_path, project, find_and_wait("deploy/team.servicestage.yaml") + """
  (T-call #'forward-line 4)
  (T-command #'servicestage-ls-test)
  (T-wait "the test's message" (lambda () (= (length (T-server-messages)) 2)))
""", main_buffer="team.servicestage.yaml", HUAWEICLOUD_AUTH_TOKEN=AUTH_TOKEN)
    assert server_messages(result) == [
        [INFO, "ServiceStage: Testing authorizations…"],
        [INFO, "ServiceStage: ✓ web-frontend sees 1 namespace: tom-repo"],
    ]


#: The browser of the Emacs test: the address the emulator's provider page sends it to (no redirect followed).
FOLLOW_ONCE = ("import http.client, sys, urllib.parse as p; u = p.urlsplit(sys.argv[1]); "
               "c = http.client.HTTPConnection(u.netloc); c.request('GET', u.path + '?' + u.query); "
               "print(c.getresponse().getheader('Location'))")


def test_authorize_asks_with_read_string_and_writes_back(tmp_path: Path, project: Path,
                                                         emulator: EmulatorProcess) -> None:
    """M-x servicestage-ls-authorize on an OAuth entry: the address to open (eglot 28 opens none: the server shows
    it), the server's servicestage/promptText answered with read-string (the user pastes where the browser
    ended), repo_user and status written into the buffer."""
    path = project / "deploy" / "team.servicestage.yaml"
    text = (f"project_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789\nendpoint: {emulator.url}\nauthorizations:\n"
            "  - name: gh-oauth\n    kind: oauth\n    repo_type: github\n")
    path.write_text(text, encoding="utf-8")
    result = run(tmp_path, project, find_and_wait("deploy/team.servicestage.yaml") + f"""
  (advice-add 'read-string :override
              (lambda (prompt &rest _)
                (T-set "prompt" prompt)
                (let ((url (cl-some (lambda (m) (and (string-match "open this address in a browser: \\\\(.*\\\\)$"
                                                                   (cadr m))
                                                     (match-string 1 (cadr m))))
                                    (T-server-messages))))
                  (string-trim (with-output-to-string
                                 (call-process {elisp(sys.executable)} nil standard-output nil "-c"
                                               {elisp(FOLLOW_ONCE)} url))))))
  (T-call #'forward-line 3)
  (T-command #'servicestage-ls-authorize)
  (T-wait "the write-back" (lambda () (string-match-p "repo_user: emulator-user" (T-text))))
  (T-wait "the message that says so" (lambda () (= (length (T-server-messages)) 3)))
  (T-set "after" (T-text))
""", main_buffer="team.servicestage.yaml", HUAWEICLOUD_AUTH_TOKEN=AUTH_TOKEN)
    r = result.results
    assert r["prompt"] == "Paste the address the browser ended on (after you authorized ServiceStage): "
    assert r["after"] == text + "    repo_user: emulator-user\n    status: 0  # normal\n"
    messages = server_messages(result)
    assert messages[0] == [INFO, "ServiceStage: Authorizing in the browser…"]
    assert messages[1][1].startswith("ServiceStage: to authorize 'gh-oauth', open this address in a browser: "
                                     f"{emulator.url}/emulator/oauth/authorize?repo_type=github&state=")
    assert messages[2:] == [[INFO, "ServiceStage: authorized 'gh-oauth': repo_user emulator-user, status 0 (normal)"]]
