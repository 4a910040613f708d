//===- SortArgReduce.cpp - lowering of ArgMax, ArgMin, Hardmax, CumSum ----===//
// Serial scans along one axis of a [outer, n, inner] view of the operand,
// comparing and accumulating exactly like the interpreter kernels.
//===----------------------------------------------------------------------===//
#include "TensorLowerUtils.h"

namespace kiln {

using namespace loop;
using namespace lowerutil;

namespace {
// The operand viewed as [outer, n, inner] around `axis`.
struct AxisView {
  int64_t outer = 1, n = 1, inner = 1;
  std::vector<int64_t> shape() const { return {outer, n, inner}; }
};
} // namespace

static AxisView axisView(const std::vector<int64_t> &shape, size_t axis) {
  AxisView v;
  v.outer = productOf(shape, 0, axis);
  v.n = shape.empty() ? 1 : shape[axis];
  v.inner = productOf(shape, axis + 1, shape.size());
  return v;
}

static Indices one() { return {Expr(0)}; }

static void lowerArgReduce(LowerContext &ctx, bool isMax) {
  const Buffer &x = ctx.input(0);
  const Buffer &out = ctx.output(0);
  if (x->elem == ElementType::Bool)
    ctx.error("unsupported element type bool");
  int64_t rank = int64_t(x->rank());
  if (rank == 0)
    ctx.error("input must have rank >= 1");
  size_t axis = size_t(normAxis(ctx, ctx.node.getInt("axis"), rank));
  bool last = ctx.node.getInt("select_last_index") != 0;
  AxisView v = axisView(x->shape, axis);
  if (v.n == 0)
    ctx.error("cannot reduce an empty axis {}", axis);
  if (out->numElements() != v.outer * v.inner)
    ctx.error("result has {} elements, expected {}", out->numElements(),
              v.outer * v.inner);
  Buffer in = reshapeView(x, v.shape());
  Buffer res = reshapeView(out, {v.outer, v.inner});
  ElementType c = computeType(x->elem);
  ctx.emit(loopNest({v.outer, v.inner}, [&](const Indices &o) {
    Buffer bestV = makeBuffer("best", c, {1}, MemoryScope::Stack);
    Buffer bestI = makeBuffer("best_index", ElementType::I64, {1},
                              MemoryScope::Stack);
    Var k("k");
    Expr cur = cast(c, load(in, {o[0], k, o[1]}));
    Expr better = isMax ? cur > load(bestV, one()) : cur < load(bestV, one());
    if (last)
      better = logicalOr(better, cur == load(bestV, one()));
    Stmt scan = makeFor(
        k, Expr(1), Expr(v.n - 1), ForKind::Serial,
        makeIf(better, makeSeq({makeStore(bestV, one(), cur),
                                makeStore(bestI, one(), k)})));
    Stmt body = makeSeq(
        {makeStore(bestV, one(), cast(c, load(in, {o[0], Expr(0), o[1]}))),
         makeStore(bestI, one(), Expr(0)), scan,
         makeStore(res, o, load(bestI, one()))});
    return makeAllocate(bestV, makeAllocate(bestI, body));
  }));
}

void lowerArgMax(LowerContext &ctx) { lowerArgReduce(ctx, /*isMax=*/true); }
void lowerArgMin(LowerContext &ctx) { lowerArgReduce(ctx, /*isMax=*/false); }

// 1 at the first maximum of each slice along the axis, 0 elsewhere.
void lowerHardmax(LowerContext &ctx) {
  const Buffer &x = ctx.input(0);
  const Buffer &out = ctx.output(0);
  if (!isFloat(x->elem))
    ctx.error("operand 0 must be a float tensor, not {}", toString(x->elem));
  int64_t rank = int64_t(x->rank());
  size_t axis = rank == 0 ? 0
                          : size_t(normAxis(ctx, ctx.node.getInt("axis"), rank));
  AxisView v = axisView(x->shape, axis);
  if (v.n == 0)
    return;
  Buffer in = reshapeView(x, v.shape());
  Buffer res = reshapeView(out, v.shape());
  ElementType c = computeType(x->elem);
  ctx.emit(loopNest({v.outer, v.inner}, [&](const Indices &o) {
    Buffer bestV = makeBuffer("best", c, {1}, MemoryScope::Stack);
    Buffer bestI = makeBuffer("best_index", ElementType::I64, {1},
                              MemoryScope::Stack);
    Var k("k");
    Expr cur = cast(c, load(in, {o[0], k, o[1]}));
    Stmt scan = makeFor(
        k, Expr(1), Expr(v.n - 1), ForKind::Serial,
        makeIf(cur > load(bestV, one()),
               makeSeq({makeStore(bestV, one(), cur),
                        makeStore(bestI, one(), k)})));
    Var w("w");
    Stmt write = makeFor(
        w, Expr(0), Expr(v.n), ForKind::Serial,
        makeStore(res, {o[0], w, o[1]},
                  select(Expr(w) == load(bestI, one()),
                         makeConst(DType(x->elem), 1),
                         makeConst(DType(x->elem), 0))));
    Stmt body = makeSeq(
        {makeStore(bestV, one(), cast(c, load(in, {o[0], Expr(0), o[1]}))),
         makeStore(bestI, one(), Expr(0)), scan, write});
    return makeAllocate(bestV, makeAllocate(bestI, body));
  }));
}

// Floats accumulate in f64 (rounded through f32 for f16/bf16, as the
// interpreter's double -> float -> half conversion does); integers wrap.
static Stmt cumSumAlong(const Buffer &x, const Buffer &out, size_t axis,
                        bool exclusive, bool reverse) {
  AxisView v = axisView(x->shape, axis);
  Buffer in = reshapeView(x, v.shape());
  Buffer res = reshapeView(out, v.shape());
  ElementType e = x->elem;
  ElementType accType = isFloat(e) ? ElementType::F64 : e;
  return loopNest({v.outer, v.inner}, [&](const Indices &o) {
    Buffer acc = makeBuffer("acc", accType, {1}, MemoryScope::Stack);
    Var j("j");
    Expr k = reverse ? Expr(v.n - 1) - j : Expr(j);
    Expr cur = cast(accType, toCompute(load(in, {o[0], k, o[1]})));
    Stmt add = makeStore(acc, one(), load(acc, one()) + cur);
    Expr total = load(acc, one());
    if (e == ElementType::F16 || e == ElementType::BF16)
      total = cast(ElementType::F32, total);
    Stmt write = makeStore(res, {o[0], k, o[1]}, cast(e, total));
    Stmt step = exclusive ? makeSeq({write, add}) : makeSeq({add, write});
    Stmt body = makeSeq({makeStore(acc, one(), makeConst(DType(accType), 0)),
                         makeFor(j, Expr(0), Expr(v.n), ForKind::Serial, step)});
    return makeAllocate(acc, body);
  });
}

void lowerCumSum(LowerContext &ctx) {
  const Buffer &x = ctx.input(0);
  const Buffer &out = ctx.output(0);
  ElementType e = x->elem;
  if (e == ElementType::Bool || (!isFloat(e) && !isInteger(e)))
    ctx.error("unsupported element type {}", toString(e));
  const Buffer &axisBuf = ctx.input(1);
  if ((axisBuf->elem != ElementType::I32 && axisBuf->elem != ElementType::I64) ||
      axisBuf->numElements() != 1 || axisBuf->rank() > 1)
    ctx.error("axis must be an i32 or i64 scalar");
  int64_t rank = int64_t(x->rank());
  if (rank == 0)
    ctx.error("cannot accumulate a scalar");
  bool exclusive = ctx.node.getInt("exclusive") != 0;
  bool reverse = ctx.node.getInt("reverse") != 0;
  if (const Tensor *a = ctx.constant(1)) {
    size_t axis = size_t(normAxis(ctx, a->getInt(0), rank));
    ctx.emit(cumSumAlong(x, out, axis, exclusive, reverse));
    return;
  }
  // The axis is only known at run time: one branch per possible axis. An
  // out-of-range axis (an interpreter error) leaves the result unwritten.
  Var axis("axis");
  std::vector<Stmt> branches;
  for (int64_t a = 0; a < rank; ++a)
    branches.push_back(makeIf(Expr(axis) == Expr(a),
                              cumSumAlong(x, out, size_t(a), exclusive,
                                          reverse)));
  ctx.emit(makeLet(axis, wrapIndex(loadIndex(axisBuf, zeros(axisBuf)), rank),
                   makeSeq(branches)));
}

} // namespace kiln
