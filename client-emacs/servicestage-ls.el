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
;; Commands: `servicestage-ls-create' (the entry at point, or by name with a prefix argument),
;; `servicestage-ls-create-all', `servicestage-ls-refresh', `servicestage-ls-plan', `servicestage-ls-import',
;; `servicestage-ls-test' (the entry at point, or every entry with a prefix argument).  Settings: `eglot-workspace-configuration'
;; with the section :servicestage, e.g. in .dir-locals.el:
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
For example (\"/path/to/venv/bin/python\" \"-m\" \"servicestage_ls\" \"serve\")."
  :type '(repeat string))

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

(defun servicestage-ls--contact (&optional _interactive)
  "The server class and command for eglot (read when a server starts)."
  (cons 'servicestage-ls-server servicestage-ls-command))

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

(provide 'servicestage-ls)
;;; servicestage-ls.el ends here
