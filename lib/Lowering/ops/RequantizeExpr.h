//===- RequantizeExpr.h - Requantize as a loop IR expression ----*- C++ -*-===//
// Integer-only requantization of one accumulator, bit-exact with
// kiln::requantize; used by Requantize and by QConvNCHWc's epilogue.
//===----------------------------------------------------------------------===//
#ifndef KILN_LOWERING_OPS_REQUANTIZEEXPR_H
#define KILN_LOWERING_OPS_REQUANTIZEEXPR_H

#include "kiln/IR/Requantize.h"
#include "kiln/LoopIR/Expr.h"

namespace kiln::lower {

/// clamp(round_half_to_even(acc * multiplier / 2^(31 + shift)) + zero
/// point, min, max) in attrs.outputType; acc is i32, multiplier and shift
/// are i64 expressions, shift at most maxShift (a bound known at compile
/// time allows more of the work to depend on the channel only).
loop::Expr requantizeExpr(const loop::Expr &acc, const loop::Expr &multiplier,
                          const loop::Expr &shift,
                          const RequantizeAttrs &attrs,
                          int64_t maxShift = 31);

/// The largest shift in a constant shift tensor; 31 (the most allowed)
/// when it is not constant.
int64_t maxRequantizeShift(const Tensor *shifts);

} // namespace kiln::lower

#endif
