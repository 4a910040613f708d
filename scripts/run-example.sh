#!/usr/bin/env bash
# Sets up, builds (Release, build/) and runs the example image classifier
# through Kiln's reference interpreter on seeded random inputs.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MODEL="$ROOT/test/models/tiny_cnn.onnxtxt"

bash "$ROOT/scripts/setup.sh"
bash "$ROOT/scripts/build.sh"

echo "== kiln-run ${MODEL#"$ROOT"/} --random-inputs --seed=1"
"$ROOT/build/bin/kiln-run" "$MODEL" --random-inputs --seed=1
