//===- ReduceCommon.h - helpers shared by the NN op lowerings ---*- C++ -*-===//
// Compute types, typed immediates, bounds-safe window loads and axis
// bookkeeping used by the conv, pool, normalization and reduction lowerings.
//===----------------------------------------------------------------------===//
#ifndef KILN_LOWERING_OPS_REDUCECOMMON_H
#define KILN_LOWERING_OPS_REDUCECOMMON_H

#include "kiln/Lowering/LowerContext.h"

namespace kiln::nnlower {

using loop::Buffer;
using loop::Expr;
using loop::Indices;
using loop::Stmt;

/// The type float kernels compute in: f64 for f64, f32 for f32/f16/bf16.
inline ElementType computeType(ElementType e) {
  return e == ElementType::F64 ? ElementType::F64 : ElementType::F32;
}

/// A float immediate of type t.
inline Expr fimm(ElementType t, double v) {
  return loop::floatImm(loop::DType(t), v);
}

/// b[idx] converted to t.
inline Expr loadAs(ElementType t, const Buffer &b, const Indices &idx) {
  return loop::cast(t, loop::load(b, idx));
}

/// 0 <= pos < size.
inline Expr inRange(const Expr &pos, int64_t size) {
  return loop::logicalAnd(pos >= Expr(0), pos < Expr(size));
}

/// pos clamped into [0, size - 1], so a guarded load never leaves a buffer.
inline Expr clampIndex(const Expr &pos, int64_t size) {
  return loop::min(loop::max(pos, Expr(0)), Expr(size > 0 ? size - 1 : 0));
}

/// Conjunction of conditions (true if empty).
inline Expr allOf(const std::vector<Expr> &conds) {
  Expr r;
  for (const Expr &c : conds)
    r = r ? loop::logicalAnd(r, c) : c;
  return r ? r : loop::boolImm(true);
}

/// ceil(a / d) for a positive constant d.
inline Expr ceilDiv(const Expr &a, int64_t d) {
  return loop::floorDiv(a + Expr(d - 1), Expr(d));
}

/// Product of shape[begin, end).
inline int64_t productOf(const std::vector<int64_t> &shape, size_t begin,
                         size_t end) {
  int64_t p = 1;
  for (size_t i = begin; i < end && i < shape.size(); ++i)
    p *= shape[i];
  return p;
}

/// Indices into a tensor of rank `rank` whose dims in `reduced` (sorted flags)
/// come from `r` in order and whose other dims come from `kept`. `kept` has
/// the full rank (keepdims form) when keptFull, else only the kept dims.
inline Indices mergeIndices(const std::vector<bool> &reduced,
                            const Indices &kept, const Indices &r,
                            bool keptFull) {
  Indices idx;
  size_t ri = 0, ki = 0;
  for (size_t d = 0; d < reduced.size(); ++d) {
    if (reduced[d]) {
      idx.push_back(r[ri++]);
      if (keptFull)
        ++ki;
    } else {
      idx.push_back(kept[ki++]);
    }
  }
  return idx;
}

/// The sizes of the dims flagged in `reduced`.
inline std::vector<int64_t> reducedSizes(const std::vector<int64_t> &shape,
                                         const std::vector<bool> &reduced) {
  std::vector<int64_t> s;
  for (size_t d = 0; d < shape.size(); ++d)
    if (reduced[d])
      s.push_back(shape[d]);
  return s;
}

/// `shape` with the flagged dims set to 1.
inline std::vector<int64_t> keptShape(const std::vector<int64_t> &shape,
                                      const std::vector<bool> &reduced) {
  std::vector<int64_t> s = shape;
  for (size_t d = 0; d < shape.size(); ++d)
    if (reduced[d])
      s[d] = 1;
  return s;
}

/// idx with the flagged dims replaced by 0 (indexing a keptShape buffer).
inline Indices keptIndex(const Indices &idx, const std::vector<bool> &reduced) {
  Indices k = idx;
  for (size_t d = 0; d < k.size(); ++d)
    if (reduced[d])
      k[d] = Expr(0);
  return k;
}

/// Throws naming the node unless buffer i has a float element type.
inline void requireFloat(const LowerContext &ctx, const Buffer &b,
                         const char *what) {
  if (!isFloat(b->elem))
    ctx.error("{} must be a float tensor, not {}", what, toString(b->elem));
}

/// loop::reduce(out, red) with loops the default schedule vectorizes.
/// `innerContiguous`: red's last dim walks the input's innermost dim with
/// stride 1; it is then split over several partial accumulators folded
/// pairwise at the end (float sums and products are reassociated). Otherwise,
/// when out's innermost dim is kept from the input's, a row of accumulators
/// is updated by an inner loop over that dim (same order per element).
/// Anything else is plain loop::reduce.
Stmt vectorReduce(const LowerContext &ctx, const Buffer &out,
                  const loop::Reduction &red, bool innerContiguous);

} // namespace kiln::nnlower

#endif
