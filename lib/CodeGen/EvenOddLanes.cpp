//===- EvenOddLanes.cpp - i64 lane arithmetic in even and odd halves ------===//
// A requantization widens i32 lanes to i64, multiplies, rounds and narrows
// again. Done lane by lane, x86 splits the i64 vector into low and high
// halves: an extract and two widenings on the way in, two narrowing packs
// and an unpack on the way out, all on the one shuffle port. Done on the
// even and the odd lanes instead, each i32 vector is already an i64 vector
// whose lanes hold the even lanes (sign extended in place, which VPMULDQ
// ignores anyway) or, shifted down by 32 bits, the odd ones; the halves
// join again as the low and high 32 bits of each i64 lane. Every operation
// is lane-wise, so the result is the same.
//===----------------------------------------------------------------------===//

#include "KernelEmitter.h"

using namespace llvm;

namespace kiln::codegen {

using namespace kiln::loop;

namespace {

int scalarBits(ElementType e) { return int(byteSize(e)) * 8; }

bool isNarrowInt(DType t) {
  return t.isInt() && !t.isBool() && scalarBits(t.elem) <= 32;
}

/// Whether `e`, an i64 (or bool) vector of `lanes`, can be computed in
/// halves: lane-wise operators over broadcasts and i64 casts of narrow
/// integers; `mul` is set when an i64 multiply occurs (the profitable case).
bool halvable(const Expr &e, int lanes, bool &mul) {
  DType t = e.type();
  if (t.lanes != lanes ||
      !(t.isBool() || t.elem == ElementType::I64 || t.elem == ElementType::U64))
    return false;
  switch (e.kind()) {
  case ExprKind::Broadcast:
    return true;
  case ExprKind::Cast: {
    const auto *c = e.as<CastNode>();
    return !t.isBool() && isNarrowInt(c->value.type());
  }
  case ExprKind::Binary: {
    const auto *b = e.as<BinaryNode>();
    switch (b->op) {
    case BinaryOp::Div:
    case BinaryOp::Mod:
    case BinaryOp::FloorDiv:
    case BinaryOp::FloorMod:
      return false;
    default:
      break;
    }
    if (b->op == BinaryOp::Mul)
      mul = true;
    return halvable(b->a, lanes, mul) && halvable(b->b, lanes, mul);
  }
  case ExprKind::Select: {
    const auto *s = e.as<SelectNode>();
    return halvable(s->cond, lanes, mul) &&
           halvable(s->trueValue, lanes, mul) &&
           halvable(s->falseValue, lanes, mul);
  }
  case ExprKind::Unary:
    return halvable(e.as<UnaryNode>()->a, lanes, mul);
  default:
    return false;
  }
}

} // namespace

Value *KernelEmitter::emitHalfLanes(const Expr &e, bool odd) {
  DType t = e.type();
  DType half(t.elem, t.lanes / 2);
  switch (e.kind()) {
  case ExprKind::Broadcast:
    return splat(emit(e.as<BroadcastNode>()->value), half.lanes);
  case ExprKind::Cast: {
    const auto *c = e.as<CastNode>();
    DType from = c->value.type();
    bool sgn = isSigned(from.elem);
    Value *v = emit(c->value);
    DType i32(ElementType::I32, from.lanes);
    if (scalarBits(from.elem) < 32)
      v = sgn ? b_.CreateSExt(v, regType(i32)) : b_.CreateZExt(v, regType(i32));
    v = b_.CreateBitCast(v, regType(DType(ElementType::I64, half.lanes)));
    Value *k32 = intConst(DType(ElementType::I64, half.lanes), 32);
    if (odd)
      return sgn ? b_.CreateAShr(v, k32) : b_.CreateLShr(v, k32);
    if (sgn)
      return b_.CreateAShr(b_.CreateShl(v, k32), k32);
    return b_.CreateAnd(
        v, intConst(DType(ElementType::I64, half.lanes), 0xffffffffLL));
  }
  case ExprKind::Binary: {
    const auto *b = e.as<BinaryNode>();
    Value *x = emitHalfLanes(b->a, odd);
    Value *y = emitHalfLanes(b->b, odd);
    DType opType = b->a.type();
    return emitBinaryOp(b->op, x, y, DType(opType.elem, half.lanes), nullptr);
  }
  case ExprKind::Select: {
    const auto *s = e.as<SelectNode>();
    Value *c = emitHalfLanes(s->cond, odd);
    Value *x = emitHalfLanes(s->trueValue, odd);
    Value *y = emitHalfLanes(s->falseValue, odd);
    return b_.CreateSelect(c, x, y);
  }
  case ExprKind::Unary: {
    const auto *u = e.as<UnaryNode>();
    Value *a = emitHalfLanes(u->a, odd);
    return u->op == UnaryOp::Neg ? b_.CreateNeg(a) : b_.CreateNot(a);
  }
  default:
    unsupported("even/odd lanes of a " + t.str() + " expression");
  }
}

Value *KernelEmitter::emitEvenOddLanes(const CastNode *n) {
  DType from = n->value.type(), to = n->type;
  int lanes = from.lanes;
  if (math_.x86VectorBits == 0 || lanes < 4 || lanes % 2 != 0 ||
      from.elem != ElementType::I64 || !isNarrowInt(to) ||
      lanes * 64 <= math_.x86VectorBits)
    return nullptr;
  bool mul = false;
  if (!halvable(n->value, lanes, mul) || !mul)
    return nullptr;
  DType i64Half(ElementType::I64, lanes / 2);
  Value *even = emitHalfLanes(n->value, false);
  Value *oddV = emitHalfLanes(n->value, true);
  // Little endian: lane 2k is the low half of i64 lane k, 2k + 1 the high.
  Value *joined =
      b_.CreateOr(b_.CreateAnd(even, intConst(i64Half, 0xffffffffLL)),
                  b_.CreateShl(oddV, intConst(i64Half, 32)));
  DType i32(ElementType::I32, lanes);
  Value *v = b_.CreateBitCast(joined, regType(i32));
  // Cast semantics from i64 to a narrower integer keep the low bits, which
  // the i32 lanes hold.
  return emitCast(v, i32, to);
}

} // namespace kiln::codegen
