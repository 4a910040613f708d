//===- VectorMath.h - inline f32 exp/log/tanh as LLVM IR --------*- C++ -*-===//
// Private to KilnCodeGen: branch-free approximations of float math calls, so
// vector operands need no per-lane libm calls (docs/codegen.md).
//===----------------------------------------------------------------------===//
#ifndef KILN_LIB_CODEGEN_VECTORMATH_H
#define KILN_LIB_CODEGEN_VECTORMATH_H

#include "kiln/LoopIR/Expr.h"

#include <llvm/IR/IRBuilder.h>

namespace kiln::codegen {

/// Emits `fn(x)` for x of type float or <N x float> inline (exp, log, tanh:
/// at most 1 ulp from the exact result over the whole float range, libm's
/// special cases), or returns null when `fn` has no inline form.
llvm::Value *emitInlineMath(llvm::IRBuilder<> &b, loop::Intrinsic fn,
                            llvm::Value *x);

} // namespace kiln::codegen

#endif
