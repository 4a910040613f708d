//===- ElementwiseBinary.cpp - broadcasting binary lowerings --------------===//
// Add, Sub, Mul, Div, Pow, Mod, BitShift, comparisons and logic with numpy
// broadcasting. Integer arithmetic wraps; integer division by zero, an error
// in the interpreter, yields the loop IR's defined 0.
//===----------------------------------------------------------------------===//
#include "ElementwiseUtils.h"

namespace kiln {

using namespace loop;
using namespace lower;

namespace {
using BinaryFn = std::function<Expr(Expr, Expr)>;

// Checks both operands share one element type in `types` and emits
// out[i] = fn(a[bcast i], b[bcast i]) with operands in computeType.
void lowerBinaryOp(LowerContext &ctx, unsigned types, const BinaryFn &fn,
                   bool mayBeInPlace = true) {
  checkOperandType(ctx, 0, types);
  const Buffer &a = ctx.input(0), &b = ctx.input(1);
  if (a->elem != b->elem)
    ctx.error("operands have different element types {} and {}",
              toString(a->elem), toString(b->elem));
  ctx.emit(compute(ctx.output(0), [&](const Indices &idx) {
    return fn(loadBroadcastCompute(a, idx), loadBroadcastCompute(b, idx));
  }));
  if (mayBeInPlace)
    setInPlace(ctx, {0, 1});
}
} // namespace

void lowerAdd(LowerContext &ctx) {
  lowerBinaryOp(ctx, NumericTypes, [](Expr a, Expr b) { return a + b; });
}
void lowerSub(LowerContext &ctx) {
  lowerBinaryOp(ctx, NumericTypes, [](Expr a, Expr b) { return a - b; });
}
void lowerMul(LowerContext &ctx) {
  lowerBinaryOp(ctx, NumericTypes, [](Expr a, Expr b) { return a * b; });
}
// Integer division truncates toward zero; MIN / -1 wraps to MIN.
void lowerDiv(LowerContext &ctx) {
  lowerBinaryOp(ctx, NumericTypes, [](Expr a, Expr b) { return a / b; });
}

// fmod=1: the remainder has the dividend's sign (C); fmod=0: the divisor's.
void lowerMod(LowerContext &ctx) {
  bool cStyle = ctx.node.getInt("fmod") != 0;
  bool isUnsigned = isUnsignedInt(ctx.input(0)->elem);
  lowerBinaryOp(ctx, NumericTypes, [=](Expr a, Expr b) {
    Expr r = a.type().isFloat() ? mathCall("fmod", a, b) : a % b;
    if (cStyle || isUnsigned)
      return r;
    Expr zero = constLike(r, 0);
    Expr fix = logicalAnd(r != zero, (r < zero) != (b < zero));
    return select(fix, r + b, r);
  });
}

// Integer power by square-and-multiply over the 64 exponent bits, wrapping
// like repeated multiplication; negative exponents truncate 1/x^-e.
static Stmt intPowStore(const Buffer &out, const Indices &idx, Expr base,
                        Expr exp, bool expUnsigned) {
  DType i64 = DType::index();
  base = cast(i64, base);
  exp = cast(i64, exp);
  Buffer acc = makeBuffer(out->name + "_pow", ElementType::I64, {2},
                          MemoryScope::Stack);
  Expr res = load(acc, {Expr(0)}), pw = load(acc, {Expr(1)});
  Var bit("bit");
  Expr isSet = binary(BinaryOp::BitAnd, binary(BinaryOp::Shr, exp, bit),
                       Expr(1)) != Expr(0);
  Stmt step = makeSeq({makeStore(acc, {Expr(0)}, select(isSet, res * pw, res)),
                       makeStore(acc, {Expr(1)}, pw * pw)});
  Stmt body = makeSeq({makeStore(acc, {Expr(0)}, Expr(1)),
                       makeStore(acc, {Expr(1)}, base),
                       makeFor(bit, Expr(0), Expr(64), ForKind::Serial, step)});
  Expr result = load(acc, {Expr(0)});
  if (!expUnsigned) {
    Expr negative = select(base == Expr(1), Expr(1),
                           select(base == Expr(-1),
                                  select(binary(BinaryOp::BitAnd, exp, Expr(1)) != Expr(0),
                                         Expr(-1),
                                         Expr(1)),
                                  Expr(0)));
    result = select(exp < Expr(0), negative, result);
  }
  body = makeSeq({body, makeStore(out, idx, cast(out->elem, result))});
  return makeAllocate(acc, body);
}

// Pow(base, exponent): the exponent may have another numeric type; the
// result has the base's type.
void lowerPow(LowerContext &ctx) {
  checkOperandType(ctx, 0, NumericTypes);
  checkOperandType(ctx, 1, NumericTypes);
  const Buffer &a = ctx.input(0), &b = ctx.input(1);
  const Buffer &out = ctx.output(0);
  if (isFloat(a->elem) || isFloat(b->elem)) {
    // An integer base with a float exponent computes in f64, truncated back.
    ElementType t = isFloat(a->elem) ? computeType(a->elem) : ElementType::F64;
    // x^2 by a constant exponent (LayerNorm's variance) is x*x, exactly as
    // pow rounds it, and vectorizes instead of calling libm per lane.
    const Tensor *e = ctx.constant(1);
    if (isFloat(a->elem) && e && e->numElements() == 1 &&
        e->getDouble(0) == 2.0) {
      ctx.emit(compute(out, [&](const Indices &idx) {
        Expr x = cast(t, loadBroadcast(a, idx));
        return x * x;
      }));
      setInPlace(ctx, {0});
      return;
    }
    ctx.emit(compute(out, [&](const Indices &idx) {
      return mathCall("pow", cast(t, loadBroadcast(a, idx)),
                      cast(t, loadBroadcast(b, idx)));
    }));
  } else {
    bool expUnsigned = isUnsignedInt(b->elem);
    ctx.emit(loopNest(out->shape, [&](const Indices &idx) {
      return intPowStore(out, idx, loadBroadcast(a, idx), loadBroadcast(b, idx),
                         expUnsigned);
    }));
  }
  setInPlace(ctx, {0});
}

// BitShift on unsigned integers; shifting by the width or more gives 0.
void lowerBitShift(LowerContext &ctx) {
  const std::string &direction = ctx.node.getString("direction");
  bool left = direction == "LEFT";
  if (!left && direction != "RIGHT")
    ctx.error("direction must be LEFT or RIGHT, not '{}'", direction);
  lowerBinaryOp(ctx, UnsignedIntTypes, [=](Expr x, Expr s) {
    return binary(left ? BinaryOp::Shl : BinaryOp::Shr, x, s);
  });
}

// Comparisons: bool results, NaN compares false, integers compare in their
// signedness (loop IR comparisons are typed).
void lowerEqual(LowerContext &ctx) {
  lowerBinaryOp(ctx, AllTypes, [](Expr a, Expr b) { return a == b; }, false);
}
void lowerLess(LowerContext &ctx) {
  lowerBinaryOp(ctx, NumericTypes, [](Expr a, Expr b) { return a < b; },
                false);
}
void lowerLessOrEqual(LowerContext &ctx) {
  lowerBinaryOp(ctx, NumericTypes, [](Expr a, Expr b) { return a <= b; },
                false);
}
void lowerGreater(LowerContext &ctx) {
  lowerBinaryOp(ctx, NumericTypes, [](Expr a, Expr b) { return a > b; },
                false);
}
void lowerGreaterOrEqual(LowerContext &ctx) {
  lowerBinaryOp(ctx, NumericTypes, [](Expr a, Expr b) { return a >= b; },
                false);
}

void lowerAnd(LowerContext &ctx) {
  lowerBinaryOp(ctx, BoolType, [](Expr a, Expr b) { return logicalAnd(a, b); });
}
void lowerOr(LowerContext &ctx) {
  lowerBinaryOp(ctx, BoolType, [](Expr a, Expr b) { return logicalOr(a, b); });
}
void lowerXor(LowerContext &ctx) {
  lowerBinaryOp(ctx, BoolType, [](Expr a, Expr b) { return a != b; });
}

} // namespace kiln
