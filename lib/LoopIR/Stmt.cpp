//===- Stmt.cpp - loop IR statements and buffers --------------------------===//

#include "kiln/LoopIR/Stmt.h"

#include <algorithm>

namespace kiln::loop {

namespace {
struct ScopeName {
  MemoryScope scope;
  const char *name;
};
constexpr ScopeName kScopeNames[] = {
    {MemoryScope::Global, "global"},         {MemoryScope::Stack, "stack"},
    {MemoryScope::CudaShared, "cuda.shared"}, {MemoryScope::CudaLocal, "cuda.local"},
    {MemoryScope::VtaInp, "vta.inp"},         {MemoryScope::VtaWgt, "vta.wgt"},
    {MemoryScope::VtaAcc, "vta.acc"},         {MemoryScope::VtaUop, "vta.uop"},
    {MemoryScope::NvdlaCbuf, "nvdla.cbuf"},
};
struct ForKindName {
  ForKind kind;
  const char *name;
};
constexpr ForKindName kForKindNames[] = {
    {ForKind::Serial, "serial"},          {ForKind::Parallel, "parallel"},
    {ForKind::Vectorized, "vectorized"},  {ForKind::Unrolled, "unrolled"},
    {ForKind::GpuBlockX, "gpu.block.x"},  {ForKind::GpuBlockY, "gpu.block.y"},
    {ForKind::GpuBlockZ, "gpu.block.z"},  {ForKind::GpuThreadX, "gpu.thread.x"},
    {ForKind::GpuThreadY, "gpu.thread.y"}, {ForKind::GpuThreadZ, "gpu.thread.z"},
};
} // namespace

const char *toString(MemoryScope scope) {
  for (const auto &s : kScopeNames)
    if (s.scope == scope)
      return s.name;
  return "?";
}

std::optional<MemoryScope> parseMemoryScope(std::string_view name) {
  for (const auto &s : kScopeNames)
    if (name == s.name)
      return s.scope;
  return std::nullopt;
}

const char *toString(ForKind kind) {
  for (const auto &k : kForKindNames)
    if (k.kind == kind)
      return k.name;
  return "?";
}

std::optional<ForKind> parseForKind(std::string_view name) {
  for (const auto &k : kForKindNames)
    if (name == k.name)
      return k.kind;
  return std::nullopt;
}

std::vector<int64_t> denseStrides(const std::vector<int64_t> &shape) {
  std::vector<int64_t> strides(shape.size());
  int64_t s = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = s;
    s *= std::max<int64_t>(shape[i], 1);
  }
  return strides;
}

static std::vector<int64_t> checkedStrides(const std::string &name,
                                           const std::vector<int64_t> &shape,
                                           std::vector<int64_t> strides) {
  for (int64_t d : shape)
    check(d >= 0, "buffer '{}' has a negative dimension", name);
  if (strides.empty())
    return denseStrides(shape);
  check(strides.size() == shape.size(),
        "buffer '{}' has {} strides for rank {}", name, strides.size(),
        shape.size());
  return strides;
}

BufferNode::BufferNode(std::string name, ElementType elem,
                       std::vector<int64_t> shape, std::vector<int64_t> strides,
                       MemoryScope scope, std::shared_ptr<BufferNode> viewOf,
                       int64_t viewOffset)
    : name(std::move(name)), elem(elem), shape(std::move(shape)),
      strides(checkedStrides(this->name, this->shape, std::move(strides))),
      scope(scope), viewOf(std::move(viewOf)), viewOffset(viewOffset) {
  check(!this->viewOf || !this->viewOf->viewOf,
        "view '{}' must view a root buffer", this->name);
  check(!this->viewOf || this->viewOf->elem == elem,
        "view '{}' changes the element type", this->name);
}

int64_t BufferNode::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

int64_t BufferNode::extentElements() const {
  if (numElements() == 0)
    return 0;
  int64_t last = 0;
  for (size_t i = 0; i < shape.size(); ++i)
    last += (shape[i] - 1) * strides[i];
  return last + 1;
}

bool BufferNode::isDense() const { return strides == denseStrides(shape); }

Buffer makeBuffer(std::string name, ElementType elem,
                  std::vector<int64_t> shape, MemoryScope scope) {
  return std::make_shared<BufferNode>(std::move(name), elem, std::move(shape),
                                      std::vector<int64_t>{}, scope);
}

Stmt makeFor(Var var, Expr min, Expr extent, ForKind kind, Stmt body) {
  check(bool(var) && bool(min) && bool(extent) && bool(body), "incomplete for loop");
  check(min.type() == var.type() && extent.type() == var.type() &&
            var.type().isInt() && !var.type().isVector(),
        "loop '{}' bounds must be scalar integers of its variable's type",
        var.name());
  return std::make_shared<ForNode>(std::move(var), std::move(min),
                                   std::move(extent), kind, std::move(body));
}

Stmt makeSeq(std::vector<Stmt> stmts) {
  std::vector<Stmt> flat;
  for (Stmt &s : stmts) {
    if (!s)
      continue;
    if (auto *seq = s.as<SeqNode>())
      flat.insert(flat.end(), seq->stmts.begin(), seq->stmts.end());
    else
      flat.push_back(std::move(s));
  }
  if (flat.size() == 1)
    return flat[0];
  return std::make_shared<SeqNode>(std::move(flat));
}

Stmt makeIf(Expr cond, Stmt thenBody, Stmt elseBody) {
  check(bool(cond) && bool(thenBody), "incomplete if statement");
  check(cond.type() == DType::boolean(), "if condition must be scalar bool");
  return std::make_shared<IfThenElseNode>(std::move(cond), std::move(thenBody),
                                          std::move(elseBody));
}

Stmt makeStore(Buffer buffer, std::vector<Expr> indices, Expr value) {
  check(bool(buffer) && bool(value), "incomplete store");
  Expr probe = load(buffer, indices); // checks the indices
  if (value.type().lanes == 1 && probe.type().lanes > 1)
    value = broadcast(value, probe.type().lanes);
  check(value.type() == probe.type(), "store of {} into '{}' of {}",
        value.type().str(), buffer->name, probe.type().str());
  return std::make_shared<StoreNode>(std::move(buffer), std::move(indices),
                                     std::move(value));
}

Stmt makeAllocate(Buffer buffer, Stmt body) {
  check(bool(buffer) && bool(body), "incomplete allocate");
  return std::make_shared<AllocateNode>(std::move(buffer), std::move(body));
}

Stmt makeLet(Var var, Expr value, Stmt body) {
  check(bool(var) && bool(value) && bool(body), "incomplete let");
  check(var.type() == value.type(), "let '{}' of {} bound to {}", var.name(),
        var.type().str(), value.type().str());
  return std::make_shared<LetNode>(std::move(var), std::move(value),
                                   std::move(body));
}

Stmt makeEvaluate(Expr value) {
  check(bool(value), "evaluate of a null expression");
  return std::make_shared<EvaluateNode>(std::move(value));
}

Stmt makeBarrier() { return std::make_shared<BarrierNode>(); }

} // namespace kiln::loop
