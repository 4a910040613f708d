//===- Softmax.cpp - Softmax, LogSoftmax and Hardmax kernels --------------===//
// Opset-13 semantics: the op normalizes along one axis. Softmax and
// LogSoftmax subtract the slice maximum first, so large inputs stay finite.
//===----------------------------------------------------------------------===//
#include "NNKernelUtils.h"

#include <cmath>

namespace kiln {

namespace {
enum class SoftmaxKind { Softmax, LogSoftmax, Hardmax };
} // namespace

static void evalSoftmaxFamily(EvalContext &ctx, SoftmaxKind kind) {
  const Tensor &x = floatInput(ctx, 0);
  int64_t rank = int64_t(x.rank());
  int64_t axis;
  try {
    axis = normalizeAxis(ctx.node.getInt("axis"), rank);
  } catch (const Error &e) {
    ctx.error("{}", e.what());
  }
  // A scalar is a slice of one element.
  int64_t n = rank == 0 ? 1 : x.dim(size_t(axis));
  int64_t outer = product(x.shape(), 0, size_t(axis));
  int64_t inner = product(x.shape(), size_t(axis) + 1, x.rank());
  std::vector<double> v = toDoubles(x);
  std::vector<double> y(v.size());
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      auto at = [&](int64_t k) { return size_t((o * n + k) * inner + i); };
      if (n == 0)
        continue;
      double maxV = v[at(0)];
      int64_t argMax = 0;
      for (int64_t k = 1; k < n; ++k)
        if (v[at(k)] > maxV) {
          maxV = v[at(k)];
          argMax = k;
        }
      if (kind == SoftmaxKind::Hardmax) {
        for (int64_t k = 0; k < n; ++k)
          y[at(k)] = k == argMax ? 1.0 : 0.0;
        continue;
      }
      double sum = 0;
      for (int64_t k = 0; k < n; ++k)
        sum += std::exp(v[at(k)] - maxV);
      for (int64_t k = 0; k < n; ++k) {
        double shifted = v[at(k)] - maxV;
        y[at(k)] = kind == SoftmaxKind::Softmax ? std::exp(shifted) / sum
                                                : shifted - std::log(sum);
      }
    }
  }
  ctx.outputs[0] = fromDoubles(x.elementType(), x.shape(), y);
}

void evalSoftmax(EvalContext &ctx) {
  evalSoftmaxFamily(ctx, SoftmaxKind::Softmax);
}
void evalLogSoftmax(EvalContext &ctx) {
  evalSoftmaxFamily(ctx, SoftmaxKind::LogSoftmax);
}
void evalHardmax(EvalContext &ctx) {
  evalSoftmaxFamily(ctx, SoftmaxKind::Hardmax);
}

} // namespace kiln
