#!/usr/bin/env bash
# Sets up the test environment and runs the whole test suite (browser tests need /usr/bin/chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1; then
  echo "chromium is missing: install it with 'sudo apt-get install -y chromium' (browser tests need it)" >&2
  exit 2
fi
bash scripts/setup.sh --test
exec .venv/bin/python -m pytest "$@"
