//===- InferContext.h - result type inference -------------------*- C++ -*-===//
// What an op's inference function sees: operand types, operand values when
// they are constants, and the node's attributes. It sets the result types or
// throws kiln::Error.
//===----------------------------------------------------------------------===//
#ifndef KILN_IR_INFERCONTEXT_H
#define KILN_IR_INFERCONTEXT_H

#include "kiln/IR/Node.h"
#include "kiln/IR/Tensor.h"

namespace kiln {

class InferContext {
public:
  InferContext(const Node &node, std::vector<const TensorType *> inputTypes,
               std::vector<const Tensor *> inputValues)
      : node(node), results(node.numResults()),
        inputTypes_(std::move(inputTypes)),
        inputValues_(std::move(inputValues)) {}

  const Node &node;

  size_t numInputs() const { return inputTypes_.size(); }
  bool hasInput(size_t i) const {
    return i < inputTypes_.size() && inputTypes_[i];
  }
  /// Type of operand i; throws if it is absent.
  const TensorType &input(size_t i) const;
  /// Value of operand i if it is a known constant, else null.
  const Tensor *constant(size_t i) const {
    return i < inputValues_.size() ? inputValues_[i] : nullptr;
  }

  size_t numResults() const { return results.size(); }
  void setResult(size_t i, TensorType type) { results.at(i) = std::move(type); }

  /// Throws "node 'x' (Op): message".
  template <typename... Args>
  [[noreturn]] void error(fmt::format_string<Args...> format,
                          Args &&...args) const {
    throw Error(node.describe() + ": " +
                fmt::format(format, std::forward<Args>(args)...));
  }

  std::vector<TensorType> results;

private:
  std::vector<const TensorType *> inputTypes_;
  std::vector<const Tensor *> inputValues_;
};

/// Numpy-style broadcast of two ranked shapes; throws on incompatibility.
std::vector<Dim> broadcastDims(const std::vector<Dim> &a,
                               const std::vector<Dim> &b);
/// Maps a possibly negative axis into [0, rank); throws if out of range.
int64_t normalizeAxis(int64_t axis, int64_t rank);

/// Computes the result types of a node from its operands' current types.
std::vector<TensorType> inferResultTypes(const Node &node);
/// Sets the node's result types to the inferred ones, keeping knowledge
/// from the existing types where inference leaves a dimension unknown.
void refineResultTypes(Node &node);

} // namespace kiln

#endif
