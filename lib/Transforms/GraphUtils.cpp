//===- GraphUtils.cpp - small graph edits shared by graph passes ----------===//

#include "kiln/Transforms/GraphUtils.h"

#include "kiln/IR/InferContext.h"
#include "kiln/IR/Module.h"
#include "kiln/Transforms/Pass.h"

#include <algorithm>
#include <unordered_set>

namespace kiln {

bool isFunctionOutput(const Value &v) {
  const auto &outs = v.owner()->outputs();
  return std::find(outs.begin(), outs.end(), &v) != outs.end();
}

bool isUsed(const Value &v) { return v.hasUses() || isFunctionOutput(v); }

Value *createConstant(Function &f, Function::NodeList::iterator pos,
                      Tensor value, const std::string &name) {
  TensorType type(value.elementType(), value.shape());
  Node *c = f.createNodeBefore(pos, OpKind::Constant, {}, {type}, name);
  c->setAttr("value",
             Attribute(std::make_shared<const Tensor>(std::move(value))));
  return c->result(0);
}

Node *createInferred(Function &f, Node *pos, OpKind kind,
                     const std::vector<Value *> &operands,
                     const std::map<std::string, Attribute> &attrs,
                     const std::string &name, size_t numResults) {
  Node *n = f.createNodeBefore(f.find(pos), kind, operands,
                               std::vector<TensorType>(numResults), name);
  for (const auto &[key, value] : attrs)
    n->setAttr(key, value);
  refineResultTypes(*n);
  return n;
}

// A subgraph body may return a value of an enclosing function directly;
// replaceAllUsesWith only redirects the function's own outputs.
static void replaceInBodyOutputs(Function &f, Value *from, Value *to) {
  for (auto &n : f.nodes())
    for (const auto &[name, attr] : n->attrs())
      if (attr.kind() == AttrKind::Graph) {
        Function &body = attr.getGraph();
        for (size_t i = 0; i < body.outputs().size(); ++i)
          if (body.outputs()[i] == from)
            body.setOutput(i, to);
        replaceInBodyOutputs(body, from, to);
      }
}

void replaceNode(Function &f, Node &node, const std::vector<Value *> &values) {
  for (size_t i = 0; i < node.numResults() && i < values.size(); ++i)
    if (node.result(i) && values[i]) {
      f.replaceAllUsesWith(node.result(i), values[i]);
      replaceInBodyOutputs(f, node.result(i), values[i]);
    }
  f.eraseNode(&node);
}

int64_t removeDeadNodes(Function &f) {
  int64_t erased = 0;
  for (auto &n : f.nodes())
    for (const auto &[name, attr] : n->attrs())
      if (attr.kind() == AttrKind::Graph)
        erased += removeDeadNodes(attr.getGraph());
  // Values that nested bodies return directly are used.
  std::unordered_set<const Value *> returned;
  forEachFunction(f, [&](Function &g) {
    if (&g != &f)
      returned.insert(g.outputs().begin(), g.outputs().end());
  });
  // Users come after producers, so one backward sweep erases a dead chain.
  std::vector<Node *> order;
  for (auto &n : f.nodes())
    order.push_back(n.get());
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    bool used = false;
    for (const Value *r : (*it)->results())
      used |= r && (isUsed(*r) || returned.count(r));
    if (!used) {
      f.eraseNode(*it);
      ++erased;
    }
  }
  return erased;
}

void reinferTypes(Function &f) {
  for (auto &n : f.nodes())
    refineResultTypes(*n);
}

void forEachFunction(Function &f, const std::function<void(Function &)> &fn) {
  fn(f);
  for (auto &n : f.nodes())
    for (const auto &[name, attr] : n->attrs())
      if (attr.kind() == AttrKind::Graph)
        forEachFunction(attr.getGraph(), fn);
}

bool FunctionPass::run(Module &m, const PassConfig &config, PassStats &stats) {
  bool changed = false;
  for (const auto &fn : m.functions())
    forEachFunction(*fn,
                    [&](Function &f) { changed |= runOn(f, config, stats); });
  return changed;
}

} // namespace kiln
