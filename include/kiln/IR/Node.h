//===- Node.h - an operation in a graph function ----------------*- C++ -*-===//
// A Node applies an op to operand values and defines result values; its
// attributes are typed and checked against the op table.
//===----------------------------------------------------------------------===//
#ifndef KILN_IR_NODE_H
#define KILN_IR_NODE_H

#include "kiln/IR/Op.h"
#include "kiln/IR/Value.h"

#include <map>

namespace kiln {

class Node {
public:
  Node(Function *parent, OpKind kind, std::string name)
      : parent_(parent), kind_(kind), name_(std::move(name)) {}
  ~Node();
  Node(const Node &) = delete;
  Node &operator=(const Node &) = delete;

  OpKind kind() const { return kind_; }
  const OpInfo &info() const { return getOpInfo(kind_); }
  const char *opName() const { return info().name; }
  const std::string &name() const { return name_; }
  void setName(std::string name) { name_ = std::move(name); }
  Function *parent() const { return parent_; }

  // Operands; an absent optional operand is a null Value*.
  size_t numOperands() const { return operands_.size(); }
  Value *operand(size_t i) const { return operands_.at(i); }
  const std::vector<Value *> &operands() const { return operands_; }
  bool hasOperand(size_t i) const {
    return i < operands_.size() && operands_[i];
  }
  void setOperand(size_t i, Value *v);
  void addOperand(Value *v);
  void setOperands(const std::vector<Value *> &vs);

  size_t numResults() const { return results_.size(); }
  Value *result(size_t i = 0) const { return results_.at(i); }
  const std::vector<Value *> &results() const { return results_; }

  // Attributes. The getters fall back to the op table's default and throw a
  // kiln::Error naming the node if neither exists or the kind is wrong.
  const std::map<std::string, Attribute> &attrs() const { return attrs_; }
  bool hasAttr(const std::string &name) const { return attrs_.count(name); }
  void setAttr(const std::string &name, Attribute value) {
    attrs_[name] = std::move(value);
  }
  void removeAttr(const std::string &name) { attrs_.erase(name); }
  /// Explicit or default attribute, or null.
  const Attribute *findAttr(const std::string &name) const;

  int64_t getInt(const std::string &name) const;
  float getFloat(const std::string &name) const;
  const std::string &getString(const std::string &name) const;
  /// List getters return an empty list for an absent optional attribute.
  const std::vector<int64_t> &getInts(const std::string &name) const;
  const std::vector<float> &getFloats(const std::string &name) const;
  const std::vector<std::string> &getStrings(const std::string &name) const;
  const Tensor &getTensor(const std::string &name) const;
  Function &getGraph(const std::string &name) const;

  /// "node 'conv1' (Conv)" for diagnostics.
  std::string describe() const;

private:
  friend class Function;
  const Attribute &requireAttr(const std::string &name, AttrKind kind) const;

  Function *parent_;
  OpKind kind_;
  std::string name_;
  std::vector<Value *> operands_;
  std::vector<Value *> results_;
  std::map<std::string, Attribute> attrs_;
};

} // namespace kiln

#endif
