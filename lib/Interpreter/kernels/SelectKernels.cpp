//===- SelectKernels.cpp - Trilu, Compress, NonZero, ReverseSequence ------===//
#include "TensorKernelUtils.h"

namespace kiln {

using namespace tensorkernels;

void evalTrilu(EvalContext &ctx) {
  const Tensor &in = ctx.input(0);
  if (in.rank() < 2)
    ctx.error("expects an input of rank >= 2, not {}", shapeStr(in.shape()));
  int64_t k = 0;
  if (const Tensor *kT = ctx.inputOrNull(1)) {
    if (kT->numElements() != 1)
      ctx.error("k must be a scalar, not {}", shapeStr(kT->shape()));
    k = kT->getInt(0);
  }
  bool upper = ctx.node.getInt("upper") != 0;
  int64_t rows = in.dim(in.rank() - 2), cols = in.dim(in.rank() - 1);
  Tensor out = in;
  size_t elem = byteSize(in.elementType());
  uint8_t *bytes = out.rawData();
  for (int64_t i = 0; i < out.numElements(); ++i) {
    int64_t c = i % cols, r = (i / cols) % rows;
    // Diagonal offsets c - r are small; k may be anything.
    bool keep = upper ? c - r >= k : c - r <= k;
    if (!keep)
      std::memset(bytes + size_t(i) * elem, 0, elem);
  }
  ctx.outputs[0] = std::move(out);
}

void evalCompress(EvalContext &ctx) {
  const Tensor &in = ctx.input(0);
  const Tensor &cond = ctx.input(1);
  std::vector<int64_t> outShape = concreteResultShape(ctx);
  const Attribute *axisAttr = ctx.node.findAttr("axis");
  int64_t outer = 1, dim = in.numElements(), inner = 1;
  if (axisAttr) {
    size_t axis = size_t(normalizeAxis(axisAttr->getInt(), int64_t(in.rank())));
    outer = productOf(in.shape(), 0, axis);
    dim = in.dim(axis);
    inner = productOf(in.shape(), axis + 1, in.rank());
  }
  if (cond.numElements() > dim)
    ctx.error("condition has {} entries for {} slices", cond.numElements(),
              dim);
  std::vector<int64_t> selected = cond.toIntVector();
  Tensor out(in.elementType(), outShape);
  int64_t next = 0;
  for (int64_t o = 0; o < outer; ++o) {
    for (size_t a = 0; a < selected.size(); ++a) {
      if (!selected[a])
        continue;
      copyElements(in, (o * dim + int64_t(a)) * inner, out, next, inner);
      next += inner;
    }
  }
  ctx.outputs[0] = std::move(out);
}

void evalNonZero(EvalContext &ctx) {
  const Tensor &in = ctx.input(0);
  std::vector<int64_t> positions;
  visitType(in.elementType(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = ComputeType<T>;
    const T *p = in.data<T>();
    for (int64_t i = 0; i < in.numElements(); ++i)
      if (C(p[i]) != C(0))
        positions.push_back(i);
  });
  int64_t rank = int64_t(in.rank()), n = int64_t(positions.size());
  Tensor out(ElementType::I64, {rank, n});
  int64_t *dst = out.data<int64_t>();
  for (int64_t j = 0; j < n; ++j) {
    std::vector<int64_t> coord = unravelIndex(positions[size_t(j)], in.shape());
    for (int64_t d = 0; d < rank; ++d)
      dst[d * n + j] = coord[size_t(d)];
  }
  ctx.outputs[0] = std::move(out);
}

void evalReverseSequence(EvalContext &ctx) {
  const Tensor &in = ctx.input(0);
  if (in.rank() < 2)
    ctx.error("expects an input of rank >= 2, not {}", shapeStr(in.shape()));
  int64_t batchAxis = ctx.node.getInt("batch_axis");
  int64_t timeAxis = ctx.node.getInt("time_axis");
  if (batchAxis < 0 || batchAxis > 1 || timeAxis < 0 || timeAxis > 1 ||
      batchAxis == timeAxis)
    ctx.error("batch_axis and time_axis must be 0 and 1 in some order, not "
              "{} and {}",
              batchAxis, timeAxis);
  std::vector<int64_t> lens = ctx.input(1).toIntVector();
  int64_t batch = in.dim(size_t(batchAxis)), time = in.dim(size_t(timeAxis));
  if (int64_t(lens.size()) != batch)
    ctx.error("sequence_lens has {} entries for a batch of {}", lens.size(),
              batch);
  for (int64_t len : lens)
    if (len < 0 || len > time)
      ctx.error("sequence length {} is out of range [0, {}]", len, time);
  std::vector<int64_t> strides = stridesOf(in.shape());
  int64_t bs = strides[size_t(batchAxis)], ts = strides[size_t(timeAxis)];
  Tensor out(in.elementType(), in.shape());
  copyMapped(in, out, [&](int64_t i) {
    int64_t b = (i / bs) % batch, t = (i / ts) % time;
    int64_t len = lens[size_t(b)];
    return t < len ? i + (len - 1 - 2 * t) * ts : i;
  });
  ctx.outputs[0] = std::move(out);
}

} // namespace kiln
