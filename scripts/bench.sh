#!/usr/bin/env bash
# Benchmarks Kiln against ONNX Runtime, side by side on the same machine: sets
# up and builds like scripts/run-example.sh, installs onnxruntime-node 1.20.1
# into bench/ort/, generates the model zoo and runs bench/run.py.
#
#   scripts/bench.sh                          every zoo model, 1 and 2 threads
#   scripts/bench.sh --models=lenet,resnet50 --threads=1 --rounds=5 --runs=5
#   scripts/bench.sh --kernels[=NAME,...]     single-op kernels instead
#   scripts/bench.sh --no-ort                 Kiln only (checked against the
#                                             reference interpreter)
# Other options go to bench/run.py (--help lists them). Results:
# build/bench/results.md (kernels: build/bench/kernels.md). To reuse an
# existing build directory: KILN_BUILD_DIR=/path scripts/bench.sh (its kilnc,
# kiln-run and runtime are brought up to date; nothing else is built).
# Idempotent; see docs/performance.md.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PY=/usr/bin/python3 # Debian's numpy, onnx and torch; not a pyenv shim
ORT_VERSION=1.20.1

models=resnet50,mobilenet_v2,squeezenet1_1,bert_encoder,lenet
kernels=0
ort=1
for arg in "$@"; do
  case "$arg" in
  --models=*) models=${arg#--models=} ;;
  --kernels | --kernels=*) kernels=1 ;;
  --no-ort) ort=0 ;;
  esac
done

as_root() {
  if [[ $(id -u) -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo -n "$@"
  else
    echo "bench: error: '$*' needs root" >&2
    exit 1
  fi
}

apt_install() {
  local missing=() pkg status
  for pkg in "$@"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  echo "bench: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -q
  as_root apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# Kiln's own packages and build.
bash "$ROOT/scripts/setup.sh"
if [[ -n ${KILN_BUILD_DIR:-} ]]; then
  BUILD_DIR=$(cd "$KILN_BUILD_DIR" && pwd)
  cmake --build "$BUILD_DIR" --target kilnc kiln-run KilnRuntime
else
  BUILD_DIR="$ROOT/build"
  bash "$ROOT/scripts/build.sh"
fi

# The driver's packages: numpy for the outputs, onnx for shapes and FLOPs.
apt_install python3-numpy python3-onnx

# ONNX Runtime's Node.js binding, pinned by bench/ort/package-lock.json. Its
# install script only fetches optional GPU libraries, hence --ignore-scripts.
if [[ $ort -eq 1 ]]; then
  if ! command -v npm >/dev/null; then
    apt_install nodejs npm
  fi
  installed=$(node -p "require('$ROOT/bench/ort/node_modules/onnxruntime-node/package.json').version" 2>/dev/null || true)
  if [[ "$installed" != "$ORT_VERSION" ]]; then
    echo "bench: npm ci --ignore-scripts (onnxruntime-node $ORT_VERSION)"
    (cd "$ROOT/bench/ort" && npm ci --ignore-scripts --no-audit --no-fund)
  fi
fi

# The zoo: torchvision models and the BERT encoder, seeded random weights.
if [[ $kernels -eq 0 ]]; then
  "$PY" "$ROOT/bench/zoo.py" "$BUILD_DIR/bench/zoo" ${models//,/ }
fi

exec "$PY" "$ROOT/bench/run.py" --build="$BUILD_DIR" "$@"
