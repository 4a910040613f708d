//===- Builder.h - compute definitions for lowering -------------*- C++ -*-===//
// Helpers that turn "out[i] = f(i)" and "out[i] = reduce_r g(i, r)" style
// compute definitions into loop nests, plus index arithmetic shared by op
// lowerings (broadcasting, flattening).
//===----------------------------------------------------------------------===//
#ifndef KILN_LOOPIR_BUILDER_H
#define KILN_LOOPIR_BUILDER_H

#include "kiln/LoopIR/Stmt.h"

#include <functional>

namespace kiln::loop {

using Indices = std::vector<Expr>;
using IndexFn = std::function<Expr(const Indices &)>;
using BodyFn = std::function<Stmt(const Indices &)>;

/// Serial loops over `shape` (outermost first) around body(indices). A rank-0
/// shape gives body({}) with no loop. Loop variables are named prefix0, ...
Stmt loopNest(const std::vector<int64_t> &shape, const BodyFn &body,
              const std::string &prefix = "i");

/// out[idx] = fn(idx) for every idx in out's shape. fn's result is cast to
/// out's element type.
Stmt compute(const Buffer &out, const IndexFn &fn);

/// out[idx] = finalize(acc) where acc = init, then acc = combine(acc,
/// value(idx, r)) for every r in reduceShape (row-major). The accumulator is a
/// Stack buffer of `accType` local to each output element. An empty
/// reduceShape reduces over one element.
struct Reduction {
  std::vector<int64_t> shape;
  ElementType accType;
  Expr init;
  std::function<Expr(Expr acc, Expr value)> combine;
  std::function<Expr(const Indices &out, const Indices &r)> value;
  std::function<Expr(Expr acc, const Indices &out)> finalize; // may be empty
};
Stmt reduce(const Buffer &out, const Reduction &r);

/// The indices into `in` that numpy-broadcasting reads for output indices
/// `outIdx` (in's dims are right-aligned; size-1 dims read index 0).
Indices broadcastIndices(const Buffer &in, const Indices &outIdx);
/// in[broadcastIndices(in, outIdx)].
Expr loadBroadcast(const Buffer &in, const Indices &outIdx);

/// Row-major flat offset of idx within shape, and its inverse.
Expr flatIndex(const Indices &idx, const std::vector<int64_t> &shape);
Indices unflatIndex(Expr flat, const std::vector<int64_t> &shape);

/// A dense view of `buffer`'s memory with another shape of the same element
/// count (no copy; for reshape-like indexing; BufferNode::viewOf). Throws if
/// counts differ or `buffer` is not dense.
Buffer reshapeView(const Buffer &buffer, const std::vector<int64_t> &shape);

/// Largest / smallest finite value of a type (for max/min reductions) as an
/// immediate; floats give -inf/+inf.
Expr lowestValue(ElementType type);
Expr highestValue(ElementType type);

} // namespace kiln::loop

#endif
