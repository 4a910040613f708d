//===- TensorKernelUtils.cpp - helpers for data-movement kernels ----------===//
#include "TensorKernelUtils.h"
#include "kiln/IR/InferContext.h"

namespace kiln {
namespace tensorkernels {

std::vector<TensorType> concreteResultTypes(const EvalContext &ctx) {
  std::vector<TensorType> types(ctx.numInputs());
  std::vector<const TensorType *> typePtrs(ctx.numInputs(), nullptr);
  std::vector<const Tensor *> values(ctx.numInputs(), nullptr);
  for (size_t i = 0; i < ctx.numInputs(); ++i) {
    if (!ctx.hasInput(i))
      continue;
    types[i] = ctx.input(i).type();
    typePtrs[i] = &types[i];
    values[i] = &ctx.input(i);
  }
  InferContext ictx(ctx.node, typePtrs, values);
  if (!ctx.node.info().infer)
    ctx.error("no type inference for {}", ctx.node.opName());
  ctx.node.info().infer(ictx);
  for (const TensorType &t : ictx.results)
    if (!t.hasStaticShape())
      ctx.error("cannot determine the result shape ({})", t.str());
  return std::move(ictx.results);
}

std::vector<std::vector<int64_t>> concreteResultShapes(const EvalContext &ctx) {
  std::vector<std::vector<int64_t>> shapes;
  for (const TensorType &t : concreteResultTypes(ctx))
    shapes.push_back(t.staticShape());
  return shapes;
}

template <typename U>
static void stridedImpl(const U *src, int64_t offset,
                        const std::vector<int64_t> &strides, U *dst,
                        const std::vector<int64_t> &view, int64_t total) {
  size_t rank = view.size();
  if (rank == 0) {
    dst[0] = src[offset];
    return;
  }
  int64_t inner = view.back(), innerStride = strides.back();
  std::vector<int64_t> idx(rank - 1, 0);
  int64_t pos = offset;
  for (int64_t out = 0; out < total; out += inner) {
    for (int64_t j = 0; j < inner; ++j)
      dst[out + j] = src[pos + j * innerStride];
    // Advance the odometer over all but the innermost dimension.
    for (size_t d = rank - 1; d-- > 0;) {
      pos += strides[d];
      if (++idx[d] < view[d])
        break;
      pos -= strides[d] * view[d];
      idx[d] = 0;
    }
  }
}

void copyStrided(const Tensor &src, int64_t offset,
                 const std::vector<int64_t> &strides, Tensor &dst,
                 const std::vector<int64_t> &view) {
  int64_t total = productOf(view, 0, view.size());
  check(total == dst.numElements() && strides.size() == view.size(),
        "internal error: strided view does not match its destination");
  if (total == 0)
    return;
  visitBySize(byteSize(src.elementType()), [&](auto zero) {
    using U = decltype(zero);
    stridedImpl(reinterpret_cast<const U *>(src.rawData()), offset, strides,
                reinterpret_cast<U *>(dst.rawData()), view, total);
  });
}

} // namespace tensorkernels
} // namespace kiln
