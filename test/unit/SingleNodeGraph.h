//===- SingleNodeGraph.h - one op over constant operands --------*- C++ -*-===//
// Test fixture shared by the kernel tests: a function with one node whose
// operands are Constant nodes, its result types inferred, runnable.
//===----------------------------------------------------------------------===//
#ifndef KILN_TEST_UNIT_SINGLENODEGRAPH_H
#define KILN_TEST_UNIT_SINGLENODEGRAPH_H

#include "kiln/IR/InferContext.h"
#include "kiln/IR/Module.h"
#include "kiln/Interpreter/Interpreter.h"

#include <map>

namespace kiln {

struct SingleNodeGraph {
  Module module;
  Function *f;
  Node *node;

  /// Null operands are absent optional operands.
  SingleNodeGraph(OpKind kind, const std::vector<const Tensor *> &operands,
                  const std::map<std::string, Attribute> &attrs = {},
                  size_t numResults = 1) {
    f = &module.addFunction("main");
    std::vector<Value *> values;
    for (const Tensor *t : operands) {
      if (!t) {
        values.push_back(nullptr);
        continue;
      }
      Node *c = f->createNode(OpKind::Constant, {}, {t->type()});
      c->setAttr("value", *t);
      values.push_back(c->result());
    }
    node = f->createNode(
        kind, values, std::vector<TensorType>(numResults, TensorType()), "n0");
    for (const auto &[name, value] : attrs)
      node->setAttr(name, value);
    refineResultTypes(*node);
    f->setOutputs(node->results());
  }

  std::string type(size_t i = 0) const { return node->result(i)->type().str(); }
  std::vector<Tensor> run() { return Interpreter().run(*f, {}); }
};

} // namespace kiln

#endif
