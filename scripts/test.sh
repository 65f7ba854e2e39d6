#!/usr/bin/env bash
# Sets up the test environment, runs the whole test suite (browser tests need /usr/bin/chromium), then the
# retrieval gate.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1; then
  echo "chromium is missing: install it with 'sudo apt-get install -y chromium' (browser tests need it)" >&2
  exit 2
fi
bash scripts/setup.sh --test
.venv/bin/python -m pytest "$@"
# The retrieval gate (eval/README.md): fails when retrieval on eval/qa.jsonl drops below eval.min_scores.
bash scripts/eval_gate.sh
