//===- GraphUtils.h - small graph edits shared by graph passes --*- C++ -*-===//
//===----------------------------------------------------------------------===//
#ifndef KILN_TRANSFORMS_GRAPHUTILS_H
#define KILN_TRANSFORMS_GRAPHUTILS_H

#include "kiln/IR/Function.h"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace kiln {

/// Whether `v` is one of its function's outputs.
bool isFunctionOutput(const Value &v);
/// Whether `v` has a use or is a function output.
bool isUsed(const Value &v);
/// Creates a Constant node holding `value` before `pos` and returns its result.
Value *createConstant(Function &f, Function::NodeList::iterator pos,
                      Tensor value, const std::string &name = "");
/// Creates a node of `kind` before `pos` whose result types are inferred
/// from its operands and attributes.
Node *createInferred(Function &f, Node *pos, OpKind kind,
                     const std::vector<Value *> &operands,
                     const std::map<std::string, Attribute> &attrs = {},
                     const std::string &name = "", size_t numResults = 1);
/// Replaces every use of node's results by `values` (one per result; null
/// skips a result) and erases the node.
void replaceNode(Function &f, Node &node, const std::vector<Value *> &values);
/// Erases nodes whose results are unused (iterating to a fixed point, in
/// subgraphs too); returns how many were erased.
int64_t removeDeadNodes(Function &f);
/// Re-infers the result types of every node in order (after an edit changed
/// a type upstream).
void reinferTypes(Function &f);
/// Calls fn on f and on every subgraph nested in its nodes, innermost last.
void forEachFunction(Function &f, const std::function<void(Function &)> &fn);

} // namespace kiln

#endif
