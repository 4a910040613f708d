//===- LowerContext.cpp - what an op lowering sees ------------------------===//

#include "kiln/Lowering/LowerContext.h"

#include "FunctionLowering.h"

namespace kiln {

// Lowerings are weak so a missing one is a diagnostic, not a link failure.
#define KILN_OP(NAME, ...) __attribute__((weak)) void lower##NAME(LowerContext &);
#include "kiln/IR/ops/Ops.def"

LowerFn lowerFunctionFor(OpKind kind) {
  switch (kind) {
#define KILN_OP(NAME, ...)                                                     \
  case OpKind::NAME:                                                           \
    return lower##NAME;
#include "kiln/IR/ops/Ops.def"
  }
  return nullptr;
}

LowerContext::LowerContext(const Node &node, std::vector<loop::Buffer> inputs,
                           std::vector<const Tensor *> constants,
                           std::vector<loop::Buffer> outputs,
                           FunctionLowering *parent)
    : node(node), inputs_(std::move(inputs)),
      constants_(std::move(constants)), outputs_(std::move(outputs)),
      parent_(parent) {}

const LowerTarget &LowerContext::target() const { return parent_->target(); }

const loop::Buffer &LowerContext::input(size_t i) const {
  if (!hasInput(i))
    error("operand {} is absent", i);
  return inputs_[i];
}

const Tensor &LowerContext::requireConstant(size_t i, const char *what) const {
  if (!constant(i))
    error("operand {} ({}) must be a compile-time constant to compile this "
          "node",
          i, what);
  return *constant(i);
}

const loop::Buffer &LowerContext::output(size_t i) const {
  if (!hasOutput(i))
    error("result {} is not used", i);
  return outputs_[i];
}

void LowerContext::emit(loop::Stmt stmt) {
  if (stmt)
    body.push_back(std::move(stmt));
}

loop::Buffer LowerContext::allocate(const std::string &name, ElementType elem,
                                    std::vector<int64_t> shape,
                                    loop::MemoryScope scope) {
  std::string full = node.name().empty() ? name : node.name() + "." + name;
  loop::Buffer b = loop::makeBuffer(full, elem, std::move(shape), scope);
  temporaries.push_back(b);
  return b;
}

loop::Stmt LowerContext::lowerSubgraph(const Function &graph,
                                       const std::vector<loop::Buffer> &ins,
                                       const std::vector<loop::Buffer> &outs) {
  if (!parent_)
    error("subgraphs cannot be lowered in this context");
  return parent_->lowerSubgraph(*this, graph, ins, outs);
}

loop::Stmt LowerContext::lowerFusedBody(const Function &graph,
                                        const std::vector<loop::Buffer> &ins,
                                        const std::vector<loop::Buffer> &outs) {
  if (!parent_)
    error("fused bodies cannot be lowered in this context");
  return parent_->lowerFusedBody(*this, graph, ins, outs);
}

} // namespace kiln
