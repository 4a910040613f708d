//===- Value.h - an SSA tensor value ----------------------------*- C++ -*-===//
// A Value is a function input or a node result; it knows its type, producer
// and uses.
//===----------------------------------------------------------------------===//
#ifndef KILN_IR_VALUE_H
#define KILN_IR_VALUE_H

#include "kiln/IR/TensorType.h"

#include <string>
#include <vector>

namespace kiln {

class Node;
class Function;
class Tensor;

/// One use of a value: operand `index` of `user`.
struct Use {
  Node *user;
  unsigned index;
  bool operator==(const Use &o) const {
    return user == o.user && index == o.index;
  }
};

class Value {
public:
  Value(Function *owner, std::string name, TensorType type, Node *producer,
        unsigned resultIndex)
      : owner_(owner), name_(std::move(name)), type_(std::move(type)),
        producer_(producer), resultIndex_(resultIndex) {}
  Value(const Value &) = delete;
  Value &operator=(const Value &) = delete;

  const std::string &name() const { return name_; }
  void setName(std::string name) { name_ = std::move(name); }
  const TensorType &type() const { return type_; }
  void setType(TensorType type) { type_ = std::move(type); }

  /// The node that defines this value, or null for a function input.
  Node *producer() const { return producer_; }
  unsigned resultIndex() const { return resultIndex_; }
  bool isFunctionInput() const { return producer_ == nullptr; }
  Function *owner() const { return owner_; }

  const std::vector<Use> &uses() const { return uses_; }
  bool hasUses() const { return !uses_.empty(); }

  /// The tensor if this value is produced by a Constant node.
  const Tensor *constantValue() const;

  /// Use-list maintenance; only Node calls these.
  void addUse(Use u) { uses_.push_back(u); }
  void removeUse(Use u);

private:
  Function *owner_;
  std::string name_;
  TensorType type_;
  Node *producer_;
  unsigned resultIndex_;
  std::vector<Use> uses_;
};

} // namespace kiln

#endif
