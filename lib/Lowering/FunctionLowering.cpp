//===- FunctionLowering.cpp - builds a Program from a graph ---------------===//

#include "FunctionLowering.h"

#include "kiln/Lowering/Lowering.h"

#include <unordered_set>

namespace kiln {

static std::vector<int64_t> staticShapeOf(const Value &v) {
  const TensorType &t = v.type();
  if (!t.isRanked() || !t.hasStaticShape())
    fail("value '{}' has type {} that is not static; pin the model's symbolic "
         "dimensions (e.g. --input-shape)",
         v.name(), t.str());
  return t.staticShape();
}

loop::Buffer bufferFor(const Value &v, const std::string &name) {
  return loop::makeBuffer(name, v.type().elementType(), staticShapeOf(v));
}

static bool isUsed(const Value &v) {
  if (v.hasUses())
    return true;
  for (const Value *o : v.owner()->outputs())
    if (o == &v)
      return true;
  return false;
}

size_t FunctionLowering::addTensor(const Value &v, loop::StorageKind storage) {
  loop::ProgramTensor t;
  t.name = v.name();
  t.elem = v.type().elementType();
  t.shape = staticShapeOf(v);
  t.storage = storage;
  program_.tensors.push_back(std::move(t));
  size_t id = program_.tensors.size() - 1;
  tensorOf_[&v] = id;
  return id;
}

std::string FunctionLowering::kernelName(const Node &node) {
  std::string base = node.name().empty() ? std::string(node.opName())
                                         : node.name();
  for (char &c : base)
    if (!isalnum(static_cast<unsigned char>(c)) && c != '_')
      c = '_';
  int &n = kernelNames_[base];
  return n++ == 0 ? base : base + "_" + std::to_string(n - 1);
}

// Values a node's subgraphs read from enclosing scopes, and the constants
// defined inside them: both become kernel parameters.
static void collectCaptures(const Node &node, std::vector<const Value *> &out,
                            std::unordered_set<const Value *> &seen) {
  for (const auto &[attrName, attr] : node.attrs()) {
    if (attr.kind() != AttrKind::Graph)
      continue;
    const Function &g = node.getGraph(attrName);
    std::unordered_set<const Value *> local(g.inputs().begin(),
                                            g.inputs().end());
    for (const auto &n : g.nodes())
      for (const Value *r : n->results())
        local.insert(r);
    auto visitValue = [&](const Value *v) {
      if (!v)
        return;
      bool isLocal = local.count(v);
      bool isConst = v->constantValue() != nullptr;
      if ((!isLocal || isConst) && seen.insert(v).second)
        out.push_back(v);
    };
    for (const auto &n : g.nodes()) {
      for (const Value *v : n->operands())
        visitValue(v);
      if (n->kind() == OpKind::Constant)
        visitValue(n->result(0));
      collectCaptures(*n, out, seen);
    }
    for (const Value *v : g.outputs())
      visitValue(v);
  }
}

LowerContext FunctionLowering::runLowering(
    const Node &node, const std::vector<loop::Buffer> &inputs,
    const std::vector<loop::Buffer> &outputs) {
  std::vector<const Tensor *> constants;
  for (size_t i = 0; i < node.numOperands(); ++i) {
    const Tensor *c = nullptr;
    if (node.hasOperand(i)) {
      c = node.operand(i)->constantValue();
      // A fused body's input bound to a constant operand of the Fused node.
      auto it = boundConstants_.find(node.operand(i));
      if (!c && it != boundConstants_.end())
        c = it->second;
    }
    constants.push_back(c);
  }
  LowerContext ctx(node, inputs, constants, outputs, this);
  LowerFn fn = lowerFunctionFor(node.kind());
  if (!fn)
    throw Error(node.describe() + ": no lowering for operator '" +
                node.opName() + "' yet (it runs in the interpreter only)");
  fn(ctx);
  return ctx;
}

static loop::Stmt wrapTemporaries(const LowerContext &ctx) {
  loop::Stmt body = loop::makeSeq(ctx.body);
  if (!body)
    body = loop::makeSeq({});
  for (size_t i = ctx.temporaries.size(); i-- > 0;)
    body = loop::makeAllocate(ctx.temporaries[i], body);
  return body;
}

void FunctionLowering::lowerNode(const Node &node) {
  bool anyUsed = false;
  for (const Value *r : node.results())
    anyUsed |= r && isUsed(*r);
  if (!anyUsed)
    return; // dead node

  if (node.kind() == OpKind::Constant) {
    size_t id = addTensor(*node.result(0), loop::StorageKind::Constant);
    program_.tensors[id].value = *node.result(0)->constantValue();
    return;
  }

  loop::PrimFunc func;
  func.name = kernelName(node);
  std::vector<size_t> args;
  buffers_.clear();
  boundConstants_.clear();
  auto param = [&](const Value &v, const std::string &name) {
    loop::Buffer b = bufferFor(v, name);
    func.params.push_back(b);
    args.push_back(tensorOf_.at(&v));
    return b;
  };

  std::vector<loop::Buffer> inputs(node.numOperands());
  std::vector<int> operandArg(node.numOperands(), -1);
  for (size_t i = 0; i < node.numOperands(); ++i) {
    if (!node.hasOperand(i))
      continue;
    const Value &v = *node.operand(i);
    if (!tensorOf_.count(&v))
      throw Error(node.describe() + ": operand '" + v.name() +
                  "' is not available");
    operandArg[i] = int(args.size());
    inputs[i] = param(v, v.name());
  }

  std::vector<const Value *> captures;
  std::unordered_set<const Value *> seen;
  collectCaptures(node, captures, seen);
  for (const Value *v : captures) {
    if (!tensorOf_.count(v)) {
      const Tensor *c = v->constantValue();
      if (!c)
        throw Error(node.describe() + ": captured value '" + v->name() +
                    "' is not available");
      size_t id = addTensor(*v, loop::StorageKind::Constant);
      program_.tensors[id].value = *c;
    }
    buffers_[v] = param(*v, v->name());
  }

  std::vector<loop::Buffer> outputs(node.numResults());
  std::vector<int> resultArg(node.numResults(), -1);
  for (size_t i = 0; i < node.numResults(); ++i) {
    const Value *r = node.result(i);
    if (!r || !isUsed(*r))
      continue;
    addTensor(*r, loop::StorageKind::Arena);
    resultArg[i] = int(args.size());
    outputs[i] = param(*r, r->name());
  }

  LowerContext ctx = runLowering(node, inputs, outputs);
  func.body = wrapTemporaries(ctx);

  loop::KernelCall call;
  call.func = program_.funcs.size();
  call.args = std::move(args);
  auto [res, opnd] = ctx.inPlace;
  if (res >= 0 && size_t(res) < resultArg.size() && opnd >= 0 &&
      size_t(opnd) < operandArg.size() && resultArg[res] >= 0 &&
      operandArg[opnd] >= 0)
    call.inPlace = {resultArg[res], operandArg[opnd]};
  call.workspaceSize = loop::workspaceBytes(func);
  program_.funcs.push_back(std::move(func));
  program_.calls.push_back(std::move(call));
}

loop::Stmt FunctionLowering::lowerSubgraph(
    LowerContext &outer, const Function &graph,
    const std::vector<loop::Buffer> &inputs,
    const std::vector<loop::Buffer> &outputs) {
  return lowerBody(outer, graph, inputs, outputs, /*fused=*/false);
}

loop::Stmt FunctionLowering::lowerFusedBody(
    LowerContext &outer, const Function &graph,
    const std::vector<loop::Buffer> &inputs,
    const std::vector<loop::Buffer> &outputs) {
  return lowerBody(outer, graph, inputs, outputs, /*fused=*/true);
}

// In a fused body, each output computed by a body node (the first time it is
// listed) is written by that node straight into its output buffer. Returns
// the claimed output indices by value.
static std::unordered_map<const Value *, size_t>
directOutputs(const Function &graph, const std::vector<loop::Buffer> &outputs) {
  std::unordered_map<const Value *, size_t> direct;
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Value *v = graph.outputs()[i];
    const loop::Buffer &dst = outputs[i];
    // Only values of this body computed by a node that has a lowering.
    if (!dst || !v || direct.count(v) || v->owner() != &graph ||
        !v->producer() || v->producer()->kind() == OpKind::Constant ||
        !dst->isDense() || dst->elem != v->type().elementType())
      continue;
    int64_t n = 1;
    for (int64_t d : staticShapeOf(*v))
      n *= d;
    if (n == dst->numElements())
      direct[v] = i;
  }
  return direct;
}

loop::Stmt FunctionLowering::lowerBody(LowerContext &outer,
                                       const Function &graph,
                                       const std::vector<loop::Buffer> &inputs,
                                       const std::vector<loop::Buffer> &outputs,
                                       bool fused) {
  if (inputs.size() != graph.inputs().size() ||
      outputs.size() != graph.outputs().size())
    outer.error("subgraph '{}' takes {} inputs and {} outputs, given {} and {}",
                graph.name(), graph.inputs().size(), graph.outputs().size(),
                inputs.size(), outputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    buffers_[graph.inputs()[i]] = inputs[i];
    if (fused && outer.constant(i))
      boundConstants_[graph.inputs()[i]] = outer.constant(i);
  }
  std::unordered_map<const Value *, size_t> direct;
  if (fused)
    direct = directOutputs(graph, outputs);

  std::vector<loop::Stmt> stmts;
  for (const auto &nodePtr : graph.nodes()) {
    const Node &node = *nodePtr;
    if (node.kind() == OpKind::Constant)
      continue; // captured as a kernel parameter
    std::vector<loop::Buffer> ins(node.numOperands());
    for (size_t i = 0; i < node.numOperands(); ++i) {
      if (!node.hasOperand(i))
        continue;
      auto it = buffers_.find(node.operand(i));
      if (it == buffers_.end())
        outer.error("subgraph value '{}' has no buffer",
                    node.operand(i)->name());
      ins[i] = it->second;
    }
    std::vector<loop::Buffer> outs(node.numResults());
    for (size_t i = 0; i < node.numResults(); ++i) {
      const Value *r = node.result(i);
      if (!r || !isUsed(*r))
        continue;
      auto d = direct.find(r);
      if (d != direct.end()) {
        const loop::Buffer &dst = outputs[d->second];
        std::vector<int64_t> shape = staticShapeOf(*r);
        outs[i] = shape == dst->shape ? dst : loop::reshapeView(dst, shape);
      } else {
        outs[i] = outer.allocate(r->name(), r->type().elementType(),
                                 staticShapeOf(*r));
        if (fused)
          outer.resultTemporaries.push_back(outs[i]);
      }
      buffers_[r] = outs[i];
    }
    LowerContext ctx = runLowering(node, ins, outs);
    for (auto &t : ctx.temporaries)
      outer.temporaries.push_back(t);
    stmts.push_back(loop::makeSeq(ctx.body));
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    auto it = buffers_.find(graph.outputs()[i]);
    if (it == buffers_.end())
      outer.error("subgraph output '{}' has no buffer",
                  graph.outputs()[i]->name());
    const loop::Buffer &src = it->second;
    const loop::Buffer &dst = outputs[i];
    if (!dst)
      continue;
    auto d = direct.find(graph.outputs()[i]);
    if (d != direct.end() && d->second == i)
      continue; // written in place by its node
    if (src->numElements() != dst->numElements() || src->elem != dst->elem)
      outer.error("subgraph output '{}' is {} of {} elements, expected {} of "
                  "{}",
                  graph.outputs()[i]->name(), toString(src->elem),
                  src->numElements(), toString(dst->elem),
                  dst->numElements());
    loop::Buffer flatSrc = loop::reshapeView(src, {src->numElements()});
    loop::Buffer flatDst = loop::reshapeView(dst, {dst->numElements()});
    stmts.push_back(loop::compute(flatDst, [&](const loop::Indices &i) {
      return loop::load(flatSrc, i);
    }));
  }
  return loop::makeSeq(std::move(stmts));
}

// A graph output that is not the result of its own kernel (a graph input, a
// constant, or a value listed twice) is copied into its output buffer.
void FunctionLowering::addOutputCopies() {
  std::unordered_set<size_t> claimed;
  for (size_t k = 0; k < f_.outputs().size(); ++k) {
    const Value *v = f_.outputs()[k];
    auto it = tensorOf_.find(v);
    if (it == tensorOf_.end())
      fail("graph output '{}' is not computed", v->name());
    loop::ProgramTensor &src = program_.tensors[it->second];
    if (src.storage == loop::StorageKind::Arena && !claimed.count(it->second)) {
      src.storage = loop::StorageKind::Output;
      src.index = int(k);
      claimed.insert(it->second);
      program_.outputs.push_back(it->second);
      continue;
    }
    // A copy: push_back below may reallocate the tensor table.
    const loop::ProgramTensor t = src;
    loop::ProgramTensor copy = t;
    copy.storage = loop::StorageKind::Output;
    copy.index = int(k);
    copy.value = Tensor();
    copy.offset = -1;
    program_.tensors.push_back(copy);
    size_t dstId = program_.tensors.size() - 1;
    program_.outputs.push_back(dstId);

    loop::PrimFunc func;
    func.name = "copy_output_" + std::to_string(k);
    int64_t n = t.numElements();
    func.params = {loop::makeBuffer("src", t.elem, t.shape),
                   loop::makeBuffer("dst", t.elem, t.shape)};
    loop::Buffer srcView = loop::reshapeView(func.params[0], {n});
    loop::Buffer dstView = loop::reshapeView(func.params[1], {n});
    func.body = loop::compute(dstView, [&](const loop::Indices &i) {
      return loop::load(srcView, i);
    });
    loop::KernelCall call;
    call.func = program_.funcs.size();
    call.args = {it->second, dstId};
    program_.funcs.push_back(std::move(func));
    program_.calls.push_back(std::move(call));
  }
}

loop::Program FunctionLowering::run() {
  program_.name = name_;
  for (size_t i = 0; i < f_.inputs().size(); ++i) {
    size_t id = addTensor(*f_.inputs()[i], loop::StorageKind::Input);
    program_.tensors[id].index = int(i);
    program_.inputs.push_back(id);
  }
  for (const auto &node : f_.nodes())
    lowerNode(*node);
  addOutputCopies();
  return std::move(program_);
}

loop::Program lowerFunction(const Function &f, const std::string &name,
                            const LowerTarget &target) {
  return FunctionLowering(f, name, target).run();
}

} // namespace kiln
