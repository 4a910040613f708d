//===- SimplifyArith.cpp - arithmetic rules of the `simplify` pass --------===//
// Rewrites that remove value-level no-ops: identity ops, x*1 and friends,
// double negation, and Cast chains whose intermediate type is lossless.
//===----------------------------------------------------------------------===//

#include "SimplifyRules.h"

#include "kiln/IR/Tensor.h"
#include "kiln/Transforms/GraphUtils.h"

namespace kiln::simplify {

bool sameStaticType(const Value &a, const Value &b) {
  return a.type().isRanked() && a.type().hasStaticShape() &&
         a.type() == b.type();
}

Node *producerOf(const Value *v, OpKind kind) {
  return v && v->producer() && v->producer()->kind() == kind ? v->producer()
                                                             : nullptr;
}

namespace {

/// Whether every element of the constant `v` equals `k` (0 or 1).
bool isConstantSplat(const Value *v, int k) {
  const Tensor *t = v ? v->constantValue() : nullptr;
  if (!t || t->elementType() == ElementType::Bool)
    return false;
  bool fl = isFloat(t->elementType());
  for (int64_t i = 0; i < t->numElements(); ++i)
    if (fl ? t->getDouble(i) != double(k) : t->getInt(i) != k)
      return false;
  return true;
}

/// Replacement `x` when `n`'s result can stand in for it exactly.
Rewrite replaceBy(Node &n, Value *x, const char *counter) {
  if (x && sameStaticType(*x, *n.result(0)))
    return {x, counter};
  return {};
}

/// x*1, 1*x, x+0, 0+x, x-0, x/1, Pow(x, 1). The constant may broadcast, but
/// only when the result keeps x's type (a broadcast that grows x is not a
/// no-op). x*0 is left alone: it is not 0 for inf or NaN. x+0 turns -0 into
/// +0, which compares equal; signed zeros are not otherwise observable here.
Rewrite arithIdentity(Node &n) {
  Value *a = n.operand(0), *b = n.operand(1);
  if (a->type().elementType() == ElementType::Bool)
    return {};
  switch (n.kind()) {
  case OpKind::Mul:
    if (isConstantSplat(b, 1))
      if (Rewrite r = replaceBy(n, a, ArithIdentities))
        return r;
    return isConstantSplat(a, 1) ? replaceBy(n, b, ArithIdentities) : Rewrite{};
  case OpKind::Add:
    if (isConstantSplat(b, 0))
      if (Rewrite r = replaceBy(n, a, ArithIdentities))
        return r;
    return isConstantSplat(a, 0) ? replaceBy(n, b, ArithIdentities) : Rewrite{};
  case OpKind::Sub:
    return isConstantSplat(b, 0) ? replaceBy(n, a, ArithIdentities) : Rewrite{};
  case OpKind::Div:
    return isConstantSplat(b, 1) ? replaceBy(n, a, ArithIdentities) : Rewrite{};
  case OpKind::Pow:
    // An integer base with a float exponent goes through double, which
    // rounds 64-bit integers: only float bases or integer exponents are exact.
    if (!isFloat(a->type().elementType()) && isFloat(b->type().elementType()))
      return {};
    return isConstantSplat(b, 1) ? replaceBy(n, a, ArithIdentities) : Rewrite{};
  default:
    return {};
  }
}

/// Significant bits of an integer type's magnitude (sign excluded).
int integerBits(ElementType t) {
  int bits = int(byteSize(t)) * 8;
  return isSigned(t) ? bits - 1 : bits;
}

/// Significand digits (implicit bit included) of a float type.
int significandDigits(ElementType t) {
  switch (t) {
  case ElementType::F16:
    return 11;
  case ElementType::BF16:
    return 8;
  case ElementType::F32:
    return 24;
  default:
    return 53;
  }
}

/// Whether type `to` represents every value of type `from` exactly.
bool representsExactly(ElementType from, ElementType to) {
  if (from == to || from == ElementType::Bool)
    return true;
  if (to == ElementType::Bool)
    return false;
  if (isFloat(from)) {
    if (!isFloat(to))
      return false;
    // f16 and bf16 each have range or precision the other lacks.
    if (from == ElementType::F64)
      return false;
    if (from == ElementType::F32)
      return to == ElementType::F64;
    return to == ElementType::F32 || to == ElementType::F64;
  }
  if (isFloat(to))
    return integerBits(from) <= significandDigits(to);
  if (isSigned(from) && !isSigned(to))
    return false;
  return integerBits(from) <= integerBits(to);
}

/// Whether Cast(Cast(x, t1), t2) == Cast(x, t2) for every x of type `x`.
/// Needs a lossless t1; and as float -> integer Cast saturates while
/// integer -> integer wraps, an integer x through a float t1 to an integer
/// t2 also needs t2 to hold every x.
bool castChainFolds(ElementType x, ElementType t1, ElementType t2) {
  if (!representsExactly(x, t1))
    return false;
  if (isInteger(x) && isFloat(t1) && isInteger(t2))
    return representsExactly(x, t2);
  return true;
}

Rewrite castChain(Function &f, Node &outer) {
  Node *inner = producerOf(outer.operand(0), OpKind::Cast);
  if (!inner)
    return {};
  Value *x = inner->operand(0), *y = outer.result(0);
  const TensorType &tx = x->type(), &t1 = inner->result(0)->type();
  if (tx.quant() || t1.quant() || y->type().quant())
    return {};
  if (!castChainFolds(tx.elementType(), t1.elementType(),
                      y->type().elementType()))
    return {};
  if (tx.elementType() == y->type().elementType())
    return replaceBy(outer, x, CastChains);
  if (!y->type().hasStaticShape() || tx.dims() != y->type().dims())
    return {};
  Node *cast = f.createNodeBefore(f.find(&outer), OpKind::Cast, {x},
                                  {y->type()}, outer.name(), {y->name()});
  cast->setAttr("to", int64_t(toOnnxDataType(y->type().elementType())));
  return {cast->result(0), CastChains};
}

/// Dropout is the identity unless training_mode is (or may be) true; its
/// mask must be unused for the node to go away.
Rewrite inferenceDropout(Node &n) {
  if (n.numResults() > 1 && n.result(1) && isUsed(*n.result(1)))
    return {};
  if (n.hasOperand(2)) {
    const Tensor *training = n.operand(2)->constantValue();
    if (!training || training->numElements() != 1 || training->getInt(0))
      return {};
  }
  return replaceBy(n, n.operand(0), IdentityOps);
}

} // namespace

Rewrite simplifyArith(Function &f, Node &n) {
  switch (n.kind()) {
  case OpKind::Identity:
    return replaceBy(n, n.operand(0), IdentityOps);
  case OpKind::Dropout:
    return inferenceDropout(n);
  case OpKind::Max:
  case OpKind::Min:
  case OpKind::Sum:
  case OpKind::Mean:
    if (n.numOperands() != 1)
      return {};
    return replaceBy(n, n.operand(0), IdentityOps);
  case OpKind::Cast:
    if (Rewrite r = replaceBy(n, n.operand(0), IdentityOps))
      return r;
    return castChain(f, n);
  case OpKind::Mul:
  case OpKind::Add:
  case OpKind::Sub:
  case OpKind::Div:
  case OpKind::Pow:
    if (!n.hasOperand(0) || !n.hasOperand(1))
      return {};
    return arithIdentity(n);
  case OpKind::Neg:
  case OpKind::Not:
    // Exact for floats (a sign flip) and for wrapping integers alike.
    if (Node *inner = producerOf(n.operand(0), n.kind()))
      return replaceBy(n, inner->operand(0), RepeatedOps);
    return {};
  case OpKind::Relu:
    if (producerOf(n.operand(0), OpKind::Relu))
      return replaceBy(n, n.operand(0), RepeatedOps);
    return {};
  default:
    return {};
  }
}

} // namespace kiln::simplify
