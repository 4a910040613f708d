//===- Prepare.cpp - make a graph's shapes static before lowering ---------===//
//
// Lowering needs every shape at compile time. Models compute shapes at run
// time (Shape -> Gather -> Concat -> Reshape); once the input shapes are
// pinned, those computations only depend on constants, so they are folded
// here through the interpreter and the types downstream re-inferred.
// Issue-4's constant-folding pass generalises this; this is the minimum the
// lowering itself requires.
//===----------------------------------------------------------------------===//

#include "kiln/Lowering/Lowering.h"

#include "kiln/IR/InferContext.h"
#include "kiln/Interpreter/Interpreter.h"

namespace kiln {

static bool isFoldable(const Node &node) {
  switch (node.kind()) {
  case OpKind::Constant:
  case OpKind::If:
  case OpKind::Loop:
  case OpKind::Scan:
  // DequantizeLinear of an 8-bit constant weight must reach qdq-to-integer
  // intact; fold-constants folds what that pass leaves.
  case OpKind::DequantizeLinear:
    return false;
  default:
    return hasKernel(node.kind());
  }
}

// Shape and Size only need the operand's (static) type.
static std::optional<Tensor> foldFromType(const Node &node) {
  if (node.kind() != OpKind::Shape && node.kind() != OpKind::Size)
    return std::nullopt;
  const TensorType &t = node.operand(0)->type();
  if (!t.isRanked() || !t.hasStaticShape())
    return std::nullopt;
  Interpreter interp;
  Tensor dummy(t.elementType(), t.staticShape());
  if (dummy.numElements() > (1 << 20))
    return std::nullopt; // evalNode needs a value; avoid huge dummies
  return interp.evalNode(node, {&dummy}).at(0);
}

static void replaceWithConstants(Function &f, Node &node,
                                 std::vector<Tensor> values) {
  auto pos = f.find(&node);
  for (size_t i = 0; i < node.numResults(); ++i) {
    Value *r = node.result(i);
    if (!r)
      continue;
    Node *c = f.createNodeBefore(pos, OpKind::Constant, {},
                                 {TensorType(values[i].elementType(),
                                             values[i].shape())},
                                 node.name().empty() ? "" : node.name() + "_folded");
    c->setAttr("value",
               Attribute(std::make_shared<const Tensor>(std::move(values[i]))));
    f.replaceAllUsesWith(r, c->result(0));
  }
  f.eraseNode(&node);
}

static void removeDeadNodes(Function &f) {
  bool changed = true;
  while (changed) {
    changed = false;
    for (auto it = f.nodes().rbegin(); it != f.nodes().rend(); ++it) {
      Node &n = **it;
      bool used = false;
      for (const Value *r : n.results()) {
        if (!r)
          continue;
        used |= r->hasUses();
        for (const Value *o : f.outputs())
          used |= o == r;
      }
      if (!used) {
        f.eraseNode(&n);
        changed = true;
        break;
      }
    }
  }
}

static void checkStatic(const Function &f) {
  auto checkValue = [](const Value &v, const Node *producer) {
    const TensorType &t = v.type();
    if (t.isRanked() && t.hasStaticShape())
      return;
    std::string where = producer ? " (result of " + producer->describe() + ")"
                                 : " (a graph input)";
    fail("value '{}'{} has type {}, which is not static; compiled code needs "
         "static shapes: pin symbolic input dimensions with --input-shape",
         v.name(), where, t.str());
  };
  for (const Value *v : f.inputs())
    checkValue(*v, nullptr);
  for (const auto &n : f.nodes()) {
    for (const Value *r : n->results())
      if (r && (r->hasUses() || n->kind() == OpKind::Constant))
        checkValue(*r, n.get());
    for (const auto &[name, attr] : n->attrs())
      if (attr.kind() == AttrKind::Graph)
        checkStatic(n->getGraph(name));
  }
  for (const Value *v : f.outputs())
    checkValue(*v, v->producer());
}

// Body inputs of a Loop or Scan may be declared without a type; they take
// the types of the values the node feeds them, and the body is re-inferred,
// so that shapes known outside become known inside.
static void refineBodyTypes(Node &node) {
  auto refineBody = [](Function &body, size_t first,
                       const std::vector<const TensorType *> &types) {
    for (size_t i = 0; i < types.size() && first + i < body.inputs().size();
         ++i) {
      Value *in = body.inputs()[first + i];
      if (types[i] && (!in->type().isRanked() || !in->type().hasStaticShape()))
        in->setType(*types[i]);
    }
    for (auto &n : body.nodes())
      refineResultTypes(*n);
  };
  if (node.kind() == OpKind::Loop) {
    Function &body = node.getGraph("body");
    static const TensorType iterType(ElementType::I64, std::vector<int64_t>{});
    static const TensorType condType(ElementType::Bool,
                                     std::vector<int64_t>{});
    std::vector<const TensorType *> types{&iterType, &condType};
    for (size_t i = 2; i < node.numOperands(); ++i)
      types.push_back(node.hasOperand(i) ? &node.operand(i)->type() : nullptr);
    refineBody(body, 0, types);
  } else if (node.kind() == OpKind::Scan) {
    // Only the state inputs: scan inputs are sliced.
    Function &body = node.getGraph("body");
    int64_t numScanIn = node.getInt("num_scan_inputs");
    std::vector<const TensorType *> types;
    for (size_t i = 0; i + size_t(std::max<int64_t>(numScanIn, 0)) <
                           node.numOperands();
         ++i)
      types.push_back(node.hasOperand(i) ? &node.operand(i)->type() : nullptr);
    refineBody(body, 0, types);
  }
}

void prepareForLowering(Function &f, int64_t foldLimit) {
  Interpreter interp;
  std::vector<Node *> order;
  for (auto &n : f.nodes())
    order.push_back(n.get());
  for (Node *node : order) {
    refineBodyTypes(*node);
    refineResultTypes(*node);
    if (!isFoldable(*node))
      continue;
    if (auto t = foldFromType(*node)) {
      replaceWithConstants(f, *node, {std::move(*t)});
      continue;
    }
    std::vector<const Tensor *> operands;
    bool allConstant = true;
    for (size_t i = 0; i < node->numOperands(); ++i) {
      const Tensor *c =
          node->hasOperand(i) ? node->operand(i)->constantValue() : nullptr;
      if (node->hasOperand(i) && !c)
        allConstant = false;
      operands.push_back(c);
    }
    if (!allConstant || node->numOperands() == 0)
      continue;
    // Results of unknown size are folded when the operands are small (a
    // Range or ConstantOfShape over constant operands).
    bool small = true;
    for (const Value *r : node->results())
      if (r && r->type().isRanked() && r->type().hasStaticShape() &&
          r->type().numElements() > foldLimit)
        small = false;
    int64_t operandElements = 0;
    for (const Tensor *c : operands)
      operandElements += c ? c->numElements() : 0;
    if (!small || operandElements > foldLimit)
      continue;
    std::vector<Tensor> values = interp.evalNode(*node, operands);
    bool fits = true;
    for (const Tensor &t : values)
      fits &= t.numElements() <= foldLimit;
    if (fits)
      replaceWithConstants(f, *node, std::move(values));
  }
  removeDeadNodes(f);
  checkStatic(f);
}

} // namespace kiln
