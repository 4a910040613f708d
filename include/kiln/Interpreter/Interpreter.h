//===- Interpreter.h - the reference interpreter ----------------*- C++ -*-===//
// Runs a graph IR function on concrete tensors with naive kernels. It defines
// what every op means and is the oracle for all other execution paths.
//===----------------------------------------------------------------------===//
#ifndef KILN_INTERPRETER_INTERPRETER_H
#define KILN_INTERPRETER_INTERPRETER_H

#include "kiln/IR/Module.h"
#include "kiln/IR/Tensor.h"

#include <unordered_map>

namespace kiln {

/// Value bindings of one function activation; `outer` is the enclosing
/// activation for subgraphs.
struct Environment {
  const Environment *outer = nullptr;
  std::unordered_map<const Value *, Tensor> values;

  const Tensor *lookup(const Value *v) const;
};

/// Whether the interpreter has a kernel for the op.
bool hasKernel(OpKind kind);

class Interpreter {
public:
  /// Runs `f` on `inputs` (one per function input, checked against the
  /// declared types) and returns one tensor per function output.
  std::vector<Tensor> run(const Function &f, const std::vector<Tensor> &inputs);
  std::vector<Tensor> run(const Module &m, const std::vector<Tensor> &inputs) {
    return run(m.main(), inputs);
  }

  /// Runs a subgraph body that may read values of `outer`.
  std::vector<Tensor> runSubgraph(const Function &body,
                                  const std::vector<Tensor> &inputs,
                                  const Environment *outer);

  /// Evaluates a single node on the given operand values (null = absent).
  std::vector<Tensor> evalNode(const Node &node,
                               const std::vector<const Tensor *> &operands,
                               const Environment *env = nullptr);

private:
  std::vector<Tensor> runIn(const Function &f, const std::vector<Tensor> &inputs,
                            const Environment *outer, bool checkTypes);
};

} // namespace kiln

#endif
