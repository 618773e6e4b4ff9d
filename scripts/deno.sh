#!/usr/bin/env bash
# Runs the project's pinned Deno with the given arguments, installing it first with npm (into
# ./node_modules, no root needed) when no Deno of that version is at hand. Needs only Node and npm.
#
#   bash scripts/deno.sh task test        # any deno command
#   DENO=$(bash scripts/deno.sh --path)   # just the path of the pinned deno
set -euo pipefail

DENO_VERSION=2.9.6
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

pinned() { # prints $1 when it is a deno of the pinned version
  [ -n "$1" ] && [ -x "$1" ] && "$1" --version 2>/dev/null | head -n 1 | grep -qx "deno $DENO_VERSION (.*" &&
    printf '%s\n' "$1"
}

find_deno() {
  pinned "${DENO:-}" || pinned "$(command -v deno || true)" || pinned "$root/node_modules/.bin/deno"
}

if ! deno=$(find_deno); then
  if ! command -v npm >/dev/null 2>&1; then
    echo "error: deno $DENO_VERSION is not installed and npm is not there to install it; install Node.js and npm" >&2
    exit 1
  fi
  echo "Installing deno $DENO_VERSION with npm into $root/node_modules…" >&2
  (cd "$root" && npm install --no-save --no-package-lock --no-audit --no-fund "deno@$DENO_VERSION" >&2)
  deno=$(find_deno) || {
    echo "error: npm installed deno $DENO_VERSION but $root/node_modules/.bin/deno does not run" >&2
    exit 1
  }
fi

if [ "${1:-}" = "--path" ]; then
  printf '%s\n' "$deno"
  exit 0
fi
exec "$deno" "$@"
