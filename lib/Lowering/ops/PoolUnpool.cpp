//===- PoolUnpool.cpp - lowering of MaxUnpool -----------------------------===//
// Zero-fills the output, then scatters each input value to the position its
// index names in the default unpooled shape. Indices outside that shape or
// outside output_shape are skipped (the interpreter rejects them), so the
// store never leaves the output.
//===----------------------------------------------------------------------===//
#include "ReduceCommon.h"

#include "kiln/IR/InferUtils.h"

namespace kiln {

using namespace nnlower;

void lowerMaxUnpool(LowerContext &ctx) {
  const Buffer &x = ctx.input(0), &idx = ctx.input(1);
  const Buffer &y = ctx.output(0);
  requireFloat(ctx, x, "input");
  if (idx->elem != ElementType::I64 || idx->shape != x->shape)
    ctx.error("indices must be i64 with the input's shape");
  if (x->rank() < 3 || y->rank() != x->rank())
    ctx.error("input and output must have the same rank >= 3");
  size_t sp = x->rank() - 2;
  std::vector<int64_t> inferred = {x->shape[0], x->shape[1]};
  try {
    const std::vector<int64_t> &kernel = ctx.node.getInts("kernel_shape");
    check(kernel.size() == sp, "kernel_shape must have {} values", sp);
    WindowParams p = readWindowParams(ctx.node, kernel);
    for (size_t i = 0; i < sp; ++i) {
      int64_t out = (x->shape[i + 2] - 1) * p.strides[i] + p.kernel[i] -
                    p.pads[i] - p.pads[i + sp];
      check(out >= 0, "negative output size in spatial dimension {}", i);
      inferred.push_back(out);
    }
  } catch (const Error &e) {
    ctx.error("{}", e.what());
  }
  int64_t total = productOf(inferred, 0, inferred.size());
  ctx.emit(loop::compute(y, [&](const Indices &) {
    return fimm(computeType(y->elem), 0);
  }));
  ctx.emit(loop::loopNest(x->shape, [&](const Indices &i) {
    Expr at = loop::load(idx, i);
    std::vector<Expr> conds = {inRange(at, total)};
    Indices pos(inferred.size());
    int64_t stride = total;
    for (size_t d = 0; d < inferred.size(); ++d) {
      stride = inferred[d] ? stride / inferred[d] : 0;
      Expr pd = loop::floorMod(loop::floorDiv(at, Expr(stride ? stride : 1)),
                               Expr(inferred[d] ? inferred[d] : 1));
      conds.push_back(pd < Expr(y->shape[d]));
      pos[d] = clampIndex(pd, y->shape[d]);
    }
    return loop::makeIf(allOf(conds),
                        loop::makeStore(y, pos, loop::load(x, i)));
  }));
}

} // namespace kiln
