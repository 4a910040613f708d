#!/usr/bin/env bash
# Sets up, builds and runs the whole test suite twice: in the Release build
# (build/) and in the AddressSanitizer + UndefinedBehaviorSanitizer build
# (build-asan/). Stops at the first failure; the output ends with ctest's
# summary of the last run.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
JOBS=$(nproc 2>/dev/null || echo 2)

bash "$ROOT/scripts/setup.sh"

echo "== Release build (build/)"
bash "$ROOT/scripts/build.sh"
echo "== Release tests"
(cd "$ROOT/build" && ctest --output-on-failure -j "$JOBS")

echo "== AddressSanitizer + UndefinedBehaviorSanitizer build (build-asan/)"
bash "$ROOT/scripts/build.sh" --asan
echo "== Sanitizer tests"
export ASAN_OPTIONS=detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# conformance-differential and conformance-passes repeat code paths of the
# other tests with other data, zoo-pipeline compiles 100 MB models, and
# conformance-interp runs the interpreter that conformance-roundtrip also runs
# on every case: the Release run covers them. The cross tests (label cross)
# run generated Arm code under QEMU, outside the sanitizers' reach; kilnc's
# part of them is the same code the host tests run.
cd "$ROOT/build-asan" && ctest --output-on-failure -j "$JOBS" \
  -LE "differential|zoo|cross" -E "^conformance-interp$"
