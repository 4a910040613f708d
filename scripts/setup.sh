#!/usr/bin/env bash
# Installs the Debian 12 packages Kiln builds and tests with. Idempotent: when
# every package is already installed it changes nothing and needs no root.
set -euo pipefail

# One list, one reason each group is here.
PACKAGES=(
  # Build tools.
  cmake ninja-build g++ python3
  # LLVM 14: code generation, the tools' option parsing, lit and FileCheck
  # (/usr/lib/llvm-14/build/utils/lit/lit.py, /usr/lib/llvm-14/bin/FileCheck).
  clang-14 lld-14 llvm-14-dev llvm-14-tools
  # Libraries LLVM's CMake package looks for (find_package in LLVMConfig).
  zlib1g-dev libffi-dev libncurses-dev libxml2-dev libz3-dev
  # Halide 14 (links libLLVM-14, which is why Kiln uses LLVM 14 too); its CMake
  # package is not found without the PNG and JPEG headers.
  libhalide14-0-dev libpng-dev libjpeg-dev
  # ONNX frontend and the conformance test data.
  libonnx-dev libonnx-testdata libprotobuf-dev protobuf-compiler
  # Support libraries and the unit-test framework (Catch2 v2).
  libfmt-dev catch2
  # The model zoo (bench/zoo.py) for the pipeline and benchmark tests:
  # torchvision models and a BERT-style encoder exported by torch; onnx and
  # numpy for the benchmark driver's FLOP counts and output checks.
  python3-torch python3-torchvision python3-onnx python3-numpy
  # Arm targets run under QEMU (docs/targets.md): AArch64 Linux through
  # qemu-user with the cross gcc and glibc; Cortex-M firmware built with
  # arm-none-eabi-gcc and newlib, booted with qemu-system-arm.
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
  gcc-arm-none-eabi binutils-arm-none-eabi libnewlib-arm-none-eabi
  qemu-system-arm
  # Quantization accuracy (docs/quantization.md): a small CNN trained and
  # evaluated on Fashion-MNIST.
  dataset-fashion-mnist
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  if [[ "$status" != "install ok installed" ]]; then
    missing+=("$pkg")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "setup: all ${#PACKAGES[@]} packages are installed"
  exit 0
fi

echo "setup: installing ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
  else
    echo "setup: error: these packages are missing and installing them needs" \
         "root: ${missing[*]}" >&2
    echo "setup: run as root: apt-get install --no-install-recommends" \
         "${missing[*]}" >&2
    exit 1
  fi
else
  SUDO=()
fi

export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -q
"${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
