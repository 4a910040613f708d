//===- TensorInferCreate.cpp - inference for tensor-creating ops ----------===//
// Shape, Size, ConstantOfShape, Range and EyeLike.
//===----------------------------------------------------------------------===//
#include "TensorInferUtils.h"

#include <algorithm>
#include <cmath>

namespace kiln {

using namespace tensorinfer;

void inferShape(InferContext &ctx) {
  const TensorType &data = ctx.input(0);
  if (!data.isRanked()) {
    ctx.setResult(0, TensorType(ElementType::I64, {Dim::unknown()}));
    return;
  }
  int64_t rank = int64_t(data.rank());
  auto clampAxis = [rank](int64_t a) {
    if (a < 0)
      a += rank;
    return std::clamp<int64_t>(a, 0, rank);
  };
  int64_t start = clampAxis(ctx.node.getInt("start"));
  int64_t end =
      ctx.node.findAttr("end") ? clampAxis(ctx.node.getInt("end")) : rank;
  ctx.setResult(0, TensorType(ElementType::I64,
                              {Dim(std::max<int64_t>(end - start, 0))}));
}

void inferSize(InferContext &ctx) {
  ctx.input(0);
  ctx.setResult(0, TensorType(ElementType::I64, std::vector<Dim>{}));
}

void inferConstantOfShape(InferContext &ctx) {
  const TensorType &shape = ctx.input(0);
  if (!isInteger(shape.elementType()))
    ctx.error("the shape operand must be an integer tensor, not {}",
              shape.str());
  if (shape.isRanked() && shape.rank() != 1)
    ctx.error("the shape operand must be 1-D, not {}", shape.str());
  ElementType elem = ElementType::F32;
  if (ctx.node.findAttr("value")) {
    const Tensor &v = ctx.node.getTensor("value");
    if (v.numElements() != 1)
      ctx.error("value must hold one element, not {}", v.numElements());
    elem = v.elementType();
  }
  if (std::optional<std::vector<int64_t>> dims = constInts(ctx, 0)) {
    for (int64_t d : *dims)
      if (d < 0)
        ctx.error("negative dimension {} in shape {}", d, shapeStr(*dims));
    ctx.setResult(0, TensorType(elem, *dims));
    return;
  }
  std::optional<int64_t> n = staticLength(shape);
  ctx.setResult(0, n ? TensorType(elem, unknownDims(size_t(*n)))
                     : TensorType::unranked(elem));
}

// ceil((limit - start) / delta), at least 0, computed without overflow in
// the operands' own type as ONNX Range does.
static int64_t rangeCount(const InferContext &ctx, const Tensor &start,
                          const Tensor &limit, const Tensor &delta) {
  return visitType(start.elementType(), [&](auto tag) -> int64_t {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_same_v<T, bool>) {
      ctx.error("Range does not support bool");
    } else if constexpr (std::is_integral_v<T>) {
      __int128 s = start.getInt(0), l = limit.getInt(0), d = delta.getInt(0);
      if (d == 0)
        ctx.error("delta must not be 0");
      __int128 diff = l - s;
      if (d < 0) {
        diff = -diff;
        d = -d;
      }
      if (diff <= 0)
        return 0;
      __int128 n = (diff + d - 1) / d;
      if (n > (__int128(1) << 62))
        ctx.error("Range would produce too many elements");
      return int64_t(n);
    } else {
      using C = std::conditional_t<std::is_same_v<T, double>, double, float>;
      C s = C(start.getDouble(0)), l = C(limit.getDouble(0)),
        d = C(delta.getDouble(0));
      if (d == 0)
        ctx.error("delta must not be 0");
      double n = std::ceil(double(C((l - s) / d)));
      if (std::isnan(n) || n > 4.6e18)
        ctx.error("Range from {} to {} by {} has no finite element count",
                  double(s), double(l), double(d));
      return n > 0 ? int64_t(n) : 0;
    }
  });
}

void inferRange(InferContext &ctx) {
  ElementType elem = ctx.input(0).elementType();
  for (size_t i = 0; i < 3; ++i) {
    const TensorType &t = ctx.input(i);
    if (t.elementType() != elem)
      ctx.error("operand {} has element type {}, expected {}", i,
                toString(t.elementType()), toString(elem));
    if (t.isRanked() && t.numElements() >= 0 && t.numElements() != 1)
      ctx.error("operand {} must be a scalar, not {}", i, t.str());
  }
  if (elem == ElementType::Bool)
    ctx.error("Range does not support bool");
  const Tensor *s = ctx.constant(0), *l = ctx.constant(1), *d = ctx.constant(2);
  Dim n = Dim::unknown();
  if (s && l && d)
    n = Dim(rangeCount(ctx, *s, *l, *d));
  ctx.setResult(0, TensorType(elem, {n}));
}

void inferEyeLike(InferContext &ctx) {
  const TensorType &data = ctx.input(0);
  ElementType elem = data.elementType();
  if (ctx.node.findAttr("dtype")) {
    int64_t dtype = ctx.node.getInt("dtype");
    std::optional<ElementType> e = fromOnnxDataType(int(dtype));
    if (!e)
      ctx.error("unsupported dtype {}", dtype);
    elem = *e;
  }
  if (!data.isRanked()) {
    ctx.setResult(0, TensorType(elem, unknownDims(2)));
    return;
  }
  if (data.rank() != 2)
    ctx.error("expects a 2-D input, not {}", data.str());
  ctx.setResult(0, TensorType(elem, data.dims()));
}

} // namespace kiln
