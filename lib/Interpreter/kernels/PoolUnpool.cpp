//===- PoolUnpool.cpp - the MaxUnpool kernel ------------------------------===//
// Scatters each input value to the flat output position its index names;
// every other output element is zero. Indices are validated.
//===----------------------------------------------------------------------===//
#include "NNKernelUtils.h"
#include "kiln/IR/InferUtils.h"

namespace kiln {

void evalMaxUnpool(EvalContext &ctx) {
  const Tensor &x = floatInput(ctx, 0);
  const Tensor &idx = ctx.input(1);
  if (idx.elementType() != ElementType::I64)
    ctx.error("indices must be i64, not {}", toString(idx.elementType()));
  if (idx.shape() != x.shape())
    ctx.error("indices shape {} differs from input shape {}",
              shapeStr(idx.shape()), shapeStr(x.shape()));
  if (x.rank() < 3)
    ctx.error("input must have rank >= 3, not {}", shapeStr(x.shape()));
  size_t sp = x.rank() - 2;
  // Indices address the default unpooled shape; an explicit output_shape
  // keeps their coordinates and adds the extra size at the end.
  std::vector<int64_t> inferred = {x.dim(0), x.dim(1)};
  try {
    const std::vector<int64_t> &kernel = ctx.node.getInts("kernel_shape");
    check(kernel.size() == sp, "kernel_shape {} must have {} values",
          shapeStr(kernel), sp);
    WindowParams p = readWindowParams(ctx.node, kernel);
    for (size_t i = 0; i < sp; ++i) {
      int64_t out = (x.dim(i + 2) - 1) * p.strides[i] + p.kernel[i] -
                    p.pads[i] - p.pads[i + sp];
      check(out >= 0, "negative output size in spatial dimension {}", i);
      inferred.push_back(out);
    }
  } catch (const Error &e) {
    ctx.error("{}", e.what());
  }
  std::vector<int64_t> outShape = inferred;
  if (const Tensor *os = ctx.inputOrNull(2)) {
    if (!isInteger(os->elementType()) || os->rank() != 1)
      ctx.error("output_shape must be a 1-D integer tensor, not {}",
                os->type().str());
    outShape = os->toIntVector();
    if (outShape.size() != x.rank())
      ctx.error("output_shape {} must have {} values", shapeStr(outShape),
                x.rank());
  }
  int64_t total = checkedNumElements(inferred);
  std::vector<int64_t> outStrides = stridesOf(outShape);
  std::vector<double> xv = toDoubles(x);
  std::vector<double> y(static_cast<size_t>(checkedNumElements(outShape)), 0.0);
  for (int64_t i = 0; i < x.numElements(); ++i) {
    int64_t at = idx.getInt(i);
    if (at < 0 || at >= total)
      ctx.error("index {} at position {} is outside the unpooled shape {}", at,
                i, shapeStr(inferred));
    std::vector<int64_t> pos = unravelIndex(at, inferred);
    for (size_t d = 0; d < pos.size(); ++d)
      if (pos[d] >= outShape[d])
        ctx.error("index {} at position {} falls outside output_shape {}", at,
                  i, shapeStr(outShape));
    y[size_t(ravelIndex(pos, outStrides))] = xv[size_t(i)];
  }
  ctx.outputs[0] = fromDoubles(x.elementType(), outShape, y);
}

} // namespace kiln
