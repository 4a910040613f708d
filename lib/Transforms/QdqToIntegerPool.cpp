//===- QdqToIntegerPool.cpp - integer AveragePool for qdq-to-integer ------===//
// DQ -> AveragePool | GlobalAveragePool -> Q as an i32 window sum of
// (x - x_zero_point) and a Requantize by x_scale / (y_scale * count).
//===----------------------------------------------------------------------===//
//
// The window sum is a depthwise ConvInteger with all-one weights for
// AveragePool (its padding taps add nothing, as the pool's zero padding
// does) and Cast to i32 -> ReduceSum over the spatial axes for
// GlobalAveragePool. Only pools whose every window has the same count are
// rewritten: docs/quantization.md ("Average pooling").

#include "QdqToIntegerPool.h"

#include "kiln/IR/InferUtils.h"
#include "kiln/Support/Error.h"
#include "kiln/Support/FixedPoint.h"
#include "kiln/Transforms/GraphUtils.h"

#include <cmath>
#include <optional>

namespace kiln {
namespace {

int64_t typeMin(ElementType e) { return e == ElementType::U8 ? 0 : -128; }
int64_t typeMax(ElementType e) { return e == ElementType::U8 ? 255 : 127; }

/// The static dims of `t`, or nothing.
std::optional<std::vector<int64_t>> staticShape(const TensorType &t) {
  if (!t.isRanked())
    return std::nullopt;
  std::vector<int64_t> s;
  for (size_t i = 0; i < t.rank(); ++i) {
    if (!t.dim(i).isStatic())
      return std::nullopt;
    s.push_back(t.dim(i).size());
  }
  return s;
}

/// The number of elements every window of AveragePool `pool` averages, or
/// nothing if it differs between outputs. With count_include_pad the count
/// is the kernel size when every window lies within the padded input; else
/// when every window lies within the input itself. `outSpatial` is the
/// pool's output size, which ConvInteger (no ceil_mode) must reproduce.
std::optional<int64_t> constantWindowCount(const Node &pool,
                                           const std::vector<int64_t> &in,
                                           const std::vector<int64_t> &out) {
  size_t sp = in.size() - 2;
  std::vector<int64_t> inSize(in.begin() + 2, in.end());
  try {
    WindowParams p = readWindowParams(pool, pool.getInts("kernel_shape"));
    if (p.rank() != sp)
      return std::nullopt;
    std::vector<int64_t> pads = resolvePads(p, inSize);
    WindowParams floorP = p;
    floorP.ceilMode = false;
    bool includePad = pool.getInt("count_include_pad") != 0;
    int64_t count = 1;
    for (size_t i = 0; i < sp; ++i) {
      int64_t o = out[2 + i];
      if (convOutputSize(p, i, inSize[i]) != o ||
          convOutputSize(floorP, i, inSize[i]) != o)
        return std::nullopt;
      int64_t first = -pads[i];
      int64_t last =
          (o - 1) * p.strides[i] - pads[i] + (p.kernel[i] - 1) * p.dilations[i];
      int64_t lo = includePad ? -pads[i] : 0;
      int64_t hi = includePad ? inSize[i] + pads[i + sp] : inSize[i];
      if (first < lo || last >= hi)
        return std::nullopt;
      count *= p.kernel[i];
    }
    return count;
  } catch (const Error &) {
    return std::nullopt; // malformed attributes: leave the op alone
  }
}

Value *intConstant(Function &f, Function::NodeList::iterator pos,
                   ElementType type, const std::vector<int64_t> &shape,
                   const std::vector<int64_t> &values,
                   const std::string &name) {
  Tensor t(type, shape);
  for (size_t i = 0; i < values.size(); ++i)
    t.setInt(int64_t(i), values[i]);
  return createConstant(f, pos, std::move(t), name);
}

} // namespace

IntegerPoolBuilder matchIntegerAveragePool(const Node &pool,
                                           const PoolQuantParams &q) {
  bool global = pool.kind() == OpKind::GlobalAveragePool;
  if (!global && pool.kind() != OpKind::AveragePool)
    return nullptr;
  auto in = staticShape(pool.operand(0)->type());
  auto out = staticShape(pool.result(0)->type());
  if (!in || !out || in->size() < 3 || out->size() != in->size())
    return nullptr;
  int64_t count = 1;
  if (global) {
    for (size_t i = 2; i < in->size(); ++i)
      count *= (*in)[i];
  } else {
    auto c = constantWindowCount(pool, *in, *out);
    if (!c)
      return nullptr;
    count = *c;
  }
  // |sum(x - zp)| <= 255 * count must fit in i32.
  if (count < 1 || count > int64_t(INT32_MAX) / 255)
    return nullptr;
  double scale = double(q.xScale) / (double(q.yScale) * double(count));
  if (!std::isfinite(scale) || !(scale > 0))
    return nullptr;
  // Clamped as qdq-to-integer's other patterns do: exact (see there).
  FixedPointMultiplier mult =
      quantizeMultiplier(std::min(scale, kMaxRequantScale));

  std::string base = pool.name().empty() ? pool.result(0)->name() : pool.name();
  std::string resultName = pool.result(0)->name();
  std::map<std::string, Attribute> attrs = pool.attrs();
  std::vector<int64_t> kernel =
      global ? std::vector<int64_t>{} : pool.getInts("kernel_shape");
  std::vector<int64_t> inShape = *in;
  TensorType accType = pool.result(0)->type();
  accType.setElementType(ElementType::I32);
  accType.setQuant(std::nullopt);
  return [=](Function &f, Function::NodeList::iterator pos,
             Value *xq) -> Value * {
    Value *acc;
    int64_t offset = 0; // added to the sum: -count * zero point
    if (global) {
      TensorType it = xq->type();
      it.setElementType(ElementType::I32);
      it.setQuant(std::nullopt);
      Node *cast =
          f.createNodeBefore(pos, OpKind::Cast, {xq}, {it}, base + ".cast");
      cast->setAttr("to", Attribute(int64_t(toOnnxDataType(ElementType::I32))));
      std::vector<int64_t> axes;
      for (size_t i = 2; i < inShape.size(); ++i)
        axes.push_back(int64_t(i));
      Value *ax = intConstant(f, pos, ElementType::I64, {int64_t(axes.size())},
                              axes, base + ".axes");
      acc = f.createNodeBefore(pos, OpKind::ReduceSum, {cast->result(0), ax},
                               {accType}, base, {resultName + ".acc"})
                ->result(0);
      offset = -count * q.xZeroPoint;
    } else {
      // Depthwise all-one i8 weights [C, 1, k...]; x_zero_point makes the
      // padding taps (which hold it) add nothing.
      int64_t c = inShape[1];
      std::vector<int64_t> wShape = {c, 1};
      wShape.insert(wShape.end(), kernel.begin(), kernel.end());
      int64_t n = 1;
      for (int64_t d : wShape)
        n *= d;
      Value *w =
          intConstant(f, pos, ElementType::I8, wShape,
                      std::vector<int64_t>(size_t(n), 1), base + ".ones");
      std::vector<Value *> ops = {xq, w};
      if (q.xZeroPoint != 0)
        ops.push_back(intConstant(f, pos, q.xType, {}, {q.xZeroPoint},
                                  base + ".x_zero_point"));
      Node *conv = f.createNodeBefore(pos, OpKind::ConvInteger, ops, {accType},
                                      base, {resultName + ".acc"});
      for (const char *a :
           {"auto_pad", "dilations", "kernel_shape", "pads", "strides"})
        if (attrs.count(a))
          conv->setAttr(a, attrs.at(a));
      conv->setAttr("group", Attribute(c));
      acc = conv->result(0);
    }
    if (offset != 0) {
      Value *o = createConstant(
          f, pos, Tensor::scalar<int32_t>(int32_t(offset)), base + ".offset");
      acc = f.createNodeBefore(pos, OpKind::Add, {acc, o}, {accType},
                               base + ".offset_add")
                ->result(0);
    }
    Value *m = createConstant(f, pos, Tensor::scalar<int32_t>(mult.multiplier),
                              base + ".requantize.multiplier");
    Tensor st(ElementType::I8, {});
    st.setInt(0, mult.shift);
    Value *s =
        createConstant(f, pos, std::move(st), base + ".requantize.shift");
    TensorType yt = accType;
    yt.setElementType(q.yType);
    Node *rq = f.createNodeBefore(pos, OpKind::Requantize, {acc, m, s}, {yt},
                                  base + ".requantize");
    if (q.yZeroPoint != 0)
      rq->setAttr("zero_point", Attribute(q.yZeroPoint));
    rq->setAttr("output_type", Attribute(std::string(toString(q.yType))));
    if (q.qmin != typeMin(q.yType))
      rq->setAttr("min", Attribute(q.qmin));
    if (q.qmax != typeMax(q.yType))
      rq->setAttr("max", Attribute(q.qmax));
    return rq->result(0);
  };
}

} // namespace kiln
