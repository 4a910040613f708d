//===- ElementwiseVariadic.cpp - Max, Min, Sum, Mean ----------------------===//
// Variadic ops fold their broadcast operands in double (floats) or int64
// (integers) and round once at the end. Max and Min propagate NaN.
//===----------------------------------------------------------------------===//
#include "ElementwiseCommon.h"

#include <cmath>

namespace kiln {

namespace {
enum class Finish { None, Mean };
}

template <typename Acc> static std::vector<Acc> loadAs(const Tensor &t) {
  if constexpr (std::is_same_v<Acc, double>)
    return loadDoubles(t);
  else
    return loadInts(t);
}

// Folds fn over every operand broadcast to the common shape.
template <typename Acc, typename Fn>
static std::vector<Acc> foldOperands(EvalContext &ctx,
                                     const std::vector<int64_t> &shape, Fn fn) {
  int64_t n = checkedNumElements(shape);
  std::vector<Acc> acc(static_cast<size_t>(n));
  for (size_t k = 0; k < ctx.numInputs(); ++k) {
    const Tensor &t = ctx.input(k);
    BroadcastIndexer index(t.shape(), shape);
    std::vector<Acc> v = loadAs<Acc>(t);
    for (int64_t i = 0; i < n; ++i) {
      Acc e = v[size_t(index(i))];
      acc[size_t(i)] = k == 0 ? e : fn(acc[size_t(i)], e);
    }
  }
  return acc;
}

template <typename FloatFn, typename IntFn>
static void evalVariadic(EvalContext &ctx, unsigned types, FloatFn floatFn,
                         IntFn intFn, Finish finish = Finish::None) {
  if (ctx.numInputs() == 0)
    ctx.error("needs at least one operand");
  ElementType type = ctx.input(0).elementType();
  std::vector<int64_t> shape = ctx.input(0).shape();
  for (size_t k = 0; k < ctx.numInputs(); ++k) {
    checkOperandType(ctx, k, types);
    if (ctx.input(k).elementType() != type)
      ctx.error("operand {} has element type {}, expected {}", k,
                toString(ctx.input(k).elementType()), toString(type));
    shape = broadcastShape(shape, ctx.input(k).shape());
  }
  if (isFloat(type)) {
    std::vector<double> acc = foldOperands<double>(ctx, shape, floatFn);
    if (finish == Finish::Mean)
      for (double &e : acc)
        e /= double(ctx.numInputs());
    ctx.outputs[0] = storeDoubles(type, shape, acc);
    return;
  }
  if constexpr (!std::is_null_pointer_v<IntFn>) {
    std::vector<int64_t> acc = foldOperands<int64_t>(ctx, shape, intFn);
    ctx.outputs[0] = storeInts(type, shape, acc, isUnsignedInt(type));
  }
}

void evalMax(EvalContext &ctx) {
  bool isUnsigned = isUnsignedInt(ctx.input(0).elementType());
  evalVariadic(
      ctx, NumericTypes,
      [](double a, double b) {
        return std::isnan(a) || std::isnan(b) ? NAN : std::max(a, b);
      },
      [=](int64_t a, int64_t b) {
        bool less = isUnsigned ? uint64_t(a) < uint64_t(b) : a < b;
        return less ? b : a;
      });
}

void evalMin(EvalContext &ctx) {
  bool isUnsigned = isUnsignedInt(ctx.input(0).elementType());
  evalVariadic(
      ctx, NumericTypes,
      [](double a, double b) {
        return std::isnan(a) || std::isnan(b) ? NAN : std::min(a, b);
      },
      [=](int64_t a, int64_t b) {
        bool less = isUnsigned ? uint64_t(a) < uint64_t(b) : a < b;
        return less ? a : b;
      });
}

// ONNX defines Sum for float types; integers wrap, which costs nothing.
void evalSum(EvalContext &ctx) {
  evalVariadic(
      ctx, NumericTypes, [](double a, double b) { return a + b; }, wrapAdd);
}

void evalMean(EvalContext &ctx) {
  evalVariadic(
      ctx, FloatTypes, [](double a, double b) { return a + b; }, nullptr,
      Finish::Mean);
}

} // namespace kiln
