//===- Function.h - a graph of nodes in execution order ---------*- C++ -*-===//
// A Function owns its input values, nodes and their results; nodes are kept
// in a valid execution (topological) order. Subgraph bodies are Functions
// whose parentScope() is the enclosing function.
//===----------------------------------------------------------------------===//
#ifndef KILN_IR_FUNCTION_H
#define KILN_IR_FUNCTION_H

#include "kiln/IR/Node.h"

#include <list>
#include <memory>
#include <set>

namespace kiln {

class Function {
public:
  using NodeList = std::list<std::unique_ptr<Node>>;

  explicit Function(std::string name, Function *parentScope = nullptr)
      : name_(std::move(name)), parentScope_(parentScope) {}
  Function(const Function &) = delete;
  Function &operator=(const Function &) = delete;
  ~Function();

  const std::string &name() const { return name_; }
  void setName(std::string name) { name_ = std::move(name); }
  Function *parentScope() const { return parentScope_; }
  void setParentScope(Function *f) { parentScope_ = f; }

  const std::vector<Value *> &inputs() const { return inputs_; }
  const std::vector<Value *> &outputs() const { return outputs_; }
  Value *addInput(const std::string &name, TensorType type);
  /// Removes input i, which must have no uses and not be an output.
  void removeInput(size_t i);
  void setOutputs(std::vector<Value *> outputs) {
    outputs_ = std::move(outputs);
  }
  void setOutput(size_t i, Value *v) { outputs_.at(i) = v; }

  NodeList &nodes() { return nodes_; }
  const NodeList &nodes() const { return nodes_; }
  size_t numNodes() const { return nodes_.size(); }

  /// Creates a node before `pos` (default: at the end). Result names that are
  /// empty or taken get fresh unique names.
  Node *createNode(OpKind kind, const std::vector<Value *> &operands,
                   const std::vector<TensorType> &resultTypes,
                   const std::string &name = "",
                   const std::vector<std::string> &resultNames = {});
  Node *createNodeBefore(NodeList::iterator pos, OpKind kind,
                         const std::vector<Value *> &operands,
                         const std::vector<TensorType> &resultTypes,
                         const std::string &name = "",
                         const std::vector<std::string> &resultNames = {});
  NodeList::iterator find(const Node *node);
  /// Removes a node whose results have no uses (and are not outputs).
  void eraseNode(Node *node);
  /// Redirects every use of `from` (including function outputs) to `to`.
  void replaceAllUsesWith(Value *from, Value *to);

  /// A name not yet used by a value of this function, based on `hint`.
  std::string uniqueName(const std::string &hint);
  bool isNameTaken(const std::string &name) const {
    return names_.count(name) != 0;
  }

private:
  Value *newValue(const std::string &name, TensorType type, Node *producer,
                  unsigned index);

  std::string name_;
  Function *parentScope_;
  std::vector<Value *> inputs_;
  std::vector<Value *> outputs_;
  NodeList nodes_;
  std::vector<std::unique_ptr<Value>> values_;
  std::set<std::string> names_;
  unsigned nextTemp_ = 0;
};

} // namespace kiln

#endif
