#!/usr/bin/env bash
# The main job: set up, index seeds/ (only what is new or changed), and open the chat at http://127.0.0.1:7860.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/bot chat "$@"
