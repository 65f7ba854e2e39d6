#!/usr/bin/env bash
# The retrieval gate CI runs after the tests: index seeds/ into a scratch store, then
# `bot eval --retrieval-only` on eval/qa.jsonl; it exits 1 when a score falls below eval.min_scores
# (config.toml). Extra BOT_* variables pass through, e.g. BOT_RETRIEVAL__TOP_K=1 to see it fail.
set -euo pipefail
cd "$(dirname "$0")/.."
SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT
export BOT_STORE__PATH="$SCRATCH/chroma" BOT_EVAL__OUT="$SCRATCH/runs"
.venv/bin/bot ingest --quiet
.venv/bin/bot eval --retrieval-only
