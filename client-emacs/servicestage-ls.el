;;; servicestage-ls.el --- servicestage-ls through eglot for ServiceStage authorization files  -*- lexical-binding: t -*-

;; Package-Requires: ((emacs "28.1") (eglot "1.9") (yaml-mode "0.0.15"))
;; Keywords: languages, tools
;; URL: https://github.com/servicestage-ls/servicestage-ls

;;; Commentary:

;; Visiting a ServiceStage authorization file (`*.servicestage.yaml', `*.servicestage.yml', `servicestage.yaml',
;; `servicestage.yml') turns on `servicestage-yaml-mode', a YAML mode (derived from `yaml-mode', or
;; `yaml-ts-mode' when only that one is there) for which eglot runs servicestage-ls.  Other YAML files keep
;; their own mode and server.  Start it with M-x eglot, or on every visit:
;;
;;   (add-hook 'servicestage-yaml-mode-hook #'eglot-ensure)
;;
;; The server is started by the absolute path of `servicestage-ls-command' (found on `exec-path'), and the
;; hosts you trust besides Huawei Cloud's go into `servicestage-ls-trusted-endpoints' (your init file only).
;; A repository's .dir-locals.el can change neither, nor the endpoint, CA bundle or trusted hosts through
;; `eglot-workspace-configuration' (the server ignores those keys there, and a remote check can only be turned off).
;;
;; Commands: `servicestage-ls-create' (the entry at point, or by name with a prefix argument),
;; `servicestage-ls-create-all', `servicestage-ls-refresh', `servicestage-ls-plan', `servicestage-ls-import',
;; `servicestage-ls-test' (the entry at point, or every entry with a prefix argument),
;; `servicestage-ls-authorize' (an OAuth entry, in the browser: paste the address it ends on when asked).
;; Settings: yours in `servicestage-ls-settings' (init file: the endpoint, CA bundle, remote check), the
;; project's in `eglot-workspace-configuration' with the section :servicestage, e.g. in .dir-locals.el:
;;
;;   ((nil . ((eglot-workspace-configuration . (:servicestage (:validate "onSave"))))))

;;; Code:

(require 'cl-lib)
(require 'eglot)
(require 'yaml-mode nil t)

(defgroup servicestage-ls nil
  "ServiceStage authorization files through the servicestage-ls language server."
  :group 'eglot
  :prefix "servicestage-ls-")

(defcustom servicestage-ls-command '("servicestage-ls")
  "The command that starts the language server (it speaks LSP on stdio).
A program name is looked up on `exec-path' and started by its absolute path.
For example (\"/path/to/venv/bin/servicestage-ls\"), or
\(\"/path/to/venv/bin/python\" \"-I\" \"-m\" \"servicestage_ls\" \"serve\"): -I keeps the
project directory, where the server starts, off Python's path."
  :type '(repeat string)
  :risky t)

(defcustom servicestage-ls-settings nil
  "Your own settings of the servicestage section, as a plist.
For example (:endpoint \"https://cse.example.internal\" :remoteCheck \"onSave\"
:caBundle \"/etc/ssl/private-ca.pem\").  Sent as initializationOptions, the
only place the server takes :endpoint, :caBundle and :trustedEndpoints from,
and the only place that can turn :remoteCheck on (in
`eglot-workspace-configuration', which a repository's .dir-locals.el can set,
the server ignores them).  Only the global value counts."
  :type '(plist :key-type symbol :value-type sexp)
  :risky t)

(defcustom servicestage-ls-trusted-endpoints nil
  "Hosts (\"host\" or \"host:port\") that may receive your cloud credentials.
Besides Huawei Cloud's own hosts and loopback, which are trusted anyway:
a private deployment's endpoint that a file's `endpoint' names.  Sent to
the server as trustedEndpoints in initializationOptions.  Only the global
value counts (your init file, or Customize): a file- or directory-local
value, e.g. from a repository's .dir-locals.el, is ignored."
  :type '(repeat string)
  :risky t)

(defconst servicestage-ls-file-regexp
  "\\(?:\\.servicestage\\|\\(?:\\`\\|/\\)servicestage\\)\\.ya?ml\\'"
  "Names of ServiceStage authorization files.
The server's default `servicestage.files' globs, as a regexp.")

(declare-function yaml-ts-mode "yaml-ts-mode")

(defalias 'servicestage-ls--yaml-mode (if (fboundp 'yaml-mode) #'yaml-mode #'yaml-ts-mode)
  "The YAML major mode `servicestage-yaml-mode' builds on.")

;;;###autoload
(define-derived-mode servicestage-yaml-mode servicestage-ls--yaml-mode "ServiceStage"
  "YAML mode for ServiceStage authorization files.
Eglot runs servicestage-ls for it.")

;;;###autoload
(add-to-list 'auto-mode-alist (cons servicestage-ls-file-regexp 'servicestage-yaml-mode))

(defclass servicestage-ls-server (eglot-lsp-server) ()
  :documentation "A connection to servicestage-ls: its log messages go to a buffer.")

(defconst servicestage-ls-log-buffer "*servicestage-ls log*"
  "The buffer of the server's log messages (the lines of a plan among them).")

(cl-defmethod eglot-handle-notification
  ((_server servicestage-ls-server) (_method (eql window/logMessage)) &key _type message)
  "Append MESSAGE to `servicestage-ls-log-buffer'.
Eglot itself only records it in its events buffer."
  (with-current-buffer (get-buffer-create servicestage-ls-log-buffer)
    (let ((inhibit-read-only t))
      (goto-char (point-max))
      (insert message "\n"))
    (unless (derived-mode-p 'special-mode) (special-mode))))

(defun servicestage-ls--program (command)
  "COMMAND with its program as an absolute path: as given, or found on `exec-path'.
Signals a `user-error' when the program is not found."
  (let* ((program (car command))
         (path (if (file-name-absolute-p program) program (executable-find program))))
    (unless path
      (user-error "%s" (format "servicestage-ls: \"%s\" is not on exec-path; install servicestage-ls \
\(pip install servicestage-ls) or set servicestage-ls-command to its absolute path" program)))
    (cons (expand-file-name path) (cdr command))))

(cl-defmethod eglot-handle-request
  ((_server servicestage-ls-server) (_method (eql servicestage/promptText)) &rest params)
  "Ask for the line of text the server wants.
For Authorize: the address the browser ended on.  PARAMS' :prompt says what to
type.  The answer is (:value TEXT), or nil when the user quits or types nothing."
  (let ((text (condition-case nil
                  (read-string (concat (or (plist-get params :prompt) "ServiceStage") ": "))
                (quit nil))))
    (and text (not (string-empty-p (string-trim text))) (list :value text))))

(defun servicestage-ls--contact (&optional _interactive)
  "The server class and command for eglot (read when a server starts).
The global value of `servicestage-ls-command': a repository's
.dir-locals.el cannot choose the program."
  (cons 'servicestage-ls-server
        (servicestage-ls--program (default-value 'servicestage-ls-command))))

(cl-defmethod eglot-initialization-options ((_server servicestage-ls-server))
  "initializationOptions: the global values of `servicestage-ls-settings' and
`servicestage-ls-trusted-endpoints' (never local ones)."
  (let ((options (copy-sequence (default-value 'servicestage-ls-settings)))
        (trusted (default-value 'servicestage-ls-trusted-endpoints)))
    (when trusted
      (setq options (plist-put options :trustedEndpoints (vconcat trusted))))
    (or options eglot--{})))

(add-to-list 'eglot-server-programs
             ;; A list of one (MODE :language-id ID): eglot 1.9 reads a bare one as several modes.
             '(((servicestage-yaml-mode :language-id "yaml")) . servicestage-ls--contact))

(defun servicestage-ls--execute (command argument)
  "Run the server COMMAND with ARGUMENT on the current buffer's file.
ARGUMENT is a plist; the file's :uri is added to it."
  (let ((server (eglot--current-server-or-lose)))
    ;; The server must see the text as it is now: send the changes eglot would send when Emacs is idle.
    (eglot--signal-textDocument/didChange)
    (eglot-execute-command server command
                           (vector (append (list :uri (plist-get (eglot--TextDocumentIdentifier) :uri))
                                           argument)))))

(defun servicestage-ls-create (&optional name)
  "Create the authorization at point in ServiceStage.
The server writes the repo_user and status it answers into the entry.
With a prefix argument, ask for the entry's NAME instead."
  (interactive (list (and current-prefix-arg (read-string "Create the authorization named: "))))
  (servicestage-ls--execute
   'servicestage-ls.createAuthorization
   (if (and name (not (string-empty-p name)))
       (list :name name)
     (list :position (list :line (1- (line-number-at-pos)) :character 0)))))

(defun servicestage-ls-create-all ()
  "Create every entry without repo_user in ServiceStage, writing back the answers."
  (interactive)
  (servicestage-ls--execute 'servicestage-ls.createAll nil))

(defun servicestage-ls-refresh ()
  "Update repo_user and status of the entries from ServiceStage."
  (interactive)
  (servicestage-ls--execute 'servicestage-ls.refreshStatus nil))

(defun servicestage-ls-plan ()
  "Compare the file with ServiceStage.
The plan's lines go to `servicestage-ls-log-buffer', which is shown."
  (interactive)
  (servicestage-ls--execute 'servicestage-ls.showPlan nil)
  (display-buffer (get-buffer-create servicestage-ls-log-buffer)))

(defun servicestage-ls-import ()
  "Add entries for the authorizations that exist only in ServiceStage."
  (interactive)
  (servicestage-ls--execute 'servicestage-ls.importFromServiceStage nil))

(defun servicestage-ls-test (&optional all)
  "Test the authorization at point: the namespaces it sees in its repository.
With a prefix argument ALL, test every entry of the file.  The server says what
each one sees, or why it does not work and what fixes it."
  (interactive "P")
  (servicestage-ls--execute
   'servicestage-ls.testAuthorization
   (unless all (list :position (list :line (1- (line-number-at-pos)) :character 0)))))

(defun servicestage-ls-authorize (&optional name)
  "Authorize the OAuth entry at point in the browser.
The server opens the repository's authorization page (or shows its address);
allow ServiceStage there, then paste the address the browser ends on when asked.
With a prefix argument, ask for the entry's NAME instead."
  (interactive (list (and current-prefix-arg (read-string "Authorize the entry named: "))))
  (servicestage-ls--execute
   'servicestage-ls.authorize
   (if (and name (not (string-empty-p name)))
       (list :name name)
     (list :position (list :line (1- (line-number-at-pos)) :character 0)))))

(provide 'servicestage-ls)
;;; servicestage-ls.el ends here
