#!/usr/bin/env bash
# Installs llama-cpp-python into .venv, compiled for any x86-64 CPU with AVX2 rather than for this one.
#
# Why: llama-cpp-python builds llama.cpp with GGML_NATIVE=ON by default, i.e. tuned to the exact CPU that
# compiles it. Machines here differ from one run to the next (AVX-512/AMX on one, plain AVX2 on another),
# and a native wheel dies with "Illegal instruction" on the next one. pip's own wheel cache cannot tell a
# native wheel from a portable one (its key is the sdist, not CMAKE_ARGS), so the portable wheel is built
# once into a cache folder of our own whose name carries the flags, and installed from there.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=${LLAMACPP_VERSION:-0.3.36}
FLAGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=OFF"
CACHE=${BOT_WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bot-wheels}/llama-cpp-python-$VERSION-avx2-portable
PY=.venv/bin/python
if "$PY" -c "import llama_cpp, sys; sys.exit(llama_cpp.__version__ != '$VERSION')" 2>/dev/null \
    && [ -f .venv/.llamacpp-portable ]; then
  exit 0
fi
if ! ls "$CACHE"/llama_cpp_python-*.whl >/dev/null 2>&1; then
  echo "building llama-cpp-python $VERSION for any AVX2 CPU (about 9 minutes on 2 cores, once per machine)" >&2
  mkdir -p "$CACHE.tmp"
  CMAKE_ARGS="$FLAGS" CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" \
    "$PY" -m pip wheel -q --no-deps --no-cache-dir --no-binary llama-cpp-python \
    -w "$CACHE.tmp" "llama-cpp-python==$VERSION"
  rm -rf "$CACHE" && mv "$CACHE.tmp" "$CACHE"   # the folder appears only once the wheel is whole
fi
"$PY" -m pip install -q --force-reinstall --no-deps "$CACHE"/llama_cpp_python-*.whl
touch .venv/.llamacpp-portable
