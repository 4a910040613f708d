//===- BareMetalMath.h - math without libm for targets with no OS -*- C++ -*-===//
// Private to KilnCodeGen: on bare-metal triples (OS "none") the object must
// not reference libm, so math is inlined or calls the runtime's kiln_* math.
//===----------------------------------------------------------------------===//
#ifndef KILN_LIB_CODEGEN_BAREMETALMATH_H
#define KILN_LIB_CODEGEN_BAREMETALMATH_H

#include "kiln/CodeGen/LLVMCodeGen.h"
#include "kiln/LoopIR/Expr.h"

#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Module.h>

namespace kiln::codegen {

/// What a module's target offers for math (see docs/codegen.md, "Targets").
struct MathTarget {
  /// No OS (triple OS "none"): no libm; calls go to the runtime's
  /// kiln_<fn> / kiln_<fn>f (runtime/src/math.c).
  bool bareMetal = false;
  /// The FPU has a square-root instruction for f32 / f64, so llvm.sqrt
  /// becomes an instruction rather than a call to sqrtf/sqrt.
  bool sqrtF32 = false;
  bool sqrtF64 = false;
  /// 8-bit dot-product instructions (any OS): x86 VPDPBUSD on 512-bit
  /// (AVX512-VNNI) and 256-bit vectors (AVX-VNNI, or AVX512-VNNI with VL);
  /// AArch64 SDOT/UDOT (+dotprod) and USDOT (+i8mm).
  bool vnni512 = false, vnni256 = false;
  bool armDot = false, armUsdot = false;
  /// x86-64 only: the widest integer vector in bits (512 with AVX-512F, 256
  /// with AVX2, else 128); 0 on other architectures.
  int x86VectorBits = 0;
};

/// Reads the module's triple and the target-cpu/target-features of
/// options.functionAttributes.
MathTarget mathTarget(const llvm::Module &module, const CodeGenOptions &options);

/// floor, ceil, trunc and round (half to even) of float/double scalars or
/// vectors with integer conversions and compares only, so targets without
/// rounding instructions need no libm; null for other functions or types.
llvm::Value *emitInlineRounding(llvm::IRBuilder<> &b, loop::Intrinsic fn,
                                llvm::Value *x);

} // namespace kiln::codegen

#endif
