//===- LowerTarget.h - what op lowerings know of the target -----*- C++ -*-===//
// Compute-heavy ops (convolution, matrix products) pick their register tiles
// from the target's vector width and register count, as TVM's strategies pair
// a compute with a schedule template. Everything else stays target-neutral
// and is scheduled afterwards on loop IR.
//===----------------------------------------------------------------------===//
#ifndef KILN_LOWERING_LOWERTARGET_H
#define KILN_LOWERING_LOWERTARGET_H

#include "kiln/IR/ElementType.h"

#include <algorithm>

namespace kiln {

struct LowerTarget {
  /// Widest SIMD register in bytes: 16 SSE/NEON, 32 AVX2, 64 AVX-512.
  int vectorBytes = 32;
  /// Architectural SIMD registers: 16 on x86-64 without AVX-512 and on
  /// 32-bit Arm, 32 with AVX-512 and on AArch64.
  int vectorRegisters = 16;

  /// Lanes of one register for element type e (at least 1).
  int lanes(ElementType e) const {
    return std::max(1, vectorBytes / int(byteSize(e)));
  }
};

} // namespace kiln

#endif
