//===- FunctionLowering.h - builds a Program from a graph -------*- C++ -*-===//
// The state of lowering one graph function: value-to-tensor and
// value-to-buffer maps, kernel construction per node, and inline lowering of
// control-flow subgraphs.
//===----------------------------------------------------------------------===//
#ifndef KILN_LIB_LOWERING_FUNCTIONLOWERING_H
#define KILN_LIB_LOWERING_FUNCTIONLOWERING_H

#include "kiln/Lowering/LowerContext.h"
#include "kiln/LoopIR/Program.h"

#include <unordered_map>

namespace kiln {

class FunctionLowering {
public:
  FunctionLowering(const Function &f, std::string name,
                   const LowerTarget &target)
      : f_(f), name_(std::move(name)), target_(target) {}

  const LowerTarget &target() const { return target_; }

  loop::Program run();

  loop::Stmt lowerSubgraph(LowerContext &outer, const Function &graph,
                           const std::vector<loop::Buffer> &inputs,
                           const std::vector<loop::Buffer> &outputs);
  /// Like lowerSubgraph for a Fused node's body (input i is operand i):
  /// outputs computed by body nodes are written straight into `outputs`.
  loop::Stmt lowerFusedBody(LowerContext &outer, const Function &graph,
                            const std::vector<loop::Buffer> &inputs,
                            const std::vector<loop::Buffer> &outputs);

private:
  loop::Stmt lowerBody(LowerContext &outer, const Function &graph,
                       const std::vector<loop::Buffer> &inputs,
                       const std::vector<loop::Buffer> &outputs, bool fused);
  size_t addTensor(const Value &v, loop::StorageKind storage);
  void lowerNode(const Node &node);
  /// Runs the node's lowering with the given buffers; returns the kernel
  /// body including its temporaries' allocations (temporaries go to `outer`
  /// when lowering inside a subgraph).
  LowerContext runLowering(const Node &node,
                           const std::vector<loop::Buffer> &inputs,
                           const std::vector<loop::Buffer> &outputs);
  void addOutputCopies();
  std::string kernelName(const Node &node);

  const Function &f_;
  std::string name_;
  LowerTarget target_;
  loop::Program program_;
  std::unordered_map<const Value *, size_t> tensorOf_;
  /// Buffers visible to the kernel being built (captured outer values and
  /// subgraph values).
  std::unordered_map<const Value *, loop::Buffer> buffers_;
  std::unordered_map<std::string, int> kernelNames_;
  /// Fused body inputs whose operand is a compile-time constant.
  std::unordered_map<const Value *, const Tensor *> boundConstants_;
};

/// A kernel-local buffer for a graph value (its name and static type).
loop::Buffer bufferFor(const Value &v, const std::string &name);

} // namespace kiln

#endif
