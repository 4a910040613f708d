//===- EvalContext.h - what an interpreter kernel sees ----------*- C++ -*-===//
// Kernels read operand tensors and the node's attributes and fill `outputs`.
// They throw kiln::Error (via ctx.error) on invalid input values.
//===----------------------------------------------------------------------===//
#ifndef KILN_INTERPRETER_EVALCONTEXT_H
#define KILN_INTERPRETER_EVALCONTEXT_H

#include "kiln/Interpreter/Interpreter.h"

namespace kiln {

class EvalContext {
public:
  EvalContext(const Node &node, std::vector<const Tensor *> inputs,
              Interpreter &interp, const Environment *env)
      : node(node), interp(interp), env(env), outputs(node.numResults()),
        inputs_(std::move(inputs)) {}

  const Node &node;
  Interpreter &interp;
  /// The activation the node runs in (for subgraph kernels).
  const Environment *env;

  size_t numInputs() const { return inputs_.size(); }
  bool hasInput(size_t i) const { return i < inputs_.size() && inputs_[i]; }
  /// Operand i; throws if absent.
  const Tensor &input(size_t i) const;
  const Tensor *inputOrNull(size_t i) const {
    return hasInput(i) ? inputs_[i] : nullptr;
  }
  size_t numOutputs() const { return outputs.size(); }
  /// Whether result i is consumed (optional results may be skipped).
  bool wantsOutput(size_t i) const { return i < outputs.size(); }

  /// Throws "node 'x' (Op): message".
  template <typename... Args>
  [[noreturn]] void error(fmt::format_string<Args...> format,
                          Args &&...args) const {
    throw Error(node.describe() + ": " +
                fmt::format(format, std::forward<Args>(args)...));
  }

  std::vector<Tensor> outputs;

private:
  std::vector<const Tensor *> inputs_;
};

using EvalFn = void (*)(EvalContext &);

} // namespace kiln

#endif
