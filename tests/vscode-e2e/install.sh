#!/usr/bin/env bash
# Installs what the VS Code end-to-end test needs, once, into a cache folder outside the repository:
# code-server 4.100.3 (VS Code 1.100.3's workbench and extension host) and playwright-core (drives Debian's
# chromium; no browser download). Prints the cache folder. Re-running it with everything present does nothing.
set -euo pipefail
# Only the cache folder goes to stdout (the Makefile reads it); everything the installs print goes to stderr.
CODE_SERVER_VERSION=4.100.3
PLAYWRIGHT_VERSION=1.56.1
RIPGREP_VERSION=1.15.11  # @vscode/ripgrep, whose postinstall downloads rg from GitHub unless its cache has it
CACHE=${SERVICESTAGE_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/servicestage-ls-e2e}
mkdir -p "$CACHE"

for tool in node npm chromium rg; do
  command -v "$tool" >/dev/null || { echo "install.sh: '$tool' is missing (.ci/run installs it with apt)" >&2; exit 2; }
done

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [[ "$node_major" != 20 ]]; then
  echo "install.sh: code-server $CODE_SERVER_VERSION needs Node 20 (its native modules are built for it); node is $(node --version)" >&2
  exit 2
fi

cs="$CACHE/code-server-$CODE_SERVER_VERSION"
if [[ ! -x "$cs/node_modules/.bin/code-server" || ! -f "$cs/.complete" ]]; then
  echo "install.sh: installing code-server $CODE_SERVER_VERSION into $cs" >&2
  rm -rf "$cs"
  mkdir -p "$cs"
  tmp=${TMPDIR:-/tmp}
  seed="$tmp/vscode-ripgrep-cache-$RIPGREP_VERSION"
  mkdir -p "$seed"
  tar -czf "$seed/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$(dirname "$(command -v rg)")" rg
  echo '{"private": true}' > "$cs/package.json"
  # Local install (with -g npm passes global mode on to code-server's nested install, which then fails).
  (cd "$cs" && npm_config_yes=true npm_config_unsafe_perm=true \
    npm install --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION") >&2
  touch "$cs/.complete"
fi

pw="$CACHE/playwright-core-$PLAYWRIGHT_VERSION"
if [[ ! -f "$pw/node_modules/playwright-core/package.json" ]]; then
  echo "install.sh: installing playwright-core $PLAYWRIGHT_VERSION into $pw" >&2
  rm -rf "$pw"
  mkdir -p "$pw"
  echo '{"private": true}' > "$pw/package.json"
  (cd "$pw" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund --loglevel=error \
    "playwright-core@$PLAYWRIGHT_VERSION") >&2
fi
echo "$CACHE"
