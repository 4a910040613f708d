#!/usr/bin/env bash
# Sets up, builds (Release, build/), compiles the example image classifier
# with kilnc into an object file and header, links it with the C runtime
# into the hosted example program (examples/hosted/main.c), and runs it on a
# deterministic input. The reference interpreter's answer on the same input
# is printed below it for comparison.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MODEL="$ROOT/test/models/tiny_cnn.onnxtxt"
OUT="$ROOT/build/example"

bash "$ROOT/scripts/setup.sh"
bash "$ROOT/scripts/build.sh"
mkdir -p "$OUT"

echo "== kilnc ${MODEL#"$ROOT"/} --name=net -o build/example/net.o --stats"
"$ROOT/build/bin/kilnc" "$MODEL" --name=net -o "$OUT/net.o" --stats

echo "== cc examples/hosted/main.c build/example/net.o libKilnRuntime.a"
cc -std=c99 -O2 -Wall -Wextra -I"$ROOT/runtime/include" -I"$OUT" \
  -DKILN_MODEL=net -DKILN_MODEL_HEADER='"net.h"' \
  "$ROOT/examples/hosted/main.c" "$OUT/net.o" \
  "$ROOT/build/lib/libKilnRuntime.a" -lpthread -lm -o "$OUT/hosted"

# A deterministic f32[1,3,8,8] image, raw for the C program and .npy for
# the interpreter.
python3 - "$OUT" <<'PY'
import math, struct, sys
out = sys.argv[1]
values = [math.sin(0.37 * i) * 0.5 for i in range(1 * 3 * 8 * 8)]
raw = struct.pack("<%df" % len(values), *values)
open(out + "/image.bin", "wb").write(raw)
header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 8, 8), }"
header += " " * (63 - (10 + len(header)) % 64) + "\n"
with open(out + "/image.npy", "wb") as f:
    f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)))
    f.write(header.encode() + raw)
PY

echo "== build/example/hosted build/example/image.bin"
"$OUT/hosted" "$OUT/image.bin"
echo "== kiln-run (reference interpreter) on the same image"
"$ROOT/build/bin/kiln-run" "$MODEL" "$OUT/image.npy" --print-limit=0
