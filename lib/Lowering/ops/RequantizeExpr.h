//===- RequantizeExpr.h - Requantize as a loop IR expression ----*- C++ -*-===//
// Integer-only requantization of one accumulator, bit-exact with
// kiln::requantize; used by Requantize and by QConvNCHWc's epilogue.
//===----------------------------------------------------------------------===//
#ifndef KILN_LOWERING_OPS_REQUANTIZEEXPR_H
#define KILN_LOWERING_OPS_REQUANTIZEEXPR_H

#include "kiln/IR/Requantize.h"
#include "kiln/LoopIR/Expr.h"

namespace kiln::lower {

/// Bounds of the shifts a requantization may see (all allowed ones unless
/// they are constants).
struct ShiftRange {
  int64_t min = -30, max = 31;
};

/// clamp(round_half_to_even(acc * multiplier / 2^(31 + shift)) + zero
/// point, min, max) in attrs.outputType; acc is i32, multiplier and shift
/// are i64 expressions with shift in `shifts` (bounds known at compile time
/// let more of the work depend on the channel only, or run on i32).
loop::Expr requantizeExpr(const loop::Expr &acc, const loop::Expr &multiplier,
                          const loop::Expr &shift, const RequantizeAttrs &attrs,
                          ShiftRange shifts = {});

/// The range of a constant shift tensor; every allowed shift when it is not
/// constant.
ShiftRange requantizeShiftRange(const Tensor *shifts);

} // namespace kiln::lower

#endif
