#!/usr/bin/env bash
# Installs llama-cpp-python into .venv, compiled for any x86-64 CPU with AVX2, plus a CPU variant with
# AVX-512 VNNI that llama.cpp picks at run time where the CPU has it.
#
# Why: llama-cpp-python builds llama.cpp with GGML_NATIVE=ON by default, i.e. tuned to the exact CPU that
# compiles it. Machines here differ from one run to the next (AVX-512/AMX on one, plain AVX2 on another),
# and a native wheel dies with "Illegal instruction" on the next one. A plain AVX2 build runs everywhere
# but reads prompts about 1.5x slower on a CPU with AVX-512 VNNI (bench/README.md), and on a CPU the
# prompt is most of an answer's wait. So the wheel is built with GGML_BACKEND_DL: its CPU code is a
# library loaded at run time (libggml-cpu.so, AVX2), and each variant below is one more such library built
# from the same source for fixed instruction sets, never for "this" CPU. llama.cpp scores each against the
# CPU it runs on and loads the best one that can run (bot/backends/ggml_cpu.py asks it to).
# pip's own wheel cache cannot tell these builds apart (its key is the sdist, not CMAKE_ARGS), so they are
# built once into a cache folder of our own whose name carries the flags, and installed from there.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=${LLAMACPP_VERSION:-0.3.36}
BASE="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=OFF"
# name=the flags it adds to BASE, named as llama.cpp's own variants. GGML_CPU_ALL_VARIANTS would build 14,
# half again the build's time; AVX-VNNI without AVX-512 ("alderlake") read prompts no faster than AVX2 here.
VARIANTS=("cascadelake=-DGGML_BMI2=ON -DGGML_AVX512=ON -DGGML_AVX512_VNNI=ON")
KEY=$VERSION-dl-$(printf '%s\n' "$BASE" "${VARIANTS[@]}" | sha256sum | cut -c1-10)  # changes with the flags
CACHE=${BOT_WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bot-wheels}/llama-cpp-python-$KEY
PY=.venv/bin/python
MARK=.venv/.llamacpp-$KEY
CMAKE=$(command -v cmake || true)
if "$PY" -c "import llama_cpp, sys; sys.exit(llama_cpp.__version__ != '$VERSION')" 2>/dev/null && [ -f "$MARK" ]; then
  exit 0
fi
if [ "$(uname -s)-$(uname -m)" != Linux-x86_64 ]; then  # the flags and the loader are x86-64 Linux's
  echo "error: scripts/llamacpp.sh builds for x86-64 Linux; elsewhere: pip install -e '.[llamacpp]'" >&2
  exit 1
fi
if ! ls "$CACHE"/llama_cpp_python-*.whl >/dev/null 2>&1; then
  echo "building llama-cpp-python $VERSION for any AVX2 CPU, with an AVX-512 VNNI variant (about 9 minutes on" \
       "2 cores, once per machine)" >&2
  if [ -z "$CMAKE" ]; then  # the variants are built with cmake directly; pip's wheel of it serves as well
    "$PY" -m pip install -q "cmake>=3.21" && CMAKE=.venv/bin/cmake
  fi
  rm -rf "$CACHE.tmp" && mkdir -p "$CACHE.tmp/src"
  "$PY" -m pip download -q --no-deps --no-binary llama-cpp-python -d "$CACHE.tmp/src" "llama-cpp-python==$VERSION"
  SDIST=$(ls "$CACHE.tmp"/src/llama_cpp_python-*.tar.gz)
  CMAKE_ARGS="$BASE -DGGML_BACKEND_DL=ON" CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" \
    "$PY" -m pip wheel -q --no-deps --no-cache-dir -w "$CACHE.tmp" "$SDIST"
  tar -xzf "$SDIST" -C "$CACHE.tmp/src"
  LLAMA=$(ls -d "$CACHE.tmp"/src/llama_cpp_python-*/vendor/llama.cpp)
  for v in "${VARIANTS[@]}"; do
    name=${v%%=*}
    log=$CACHE.tmp/build-$name.log
    # shellcheck disable=SC2086  # the flags are words
    { "$CMAKE" -S "$LLAMA" -B "$CACHE.tmp/build-$name" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON \
        -DGGML_BACKEND_DL=ON $BASE ${v#*=} -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
        -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_SERVER=OFF -DCMAKE_BUILD_WITH_INSTALL_RPATH=ON \
        -DCMAKE_INSTALL_RPATH='$ORIGIN' \
      && "$CMAKE" --build "$CACHE.tmp/build-$name" --target ggml-cpu -j "$(nproc)"; } >"$log" 2>&1 \
      || { tail -20 "$log" >&2; echo "error: building the $name variant of llama.cpp failed; log: $log" >&2; exit 1; }
    cp "$CACHE.tmp/build-$name/bin/libggml-cpu.so" "$CACHE.tmp/libggml-cpu-$name.so"
    rm -rf "$CACHE.tmp/build-$name" "$log"
  done
  rm -rf "$CACHE.tmp/src"
  rm -rf "$CACHE" && mv "$CACHE.tmp" "$CACHE"   # the folder appears only once the wheel is whole
fi
"$PY" -m pip install -q --force-reinstall --no-deps "$CACHE"/llama_cpp_python-*.whl
LIB=$("$PY" -c "import importlib.util, pathlib; print(pathlib.Path(importlib.util.find_spec('llama_cpp').origin).parent / 'lib')")
cp "$CACHE"/libggml-cpu-*.so "$LIB"/
rm -f .venv/.llamacpp-*
touch "$MARK"
