//===- ElementwiseUtils.h - shared pieces of elementwise lowerings -*- C++ -*-===//
// Type sets, compute types (f16/bf16 compute in f32), broadcasting loads and
// constant-data stores used by the elementwise, quantization, generator,
// resampling and loss lowerings.
//===----------------------------------------------------------------------===//
#ifndef KILN_LOWERING_OPS_ELEMENTWISEUTILS_H
#define KILN_LOWERING_OPS_ELEMENTWISEUTILS_H

#include "kiln/Lowering/LowerContext.h"

namespace kiln::lower {

using loop::Buffer;
using loop::Expr;
using loop::Indices;
using loop::Stmt;

/// Sets of element types an op accepts (as the interpreter's kernels).
enum TypeSet : unsigned {
  FloatTypes = 1,
  SignedIntTypes = 2,
  UnsignedIntTypes = 4,
  BoolType = 8,
  IntTypes = SignedIntTypes | UnsignedIntTypes,
  NumericTypes = FloatTypes | IntTypes,
  AllTypes = NumericTypes | BoolType,
};

bool inTypeSet(ElementType type, unsigned set);
bool isUnsignedInt(ElementType type);
/// Errors unless operand i's element type is in `set`.
void checkOperandType(const LowerContext &ctx, size_t i, unsigned set);

/// The type float math runs in: f32 for f16/bf16, else the type itself.
ElementType computeType(ElementType type);
/// A load cast to computeType.
Expr loadCompute(const Buffer &buffer, const Indices &idx);
/// loadBroadcast cast to computeType.
Expr loadBroadcastCompute(const Buffer &buffer, const Indices &outIdx);
/// A buffer's only element (all-zero indices), for scalar operands.
Expr loadScalar(const Buffer &buffer);

/// An immediate of e's type.
Expr constLike(const Expr &e, double v);
/// std::min / std::max semantics (the interpreter's): min(a, b) is
/// b < a ? b : a and max(a, b) is a < b ? b : a, so NaN picks an operand.
Expr stdMin(Expr a, Expr b);
Expr stdMax(Expr a, Expr b);
/// log(1 + u), accurate for small u.
Expr log1p(Expr u);

/// Sets ctx.inPlace to the first operand among `candidates` that has the
/// output's shape and element type.
void setInPlace(LowerContext &ctx, const std::vector<int> &candidates);

/// Stores `value` into `out` (same element count), compressing runs of
/// equal values into loops. Errors past a size limit.
void emitConstantData(LowerContext &ctx, const Buffer &out,
                      const Tensor &value);

using UnaryFn = std::function<Expr(Expr)>;
/// out = floatFn(x) (in computeType) for float x, intFn(x) for integer/bool
/// x; either may be empty when `types` excludes its domain. Sets inPlace.
void lowerUnaryOp(LowerContext &ctx, unsigned types, const UnaryFn &floatFn,
                  const UnaryFn &intFn);
void lowerFloatUnary(LowerContext &ctx, const UnaryFn &fn);

/// Normalizes a possibly negative axis into [0, rank).
int64_t normalizeAxisOrError(const LowerContext &ctx, int64_t axis,
                             int64_t rank);

} // namespace kiln::lower

#endif
