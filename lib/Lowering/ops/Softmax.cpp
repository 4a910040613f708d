//===- Softmax.cpp - lowering of Softmax and LogSoftmax -------------------===//
// Opset-13 semantics along one axis: the slice maximum (first-wins, like the
// interpreter) and the sum of exp(x - max) go to temporaries of the input
// shape with the axis set to 1, then each element is normalized.
//===----------------------------------------------------------------------===//
#include "ReduceCommon.h"

#include "kiln/IR/InferContext.h"

namespace kiln {

using namespace nnlower;

namespace {
void lowerSoftmaxFamily(LowerContext &ctx, bool logSoftmax) {
  const Buffer &x = ctx.input(0);
  const Buffer &y = ctx.output(0);
  requireFloat(ctx, x, "input");
  int64_t rank = int64_t(x->rank());
  ElementType ct = computeType(y->elem);
  if (rank == 0) {
    // A scalar is a slice of one element.
    ctx.emit(loop::compute(
        y, [&](const Indices &) { return fimm(ct, logSoftmax ? 0.0 : 1.0); }));
    return;
  }
  int64_t axis;
  try {
    axis = normalizeAxis(ctx.node.getInt("axis"), rank);
  } catch (const Error &e) {
    ctx.error("{}", e.what());
  }
  std::vector<bool> reduced(size_t(rank), false);
  reduced[size_t(axis)] = true;
  std::vector<int64_t> kshape = keptShape(x->shape, reduced);
  std::vector<int64_t> rshape = {x->shape[size_t(axis)]};
  auto xIndex = [&](const Indices &o, const Indices &r) {
    Indices i = o;
    i[size_t(axis)] = r[0];
    return i;
  };

  Buffer maxes = ctx.allocate("softmax_max", ct, kshape);
  loop::Reduction mr;
  mr.shape = rshape;
  mr.accType = ct;
  mr.init = loop::lowestValue(ct);
  mr.combine = [](Expr s, Expr v) { return loop::select(v > s, v, s); };
  mr.value = [&](const Indices &o, const Indices &r) {
    return loadAs(ct, x, xIndex(o, r));
  };
  ctx.emit(vectorReduce(ctx, maxes, mr, axis == rank - 1));

  Buffer sums = ctx.allocate("softmax_sum", ct, kshape);
  loop::Reduction sr;
  sr.shape = rshape;
  sr.accType = ct;
  sr.init = fimm(ct, 0);
  sr.combine = [](Expr s, Expr v) { return s + v; };
  sr.value = [&](const Indices &o, const Indices &r) {
    return loop::mathCall("exp",
                          loadAs(ct, x, xIndex(o, r)) - loop::load(maxes, o));
  };
  if (logSoftmax)
    sr.finalize = [](Expr s, const Indices &) {
      return loop::mathCall("log", s);
    };
  ctx.emit(vectorReduce(ctx, sums, sr, axis == rank - 1));

  ctx.emit(loop::compute(y, [&](const Indices &i) {
    Indices k = keptIndex(i, reduced);
    Expr shifted = loadAs(ct, x, i) - loop::load(maxes, k);
    Expr s = loop::load(sums, k);
    return logSoftmax ? shifted - s : loop::mathCall("exp", shifted) / s;
  }));
}
} // namespace

void lowerSoftmax(LowerContext &ctx) { lowerSoftmaxFamily(ctx, false); }
void lowerLogSoftmax(LowerContext &ctx) { lowerSoftmaxFamily(ctx, true); }

} // namespace kiln
