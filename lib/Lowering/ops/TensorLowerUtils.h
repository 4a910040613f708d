//===- TensorLowerUtils.h - helpers for data-movement lowerings -*- C++ -*-===//
// Axis normalization, run-time index wrapping and clamping, and the compute
// type of an element type, shared by the Tensor/Index/Sort/Signal lowerings.
//===----------------------------------------------------------------------===//
#ifndef KILN_LIB_LOWERING_OPS_TENSORLOWERUTILS_H
#define KILN_LIB_LOWERING_OPS_TENSORLOWERUTILS_H

#include "kiln/Lowering/LowerContext.h"

namespace kiln {
namespace lowerutil {

using loop::Buffer;
using loop::Expr;
using loop::Indices;
using loop::Stmt;

/// Maps a possibly negative axis into [0, rank) or reports it on the node.
inline int64_t normAxis(const LowerContext &ctx, int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    ctx.error("axis {} is out of range for rank {}", axis, rank);
  return axis < 0 ? axis + rank : axis;
}

/// Zero indices for every dim of `b` (reads a scalar or one-element tensor).
inline Indices zeros(const Buffer &b) { return Indices(b->rank(), Expr(0)); }

/// The i64 value of an integer index tensor element.
inline Expr loadIndex(const Buffer &b, const Indices &idx) {
  return loop::cast(ElementType::I64, loop::load(b, idx));
}

/// idx wrapped (negative counts from the end) without any bounds check.
inline Expr wrapIndex(Expr idx, int64_t dim) {
  return loop::select(idx < Expr(0), idx + Expr(dim), idx);
}

/// Whether a wrapped index lies in [0, dim).
inline Expr inRange(Expr idx, int64_t dim) {
  return loop::logicalAnd(idx >= Expr(0), idx < Expr(dim));
}

/// Clamps into [0, dim - 1]: data-dependent indices the interpreter rejects
/// as out of range read the nearest valid element instead of stray memory.
inline Expr clampIndex(Expr idx, int64_t dim) {
  return loop::min(loop::max(idx, Expr(0)), Expr(dim - 1));
}

/// The type arithmetic on `e` happens in (the interpreter's ComputeType):
/// f16/bf16 compute in f32, everything else in itself.
inline ElementType computeType(ElementType e) {
  return e == ElementType::F16 || e == ElementType::BF16 ? ElementType::F32
                                                         : e;
}
inline Expr toCompute(Expr v) {
  return loop::cast(computeType(v.type().elem), v);
}

/// A double result stored into `e` like Tensor::setDouble does for floats:
/// through f32 for f16/bf16 (two roundings, as the interpreter).
inline Expr fromDouble(Expr d, ElementType e) {
  if (e == ElementType::F16 || e == ElementType::BF16)
    d = loop::cast(ElementType::F32, d);
  return loop::cast(e, d);
}

/// Product of shape[begin, end).
inline int64_t productOf(const std::vector<int64_t> &shape, size_t begin,
                         size_t end) {
  int64_t n = 1;
  for (size_t i = begin; i < end && i < shape.size(); ++i)
    n *= shape[i];
  return n;
}

/// The static shape of result i of the node, whether or not it is used.
inline std::vector<int64_t> resultShape(const LowerContext &ctx, size_t i) {
  const TensorType &t = ctx.node.result(i)->type();
  if (!t.hasStaticShape())
    ctx.error("result {} has no static shape", i);
  return t.staticShape();
}

/// True if any dim is zero (nothing to compute).
inline bool isEmpty(const std::vector<int64_t> &shape) {
  for (int64_t d : shape)
    if (d == 0)
      return true;
  return false;
}

} // namespace lowerutil
} // namespace kiln

#endif
