//===- Verifier.cpp - loop IR well-formedness checks ----------------------===//
// Walks a PrimFunc with explicit scopes: variables are visible inside the
// For/Let that binds them, buffers are parameters or Allocate'd around their
// use. Every node is checked for nulls first, so hand-built IR cannot crash it.
//===----------------------------------------------------------------------===//
#include "kiln/LoopIR/Verifier.h"

#include "kiln/LoopIR/Functor.h"
#include "kiln/LoopIR/Printer.h"

#include <unordered_set>

namespace kiln::loop {

namespace {

/// Call prefixes of target intrinsics allowed in Evaluate statements until
/// backends register their intrinsics.
constexpr std::string_view kTargetPrefixes[] = {"kiln.", "vta.", "nvdla.",
                                                "cuda."};

bool isTargetIntrinsic(std::string_view name) {
  for (std::string_view p : kTargetPrefixes)
    if (name.size() > p.size() && name.substr(0, p.size()) == p)
      return true;
  return false;
}

class Verifier {
public:
  explicit Verifier(const PrimFunc &f) : func_(f) {}

  void run() {
    std::unordered_set<const BufferNode *> seenParams;
    for (size_t i = 0; i < func_.params.size(); ++i) {
      const Buffer &b = func_.params[i];
      if (!b)
        fail("parameter {} is null", i);
      if (!seenParams.insert(b.get()).second)
        fail("buffer '{}' is passed as two parameters", b->name);
      buffers_.insert(b.get());
      defined_.insert(b.get());
    }
    if (!func_.body)
      fail("the body is null");
    visit(func_.body);
  }

private:
  template <typename... Args>
  [[noreturn]] void fail(fmt::format_string<Args...> format, Args &&...args) {
    throw Error("loop IR verifier: func @" + func_.name + ": " +
                fmt::format(format, std::forward<Args>(args)...));
  }
  void need(bool cond, const char *what) {
    if (!cond)
      fail("{}", what);
  }

  // ---- scopes ----
  void defineVar(const Var &v, const char *binder) {
    need(bool(v), "a loop or let variable is null");
    if (!defined_.insert(v.get()).second)
      fail("variable '{}' is defined twice (second time by a {})", v.name(),
           binder);
    vars_.insert(v.get());
  }
  void defineBuffer(const Buffer &b) {
    if (!defined_.insert(b.get()).second)
      fail("buffer '{}' is defined twice", b->name);
    buffers_.insert(b.get());
  }

  // ---- expressions ----
  void visit(const Expr &e, bool evaluateRoot = false) {
    need(bool(e), "an expression is null");
    switch (e.kind()) {
    case ExprKind::IntImm:
      need(!e.type().isFloat(), "integer immediate of a float type");
      return;
    case ExprKind::FloatImm:
      need(e.type().isFloat(), "float immediate of a non-float type");
      return;
    case ExprKind::Var:
      if (!vars_.count(e.get()))
        fail("variable '{}' is used outside the for/let that defines it",
             e.as<VarNode>()->name);
      return;
    case ExprKind::Binary: {
      auto *n = e.as<BinaryNode>();
      visit(n->a);
      visit(n->b);
      if (n->a.type() != n->b.type())
        fail("operands of '{}' have types {} and {}: {}", toString(n->op),
             n->a.type().str(), n->b.type().str(), printExpr(e));
      return;
    }
    case ExprKind::Unary:
      visit(e.as<UnaryNode>()->a);
      return;
    case ExprKind::Select: {
      auto *n = e.as<SelectNode>();
      visit(n->cond);
      visit(n->trueValue);
      visit(n->falseValue);
      if (!n->cond.type().isBool())
        fail("select condition is {}, not bool: {}", n->cond.type().str(),
             printExpr(e));
      return;
    }
    case ExprKind::Cast:
      visit(e.as<CastNode>()->value);
      return;
    case ExprKind::Load: {
      auto *n = e.as<LoadNode>();
      access(n->buffer, n->indices, "load from");
      return;
    }
    case ExprKind::Call:
      checkCall(e, evaluateRoot);
      return;
    case ExprKind::Ramp: {
      auto *n = e.as<RampNode>();
      visit(n->base);
      visit(n->stride);
      if (n->lanes < 2 || !n->base.type().isInt() ||
          n->base.type().lanes != 1 || n->stride.type() != n->base.type())
        fail("malformed ramp: {}", printExpr(e));
      return;
    }
    case ExprKind::Broadcast: {
      auto *n = e.as<BroadcastNode>();
      visit(n->value);
      if (n->lanes < 2 || n->value.type().lanes != 1)
        fail("malformed broadcast: {}", printExpr(e));
      return;
    }
    }
    fail("unknown expression kind");
  }

  void checkCall(const Expr &e, bool evaluateRoot) {
    auto *n = e.as<CallNode>();
    for (const Expr &a : n->args)
      visit(a);
    if (auto id = lookupIntrinsic(n->name)) {
      if (int(n->args.size()) != intrinsicArity(*id))
        fail("'{}' takes {} operands, got {}", n->name, intrinsicArity(*id),
             n->args.size());
      return;
    }
    if (isTargetIntrinsic(n->name)) {
      if (!evaluateRoot)
        fail("target intrinsic '{}' may only be called by an eval "
             "statement: {}",
             n->name, printExpr(e));
      return;
    }
    fail("call to unknown function '{}'", n->name);
  }

  // The buffer is in scope, the indices are integers, one per dimension,
  // and constant ones are within the shape.
  void access(const Buffer &b, const std::vector<Expr> &indices,
              const char *what) {
    need(bool(b), "a load or store names a null buffer");
    if (b->viewOf)
      checkView(*b);
    // A view is in scope where its root is.
    const BufferNode *root = b->viewOf ? b->viewOf.get() : b.get();
    if (!buffers_.count(root))
      fail("{} buffer '{}', which is neither a parameter nor allocated "
           "around its use",
           what, b->name);
    if (indices.size() != b->rank())
      fail("{} '{}' with {} indices; the buffer has rank {}", what, b->name,
           indices.size(), b->rank());
    for (size_t d = 0; d < indices.size(); ++d) {
      const Expr &i = indices[d];
      visit(i);
      if (!i.type().isInt())
        fail("index {} of '{}' is of type {}, not an integer: {}", d, b->name,
             i.type().str(), printExpr(i));
      int64_t lo, hi;
      if (!constRange(i, &lo, &hi))
        continue;
      if (lo < 0 || hi >= b->shape[d])
        fail("index {} of '{}' is out of bounds: {} is not within [0, {})",
             d, b->name, printExpr(i), b->shape[d]);
    }
  }

  // A view must address memory inside its root.
  void checkView(const BufferNode &v) {
    if (!checkedViews_.insert(&v).second)
      return;
    const BufferNode &root = *v.viewOf;
    if (v.numElements() == 0)
      return;
    int64_t lo = v.viewOffset, hi = v.viewOffset;
    bool overflow = false;
    for (size_t d = 0; d < v.rank(); ++d) {
      int64_t span;
      overflow |= __builtin_mul_overflow(v.shape[d] - 1, v.strides[d], &span);
      overflow |= __builtin_add_overflow(span < 0 ? lo : hi, span,
                                         span < 0 ? &lo : &hi);
    }
    if (overflow || lo < 0 || hi >= root.extentElements())
      fail("view '{}' of '{}' reaches outside the {} elements of '{}'",
           v.name, root.name, root.extentElements(), root.name);
  }

  // Smallest and largest value of a constant index (scalar, broadcast or
  // ramp of constants).
  static bool constRange(const Expr &e, int64_t *lo, int64_t *hi) {
    int64_t v;
    if (isConstInt(e, &v)) {
      *lo = *hi = v;
      return true;
    }
    auto *r = e.as<RampNode>();
    int64_t base, stride, span, last;
    if (!r || !isConstInt(r->base, &base) || !isConstInt(r->stride, &stride) ||
        __builtin_mul_overflow(stride, int64_t(r->lanes - 1), &span) ||
        __builtin_add_overflow(base, span, &last))
      return false;
    *lo = std::min(base, last);
    *hi = std::max(base, last);
    return true;
  }

  // ---- statements ----
  void visit(const Stmt &s) {
    need(bool(s), "a statement is null");
    switch (s.kind()) {
    case StmtKind::For: {
      auto *n = s.as<ForNode>();
      need(bool(n->var) && bool(n->min) && bool(n->extent) && bool(n->body),
           "a for loop has a null part");
      visit(n->min);
      visit(n->extent);
      DType t = n->var.type();
      if (!t.isInt() || t.isVector())
        fail("loop variable '{}' is of type {}, not a scalar integer",
             n->var.name(), t.str());
      if (n->min.type() != t || n->extent.type() != t)
        fail("loop '{}' of type {} has bounds of type {} and {}",
             n->var.name(), t.str(), n->min.type().str(),
             n->extent.type().str());
      int64_t extent;
      if (n->forKind == ForKind::Vectorized &&
          !(n->extent.as<IntImmNode>() && isConstInt(n->extent, &extent)))
        fail("vectorized loop '{}' has a non-constant extent {}",
             n->var.name(), printExpr(n->extent));
      defineVar(n->var, "for");
      visit(n->body);
      vars_.erase(n->var.get());
      return;
    }
    case StmtKind::Seq:
      for (const Stmt &c : s.as<SeqNode>()->stmts)
        visit(c);
      return;
    case StmtKind::IfThenElse: {
      auto *n = s.as<IfThenElseNode>();
      need(bool(n->cond) && bool(n->thenBody), "an if has a null part");
      visit(n->cond);
      if (n->cond.type() != DType::boolean())
        fail("if condition is {}, not bool: {}", n->cond.type().str(),
             printExpr(n->cond));
      visit(n->thenBody);
      if (n->elseBody)
        visit(n->elseBody);
      return;
    }
    case StmtKind::Store: {
      auto *n = s.as<StoreNode>();
      access(n->buffer, n->indices, "store to");
      visit(n->value);
      int lanes = 1;
      for (const Expr &i : n->indices)
        lanes = std::max(lanes, i.type().lanes);
      if (n->value.type() != DType(n->buffer->elem, lanes))
        fail("store of {} into '{}' whose accesses are {}",
             n->value.type().str(), n->buffer->name,
             DType(n->buffer->elem, lanes).str());
      return;
    }
    case StmtKind::Allocate: {
      auto *n = s.as<AllocateNode>();
      need(bool(n->buffer) && bool(n->body), "an allocate has a null part");
      checkAllocation(*n->buffer);
      defineBuffer(n->buffer);
      visit(n->body);
      buffers_.erase(n->buffer.get());
      return;
    }
    case StmtKind::Let: {
      auto *n = s.as<LetNode>();
      need(bool(n->var) && bool(n->value) && bool(n->body),
           "a let has a null part");
      visit(n->value);
      if (n->var.type() != n->value.type())
        fail("let '{}' of type {} is bound to a value of type {}",
             n->var.name(), n->var.type().str(), n->value.type().str());
      defineVar(n->var, "let");
      visit(n->body);
      vars_.erase(n->var.get());
      return;
    }
    case StmtKind::Evaluate:
      visit(s.as<EvaluateNode>()->value, /*evaluateRoot=*/true);
      return;
    case StmtKind::Barrier:
      return;
    }
    fail("unknown statement kind");
  }

  void checkAllocation(const BufferNode &b) {
    if (b.scope != MemoryScope::Stack)
      return;
    // Overflow-safe byte size of the elements spanned.
    int64_t last = 0, bytes = 0;
    bool overflow = false;
    for (size_t i = 0; i < b.rank() && b.shape[i] > 0; ++i) {
      int64_t term;
      overflow |= __builtin_mul_overflow(b.shape[i] - 1,
                                         b.strides[i] < 0 ? -b.strides[i]
                                                          : b.strides[i],
                                         &term) ||
                  __builtin_add_overflow(last, term, &last);
    }
    overflow |= __builtin_add_overflow(last, int64_t(1), &last) ||
                __builtin_mul_overflow(last, int64_t(byteSize(b.elem)),
                                       &bytes);
    if (overflow || bytes > kMaxStackAllocation)
      fail("stack buffer '{}' takes {} bytes, more than the {} allowed",
           b.name, overflow ? std::string("too many") : std::to_string(bytes),
           kMaxStackAllocation);
  }

  const PrimFunc &func_;
  std::unordered_set<const void *> defined_; // every binding so far
  std::unordered_set<const void *> vars_;    // variables in scope
  std::unordered_set<const void *> buffers_; // buffers in scope
  std::unordered_set<const BufferNode *> checkedViews_;
};

} // namespace

void verifyPrimFunc(const PrimFunc &func) { Verifier(func).run(); }

void verifyProgram(const Program &p) {
  auto bad = [&](const std::string &msg) {
    throw Error("loop IR verifier: program '" + p.name + "': " + msg);
  };
  std::unordered_set<std::string> names;
  for (const PrimFunc &f : p.funcs) {
    if (!names.insert(f.name).second)
      bad(fmt::format("two kernels are named @{}", f.name));
    verifyPrimFunc(f);
  }
  auto checkSignature = [&](const std::vector<size_t> &ids, StorageKind kind,
                            const char *what) {
    for (size_t i = 0; i < ids.size(); ++i) {
      if (ids[i] >= p.tensors.size())
        bad(fmt::format("{} {} is tensor #{}, which does not exist", what, i,
                        ids[i]));
      const ProgramTensor &t = p.tensors[ids[i]];
      if (t.storage != kind || t.index != int(i))
        bad(fmt::format("{} {} is tensor #{} '{}', which is not marked as "
                        "{} {}",
                        what, i, ids[i], t.name, what, i));
    }
  };
  checkSignature(p.inputs, StorageKind::Input, "input");
  checkSignature(p.outputs, StorageKind::Output, "output");
  for (size_t i = 0; i < p.tensors.size(); ++i) {
    const ProgramTensor &t = p.tensors[i];
    for (int64_t d : t.shape)
      if (d < 0)
        bad(fmt::format("tensor #{} '{}' has a negative dimension", i, t.name));
    const std::vector<size_t> *list = t.storage == StorageKind::Input ? &p.inputs
                                      : t.storage == StorageKind::Output
                                          ? &p.outputs
                                          : nullptr;
    if (list && (t.index < 0 || size_t(t.index) >= list->size() ||
                 (*list)[size_t(t.index)] != i))
      bad(fmt::format("tensor #{} '{}' claims to be {} {}, which it is not", i,
                      t.name,
                      t.storage == StorageKind::Input ? "input" : "output",
                      t.index));
    if (t.storage == StorageKind::Constant &&
        (t.value.elementType() != t.elem || t.value.shape() != t.shape))
      bad(fmt::format("constant tensor #{} '{}' holds data of type {}, not "
                      "{}",
                      i, t.name, t.value.type().str(),
                      TensorType(t.elem, t.shape).str()));
    if (t.storage == StorageKind::Arena && t.offset >= 0 && p.arenaSize > 0 &&
        t.offset + t.byteSize() > p.arenaSize)
      bad(fmt::format("tensor #{} '{}' at offset {} ({} bytes) overruns the "
                      "arena of {} bytes",
                      i, t.name, t.offset, t.byteSize(), p.arenaSize));
  }
  for (size_t c = 0; c < p.calls.size(); ++c) {
    const KernelCall &call = p.calls[c];
    if (call.func >= p.funcs.size())
      bad(fmt::format("call {} names kernel {}, which does not exist", c,
                      call.func));
    const PrimFunc &f = p.funcs[call.func];
    if (call.args.size() != f.params.size())
      bad(fmt::format("call {} passes {} tensors to @{}, which takes {}", c,
                      call.args.size(), f.name, f.params.size()));
    for (size_t a = 0; a < call.args.size(); ++a) {
      if (call.args[a] >= p.tensors.size())
        bad(fmt::format("call {} to @{}: argument {} is tensor #{}, which "
                        "does not exist",
                        c, f.name, a, call.args[a]));
      const ProgramTensor &t = p.tensors[call.args[a]];
      const BufferNode &b = *f.params[a];
      if (t.elem != b.elem || t.shape != b.shape)
        bad(fmt::format("call {} to @{}: argument {} is tensor '{}' of {}, "
                        "but parameter '{}' is {}",
                        c, f.name, a, t.name, TensorType(t.elem, t.shape).str(),
                        b.name, TensorType(b.elem, b.shape).str()));
      if (t.storage == StorageKind::Constant) {
        // A kernel must not write a constant; it may only load from it.
        bool written = false;
        struct Finder : IRVisitor {
          const BufferNode *target;
          bool *written;
          void visitStore(const StoreNode *n) override {
            *written |= n->buffer.get() == target;
            IRVisitor::visitStore(n);
          }
        } finder;
        finder.target = &b;
        finder.written = &written;
        finder.visit(f.body);
        if (written)
          bad(fmt::format("call {} to @{}: parameter '{}' is stored to, but "
                          "its argument '{}' is a constant",
                          c, f.name, b.name, t.name));
      }
    }
    auto inArgs = [&](int i) {
      return i >= 0 && size_t(i) < call.args.size();
    };
    if ((call.inPlace.first >= 0 || call.inPlace.second >= 0) &&
        !(inArgs(call.inPlace.first) && inArgs(call.inPlace.second)))
      bad(fmt::format("call {} to @{} has an in-place pair ({}, {}) outside "
                      "its {} arguments",
                      c, f.name, call.inPlace.first, call.inPlace.second,
                      call.args.size()));
    if (call.workspaceSize < 0 || call.workspaceOffset < 0)
      bad(fmt::format("call {} to @{} has a negative workspace", c, f.name));
  }
}

} // namespace kiln::loop
