//===- Det.cpp - the Det kernel -------------------------------------------===//
// Determinants of the trailing square matrices by LU decomposition with
// partial pivoting, in double.
//===----------------------------------------------------------------------===//
#include "kiln/Interpreter/EvalContext.h"

#include <cmath>
#include <utility>

namespace kiln {

static double determinant(std::vector<double> a, int64_t n) {
  double det = 1;
  for (int64_t col = 0; col < n; ++col) {
    int64_t pivot = col;
    for (int64_t r = col + 1; r < n; ++r)
      if (std::fabs(a[size_t(r * n + col)]) >
          std::fabs(a[size_t(pivot * n + col)]))
        pivot = r;
    if (a[size_t(pivot * n + col)] == 0)
      return 0;
    if (pivot != col) {
      for (int64_t k = 0; k < n; ++k)
        std::swap(a[size_t(pivot * n + k)], a[size_t(col * n + k)]);
      det = -det;
    }
    double p = a[size_t(col * n + col)];
    det *= p;
    for (int64_t r = col + 1; r < n; ++r) {
      double f = a[size_t(r * n + col)] / p;
      for (int64_t k = col; k < n; ++k)
        a[size_t(r * n + k)] -= f * a[size_t(col * n + k)];
    }
  }
  return det;
}

void evalDet(EvalContext &ctx) {
  const Tensor &x = ctx.input(0);
  if (x.rank() < 2 || x.dim(x.rank() - 1) != x.dim(x.rank() - 2))
    ctx.error("input must be [*, M, M], not {}", shapeStr(x.shape()));
  int64_t n = x.dim(x.rank() - 1);
  std::vector<int64_t> outShape(x.shape().begin(), x.shape().end() - 2);
  Tensor out(x.elementType(), outShape);
  std::vector<double> v = x.toDoubleVector();
  for (int64_t i = 0; i < out.numElements(); ++i) {
    auto begin = v.begin() + i * n * n;
    out.setDouble(i, determinant(std::vector<double>(begin, begin + n * n), n));
  }
  ctx.outputs[0] = std::move(out);
}

} // namespace kiln
