"""Headless Emacs (``emacs --batch``) driving eglot as a real LSP client, with client-emacs/servicestage-ls.el.

The generated script loads eglot, yaml-mode and ``client-emacs/servicestage-ls.el``, then runs the test's body
(Emacs Lisp) inside a ``condition-case``; the body fills the hash table ``R``, which is written as JSON at the end,
together with the texts of ``*Messages*``, eglot's events buffer and the server's stderr buffer.

Batch Emacs has no command loop, so the script does what the command loop of a user's Emacs does:
``T-command`` runs a command between ``pre-command-hook`` and ``post-command-hook`` (``eglot-ensure`` connects
from ``post-command-hook``), and ``T-wait`` is the user waiting: it reads the server's output and runs the idle
timers that are due, once per wait, as Emacs does when the user does nothing (eglot sends ``didChange`` and
flymake reports diagnostics from idle timers). Waits are conditions with deadlines, never sleeps.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
CLIENT_DIR = REPO / "client-emacs"
EMACS_TIMEOUT_SECONDS = 180.0
WAIT_SECONDS = 30.0  # the deadline of each condition the script waits for (a slow CI machine starts Python slowly)

PRELUDE = r"""
(require 'cl-lib)
(require 'json)
(setq debug-on-error nil
      make-backup-files nil
      create-lockfiles nil
      auto-save-default nil
      enable-local-variables :all)
(package-initialize)
(require 'eglot)
(require 'yaml-mode)
(load (expand-file-name "servicestage-ls.el" T-client-dir) nil t)

(defvar R (make-hash-table :test 'equal) "The results, written as JSON at the end.")
(defvar T-prompts nil "What the user was asked (y-or-n-p), newest first.")

;; The user answers "y" to eglot's "Server wants to edit … Proceed?".
(advice-add 'y-or-n-p :override (lambda (prompt) (push prompt T-prompts) t) '((name . T-answer-yes)))

(defun T-set (key value) (puthash key value R))

(defun T-command (command)
  "Run COMMAND as the command loop runs a key binding: between pre- and post-command-hook."
  (let ((this-command command))
    (run-hooks 'pre-command-hook)
    (call-interactively command)
    (run-hooks 'post-command-hook)))

(defun T-call (function &rest args)
  "Call FUNCTION as a command's body (a command that takes arguments), between the command hooks."
  (let ((this-command function))
    (run-hooks 'pre-command-hook)
    (prog1 (apply function args)
      (run-hooks 'post-command-hook))))

(defun T-wait (what predicate &optional seconds)
  "The user waits until PREDICATE holds: server output is read and idle timers run once they are due."
  (let* ((start (float-time))
         (deadline (+ start (or seconds T-wait-seconds)))
         (ran nil))
    (while (not (funcall predicate))
      (when (> (float-time) deadline)
        (error "Timed out after %s s waiting for %s" (or seconds T-wait-seconds) what))
      (accept-process-output nil 0.02)
      (dolist (timer (copy-sequence timer-idle-list))
        (when (and (not (memq timer ran))
                   (<= (float-time (timer--time timer)) (- (float-time) start)))
          (push timer ran)
          (timer-event-handler timer))))))

(defun T-diagnostics ()
  "The buffer's flymake diagnostics as [line column end-line end-column type text], sorted (a vector of vectors,
as JSON encodes them as arrays). Columns count characters."
  (apply #'vector (mapcar #'vconcat (T--diagnostic-lists))))

(defun T--diagnostic-lists ()
  (sort (mapcar (lambda (d)
                  (let ((beg (flymake-diagnostic-beg d)) (end (flymake-diagnostic-end d)))
                    (list (1- (line-number-at-pos beg)) (save-excursion (goto-char beg) (- beg (line-beginning-position)))
                          (1- (line-number-at-pos end)) (save-excursion (goto-char end) (- end (line-beginning-position)))
                          (symbol-name (flymake-diagnostic-type d)) (flymake-diagnostic-text d))))
                (flymake-diagnostics))
        (lambda (a b) (or (< (car a) (car b)) (and (= (car a) (car b)) (< (cadr a) (cadr b)))))))

(defun T-goto (line column)
  "Put point at LINE (0-based) and COLUMN."
  (goto-char (point-min))
  (forward-line line)
  (move-to-column column))

(defun T-text () (buffer-substring-no-properties (point-min) (point-max)))

(defun T-server-messages ()
  "The lines of *Messages* that report the server's window/showMessage."
  (with-current-buffer "*Messages*"
    (cl-loop for line in (split-string (buffer-string) "\n")
             when (string-match "Server reports (type=\\([0-9]\\)): \\(.*\\)" line)
             collect (list (string-to-number (match-string 1 line)) (match-string 2 line)))))
"""

EPILOGUE = r"""
(T-set "prompts" (reverse T-prompts))
(T-set "messages_buffer" (with-current-buffer "*Messages*" (buffer-string)))
(let ((server (ignore-errors (with-current-buffer T-main-buffer (eglot-current-server)))))
  (T-set "events" (and server (with-current-buffer (jsonrpc-events-buffer server) (buffer-string))))
  (T-set "stderr" (and server (let ((buffer (get-buffer (format "*%s stderr*" (jsonrpc-name server)))))
                                (and buffer (with-current-buffer buffer (buffer-string))))))
  (when server (ignore-errors (eglot-shutdown server))))
(with-temp-file T-result-path
  (let ((json-encoding-pretty-print nil)) (insert (json-encode R))))
(kill-emacs 0)
"""


def elisp(value: Any) -> str:
    """A Python value (str, bool, int, None, list) as an Emacs Lisp expression."""
    if value is None or value is False:
        return "nil"
    if value is True:
        return "t"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, (list, tuple)):
        return "(list " + " ".join(elisp(v) for v in value) + ")"
    raise TypeError(f"no Emacs Lisp form for {type(value).__name__}")


def emacs_executable() -> str:
    """The emacs binary with eglot and yaml-mode; missing ones are a failure (CI installs them), never a skip."""
    path = shutil.which("emacs")
    if path is None:
        raise AssertionError("Emacs is not installed, so the eglot client cannot be tested: "
                             "`apt-get install emacs-nox elpa-eglot elpa-yaml-mode` (CI installs them)")
    return path


@dataclass
class EmacsRun:
    results: dict[str, Any]
    stdout: str
    stderr: str


def run_emacs(home: Path, cwd: Path, env: dict[str, str], configure: str, body: str,
              main_buffer: str = "*scratch*") -> EmacsRun:
    """Run ``emacs --batch`` in ``cwd`` with ``HOME=home``: the prelude, ``configure``, then ``body`` (inside a
    condition-case that records the error); fails with the recorded state when the body raised."""
    home.mkdir(parents=True, exist_ok=True)
    script = home / "script.el"
    result_path = home / "result.json"
    script.write_text(
        ";;; -*- lexical-binding: t -*-\n"
        f"(defvar T-client-dir {elisp(str(CLIENT_DIR))})\n"
        f"(defvar T-result-path {elisp(str(result_path))})\n"
        f"(defvar T-wait-seconds {WAIT_SECONDS})\n"
        f"(defvar T-main-buffer {elisp(main_buffer)})\n"
        f"{PRELUDE}\n{configure}\n"
        "(condition-case err\n    (progn\n"
        f"{body}\n"
        '      (T-set "ok" t))\n'
        '  (error (T-set "ok" nil) (T-set "error" (error-message-string err))))\n'
        f"{EPILOGUE}",
        encoding="utf-8",
    )
    try:
        process = subprocess.run(
            [emacs_executable(), "--batch", "--no-site-file", "-l", str(script)],
            cwd=cwd, env={**env, "HOME": str(home)}, stdin=subprocess.DEVNULL, capture_output=True, text=True,
            timeout=EMACS_TIMEOUT_SECONDS,
        )
    except subprocess.TimeoutExpired as timeout:
        raise AssertionError(f"Emacs did not finish within {EMACS_TIMEOUT_SECONDS} s\n"
                             f"stderr: {_text(timeout.stderr)[-6000:]}") from None
    if not result_path.exists():
        raise AssertionError(f"Emacs wrote no results (exit {process.returncode})\nstdout: {process.stdout}\n"
                             f"stderr: {process.stderr[-6000:]}")
    results = json.loads(result_path.read_text(encoding="utf-8"))
    if not results.get("ok"):
        recorded = {k: v for k, v in results.items() if k not in ("events", "stderr", "messages_buffer")}
        raise AssertionError(f"the Emacs Lisp script failed: {results.get('error')}\nrecorded: {recorded}\n"
                             f"stderr (Emacs messages): {process.stderr[-6000:]}\n"
                             f"events (end): {(results.get('events') or '')[-6000:]}\n"
                             f"server stderr: {results.get('stderr')}")
    return EmacsRun(results, process.stdout, process.stderr)


def _text(data: bytes | str | None) -> str:
    if isinstance(data, bytes):
        return data.decode("utf-8", errors="replace")
    return data or ""


def server_messages(run: EmacsRun) -> list[list[Any]]:
    """The server's showMessage notifications as eglot echoed them: [type, text]."""
    return [[int(m[1]), m[2]] for m in re.finditer(r"Server reports \(type=(\d)\): (.*)",
                                                   run.results.get("messages_buffer") or "")]
