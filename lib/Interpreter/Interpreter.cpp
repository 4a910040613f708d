//===- Interpreter.cpp - node-by-node execution ---------------------------===//
#include "kiln/Interpreter/Interpreter.h"
#include "kiln/Interpreter/EvalContext.h"

#include <map>

namespace kiln {

// Kernels are weak so a missing one is a diagnostic, not a link failure.
#define KILN_OP(NAME, ...) __attribute__((weak)) void eval##NAME(EvalContext &);
#include "kiln/IR/ops/Ops.def"

static EvalFn kernelFor(OpKind kind) {
  static const EvalFn table[] = {
#define KILN_OP(NAME, ...) &eval##NAME,
#include "kiln/IR/ops/Ops.def"
  };
  return table[size_t(kind)];
}

bool hasKernel(OpKind kind) { return kernelFor(kind) != nullptr; }

const Tensor *Environment::lookup(const Value *v) const {
  for (const Environment *e = this; e; e = e->outer) {
    auto it = e->values.find(v);
    if (it != e->values.end())
      return &it->second;
  }
  return nullptr;
}

const Tensor &EvalContext::input(size_t i) const {
  if (!hasInput(i))
    error("operand {} is required", i);
  return *inputs_[i];
}

// Checks a concrete tensor against a declared type, binding symbolic dims.
static void checkAgainstType(const Tensor &t, const TensorType &type,
                             std::map<std::string, int64_t> &symbols,
                             const std::string &what) {
  if (t.elementType() != type.elementType())
    fail("{} has element type {}, expected {}", what,
         toString(t.elementType()), toString(type.elementType()));
  if (!type.isRanked())
    return;
  if (t.rank() != type.rank())
    fail("{} has shape {}, expected {}", what, shapeStr(t.shape()),
         type.str());
  for (size_t i = 0; i < t.rank(); ++i) {
    const Dim &d = type.dim(i);
    if (d.isStatic() && d.size() != t.dim(i))
      fail("{} has shape {}, expected {}", what, shapeStr(t.shape()),
           type.str());
    if (d.isSymbol()) {
      auto [it, inserted] = symbols.emplace(d.symbolName(), t.dim(i));
      if (!inserted && it->second != t.dim(i))
        fail("{} has shape {}, but dimension '{}' was bound to {}", what,
             shapeStr(t.shape()), d.symbolName(), it->second);
    }
  }
}

std::vector<Tensor> Interpreter::evalNode(
    const Node &node, const std::vector<const Tensor *> &operands,
    const Environment *env) {
  EvalFn fn = kernelFor(node.kind());
  if (!fn)
    fail("{}: the interpreter has no kernel for {}", node.describe(),
         node.opName());
  EvalContext ctx(node, operands, *this, env);
  try {
    fn(ctx);
  } catch (const Error &e) {
    std::string msg = e.what();
    std::string prefix = node.describe();
    if (msg.compare(0, prefix.size(), prefix) != 0)
      msg = prefix + ": " + msg;
    throw Error(msg);
  }
  // A kernel that disagrees with type inference is a bug; catch it here.
  std::map<std::string, int64_t> unused;
  for (size_t i = 0; i < node.numResults(); ++i) {
    const TensorType &type = node.result(i)->type();
    std::string what = fmt::format("{}: result {} ('{}')", node.describe(), i,
                                   node.result(i)->name());
    checkAgainstType(ctx.outputs[i], type, unused, what);
  }
  return std::move(ctx.outputs);
}

std::vector<Tensor> Interpreter::runIn(const Function &f,
                                       const std::vector<Tensor> &inputs,
                                       const Environment *outer,
                                       bool checkTypes) {
  check(inputs.size() == f.inputs().size(),
        "function '{}' takes {} inputs, {} given", f.name(), f.inputs().size(),
        inputs.size());
  Environment env;
  env.outer = outer;
  std::map<std::string, int64_t> symbols;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Value *in = f.inputs()[i];
    if (checkTypes)
      checkAgainstType(inputs[i], in->type(), symbols,
                       fmt::format("input '{}'", in->name()));
    env.values[in] = inputs[i];
  }
  for (const auto &node : f.nodes()) {
    std::vector<const Tensor *> operands;
    for (const Value *v : node->operands()) {
      if (!v) {
        operands.push_back(nullptr);
        continue;
      }
      const Tensor *t = env.lookup(v);
      if (!t)
        fail("{}: operand '{}' has no value", node->describe(), v->name());
      operands.push_back(t);
    }
    std::vector<Tensor> results = evalNode(*node, operands, &env);
    for (size_t i = 0; i < results.size(); ++i)
      env.values[node->result(i)] = std::move(results[i]);
  }
  std::vector<Tensor> outputs;
  for (const Value *out : f.outputs()) {
    const Tensor *t = env.lookup(out);
    check(t != nullptr, "output '{}' of function '{}' has no value",
          out->name(), f.name());
    outputs.push_back(*t);
  }
  return outputs;
}

std::vector<Tensor> Interpreter::run(const Function &f,
                                     const std::vector<Tensor> &inputs) {
  return runIn(f, inputs, nullptr, /*checkTypes=*/true);
}

std::vector<Tensor> Interpreter::runSubgraph(const Function &body,
                                             const std::vector<Tensor> &inputs,
                                             const Environment *outer) {
  // Loop-carried values may change shape between iterations, so subgraph
  // inputs are checked for element type and rank only by their kernels.
  return runIn(body, inputs, outer, /*checkTypes=*/false);
}

} // namespace kiln
