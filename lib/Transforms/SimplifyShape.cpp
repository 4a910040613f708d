//===- SimplifyShape.cpp - data-movement rules of the `simplify` pass -----===//
// Rewrites that remove or merge ops which only move data: no-op reshapes,
// transposes, slices and pads, Reshape chains, Transpose and LayoutTransform
// pairs.
//===----------------------------------------------------------------------===//

#include "SimplifyRules.h"

#include "kiln/IR/Layout.h"
#include "kiln/IR/Tensor.h"

namespace kiln::simplify {
namespace {

Rewrite replaceBy(Node &n, Value *x, const char *counter) {
  if (x && sameStaticType(*x, *n.result(0)))
    return {x, counter};
  return {};
}

bool isReshapeLike(OpKind kind) {
  return kind == OpKind::Reshape || kind == OpKind::Flatten ||
         kind == OpKind::Squeeze || kind == OpKind::Unsqueeze;
}

/// Whether the constant `v` exists and all its elements equal `k`.
bool allConstantEqual(const Value *v, int64_t k) {
  const Tensor *t = v ? v->constantValue() : nullptr;
  if (!t || isFloat(t->elementType()))
    return false;
  for (int64_t i = 0; i < t->numElements(); ++i)
    if (t->getInt(i) != k)
      return false;
  return true;
}

/// A Reshape-like of a Reshape-like is one Reshape of the first one's input:
/// all of them only relabel the same row-major data.
Rewrite reshapeChain(Function &f, Node &outer) {
  Node *inner = outer.operand(0)->producer();
  if (!inner || !isReshapeLike(inner->kind()))
    return {};
  Value *x = inner->operand(0), *y = outer.result(0);
  const TensorType &tx = x->type(), &ty = y->type();
  if (!tx.isRanked() || !tx.hasStaticShape() || !ty.isRanked() ||
      !ty.hasStaticShape() || tx.elementType() != ty.elementType() ||
      tx.quant() != ty.quant())
    return {};
  if (tx == ty)
    return {x, ReshapeChains};
  std::vector<int64_t> shape = ty.staticShape();
  // With allowzero = 0 a 0 in the shape would copy the input's dimension.
  for (int64_t d : shape)
    if (d == 0)
      return {};
  auto pos = f.find(&outer);
  Tensor shapeTensor =
      Tensor::fromVector<int64_t>(shape, {int64_t(shape.size())});
  Node *c = f.createNodeBefore(pos, OpKind::Constant, {}, {shapeTensor.type()},
                               "", {y->name() + ".shape"});
  c->setAttr("value", std::move(shapeTensor));
  Value *shapeValue = c->result(0);
  Node *reshape = f.createNodeBefore(pos, OpKind::Reshape, {x, shapeValue},
                                     {ty}, outer.name(), {y->name()});
  return {reshape->result(0), ReshapeChains};
}

/// The permutation of a Transpose whose operand has rank `rank` (absent perm
/// reverses the dimensions), or empty if it is malformed.
std::vector<int64_t> permOf(const Node &n, size_t rank) {
  std::vector<int64_t> perm;
  if (n.hasAttr("perm")) {
    perm = n.getInts("perm");
  } else {
    for (size_t i = 0; i < rank; ++i)
      perm.push_back(int64_t(rank - 1 - i));
  }
  std::vector<bool> seen(rank, false);
  if (perm.size() != rank)
    return {};
  for (int64_t p : perm) {
    if (p < 0 || p >= int64_t(rank) || seen[size_t(p)])
      return {};
    seen[size_t(p)] = true;
  }
  return perm;
}

bool isIdentityPerm(const std::vector<int64_t> &perm) {
  for (size_t i = 0; i < perm.size(); ++i)
    if (perm[i] != int64_t(i))
      return false;
  return true;
}

Rewrite transpose(Function &f, Node &outer) {
  const TensorType &ty = outer.operand(0)->type();
  if (!ty.isRanked())
    return {};
  std::vector<int64_t> p2 = permOf(outer, ty.rank());
  if (p2.empty() && ty.rank() != 0)
    return {};
  if (isIdentityPerm(p2))
    return replaceBy(outer, outer.operand(0), IdentityOps);
  Node *inner = producerOf(outer.operand(0), OpKind::Transpose);
  if (!inner || !inner->operand(0)->type().isRanked())
    return {};
  std::vector<int64_t> p1 = permOf(*inner, ty.rank());
  if (p1.empty())
    return {};
  // Output dim i of a Transpose walks input dim perm[i], so the outer's dim i
  // is the inner's dim p2[i], which is x's dim p1[p2[i]].
  std::vector<int64_t> composed(p2.size());
  for (size_t i = 0; i < p2.size(); ++i)
    composed[i] = p1[size_t(p2[i])];
  Value *x = inner->operand(0);
  if (isIdentityPerm(composed))
    return replaceBy(outer, x, TransposesComposed);
  Node *t = f.createNodeBefore(f.find(&outer), OpKind::Transpose, {x},
                               {outer.result(0)->type()}, outer.name(),
                               {outer.result(0)->name()});
  t->setAttr("perm", composed);
  return {t->result(0), TransposesComposed};
}

/// A -> B then B -> A is x; A -> B then B -> C is A -> C when A or C is plain
/// NCHW (a direct blocked-to-blocked transform is left to the layout pass).
Rewrite layoutPair(Function &f, Node &outer) {
  Node *inner = producerOf(outer.operand(0), OpKind::LayoutTransform);
  if (!inner)
    return {};
  const std::string &a = inner->getString("src_layout");
  const std::string &c = outer.getString("dst_layout");
  auto blockA = parseLayoutBlock(a),
       blockB = parseLayoutBlock(inner->getString("dst_layout"));
  auto blockB2 = parseLayoutBlock(outer.getString("src_layout"));
  auto blockC = parseLayoutBlock(c);
  if (!blockA || !blockB || !blockB2 || !blockC || *blockB != *blockB2)
    return {};
  Value *x = inner->operand(0);
  if (*blockA == *blockC)
    return replaceBy(outer, x, LayoutsComposed);
  // LayoutTransform converts between any two of NCHW and NCHW<b>c directly.
  Node *t = f.createNodeBefore(f.find(&outer), OpKind::LayoutTransform, {x},
                               {outer.result(0)->type()}, outer.name(),
                               {outer.result(0)->name()});
  t->setAttr("src_layout", a);
  t->setAttr("dst_layout", c);
  return {t->result(0), LayoutsComposed};
}

/// Slice with unit steps whose result has the data's shape starts at 0 and
/// ends past the end on every axis.
Rewrite fullSlice(Node &n) {
  if (n.hasOperand(4) && !allConstantEqual(n.operand(4), 1))
    return {};
  return replaceBy(n, n.operand(0), IdentityOps);
}

} // namespace

Rewrite simplifyShape(Function &f, Node &n) {
  switch (n.kind()) {
  case OpKind::Reshape:
  case OpKind::Flatten:
  case OpKind::Squeeze:
  case OpKind::Unsqueeze:
    if (Rewrite r = replaceBy(n, n.operand(0), IdentityOps))
      return r;
    return reshapeChain(f, n);
  case OpKind::Expand:
    return replaceBy(n, n.operand(0), IdentityOps);
  case OpKind::Transpose:
    return transpose(f, n);
  case OpKind::Slice:
    return fullSlice(n);
  case OpKind::Pad:
    // Zero pads copy every element in every mode.
    if (!allConstantEqual(n.operand(1), 0))
      return {};
    return replaceBy(n, n.operand(0), IdentityOps);
  case OpKind::Concat:
    if (n.numOperands() != 1)
      return {};
    return replaceBy(n, n.operand(0), IdentityOps);
  case OpKind::LayoutTransform:
    return layoutPair(f, n);
  default:
    return {};
  }
}

} // namespace kiln::simplify
