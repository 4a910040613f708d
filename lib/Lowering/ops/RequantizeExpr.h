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
/// are i64 expressions.
loop::Expr requantizeExpr(const loop::Expr &acc, const loop::Expr &multiplier,
                          const loop::Expr &shift,
                          const RequantizeAttrs &attrs);

} // namespace kiln::lower

#endif
