//===- Generators.cpp - Constant, Shape, Range, EyeLike, OneHot... --------===//
// Ops whose results are (mostly) computed from shapes and attributes:
// Constant, Shape, Size, ConstantOfShape, Range, EyeLike, Trilu, OneHot,
// the window functions and MelWeightMatrix. Compile-time data is emitted as
// stores (see emitConstantData).
//===----------------------------------------------------------------------===//
#include "ElementwiseUtils.h"
#include "kiln/Interpreter/Interpreter.h"

#include <algorithm>
#include <cmath>

namespace kiln {

using namespace loop;
using namespace lower;

void lowerConstant(LowerContext &ctx) {
  emitConstantData(ctx, ctx.output(0), ctx.node.getTensor("value"));
}

void lowerShape(LowerContext &ctx) {
  const Buffer &in = ctx.input(0);
  int64_t rank = int64_t(in->rank());
  auto clampAxis = [rank](int64_t a) {
    return std::clamp<int64_t>(a < 0 ? a + rank : a, 0, rank);
  };
  int64_t start = clampAxis(ctx.node.getInt("start"));
  int64_t end =
      ctx.node.findAttr("end") ? clampAxis(ctx.node.getInt("end")) : rank;
  std::vector<int64_t> dims;
  for (int64_t i = start; i < end; ++i)
    dims.push_back(in->shape[size_t(i)]);
  int64_t n = int64_t(dims.size());
  emitConstantData(ctx, ctx.output(0), Tensor::fromVector<int64_t>(dims, {n}));
}

void lowerSize(LowerContext &ctx) {
  emitConstantData(ctx, ctx.output(0),
                   Tensor::scalar<int64_t>(ctx.input(0)->numElements()));
}

void lowerConstantOfShape(LowerContext &ctx) {
  Tensor value = Tensor::scalar<float>(0.0f);
  if (ctx.node.findAttr("value"))
    value = ctx.node.getTensor("value");
  if (value.numElements() != 1)
    ctx.error("value must have one element, not {}", value.numElements());
  const Buffer &out = ctx.output(0);
  Expr v = isFloat(value.elementType())
               ? floatImm(DType(ElementType::F64), value.getDouble(0))
               : intImm(DType(value.elementType()), value.getInt(0));
  ctx.emit(compute(out, [&](const Indices &) { return v; }));
}

void lowerRange(LowerContext &ctx) {
  const Buffer &out = ctx.output(0);
  Expr start = loadScalar(ctx.input(0)), delta = loadScalar(ctx.input(2));
  ctx.emit(compute(out, [&](const Indices &idx) {
    if (isFloat(out->elem)) {
      ElementType t = computeType(out->elem);
      return cast(t, start) + cast(t, idx[0]) * cast(t, delta);
    }
    // Wrapping i64 arithmetic; every value lies between start and limit.
    return cast(ElementType::I64, start) +
           idx[0] * cast(ElementType::I64, delta);
  }));
}

void lowerEyeLike(LowerContext &ctx) {
  const Buffer &out = ctx.output(0);
  if (out->rank() != 2)
    ctx.error("expects a rank-2 result, not rank {}", out->rank());
  int64_t k = ctx.node.getInt("k");
  ctx.emit(compute(out, [&](const Indices &idx) {
    return cast(out->elem, idx[1] - idx[0] == Expr(k));
  }));
}

void lowerTrilu(LowerContext &ctx) {
  const Buffer &in = ctx.input(0);
  if (in->rank() < 2)
    ctx.error("expects an input of rank >= 2, not {}", in->rank());
  Expr k = Expr(0);
  if (ctx.hasInput(1)) {
    if (ctx.input(1)->numElements() != 1)
      ctx.error("k must be a scalar");
    k = cast(ElementType::I64, loadScalar(ctx.input(1)));
  }
  bool upper = ctx.node.getInt("upper") != 0;
  size_t rank = in->rank();
  ctx.emit(compute(ctx.output(0), [&](const Indices &idx) {
    Expr diag = idx[rank - 1] - idx[rank - 2];
    Expr keep = upper ? diag >= k : diag <= k;
    Expr v = load(in, idx);
    return select(keep, v, cast(in->elem, makeConst(DType(ElementType::I64), 0)));
  }));
  setInPlace(ctx, {0});
}

// Value 0 is off, 1 is on; indices outside [-depth, depth) give an all-off
// row.
void lowerOneHot(LowerContext &ctx) {
  const Buffer &indices = ctx.input(0), &values = ctx.input(2);
  const Buffer &out = ctx.output(0);
  if (values->numElements() != 2)
    ctx.error("values must have two elements, not {}", values->numElements());
  if (out->rank() != indices->rank() + 1)
    ctx.error("result rank {} is not the indices' rank plus one", out->rank());
  size_t axis = size_t(normalizeAxisOrError(ctx, ctx.node.getInt("axis"),
                                            int64_t(out->rank())));
  int64_t depth = out->shape[axis];
  Buffer flatValues = reshapeView(values, {2});
  ctx.emit(compute(out, [&](const Indices &idx) {
    Indices in;
    for (size_t d = 0; d < idx.size(); ++d)
      if (d != axis)
        in.push_back(idx[d]);
    Expr i = cast(ElementType::I64, load(indices, in));
    i = select(i < Expr(0), i + Expr(depth), i);
    Expr hot = i == idx[axis];
    return load(flatValues, {select(hot, Expr(1), Expr(0))});
  }));
}

// w[n] in f64: periodic windows divide by size, symmetric ones by size - 1.
static void lowerWindow(LowerContext &ctx,
                        const std::function<Expr(Expr)> &shape) {
  const Buffer &out = ctx.output(0);
  if (out->rank() != 1)
    ctx.error("expects a rank-1 result");
  int64_t size = out->shape[0];
  bool periodic = ctx.node.getInt("periodic") != 0;
  double denom = double(periodic ? size : size - 1);
  ctx.emit(compute(out, [&](const Indices &idx) -> Expr {
    if (!(denom > 0))
      return floatImm(DType(ElementType::F64), 1.0);
    Expr t = cast(ElementType::F64, idx[0]) * (2 * M_PI / denom);
    return shape(t);
  }));
}

void lowerHannWindow(LowerContext &ctx) {
  lowerWindow(ctx, [](Expr t) { return 0.5 - 0.5 * mathCall("cos", t); });
}

void lowerHammingWindow(LowerContext &ctx) {
  lowerWindow(ctx, [](Expr t) {
    const double alpha = 25.0 / 46.0;
    return alpha - (1 - alpha) * mathCall("cos", t);
  });
}

void lowerBlackmanWindow(LowerContext &ctx) {
  lowerWindow(ctx, [](Expr t) {
    return 0.42 - 0.5 * mathCall("cos", t) + 0.08 * mathCall("cos", t * 2.0);
  });
}

// The filters depend only on the (constant) scalar operands: evaluated by
// the interpreter at compile time.
void lowerMelWeightMatrix(LowerContext &ctx) {
  std::vector<const Tensor *> operands;
  for (size_t i = 0; i < ctx.numInputs(); ++i)
    operands.push_back(&ctx.requireConstant(i, "a MelWeightMatrix parameter"));
  Interpreter interp;
  std::vector<Tensor> results = interp.evalNode(ctx.node, operands);
  emitConstantData(ctx, ctx.output(0), results.at(0));
}

} // namespace kiln
