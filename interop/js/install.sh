#!/usr/bin/env bash
# Installs the js-libp2p interop peer's dependencies exactly as locked in
# package-lock.json. CI runs this before the Java interop tests; without it
# those tests fail under CI=true (and are skipped on a developer machine).
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "interop/js/install.sh: node and npm are required" >&2
  exit 1
fi
npm ci --no-audit --no-fund
