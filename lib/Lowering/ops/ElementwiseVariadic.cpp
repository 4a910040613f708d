//===- ElementwiseVariadic.cpp - Max, Min, Sum, Mean, Where, Cast ---------===//
// Variadic ops fold their broadcast operands left to right in computeType;
// float Max/Min propagate NaN (the loop IR's Min/Max do). Where selects over
// the broadcast of three shapes; Cast is the loop IR's cast, whose float ->
// integer truncation, saturation and NaN -> 0 match the interpreter.
//===----------------------------------------------------------------------===//
#include "ElementwiseUtils.h"

namespace kiln {

using namespace loop;
using namespace lower;

static void lowerVariadic(LowerContext &ctx, unsigned types,
                          const std::function<Expr(Expr, Expr)> &fn,
                          bool mean = false) {
  if (ctx.numInputs() == 0)
    ctx.error("needs at least one operand");
  ElementType type = ctx.input(0)->elem;
  for (size_t k = 0; k < ctx.numInputs(); ++k) {
    checkOperandType(ctx, k, types);
    if (ctx.input(k)->elem != type)
      ctx.error("operand {} has element type {}, expected {}", k,
                toString(ctx.input(k)->elem), toString(type));
  }
  ctx.emit(compute(ctx.output(0), [&](const Indices &idx) {
    Expr acc = loadBroadcastCompute(ctx.input(0), idx);
    for (size_t k = 1; k < ctx.numInputs(); ++k)
      acc = fn(acc, loadBroadcastCompute(ctx.input(k), idx));
    if (mean)
      acc = acc / constLike(acc, double(ctx.numInputs()));
    return acc;
  }));
  std::vector<int> all;
  for (size_t k = 0; k < ctx.numInputs(); ++k)
    all.push_back(int(k));
  setInPlace(ctx, all);
}

void lowerMax(LowerContext &ctx) {
  lowerVariadic(ctx, NumericTypes, [](Expr a, Expr b) { return max(a, b); });
}
void lowerMin(LowerContext &ctx) {
  lowerVariadic(ctx, NumericTypes, [](Expr a, Expr b) { return min(a, b); });
}
void lowerSum(LowerContext &ctx) {
  lowerVariadic(ctx, NumericTypes, [](Expr a, Expr b) { return a + b; });
}
void lowerMean(LowerContext &ctx) {
  lowerVariadic(
      ctx, FloatTypes, [](Expr a, Expr b) { return a + b; }, true);
}

void lowerWhere(LowerContext &ctx) {
  const Buffer &cond = ctx.input(0), &x = ctx.input(1), &y = ctx.input(2);
  if (cond->elem != ElementType::Bool)
    ctx.error("condition has element type {}, expected bool",
              toString(cond->elem));
  if (x->elem != y->elem)
    ctx.error("operands 1 and 2 have different element types {} and {}",
              toString(x->elem), toString(y->elem));
  ctx.emit(compute(ctx.output(0), [&](const Indices &idx) {
    return select(loadBroadcast(cond, idx), loadBroadcast(x, idx),
                  loadBroadcast(y, idx));
  }));
  setInPlace(ctx, {1, 2});
}

void lowerCast(LowerContext &ctx) {
  const Buffer &in = ctx.input(0);
  const Buffer &out = ctx.output(0);
  // Half types widen to f32 first, which is exact, so every conversion
  // rounds once.
  ctx.emit(compute(out, [&](const Indices &idx) {
    Expr v = load(in, idx);
    if (in->elem != out->elem && computeType(in->elem) != in->elem)
      v = cast(ElementType::F32, v);
    return cast(out->elem, v);
  }));
  setInPlace(ctx, {0});
}

} // namespace kiln
