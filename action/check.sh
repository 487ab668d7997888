#!/usr/bin/env bash
# The script of the composite action (../action.yml): installs servicestage-ls into a private venv under
# $RUNNER_TEMP and runs `servicestage-ls check`. SERVICESTAGE_LS (a command) skips the install (tests use it).
set -euo pipefail
format=${INPUT_FORMAT:-github}
case "$format" in
  github | sarif | text | json) ;;
  *)
    echo "::error title=servicestage-ls::format must be github, sarif, text or json, got '$format'"
    exit 2
    ;;
esac
read -r -a paths <<<"${INPUT_PATHS:-.}"
if ((${#paths[@]} == 0)); then
  paths=(.)
fi

if [[ -n "${SERVICESTAGE_LS:-}" ]]; then
  command=("$SERVICESTAGE_LS")
else
  venv="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/servicestage-ls-venv"
  "${INPUT_PYTHON:-python3}" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${INPUT_VERSION:-${GITHUB_ACTION_PATH:?}}"
  command=("$venv/bin/servicestage-ls")
fi

status=0
if [[ "$format" == sarif ]]; then
  sarif_file=${INPUT_SARIF_FILE:-servicestage.sarif}
  mkdir -p "$(dirname "$sarif_file")"
  "${command[@]}" check --format sarif "${paths[@]}" >"$sarif_file" || status=$?
  echo "servicestage-ls: SARIF log written to $sarif_file (exit code $status)"
  if [[ -n "${GITHUB_OUTPUT:-}" ]]; then
    echo "sarif-file=$sarif_file" >>"$GITHUB_OUTPUT"
  fi
else
  "${command[@]}" check --format "$format" "${paths[@]}" || status=$?
fi
if [[ -n "${GITHUB_OUTPUT:-}" ]]; then
  echo "exit-code=$status" >>"$GITHUB_OUTPUT"
fi
exit "$status"
