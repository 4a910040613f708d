//===- QuantInfer.cpp - inference for quantization ops --------------------===//
// QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear, QLinearConv,
// QLinearMatMul, ConvInteger and MatMulInteger (ONNX opset 17 semantics).
//===----------------------------------------------------------------------===//
#include "kiln/IR/InferUtils.h"

namespace kiln {

static bool isQuant8(ElementType e) {
  return e == ElementType::U8 || e == ElementType::I8;
}

static void requireQuant8(InferContext &ctx, size_t i, const char *what) {
  ElementType e = ctx.input(i).elementType();
  if (!isQuant8(e))
    ctx.error("{} must be u8 or i8, not {}", what, toString(e));
}

static void requireFloatScale(InferContext &ctx, size_t i, const char *what) {
  ElementType e = ctx.input(i).elementType();
  if (!isFloat(e))
    ctx.error("{} must have a float element type, not {}", what, toString(e));
}

// A zero point, when present, must have the quantized operand's type.
static void requireZeroPointOf(InferContext &ctx, size_t zp, size_t data,
                               const char *what) {
  if (!ctx.hasInput(zp))
    return;
  ElementType e = ctx.input(zp).elementType();
  if (e != ctx.input(data).elementType())
    ctx.error("{} has element type {}, expected {}", what, toString(e),
              toString(ctx.input(data).elementType()));
}

// Scale/zero point: a scalar (or one element) per tensor, or a 1-D tensor
// with one entry per slice along `axis` of the data operand.
static void checkQuantParamShape(InferContext &ctx, size_t i, size_t data,
                                 const char *what) {
  if (!ctx.hasInput(i))
    return;
  const TensorType &t = ctx.input(i);
  const TensorType &x = ctx.input(data);
  if (!t.isRanked())
    return;
  if (t.rank() > 1)
    ctx.error("{} must be a scalar or 1-D, not {}", what, t.str());
  if (t.rank() == 0 || !t.dim(0).isStatic() || t.dim(0).size() == 1 ||
      !x.isRanked())
    return;
  int64_t axis;
  try {
    axis = normalizeAxis(ctx.node.getInt("axis"), int64_t(x.rank()));
  } catch (const Error &e) {
    ctx.error("{}", e.what());
  }
  const Dim &d = x.dim(size_t(axis));
  if (d.isStatic() && d.size() != t.dim(0).size())
    ctx.error("{} {} does not match dimension {} of size {} of {}", what,
              t.str(), axis, d.size(), x.str());
}

void inferQuantizeLinear(InferContext &ctx) {
  ElementType xe = ctx.input(0).elementType();
  if (!isFloat(xe) && xe != ElementType::I32)
    ctx.error("input must be a float or i32 tensor, not {}", toString(xe));
  requireFloatScale(ctx, 1, "y_scale");
  ElementType out = ElementType::U8;
  if (ctx.hasInput(2)) {
    requireQuant8(ctx, 2, "y_zero_point");
    out = ctx.input(2).elementType();
  }
  checkQuantParamShape(ctx, 1, 0, "y_scale");
  checkQuantParamShape(ctx, 2, 0, "y_zero_point");
  TensorType t = ctx.input(0);
  t.setElementType(out);
  t.setQuant(std::nullopt);
  ctx.setResult(0, t);
}

void inferDequantizeLinear(InferContext &ctx) {
  ElementType xe = ctx.input(0).elementType();
  if (!isQuant8(xe) && xe != ElementType::I32)
    ctx.error("input must be u8, i8 or i32, not {}", toString(xe));
  requireFloatScale(ctx, 1, "x_scale");
  requireZeroPointOf(ctx, 2, 0, "x_zero_point");
  checkQuantParamShape(ctx, 1, 0, "x_scale");
  checkQuantParamShape(ctx, 2, 0, "x_zero_point");
  TensorType t = ctx.input(0);
  t.setElementType(ctx.input(1).elementType());
  t.setQuant(std::nullopt);
  ctx.setResult(0, t);
}

void inferDynamicQuantizeLinear(InferContext &ctx) {
  const TensorType &x = ctx.input(0);
  if (!isFloat(x.elementType()))
    ctx.error("input must be a float tensor, not {}",
              toString(x.elementType()));
  TensorType y = x;
  y.setElementType(ElementType::U8);
  y.setQuant(std::nullopt);
  ctx.setResult(0, y);
  ctx.setResult(1, TensorType(ElementType::F32, std::vector<Dim>{}));
  ctx.setResult(2, TensorType(ElementType::U8, std::vector<Dim>{}));
}

// Output type of the integer convolutions: [N, M, spatial...] with Conv's
// geometry. `x` and `w` are operand indices.
static TensorType convResult(InferContext &ctx, size_t xi, size_t wi,
                             ElementType elem) {
  const TensorType &x = ctx.input(xi), &w = ctx.input(wi);
  int64_t group = ctx.node.getInt("group");
  if (group < 1)
    ctx.error("group = {} must be positive", group);
  if (!x.isRanked() || !w.isRanked())
    return TensorType::unranked(elem);
  if (x.rank() < 3)
    ctx.error("input must have rank >= 3 ([N, C, spatial...]), not {}",
              x.str());
  if (w.rank() != x.rank())
    ctx.error("weight {} must have the rank of input {}", w.str(), x.str());
  const Dim &c = x.dim(1), &wc = w.dim(1), &m = w.dim(0);
  if (c.isStatic() && wc.isStatic() && c.size() != wc.size() * group)
    ctx.error("input has {} channels but weight {} with group {} expects {}",
              c.size(), w.str(), group, wc.size() * group);
  if (m.isStatic() && m.size() % group != 0)
    ctx.error("{} output channels are not divisible by group {}", m.size(),
              group);
  size_t spatial = x.rank() - 2;
  std::vector<int64_t> kernel = ctx.node.getInts("kernel_shape");
  if (!kernel.empty() && kernel.size() != spatial)
    ctx.error("kernel_shape {} must have {} values", shapeStr(kernel), spatial);
  bool known = true;
  if (kernel.empty()) {
    for (size_t i = 0; i < spatial; ++i) {
      known = known && w.dim(i + 2).isStatic();
      kernel.push_back(w.dim(i + 2).size());
    }
  }
  for (size_t i = 0; i < spatial && known; ++i)
    if (w.dim(i + 2).isStatic() && w.dim(i + 2).size() != kernel[i])
      ctx.error("kernel_shape {} does not match weight shape {}",
                shapeStr(kernel), w.str());
  std::vector<Dim> dims = {x.dim(0), m};
  if (!known) {
    dims.resize(x.rank());
    return TensorType(elem, dims);
  }
  try {
    WindowParams p = readWindowParams(ctx.node, kernel);
    std::vector<Dim> in(x.dims().begin() + 2, x.dims().end());
    std::vector<Dim> out = convOutputDims(p, in);
    dims.insert(dims.end(), out.begin(), out.end());
  } catch (const Error &e) {
    ctx.error("{}", e.what());
  }
  return TensorType(elem, dims);
}

// Result dims of numpy matmul of a and b (unranked if either is).
static TensorType matmulResult(InferContext &ctx, size_t ai, size_t bi,
                               ElementType elem) {
  const TensorType &a = ctx.input(ai), &b = ctx.input(bi);
  if (!a.isRanked() || !b.isRanked())
    return TensorType::unranked(elem);
  if (a.rank() == 0 || b.rank() == 0)
    ctx.error("operands must have rank >= 1, not {} and {}", a.str(), b.str());
  std::vector<Dim> ad = a.dims(), bd = b.dims();
  if (ad.size() == 1)
    ad.insert(ad.begin(), Dim(1));
  if (bd.size() == 1)
    bd.push_back(Dim(1));
  const Dim &ka = ad.back(), &kb = bd[bd.size() - 2];
  if (ka.isStatic() && kb.isStatic() && ka.size() != kb.size())
    ctx.error("inner dimensions differ: A {} vs B {}", a.str(), b.str());
  std::vector<Dim> dims;
  try {
    dims = broadcastDims(std::vector<Dim>(ad.begin(), ad.end() - 2),
                         std::vector<Dim>(bd.begin(), bd.end() - 2));
  } catch (const Error &) {
    ctx.error("batch dimensions of A {} and B {} do not broadcast", a.str(),
              b.str());
  }
  if (a.rank() > 1)
    dims.push_back(ad[ad.size() - 2]);
  if (b.rank() > 1)
    dims.push_back(bd.back());
  return TensorType(elem, dims);
}

// Operands: x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, bias?
void inferQLinearConv(InferContext &ctx) {
  requireQuant8(ctx, 0, "x");
  requireQuant8(ctx, 3, "w");
  requireQuant8(ctx, 7, "y_zero_point");
  requireZeroPointOf(ctx, 2, 0, "x_zero_point");
  requireZeroPointOf(ctx, 5, 3, "w_zero_point");
  for (size_t i : {1, 4, 6})
    requireFloatScale(ctx, i, "scale");
  if (ctx.hasInput(8) && ctx.input(8).elementType() != ElementType::I32)
    ctx.error("bias must be i32, not {}", toString(ctx.input(8).elementType()));
  ctx.setResult(0, convResult(ctx, 0, 3, ctx.input(7).elementType()));
}

// Operands: a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp
void inferQLinearMatMul(InferContext &ctx) {
  requireQuant8(ctx, 0, "a");
  requireQuant8(ctx, 3, "b");
  requireQuant8(ctx, 7, "y_zero_point");
  requireZeroPointOf(ctx, 2, 0, "a_zero_point");
  requireZeroPointOf(ctx, 5, 3, "b_zero_point");
  for (size_t i : {1, 4, 6})
    requireFloatScale(ctx, i, "scale");
  ctx.setResult(0, matmulResult(ctx, 0, 3, ctx.input(7).elementType()));
}

// Operands: x, w, x_zp?, w_zp?
void inferConvInteger(InferContext &ctx) {
  requireQuant8(ctx, 0, "x");
  requireQuant8(ctx, 1, "w");
  requireZeroPointOf(ctx, 2, 0, "x_zero_point");
  requireZeroPointOf(ctx, 3, 1, "w_zero_point");
  ctx.setResult(0, convResult(ctx, 0, 1, ElementType::I32));
}

// Operands: a, b, a_zp?, b_zp?
void inferMatMulInteger(InferContext &ctx) {
  requireQuant8(ctx, 0, "A");
  requireQuant8(ctx, 1, "B");
  requireZeroPointOf(ctx, 2, 0, "a_zero_point");
  requireZeroPointOf(ctx, 3, 1, "b_zero_point");
  ctx.setResult(0, matmulResult(ctx, 0, 1, ElementType::I32));
}

} // namespace kiln
