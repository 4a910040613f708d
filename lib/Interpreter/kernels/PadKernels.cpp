//===- PadKernels.cpp - Pad -----------------------------------------------===//
// Modes constant, reflect, edge and wrap; negative pads crop. Each output
// coordinate maps, axis by axis, to an input coordinate or to the fill value.
//===----------------------------------------------------------------------===//
#include "TensorKernelUtils.h"

namespace kiln {

using namespace tensorkernels;

// Input coordinate for output coordinate `o` of an axis of size `dim`, or
// -1 for the constant fill.
static int64_t padSource(const std::string &mode, int64_t o, int64_t before,
                         int64_t dim) {
  int64_t c = o - before;
  if (c >= 0 && c < dim)
    return c;
  if (mode == "constant")
    return -1;
  if (mode == "edge")
    return c < 0 ? 0 : dim - 1;
  if (mode == "wrap")
    return ((c % dim) + dim) % dim;
  // reflect: mirror without repeating the edge, period 2 * (dim - 1).
  if (dim == 1)
    return 0;
  int64_t period = 2 * (dim - 1);
  int64_t m = ((c % period) + period) % period;
  return m < dim ? m : period - m;
}

void evalPad(EvalContext &ctx) {
  const Tensor &data = ctx.input(0);
  std::vector<int64_t> outShape = concreteResultShape(ctx);
  const std::string &mode = ctx.node.getString("mode");
  size_t rank = data.rank();
  std::vector<int64_t> pads = ctx.input(1).toIntVector();
  size_t n = pads.size() / 2;
  std::vector<int64_t> axes = resolveAxes(ctx.inputOrNull(3), n, int64_t(rank));
  std::vector<int64_t> before(rank, 0);
  for (size_t i = 0; i < n; ++i)
    before[size_t(axes[i])] = pads[i];

  // The input followed by one extra element, the fill value, so every output
  // element is a plain copy from this source.
  int64_t fill = data.numElements();
  Tensor source(data.elementType(), {fill + 1});
  copyElements(data, 0, source, 0, fill);
  if (const Tensor *value = ctx.inputOrNull(2)) {
    if (value->numElements() != 1)
      ctx.error("constant_value must be a scalar, not {}",
                shapeStr(value->shape()));
    if (value->elementType() != data.elementType())
      ctx.error("constant_value has element type {}, expected {}",
                toString(value->elementType()), toString(data.elementType()));
    copyElements(*value, 0, source, fill, 1);
  }

  std::vector<std::vector<int64_t>> maps(rank);
  for (size_t d = 0; d < rank; ++d)
    for (int64_t o = 0; o < outShape[d]; ++o)
      maps[d].push_back(padSource(mode, o, before[d], data.dim(d)));
  std::vector<int64_t> strides = stridesOf(data.shape());
  Tensor out(data.elementType(), outShape);
  copyMapped(source, out, [&](int64_t i) {
    int64_t src = 0;
    for (size_t d = rank; d-- > 0;) {
      int64_t c = maps[d][size_t(i % outShape[d])];
      i /= outShape[d];
      if (c < 0)
        return fill;
      src += c * strides[d];
    }
    return src;
  });
  ctx.outputs[0] = std::move(out);
}

} // namespace kiln
