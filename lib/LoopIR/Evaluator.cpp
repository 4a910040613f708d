//===- Evaluator.cpp - reference execution of loop IR ---------------------===//
//
// A PrimFunc is first compiled into a tree of small executable nodes whose
// variables are resolved to register slots and whose buffers are resolved to
// memory-region slots, then that tree runs. Each expression node owns the
// storage of its result (one Scalar per lane).
//
//===----------------------------------------------------------------------===//

#include "kiln/LoopIR/Evaluator.h"

#include "CompiledFunc.h"
#include "ScalarSemantics.h"

#include <algorithm>
#include <cstring>
#include <fmt/format.h>
#include <unordered_map>

namespace kiln::loop {

using detail::Scalar;

namespace {

struct Region {
  uint8_t *base = nullptr;
  int64_t bytes = 0;
};

struct Machine {
  std::vector<Scalar> regs;
  std::vector<Region> regions;
};

struct CExpr {
  CExpr(DType t) : elem(t.elem), lanes(t.lanes), out(size_t(t.lanes)) {}
  virtual ~CExpr() = default;
  virtual const Scalar *eval(Machine &m) = 0;
  ElementType elem;
  int lanes;
  std::vector<Scalar> out;
};

struct CStmt {
  virtual ~CStmt() = default;
  virtual void exec(Machine &m) = 0;
};

// Index of operand lane l when the operand may be a scalar.
inline int laneOf(const CExpr *e, int l) { return e->lanes == 1 ? 0 : l; }

struct ConstE : CExpr {
  using CExpr::CExpr;
  const Scalar *eval(Machine &) override { return out.data(); }
};

struct VarE : CExpr {
  VarE(DType t, size_t slot) : CExpr(t), slot(slot) {}
  const Scalar *eval(Machine &m) override { return &m.regs[slot]; }
  size_t slot;
};

struct BinaryE : CExpr {
  BinaryE(DType t, BinaryOp op, ElementType operand, CExpr *a, CExpr *b)
      : CExpr(t), op(op), operand(operand), a(a), b(b) {}
  const Scalar *eval(Machine &m) override {
    const Scalar *pa = a->eval(m), *pb = b->eval(m);
    if (operand == ElementType::I64) {
      // Fast paths for index arithmetic.
      switch (op) {
      case BinaryOp::Add:
        for (int l = 0; l < lanes; ++l)
          out[l].i = int64_t(uint64_t(pa[l].i) + uint64_t(pb[l].i));
        return out.data();
      case BinaryOp::Mul:
        for (int l = 0; l < lanes; ++l)
          out[l].i = int64_t(uint64_t(pa[l].i) * uint64_t(pb[l].i));
        return out.data();
      default:
        break;
      }
    } else if (operand == ElementType::F32) {
      switch (op) {
      case BinaryOp::Add:
        for (int l = 0; l < lanes; ++l)
          out[l].f = double(float(pa[l].f) + float(pb[l].f));
        return out.data();
      case BinaryOp::Sub:
        for (int l = 0; l < lanes; ++l)
          out[l].f = double(float(pa[l].f) - float(pb[l].f));
        return out.data();
      case BinaryOp::Mul:
        for (int l = 0; l < lanes; ++l)
          out[l].f = double(float(pa[l].f) * float(pb[l].f));
        return out.data();
      default:
        break;
      }
    }
    for (int l = 0; l < lanes; ++l)
      out[l] = detail::binaryOp(op, operand, pa[l], pb[l]);
    return out.data();
  }
  BinaryOp op;
  ElementType operand;
  CExpr *a, *b;
};

struct UnaryE : CExpr {
  UnaryE(DType t, UnaryOp op, CExpr *a) : CExpr(t), op(op), a(a) {}
  const Scalar *eval(Machine &m) override {
    const Scalar *pa = a->eval(m);
    for (int l = 0; l < lanes; ++l)
      out[l] = detail::unaryOp(op, elem, pa[l]);
    return out.data();
  }
  UnaryOp op;
  CExpr *a;
};

struct SelectE : CExpr {
  SelectE(DType t, CExpr *c, CExpr *tv, CExpr *fv)
      : CExpr(t), c(c), tv(tv), fv(fv) {}
  const Scalar *eval(Machine &m) override {
    const Scalar *pc = c->eval(m), *pt = tv->eval(m), *pf = fv->eval(m);
    for (int l = 0; l < lanes; ++l)
      out[l] = pc[laneOf(c, l)].i ? pt[l] : pf[l];
    return out.data();
  }
  CExpr *c, *tv, *fv;
};

struct CastE : CExpr {
  CastE(DType t, CExpr *a) : CExpr(t), a(a) {}
  const Scalar *eval(Machine &m) override {
    const Scalar *pa = a->eval(m);
    for (int l = 0; l < lanes; ++l)
      out[l] = detail::castScalar(a->elem, elem, pa[l]);
    return out.data();
  }
  CExpr *a;
};

struct CallE : CExpr {
  CallE(DType t, Intrinsic id, std::vector<CExpr *> args)
      : CExpr(t), id(id), args(std::move(args)) {}
  const Scalar *eval(Machine &m) override {
    const Scalar *p[2] = {nullptr, nullptr};
    for (size_t i = 0; i < args.size(); ++i)
      p[i] = args[i]->eval(m);
    for (int l = 0; l < lanes; ++l) {
      Scalar lane[2];
      for (size_t i = 0; i < args.size(); ++i)
        lane[i] = p[i][laneOf(args[i], l)];
      out[l] = detail::callIntrinsic(id, args[0]->elem, lane);
    }
    return out.data();
  }
  Intrinsic id;
  std::vector<CExpr *> args;
};

struct RampE : CExpr {
  RampE(DType t, CExpr *base, CExpr *stride)
      : CExpr(t), base(base), stride(stride) {}
  const Scalar *eval(Machine &m) override {
    uint64_t b = uint64_t(base->eval(m)->i), s = uint64_t(stride->eval(m)->i);
    for (int l = 0; l < lanes; ++l)
      out[l].i = detail::normalizeInt(elem, int64_t(b + uint64_t(l) * s));
    return out.data();
  }
  CExpr *base, *stride;
};

struct BroadcastE : CExpr {
  BroadcastE(DType t, CExpr *a) : CExpr(t), a(a) {}
  const Scalar *eval(Machine &m) override {
    Scalar v = *a->eval(m);
    for (int l = 0; l < lanes; ++l)
      out[l] = v;
    return out.data();
  }
  CExpr *a;
};

/// A buffer access (load or store) resolved to a region slot.
struct Access {
  Buffer buffer;
  size_t region = 0;
  std::vector<CExpr *> indices;
  std::vector<const Scalar *> values; // per-evaluation index pointers
  int64_t elemBytes = 0;

  [[noreturn]] void outOfBounds(const char *what, int lane) const {
    std::string at, shape;
    for (size_t d = 0; d < indices.size(); ++d) {
      int64_t i = values[d][laneOf(indices[d], lane)].i;
      at += (d ? ", " : "") + std::to_string(i);
      shape += (d ? ", " : "") + std::to_string(buffer->shape[d]);
    }
    fail("out-of-bounds {} of '{}' at [{}] (shape [{}])", what, buffer->name,
         at, shape);
  }

  void evalIndices(Machine &m) {
    for (size_t d = 0; d < indices.size(); ++d)
      values[d] = indices[d]->eval(m);
  }

  // Address of lane l, bounds-checked per dimension and against the region.
  uint8_t *address(const Machine &m, int lane, const char *what) const {
    int64_t offset = 0;
    for (size_t d = 0; d < indices.size(); ++d) {
      int64_t i = values[d][laneOf(indices[d], lane)].i;
      if (i < 0 || i >= buffer->shape[d])
        outOfBounds(what, lane);
      offset += i * buffer->strides[d];
    }
    const Region &r = m.regions[region];
    if (offset < 0 || (offset + 1) * elemBytes > r.bytes || !r.base)
      outOfBounds(what, lane);
    return r.base + offset * elemBytes;
  }
};

struct LoadE : CExpr {
  LoadE(DType t, Access access) : CExpr(t), acc(std::move(access)) {}
  const Scalar *eval(Machine &m) override {
    acc.evalIndices(m);
    for (int l = 0; l < lanes; ++l)
      out[l] = detail::loadElement(elem, acc.address(m, l, "load"));
    return out.data();
  }
  Access acc;
};

struct SeqS : CStmt {
  void exec(Machine &m) override {
    for (CStmt *s : stmts)
      s->exec(m);
  }
  std::vector<CStmt *> stmts;
};

struct ForS : CStmt {
  void exec(Machine &m) override {
    int64_t lo = min->eval(m)->i, n = extent->eval(m)->i;
    Scalar saved = m.regs[slot];
    for (int64_t k = 0; k < n; ++k) {
      m.regs[slot].i = detail::normalizeInt(type, int64_t(uint64_t(lo) + uint64_t(k)));
      body->exec(m);
    }
    m.regs[slot] = saved;
  }
  ElementType type;
  size_t slot;
  CExpr *min, *extent;
  CStmt *body;
};

struct IfS : CStmt {
  void exec(Machine &m) override {
    if (cond->eval(m)->i)
      thenBody->exec(m);
    else if (elseBody)
      elseBody->exec(m);
  }
  CExpr *cond;
  CStmt *thenBody, *elseBody = nullptr;
};

struct StoreS : CStmt {
  void exec(Machine &m) override {
    const Scalar *v = value->eval(m);
    acc.evalIndices(m);
    for (int l = 0; l < value->lanes; ++l)
      detail::storeElement(value->elem, acc.address(m, l, "store"), v[l]);
  }
  Access acc;
  CExpr *value;
};

struct AllocateS : CStmt {
  void exec(Machine &m) override {
    Region saved = m.regions[region];
    if (global) {
      m.regions[region] = {workspaceBase + offset, bytes};
    } else {
      std::memset(storage.data(), 0, storage.size());
      m.regions[region] = {storage.data(), bytes};
    }
    body->exec(m);
    m.regions[region] = saved;
  }
  bool global = false;
  size_t region = 0;
  int64_t offset = 0, bytes = 0;
  uint8_t *workspaceBase = nullptr; // set before each run
  std::vector<uint8_t> storage;
  CStmt *body;
};

struct LetS : CStmt {
  void exec(Machine &m) override {
    const Scalar *v = value->eval(m);
    std::vector<Scalar> saved(m.regs.begin() + slot,
                              m.regs.begin() + slot + value->lanes);
    std::copy(v, v + value->lanes, m.regs.begin() + slot);
    body->exec(m);
    std::copy(saved.begin(), saved.end(), m.regs.begin() + slot);
  }
  size_t slot;
  CExpr *value;
  CStmt *body;
};

struct EvaluateS : CStmt {
  void exec(Machine &m) override { value->eval(m); }
  CExpr *value;
};

struct NopS : CStmt {
  void exec(Machine &) override {}
};

int64_t alignUp(int64_t v, int64_t a) { return (v + a - 1) / a * a; }

} // namespace

class CompiledFunc::Impl {
public:
  explicit Impl(const PrimFunc &f) : f_(f) {
    for (size_t i = 0; i < f.params.size(); ++i) {
      check(bool(f.params[i]), "kernel '{}' has a null parameter {}", f.name, i);
      scope_.push_back({f.params[i].get(), newRegion()});
    }
    root_ = f.body ? compile(f.body) : make<NopS>();
  }

  void run(const std::vector<void *> &args, void *workspace,
           int64_t workspaceSize) {
    check(args.size() == f_.params.size(),
          "kernel '{}' takes {} buffers, got {}", f_.name, f_.params.size(),
          args.size());
    check(workspaceSize >= workspaceBytes_ && (workspace || !workspaceBytes_),
          "kernel '{}' needs {} workspace bytes, got {}", f_.name,
          workspaceBytes_, workspaceSize);
    Machine m;
    m.regs.assign(numRegs_, detail::intScalar(0));
    m.regions.assign(numRegions_, Region());
    for (size_t i = 0; i < args.size(); ++i) {
      int64_t bytes = f_.params[i]->byteSize();
      check(args[i] || bytes == 0, "kernel '{}': buffer '{}' has no memory",
            f_.name, f_.params[i]->name);
      m.regions[i] = {static_cast<uint8_t *>(args[i]), bytes};
    }
    for (AllocateS *a : globals_)
      a->workspaceBase = static_cast<uint8_t *>(workspace);
    root_->exec(m);
  }

private:
  template <typename T, typename... Args> T *make(Args &&...args) {
    auto node = std::make_unique<T>(std::forward<Args>(args)...);
    T *raw = node.get();
    if constexpr (std::is_base_of_v<CExpr, T>)
      exprs_.push_back(std::move(node));
    else
      stmts_.push_back(std::move(node));
    return raw;
  }

  size_t newRegion() { return numRegions_++; }

  size_t slotOf(const VarNode *v) {
    auto it = slots_.find(v);
    if (it != slots_.end())
      return it->second;
    size_t slot = numRegs_;
    numRegs_ += size_t(v->type.lanes);
    slots_[v] = slot;
    return slot;
  }

  size_t regionOf(const Buffer &b) {
    for (size_t i = scope_.size(); i-- > 0;)
      if (scope_[i].first == b.get())
        return scope_[i].second;
    if (b->viewOf) {
      // A view (BufferNode::viewOf) addresses its root's memory.
      check(b->viewOffset == 0, "kernel '{}': view '{}' with an offset is not "
            "supported by the evaluator", f_.name, b->name);
      return regionOf(b->viewOf);
    }
    // A view of a bound buffer (e.g. reshapeView) shares its name and memory.
    for (size_t i = scope_.size(); i-- > 0;) {
      if (scope_[i].first->name == b->name) {
        check(byteSize(scope_[i].first->elem) == byteSize(b->elem),
              "kernel '{}': view '{}' changes the element size", f_.name,
              b->name);
        return scope_[i].second;
      }
    }
    fail("kernel '{}': buffer '{}' is neither a parameter nor allocated",
         f_.name, b->name);
  }

  Access access(const Buffer &b, const std::vector<Expr> &indices) {
    Access a;
    a.buffer = b;
    a.region = regionOf(b);
    a.elemBytes = int64_t(byteSize(b->elem));
    for (const Expr &i : indices)
      a.indices.push_back(compile(i));
    a.values.resize(indices.size());
    return a;
  }

  CExpr *compile(const Expr &e) {
    check(bool(e), "kernel '{}' has a null expression", f_.name);
    auto it = memo_.find(e.get());
    if (it != memo_.end())
      return it->second;
    CExpr *c = compileUncached(e);
    memo_[e.get()] = c;
    return c;
  }

  CExpr *compileUncached(const Expr &e) {
    DType t = e.type();
    switch (e.kind()) {
    case ExprKind::IntImm: {
      auto *c = make<ConstE>(t);
      for (Scalar &s : c->out)
        s.i = detail::normalizeInt(t.elem, e.as<IntImmNode>()->value);
      return c;
    }
    case ExprKind::FloatImm: {
      auto *c = make<ConstE>(t);
      for (Scalar &s : c->out)
        s.f = detail::roundFloat(t.elem, e.as<FloatImmNode>()->value);
      return c;
    }
    case ExprKind::Var: {
      auto *v = e.as<VarNode>();
      check(bound_.count(v) && bound_[v] > 0,
            "kernel '{}' uses variable '{}' outside its scope", f_.name,
            v->name);
      return make<VarE>(t, slotOf(v));
    }
    case ExprKind::Binary: {
      auto *n = e.as<BinaryNode>();
      CExpr *a = compile(n->a), *b = compile(n->b);
      check(a->lanes == t.lanes && b->lanes == t.lanes,
            "binary '{}' with mismatched lanes", toString(n->op));
      return make<BinaryE>(t, n->op, n->a.type().elem, a, b);
    }
    case ExprKind::Unary: {
      auto *n = e.as<UnaryNode>();
      return make<UnaryE>(t, n->op, compile(n->a));
    }
    case ExprKind::Select: {
      auto *n = e.as<SelectNode>();
      CExpr *c = compile(n->cond), *tv = compile(n->trueValue),
            *fv = compile(n->falseValue);
      check(tv->lanes == t.lanes && fv->lanes == t.lanes,
            "select with mismatched lanes");
      return make<SelectE>(t, c, tv, fv);
    }
    case ExprKind::Cast: {
      auto *n = e.as<CastNode>();
      CExpr *a = compile(n->value);
      check(a->lanes == t.lanes, "cast changes lane count");
      return make<CastE>(t, a);
    }
    case ExprKind::Load: {
      auto *n = e.as<LoadNode>();
      return make<LoadE>(t, access(n->buffer, n->indices));
    }
    case ExprKind::Call: {
      auto *n = e.as<CallNode>();
      auto id = lookupIntrinsic(n->name);
      check(id.has_value(), "kernel '{}' calls unknown intrinsic '{}'",
            f_.name, n->name);
      check(int(n->args.size()) == intrinsicArity(*id) && !n->args.empty(),
            "intrinsic '{}' takes {} arguments, got {}", n->name,
            intrinsicArity(*id), n->args.size());
      std::vector<CExpr *> args;
      for (const Expr &a : n->args) {
        check(a.type().isFloat(), "intrinsic '{}' needs float arguments",
              n->name);
        args.push_back(compile(a));
      }
      return make<CallE>(t, *id, std::move(args));
    }
    case ExprKind::Ramp: {
      auto *n = e.as<RampNode>();
      return make<RampE>(t, compile(n->base), compile(n->stride));
    }
    case ExprKind::Broadcast:
      return make<BroadcastE>(t, compile(e.as<BroadcastNode>()->value));
    }
    fail("unknown expression kind");
  }

  // Expressions are shared only within one statement, where every variable
  // and buffer means the same thing.
  CExpr *compileFresh(const Expr &e) {
    memo_.clear();
    return compile(e);
  }

  CExpr *compileScalar(const Expr &e, const char *what) {
    CExpr *c = compileFresh(e);
    check(c->lanes == 1, "kernel '{}': {} must be a scalar", f_.name, what);
    return c;
  }

  CStmt *compile(const Stmt &s) {
    switch (s.kind()) {
    case StmtKind::For: {
      auto *n = s.as<ForNode>();
      auto *c = make<ForS>();
      c->type = n->var.type().elem;
      c->min = compileScalar(n->min, "a loop bound");
      c->extent = compileScalar(n->extent, "a loop bound");
      c->slot = slotOf(n->var.node());
      ++bound_[n->var.node()];
      c->body = compile(n->body);
      --bound_[n->var.node()];
      return c;
    }
    case StmtKind::Seq: {
      auto *c = make<SeqS>();
      for (const Stmt &x : s.as<SeqNode>()->stmts)
        if (x)
          c->stmts.push_back(compile(x));
      return c;
    }
    case StmtKind::IfThenElse: {
      auto *n = s.as<IfThenElseNode>();
      auto *c = make<IfS>();
      c->cond = compileScalar(n->cond, "an if condition");
      c->thenBody = compile(n->thenBody);
      if (n->elseBody)
        c->elseBody = compile(n->elseBody);
      return c;
    }
    case StmtKind::Store: {
      auto *n = s.as<StoreNode>();
      auto *c = make<StoreS>();
      memo_.clear();
      c->value = compile(n->value);
      c->acc = access(n->buffer, n->indices);
      for (CExpr *i : c->acc.indices)
        check(i->lanes == 1 || i->lanes == c->value->lanes,
              "store to '{}' with mismatched lanes", n->buffer->name);
      check(c->value->elem == n->buffer->elem,
            "store of {} into '{}' of {}", toString(c->value->elem),
            n->buffer->name, toString(n->buffer->elem));
      return c;
    }
    case StmtKind::Allocate: {
      auto *n = s.as<AllocateNode>();
      auto *c = make<AllocateS>();
      c->region = newRegion();
      c->bytes = n->buffer->byteSize();
      if (n->buffer->scope == MemoryScope::Global) {
        c->global = true;
        c->offset = workspaceBytes_;
        workspaceBytes_ += alignUp(c->bytes, kArenaAlignment);
        globals_.push_back(c);
      } else {
        c->storage.resize(size_t(c->bytes));
      }
      scope_.push_back({n->buffer.get(), c->region});
      c->body = compile(n->body);
      scope_.pop_back();
      return c;
    }
    case StmtKind::Let: {
      auto *n = s.as<LetNode>();
      auto *c = make<LetS>();
      c->value = compileFresh(n->value);
      check(c->value->lanes == n->var.type().lanes,
            "let '{}' changes lane count", n->var.name());
      c->slot = slotOf(n->var.node());
      ++bound_[n->var.node()];
      c->body = compile(n->body);
      --bound_[n->var.node()];
      return c;
    }
    case StmtKind::Evaluate: {
      auto *c = make<EvaluateS>();
      c->value = compileFresh(s.as<EvaluateNode>()->value);
      return c;
    }
    case StmtKind::Barrier:
      return make<NopS>();
    }
    fail("unknown statement kind");
  }

  const PrimFunc &f_;
  std::vector<std::unique_ptr<CExpr>> exprs_;
  std::vector<std::unique_ptr<CStmt>> stmts_;
  std::unordered_map<const ExprNode *, CExpr *> memo_;
  std::unordered_map<const VarNode *, size_t> slots_;
  std::unordered_map<const VarNode *, int> bound_;
  std::vector<std::pair<const BufferNode *, size_t>> scope_;
  std::vector<AllocateS *> globals_;
  size_t numRegs_ = 0, numRegions_ = 0;
  int64_t workspaceBytes_ = 0;
  CStmt *root_ = nullptr;
};

CompiledFunc::CompiledFunc(const PrimFunc &f)
    : impl_(std::make_unique<Impl>(f)) {}
CompiledFunc::~CompiledFunc() = default;
void CompiledFunc::run(const std::vector<void *> &args, void *workspace,
                       int64_t workspaceSize) {
  impl_->run(args, workspace, workspaceSize);
}

void evaluatePrimFunc(const PrimFunc &f, const std::vector<void *> &args,
                      void *workspace, int64_t workspaceSize) {
  CompiledFunc(f).run(args, workspace, workspaceSize);
}


} // namespace kiln::loop
