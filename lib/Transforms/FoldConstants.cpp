//===- FoldConstants.cpp - evaluate nodes over constants at compile time --===//
// The fold-constants pass and the folding routine fold-shapes shares: a node
// whose operands are all constants becomes Constant nodes, via the interpreter.
//===----------------------------------------------------------------------===//

#include "Folding.h"

#include "kiln/IR/InferContext.h"
#include "kiln/IR/Module.h"
#include "kiln/Interpreter/Interpreter.h"
#include "kiln/Transforms/GraphUtils.h"
#include "kiln/Transforms/Pass.h"

#include <algorithm>

namespace kiln {

bool isNondeterministic(const Node &node) {
  // Not all of these are in the op table; look them up so that adding one
  // later cannot make it foldable by accident.
  static const std::vector<OpKind> randomOps = [] {
    std::vector<OpKind> kinds;
    for (const char *name :
         {"RandomNormal", "RandomUniform", "RandomNormalLike",
          "RandomUniformLike", "Multinomial", "Bernoulli"})
      if (auto kind = lookupOp(name))
        kinds.push_back(*kind);
    return kinds;
  }();
  if (std::find(randomOps.begin(), randomOps.end(), node.kind()) !=
      randomOps.end())
    return true;
  if (node.kind() == OpKind::Dropout && node.hasOperand(2)) {
    // Training mode draws a mask; only a constant false is surely inference.
    const Tensor *training = node.operand(2)->constantValue();
    return !training || training->numElements() != 1 ||
           training->getInt(0) != 0;
  }
  return false;
}

static bool hasGraphAttr(const Node &node) {
  for (const auto &[name, attr] : node.attrs())
    if (attr.kind() == AttrKind::Graph)
      return true;
  return false;
}

static bool isFoldableKind(const Node &node) {
  switch (node.kind()) {
  case OpKind::Constant:
  case OpKind::If:
  case OpKind::Loop:
  case OpKind::Scan:
  case OpKind::Fused:
    return false;
  default:
    return hasKernel(node.kind()) && !hasGraphAttr(node) &&
           !isNondeterministic(node);
  }
}

// Ops whose interpreter cost grows faster than their operands' size.
static bool isSuperlinear(OpKind kind) {
  switch (kind) {
  case OpKind::Conv:
  case OpKind::ConvTranspose:
  case OpKind::ConvNCHWc:
  case OpKind::WinogradConvNCHWc:
  case OpKind::QConvNCHWc:
  case OpKind::ConvInteger:
  case OpKind::QLinearConv:
  case OpKind::MatMul:
  case OpKind::MatMulInteger:
  case OpKind::QLinearMatMul:
  case OpKind::Gemm:
  case OpKind::Einsum:
  case OpKind::RNN:
  case OpKind::GRU:
  case OpKind::LSTM:
  case OpKind::DFT:
  case OpKind::STFT:
  case OpKind::Det:
  case OpKind::NonMaxSuppression:
    return true;
  default:
    return false;
  }
}

std::vector<Value *> replaceByConstants(Function &f, Node &node,
                                        std::vector<Tensor> values) {
  check(values.size() == node.numResults(),
        "{}: folding produced {} values for {} results", node.describe(),
        values.size(), node.numResults());
  auto pos = f.find(&node);
  std::vector<Value *> created;
  for (size_t i = 0; i < node.numResults(); ++i) {
    Value *old = node.result(i);
    TensorType type(values[i].elementType(), values[i].shape());
    type.setQuant(old->type().quant());
    Node *c = f.createNodeBefore(pos, OpKind::Constant, {}, {type}, node.name(),
                                 {old->name()});
    c->setAttr("value", Attribute(std::move(values[i])));
    created.push_back(c->result(0));
  }
  replaceNode(f, node, created);
  return created;
}

std::vector<Value *> tryFoldNode(Function &f, Node &node, int64_t foldLimit) {
  if (!isFoldableKind(node) || node.numResults() == 0 ||
      std::count(node.results().begin(), node.results().end(), nullptr))
    return {};
  std::vector<const Tensor *> operands;
  int64_t operandElements = 0;
  for (const Value *v : node.operands()) {
    const Tensor *t = v ? v->constantValue() : nullptr;
    if (v && !t)
      return {};
    operands.push_back(t);
    operandElements += t ? t->numElements() : 0;
  }
  // Reshaping or scaling a large weight is fine; creating a large tensor
  // from small operands (Expand, Tile, ConstantOfShape) is not, nor is
  // running a superlinear op on large operands in the naive interpreter.
  if (operandElements > foldLimit && isSuperlinear(node.kind()))
    return {};
  int64_t maxElements = std::max(foldLimit, operandElements);
  for (const Value *r : node.results())
    if (r->type().isRanked() && r->type().hasStaticShape() &&
        r->type().numElements() > maxElements)
      return {};

  std::vector<Tensor> values;
  try {
    values = Interpreter().evalNode(node, operands);
  } catch (const std::exception &) {
    // The same error surfaces when the model runs; folding must not fail.
    return {};
  }
  if (values.size() != node.numResults())
    return {};
  for (size_t i = 0; i < values.size(); ++i) {
    const TensorType &declared = node.result(i)->type();
    if (values[i].numElements() > maxElements ||
        values[i].elementType() != declared.elementType() ||
        !declared.isCompatibleWith(values[i].type()))
      return {};
  }
  return replaceByConstants(f, node, std::move(values));
}

void reinferAllTypes(Function &f) {
  for (auto &n : f.nodes()) {
    // A subgraph's output types feed its node's inference.
    for (const auto &[name, attr] : n->attrs())
      if (attr.kind() == AttrKind::Graph)
        reinferAllTypes(attr.getGraph());
    refineResultTypes(*n);
  }
}

namespace {

class FoldConstants : public GraphPass {
public:
  std::string_view name() const override { return "fold-constants"; }

  bool run(Module &m, const PassConfig &config, PassStats &stats) override {
    int64_t folded = 0;
    for (const auto &fn : m.functions())
      forEachFunction(*fn, [&](Function &f) {
        std::vector<Node *> order;
        for (auto &n : f.nodes())
          order.push_back(n.get());
        for (Node *node : order) {
          // Types sharpen as operands upstream become constants, so a
          // result's size is known before it is evaluated.
          refineResultTypes(*node);
          if (!tryFoldNode(f, *node, config.foldLimit).empty())
            ++folded;
        }
      });
    if (folded) {
      for (const auto &fn : m.functions())
        reinferAllTypes(*fn);
      stats.add("nodes folded", folded);
    }
    return folded != 0;
  }
};

RegisterPass<Module, FoldConstants>
    reg("fold-constants",
        "evaluate nodes whose operands are all constants into Constant nodes");

} // namespace
} // namespace kiln
