//===- LowerContext.h - what an op lowering sees ----------------*- C++ -*-===//
// An op's compute definition gets buffers for its operands and results, the
// node's attributes and the values of constant operands, and emits loop IR
// statements into the node's kernel. lower<Name>(LowerContext&) per op.
//===----------------------------------------------------------------------===//
#ifndef KILN_LOWERING_LOWERCONTEXT_H
#define KILN_LOWERING_LOWERCONTEXT_H

#include "kiln/IR/Node.h"
#include "kiln/IR/Tensor.h"
#include "kiln/LoopIR/Builder.h"
#include "kiln/Lowering/LowerTarget.h"

#include <fmt/format.h>

namespace kiln {

class FunctionLowering;

class LowerContext {
public:
  LowerContext(const Node &node, std::vector<loop::Buffer> inputs,
               std::vector<const Tensor *> constants,
               std::vector<loop::Buffer> outputs, FunctionLowering *parent);

  const Node &node;
  /// The target the kernel is lowered for (vector width, registers).
  const LowerTarget &target() const;

  size_t numInputs() const { return inputs_.size(); }
  bool hasInput(size_t i) const { return i < inputs_.size() && inputs_[i]; }
  /// Operand i's buffer (static shape); throws if absent.
  const loop::Buffer &input(size_t i) const;
  /// Operand i's value if it is a compile-time constant, else null. Ops read
  /// shape-like operands (Reshape's shape, Slice's starts...) through this.
  const Tensor *constant(size_t i) const {
    return i < constants_.size() ? constants_[i] : nullptr;
  }
  /// constant(i) or an error naming the operand that must be constant.
  const Tensor &requireConstant(size_t i, const char *what) const;

  size_t numOutputs() const { return outputs_.size(); }
  /// Whether result i exists and is used (optional results may be absent).
  bool hasOutput(size_t i) const { return i < outputs_.size() && outputs_[i]; }
  const loop::Buffer &output(size_t i) const;

  /// Appends a statement to the kernel body.
  void emit(loop::Stmt stmt);
  /// A temporary buffer for the whole kernel. Stack scope for small
  /// per-kernel scratch; Global scope (the default) is carved from the
  /// kernel's arena workspace. Must not be written from parallel loops.
  loop::Buffer allocate(const std::string &name, ElementType elem,
                        std::vector<int64_t> shape,
                        loop::MemoryScope scope = loop::MemoryScope::Global);

  /// Lowers a subgraph (If/Loop/Scan body) inline: its inputs are bound to
  /// `inputs` (and captured outer values to their buffers) and its outputs
  /// are written to `outputs`. Returns the statements.
  loop::Stmt lowerSubgraph(const Function &body,
                           const std::vector<loop::Buffer> &inputs,
                           const std::vector<loop::Buffer> &outputs);
  /// Lowers a Fused node's body (input i bound to operand i) with the
  /// outputs its nodes compute written directly into `outputs`.
  loop::Stmt lowerFusedBody(const Function &body,
                            const std::vector<loop::Buffer> &inputs,
                            const std::vector<loop::Buffer> &outputs);

  /// Throws "node 'x' (Op): message".
  template <typename... Args>
  [[noreturn]] void error(fmt::format_string<Args...> format,
                          Args &&...args) const {
    throw Error(node.describe() + ": " +
                fmt::format(format, std::forward<Args>(args)...));
  }

  // Read by the driver after the lowering function returns.
  std::vector<loop::Stmt> body;
  std::vector<loop::Buffer> temporaries;
  /// The temporaries among them that hold a fused body node's whole result.
  /// A lowering writes every element of its results, however many stores
  /// it uses, which lets the inliner fold consumers into all of them.
  std::vector<loop::Buffer> resultTemporaries;
  /// Set by elementwise lowerings whose result may overwrite operand `second`.
  std::pair<int, int> inPlace{-1, -1};

private:
  std::vector<loop::Buffer> inputs_;
  std::vector<const Tensor *> constants_;
  std::vector<loop::Buffer> outputs_;
  FunctionLowering *parent_;
};

using LowerFn = void (*)(LowerContext &);

/// The lowering of an op kind, or null if it has none.
LowerFn lowerFunctionFor(OpKind kind);

} // namespace kiln

#endif
