//===- ScalarSemantics.h - loop IR scalar arithmetic ------------*- C++ -*-===//
// The meaning of every loop IR scalar operation on one lane (wrapping integer
// arithmetic, defined division, saturating casts, rounding to f16/bf16), shared
// by the evaluator and the simplifier's constant folding. Internal header.
//===----------------------------------------------------------------------===//
#ifndef KILN_LIB_LOOPIR_SCALARSEMANTICS_H
#define KILN_LIB_LOOPIR_SCALARSEMANTICS_H

#include "kiln/LoopIR/Expr.h"

namespace kiln::loop::detail {

/// One lane of a value. Integers (and bool) are held as int64 normalized to
/// their type: signed types sign-extended, unsigned zero-extended (u64 as its
/// bit pattern), bool 0/1. Floats are held as double already rounded to their
/// type's precision.
union Scalar {
  int64_t i;
  double f;
};

inline Scalar intScalar(int64_t v) {
  Scalar s;
  s.i = v;
  return s;
}
inline Scalar floatScalar(double v) {
  Scalar s;
  s.f = v;
  return s;
}

/// Wraps v to an integer type (or bool: != 0).
int64_t normalizeInt(ElementType type, int64_t v);
/// Rounds v to the precision and range of a float type (nearest even).
double roundFloat(ElementType type, double v);

/// a op b for operands of `type`; comparisons give bool (0/1) as int.
Scalar binaryOp(BinaryOp op, ElementType type, Scalar a, Scalar b);
Scalar unaryOp(UnaryOp op, ElementType type, Scalar a);
Scalar castScalar(ElementType from, ElementType to, Scalar v);
/// A math intrinsic on arguments of float type `type`.
Scalar callIntrinsic(Intrinsic id, ElementType type, const Scalar *args);

/// Reads / writes one element stored as in kiln::Tensor.
Scalar loadElement(ElementType type, const void *p);
void storeElement(ElementType type, void *p, Scalar v);

/// Whether the bool/int value of s is non-zero.
inline bool truthy(Scalar s) { return s.i != 0; }

} // namespace kiln::loop::detail

#endif
