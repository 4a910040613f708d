//===- DFT.cpp - the DFT kernel (opset 17) --------------------------------===//
// DFT(input [..., 1|2], dft_length?) along `axis`; the last dimension holds
// real (1) or real and imaginary (2) parts, the output's always 2.
//===----------------------------------------------------------------------===//
#include "Fourier.h"

#include "kiln/Interpreter/EvalContext.h"

namespace kiln {

void evalDFT(EvalContext &ctx) {
  const Tensor &x = ctx.input(0);
  int64_t rank = int64_t(x.rank());
  if (rank < 2 ||
      (x.dim(size_t(rank - 1)) != 1 && x.dim(size_t(rank - 1)) != 2))
    ctx.error("input must be [..., 1|2], not {}", shapeStr(x.shape()));
  int64_t axis = ctx.node.getInt("axis");
  if (axis < -rank || axis >= rank - 1 || axis == -1)
    ctx.error("axis {} is out of range for rank {}", axis, rank);
  if (axis < 0)
    axis += rank;
  int64_t len = x.dim(size_t(axis));
  int64_t n = len;
  if (const Tensor *lenT = ctx.inputOrNull(1)) {
    if (lenT->numElements() != 1 || !isInteger(lenT->elementType()))
      ctx.error("dft_length must be an integer scalar");
    n = lenT->getInt(0);
    if (n <= 0)
      ctx.error("dft_length must be positive, not {}", n);
  }
  bool inverse = ctx.node.getInt("inverse") != 0;
  int64_t bins = ctx.node.getInt("onesided") ? n / 2 + 1 : n;
  int64_t comp = x.dim(size_t(rank - 1));
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < axis; ++i)
    outer *= x.dim(size_t(i));
  for (int64_t i = axis + 1; i < rank - 1; ++i)
    inner *= x.dim(size_t(i));

  std::vector<int64_t> outShape = x.shape();
  outShape[size_t(axis)] = bins;
  outShape.back() = 2;
  Tensor out(x.elementType(), outShape);
  std::vector<double> v = x.toDoubleVector();
  std::vector<std::complex<double>> line(static_cast<size_t>(len));
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      for (int64_t j = 0; j < len; ++j) {
        size_t at = size_t(((o * len + j) * inner + i) * comp);
        line[size_t(j)] = {v[at], comp == 2 ? v[at + 1] : 0.0};
      }
      std::vector<std::complex<double>> res =
          discreteFourier(line, n, bins, inverse);
      for (int64_t k = 0; k < bins; ++k) {
        int64_t at = ((o * bins + k) * inner + i) * 2;
        out.setDouble(at, res[size_t(k)].real());
        out.setDouble(at + 1, res[size_t(k)].imag());
      }
    }
  ctx.outputs[0] = std::move(out);
}

} // namespace kiln
