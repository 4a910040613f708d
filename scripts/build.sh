#!/usr/bin/env bash
# Configures and builds Kiln with Ninja on all cores.
#   scripts/build.sh           Release build in build/
#   scripts/build.sh --asan    AddressSanitizer + UndefinedBehaviorSanitizer
#                              build (KILN_SANITIZE=ON, -O1 -g1) in build-asan/
# Extra arguments are passed to cmake. ccache is used when it is installed.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR="$ROOT/build"
CMAKE_ARGS=(-DCMAKE_BUILD_TYPE=Release)
if [[ ${1:-} == --asan ]]; then
  shift
  BUILD_DIR="$ROOT/build-asan"
  # -O1 keeps the sanitized build and its tests fast enough for CI; -g1 gives
  # file:line in sanitizer stack traces without full debug info's link cost.
  CMAKE_ARGS=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DKILN_SANITIZE=ON
              "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1"
              "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -g1")
fi

if command -v ccache >/dev/null; then
  CMAKE_ARGS+=(-DCMAKE_C_COMPILER_LAUNCHER=ccache
               -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi

JOBS=$(nproc 2>/dev/null || echo 2)
cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja "${CMAKE_ARGS[@]}" "$@"
cmake --build "$BUILD_DIR" -j "$JOBS"
