//===- QuantConv.cpp - ConvInteger and QLinearConv ------------------------===//
// N-d grouped convolution of zero-point-shifted 8-bit operands with int32
// accumulation. Padding holds the input's zero point, so it adds nothing.
//===----------------------------------------------------------------------===//
#include "QuantCommon.h"
#include "kiln/IR/InferUtils.h"

namespace kiln {

namespace {
struct ConvDims {
  int64_t batch = 0, inChannels = 0, outChannels = 0, group = 1;
  std::vector<int64_t> inSpatial, kernel, outSpatial, outShape;
  WindowParams params;
  std::vector<int64_t> pads; // resolved begin..., end...
};
} // namespace

static ConvDims convDims(const EvalContext &ctx, const Tensor &x,
                         const Tensor &w) {
  if (x.rank() < 3)
    ctx.error("input must have rank >= 3 ([N, C, spatial...]), not {}",
              shapeStr(x.shape()));
  if (w.rank() != x.rank())
    ctx.error("weight {} must have the rank of input {}", shapeStr(w.shape()),
              shapeStr(x.shape()));
  ConvDims d;
  d.batch = x.dim(0);
  d.inChannels = x.dim(1);
  d.outChannels = w.dim(0);
  d.group = ctx.node.getInt("group");
  if (d.group < 1 || d.inChannels != w.dim(1) * d.group ||
      d.outChannels % d.group != 0)
    ctx.error("input {} and weight {} do not match with group {}",
              shapeStr(x.shape()), shapeStr(w.shape()), d.group);
  d.inSpatial.assign(x.shape().begin() + 2, x.shape().end());
  d.kernel.assign(w.shape().begin() + 2, w.shape().end());
  const std::vector<int64_t> &attr = ctx.node.getInts("kernel_shape");
  if (!attr.empty() && attr != d.kernel)
    ctx.error("kernel_shape {} does not match weight shape {}", shapeStr(attr),
              shapeStr(w.shape()));
  d.params = readWindowParams(ctx.node, d.kernel);
  d.pads = resolvePads(d.params, d.inSpatial);
  d.outShape = {d.batch, d.outChannels};
  for (size_t i = 0; i < d.kernel.size(); ++i) {
    d.outSpatial.push_back(convOutputSize(d.params, i, d.inSpatial[i]));
    d.outShape.push_back(d.outSpatial.back());
  }
  return d;
}

// Row-major successor of a multi-index; false after the last one.
static bool advance(std::vector<int64_t> &index,
                    const std::vector<int64_t> &shape) {
  for (size_t i = index.size(); i-- > 0;) {
    if (++index[i] < shape[i])
      return true;
    index[i] = 0;
  }
  return false;
}

// Accumulators [N, M, out spatial...] of the shifted operands, wrapped to
// int32. `wZp` has one entry or one per output channel.
static std::vector<int64_t> integerConv(const ConvDims &d, const Tensor &x,
                                        int64_t xZp, const Tensor &w,
                                        const std::vector<int64_t> &wZp) {
  std::vector<int64_t> xv = loadInts(x), wv = loadInts(w);
  size_t rank = d.kernel.size();
  int64_t inSize = checkedNumElements(d.inSpatial);
  int64_t kSize = checkedNumElements(d.kernel);
  int64_t cPerGroup = d.inChannels / d.group;
  int64_t mPerGroup = d.outChannels / d.group;
  std::vector<int64_t> inStrides = stridesOf(d.inSpatial);
  std::vector<int64_t> out(size_t(checkedNumElements(d.outShape)));
  size_t o = 0;
  for (int64_t n = 0; n < d.batch; ++n)
    for (int64_t m = 0; m < d.outChannels; ++m) {
      int64_t g = m / mPerGroup;
      int64_t mZp = paramAt(wZp, m);
      std::vector<int64_t> pos(rank, 0);
      do {
        uint32_t acc = 0;
        std::vector<int64_t> k(rank, 0);
        int64_t kLinear = 0;
        do {
          int64_t inLinear = 0;
          bool inside = true;
          for (size_t i = 0; i < rank && inside; ++i) {
            int64_t p = pos[i] * d.params.strides[i] - d.pads[i] +
                        k[i] * d.params.dilations[i];
            inside = p >= 0 && p < d.inSpatial[i];
            inLinear += p * inStrides[i];
          }
          if (inside) {
            for (int64_t c = 0; c < cPerGroup; ++c) {
              int64_t xc = g * cPerGroup + c;
              int64_t xi = (n * d.inChannels + xc) * inSize + inLinear;
              int64_t wi = (m * cPerGroup + c) * kSize + kLinear;
              acc += uint32_t((xv[size_t(xi)] - xZp) * (wv[size_t(wi)] - mZp));
            }
          }
          ++kLinear;
        } while (advance(k, d.kernel));
        out[o++] = int32_t(acc);
      } while (advance(pos, d.outSpatial));
    }
  return out;
}

// ConvInteger(x, w, x_zp?, w_zp?) -> i32.
void evalConvInteger(EvalContext &ctx) {
  requireQuant8(ctx, 0, "x");
  requireQuant8(ctx, 1, "w");
  const Tensor &x = ctx.input(0), &w = ctx.input(1);
  ConvDims d = convDims(ctx, x, w);
  int64_t xZp =
      readZeroPoints(ctx, 2, 1, x.elementType(), "x_zero_point").at(0);
  std::vector<int64_t> wZp =
      readZeroPoints(ctx, 3, d.outChannels, w.elementType(), "w_zero_point");
  ctx.outputs[0] = storeInts(ElementType::I32, d.outShape,
                             integerConv(d, x, xZp, w, wZp), false);
}

// QLinearConv(x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, bias?):
// w's parameters per tensor or per output channel; bias is i32 in the
// accumulator's scale. y = round((acc + bias) * x_scale * w_scale / y_scale)
// + y_zp, with the multiplier in float and the product in double.
void evalQLinearConv(EvalContext &ctx) {
  requireQuant8(ctx, 0, "x");
  requireQuant8(ctx, 3, "w");
  requireQuant8(ctx, 7, "y_zero_point");
  const Tensor &x = ctx.input(0), &w = ctx.input(3);
  ElementType outType = ctx.input(7).elementType();
  ConvDims d = convDims(ctx, x, w);
  float xScale = readScales(ctx, 1, 1, "x_scale").at(0);
  int64_t xZp =
      readZeroPoints(ctx, 2, 1, x.elementType(), "x_zero_point").at(0);
  std::vector<float> wScale = readScales(ctx, 4, d.outChannels, "w_scale");
  std::vector<int64_t> wZp =
      readZeroPoints(ctx, 5, d.outChannels, w.elementType(), "w_zero_point");
  float yScale = readScales(ctx, 6, 1, "y_scale").at(0);
  int64_t yZp = readZeroPoints(ctx, 7, 1, outType, "y_zero_point").at(0);
  std::vector<int64_t> bias;
  if (ctx.hasInput(8)) {
    const Tensor &b = ctx.input(8);
    if (b.elementType() != ElementType::I32 || b.rank() != 1 ||
        b.dim(0) != d.outChannels)
      ctx.error("bias must be i32[{}], not {}[{}]", d.outChannels,
                toString(b.elementType()), shapeStr(b.shape()));
    bias = loadInts(b);
  }
  std::vector<int64_t> acc = integerConv(d, x, xZp, w, wZp);
  int64_t outSize = checkedNumElements(d.outSpatial);
  for (size_t i = 0; i < acc.size(); ++i) {
    int64_t m = (int64_t(i) / outSize) % d.outChannels;
    int64_t total = acc[i] + (bias.empty() ? 0 : bias[size_t(m)]);
    float multiplier = xScale * paramAt(wScale, m) / yScale;
    acc[i] = quantizeValue(double(total) * double(multiplier), yZp, outType);
  }
  ctx.outputs[0] = storeInts(outType, d.outShape, acc, false);
}

} // namespace kiln
