//===- Window.cpp - Hann, Hamming and Blackman windows --------------------===//
// w[n] for n in [0, size): periodic windows divide by size, symmetric ones
// by size - 1 (a symmetric window of size 1 is [1]).
//===----------------------------------------------------------------------===//
#include "kiln/Interpreter/EvalContext.h"

#include <cmath>

namespace kiln {

template <typename Fn> static void makeWindow(EvalContext &ctx, Fn shape) {
  const Tensor &sizeT = ctx.input(0);
  if (sizeT.numElements() != 1 || !isInteger(sizeT.elementType()))
    ctx.error("size must be an integer scalar");
  int64_t size = sizeT.getInt(0);
  if (size < 0)
    ctx.error("size must not be negative, not {}", size);
  std::optional<ElementType> elem =
      fromOnnxDataType(int(ctx.node.getInt("output_datatype")));
  if (!elem)
    ctx.error("unsupported output_datatype {}",
              ctx.node.getInt("output_datatype"));
  bool periodic = ctx.node.getInt("periodic") != 0;
  double denom = double(periodic ? size : size - 1);
  Tensor out(*elem, {size});
  for (int64_t i = 0; i < size; ++i)
    out.setDouble(i, denom > 0 ? shape(2 * M_PI * double(i) / denom) : 1.0);
  ctx.outputs[0] = std::move(out);
}

void evalHannWindow(EvalContext &ctx) {
  makeWindow(ctx, [](double t) { return 0.5 - 0.5 * std::cos(t); });
}

void evalHammingWindow(EvalContext &ctx) {
  makeWindow(ctx, [](double t) {
    const double alpha = 25.0 / 46.0;
    return alpha - (1 - alpha) * std::cos(t);
  });
}

void evalBlackmanWindow(EvalContext &ctx) {
  makeWindow(ctx, [](double t) {
    return 0.42 - 0.5 * std::cos(t) + 0.08 * std::cos(2 * t);
  });
}

} // namespace kiln
