//===- Vectorize.cpp - turn Vectorized loops into vector code -------------===//
//
// A Vectorized loop of constant extent L becomes its body evaluated once on
// L-lane vectors: the loop variable becomes Ramp(min, 1, L), expressions that
// do not depend on it stay scalar (binary()/select()/makeStore() broadcast
// them where they meet vectors), and index arithmetic keeps Ramps as Ramps so
// the code generator sees contiguous accesses. Bodies that are not
// straight-line, or whose lanes could interfere, are left alone.
//
//===----------------------------------------------------------------------===//

#include "kiln/LoopIR/Functor.h"
#include "kiln/LoopIR/Schedule.h"
#include "kiln/LoopIR/Simplify.h"

#include <algorithm>
#include <map>
#include <optional>
#include <unordered_set>

namespace kiln::loop {

namespace {

/// Widest vector the vectorizer builds; wider loops are left to LLVM.
constexpr int64_t kMaxLanes = 64;

/// Vectorizes the body of one loop, or reports that it cannot.
class LoopVectorizer {
public:
  LoopVectorizer(const ForNode *loop, int lanes) : loop_(loop), lanes_(lanes) {
    map_[loop->var.node()] =
        ramp(loop->min, intImm(loop->var.type(), 1), lanes);
  }

  std::optional<Stmt> run() {
    if (!independentLanes(loop_->body))
      return std::nullopt;
    Stmt out = stmt(loop_->body);
    if (!ok_)
      return std::nullopt;
    return out;
  }

private:
  const ForNode *loop_;
  int lanes_;
  bool ok_ = true;
  std::unordered_map<const VarNode *, Expr> map_;

  Expr failed(const Expr &e) {
    ok_ = false;
    return e;
  }

  // Lanes must not read what other lanes write: every load of a buffer the
  // body stores must use exactly the indices of one of its stores (buffers
  // compared by name, which views share), and stores of one buffer with
  // other indices must write disjoint elements: in some dimension both
  // indices are lane-invariant and differ by a non-zero constant (the rows
  // of a register tile's write-back).
  bool independentLanes(const Stmt &body) {
    std::map<std::string, std::vector<std::vector<Expr>>> stored;
    std::unordered_set<const VarNode *> varying = {loop_->var.node()};
    std::function<void(const Stmt &)> collect = [&](const Stmt &s) {
      if (auto *seq = s.as<SeqNode>()) {
        for (const Stmt &st : seq->stmts)
          collect(st);
      } else if (auto *let = s.as<LetNode>()) {
        varying.insert(let->var.node());
        collect(let->body);
      } else if (auto *st = s.as<StoreNode>()) {
        stored[st->buffer->name].push_back(st->indices);
      }
    };
    collect(body);
    auto invariant = [&](const Expr &e) {
      bool ok = true;
      forEachExpr(e, [&](const Expr &x) {
        if (auto *v = x.as<VarNode>())
          ok &= varying.count(v) == 0;
      });
      return ok;
    };
    auto same = [](const std::vector<Expr> &a, const std::vector<Expr> &b) {
      if (a.size() != b.size())
        return false;
      for (size_t d = 0; d < a.size(); ++d)
        if (!exprEqual(a[d], b[d]))
          return false;
      return true;
    };
    // Whether e is the loop variable times a constant plus invariants.
    const VarNode *lane = loop_->var.node();
    auto laneStride = [&](const Expr &e, int64_t *stride) {
      bool ok = true;
      forEachExpr(e, [&](const Expr &x) {
        if (auto *v = x.as<VarNode>())
          ok &= v == lane || varying.count(v) == 0;
      });
      Expr next = substitute(e, {{lane, loop_->var + Expr(1)}});
      return ok && isConstInt(simplify(next - e), stride);
    };
    // Disjoint in dimension d: a constant offset apart, either both
    // lane-invariant, or both lane * s + base with the offset off the s
    // grid or beyond all lanes.
    auto disjoint = [&](const std::vector<Expr> &a,
                        const std::vector<Expr> &b) {
      for (size_t d = 0; d < a.size() && d < b.size(); ++d) {
        int64_t diff = 0, stride = 0;
        if (!isConstInt(simplify(a[d] - b[d]), &diff) || diff == 0)
          continue;
        if (invariant(a[d]) && invariant(b[d]))
          return true;
        if (laneStride(a[d], &stride) && stride != 0 &&
            (diff % stride != 0 || std::abs(diff) >= std::abs(stride) * lanes_))
          return true;
      }
      return false;
    };
    bool good = true;
    for (const auto &[name, all] : stored)
      for (size_t i = 0; i < all.size(); ++i)
        for (size_t j = 0; good && j < i; ++j)
          good &= same(all[i], all[j]) || disjoint(all[i], all[j]);
    forEachExpr(body, [&](const Expr &e) {
      auto *ld = e.as<LoadNode>();
      if (!ld)
        return;
      auto it = stored.find(ld->buffer->name);
      if (it == stored.end())
        return;
      good &= std::any_of(it->second.begin(), it->second.end(),
                          [&](const std::vector<Expr> &idx) {
                            return same(ld->indices, idx);
                          });
    });
    return good;
  }

  bool isLanes(const Expr &e) const {
    int l = e.type().lanes;
    return l == 1 || l == lanes_;
  }

  Expr expr(const Expr &e) {
    if (!e || !ok_)
      return e;
    switch (e.kind()) {
    case ExprKind::IntImm:
    case ExprKind::FloatImm:
      return e;
    case ExprKind::Var: {
      auto it = map_.find(e.as<VarNode>());
      return it == map_.end() ? e : it->second;
    }
    case ExprKind::Binary:
      return binaryExpr(e, e.as<BinaryNode>());
    case ExprKind::Unary: {
      auto *n = e.as<UnaryNode>();
      Expr a = expr(n->a);
      if (a.same(n->a))
        return e;
      if (auto *r = a.as<RampNode>(); r && n->op == UnaryOp::Neg)
        return ramp(-r->base, -r->stride, r->lanes);
      return unary(n->op, a);
    }
    case ExprKind::Select: {
      auto *n = e.as<SelectNode>();
      Expr c = expr(n->cond), t = expr(n->trueValue), f = expr(n->falseValue);
      if (c.same(n->cond) && t.same(n->trueValue) && f.same(n->falseValue))
        return e;
      return select(c, t, f);
    }
    case ExprKind::Cast: {
      auto *n = e.as<CastNode>();
      Expr v = expr(n->value);
      return v.same(n->value) ? e : cast(n->type.elem, v);
    }
    case ExprKind::Load: {
      auto *n = e.as<LoadNode>();
      std::vector<Expr> idx;
      bool changed = false;
      for (const Expr &i : n->indices) {
        idx.push_back(expr(i));
        changed |= !idx.back().same(i);
      }
      return changed ? load(n->buffer, std::move(idx)) : e;
    }
    case ExprKind::Call: {
      auto *n = e.as<CallNode>();
      std::vector<Expr> args;
      bool changed = false;
      for (const Expr &a : n->args) {
        args.push_back(expr(a));
        changed |= !args.back().same(a);
      }
      if (!changed)
        return e;
      if (!lookupIntrinsic(n->name))
        return failed(e); // only pure math calls vectorize
      for (Expr &a : args)
        if (a.type().lanes == 1)
          a = broadcast(a, lanes_);
      return call(n->type.withLanes(lanes_), n->name, std::move(args));
    }
    case ExprKind::Ramp:
    case ExprKind::Broadcast: {
      // Vector code that depends on the loop would need vectors of vectors.
      bool depends = false;
      forEachExpr(e, [&](const Expr &x) {
        if (auto *v = x.as<VarNode>())
          depends |= map_.count(v) != 0;
      });
      return depends ? failed(e) : e;
    }
    }
    return failed(e);
  }

  Expr binaryExpr(const Expr &e, const BinaryNode *n) {
    Expr a = expr(n->a), b = expr(n->b);
    if (!ok_ || (a.same(n->a) && b.same(n->b)))
      return e;
    if (!isLanes(a) || !isLanes(b))
      return failed(e);
    auto *ra = a.as<RampNode>(), *rb = b.as<RampNode>();
    bool sa = a.type().lanes == 1, sb = b.type().lanes == 1;
    // Affine index arithmetic stays a Ramp.
    switch (n->op) {
    case BinaryOp::Add:
      if (ra && sb)
        return ramp(foldAdd(ra->base, b), ra->stride, lanes_);
      if (sa && rb)
        return ramp(foldAdd(a, rb->base), rb->stride, lanes_);
      if (ra && rb)
        return ramp(foldAdd(ra->base, rb->base), foldAdd(ra->stride, rb->stride),
                    lanes_);
      break;
    case BinaryOp::Sub:
      if (ra && sb)
        return ramp(ra->base - b, ra->stride, lanes_);
      if (sa && rb)
        return ramp(a - rb->base, -rb->stride, lanes_);
      if (ra && rb)
        return ramp(ra->base - rb->base, ra->stride - rb->stride, lanes_);
      break;
    case BinaryOp::Mul:
      if (ra && sb)
        return ramp(foldMul(ra->base, b), foldMul(ra->stride, b), lanes_);
      if (sa && rb)
        return ramp(foldMul(a, rb->base), foldMul(a, rb->stride), lanes_);
      break;
    default:
      break;
    }
    return binary(n->op, a, b);
  }

  static bool hasDistinctLanes(const std::vector<Expr> &indices) {
    for (const Expr &i : indices) {
      int64_t stride = 0;
      if (auto *r = i.as<RampNode>();
          r && isConstInt(r->stride, &stride) && stride != 0)
        return true;
    }
    return false;
  }

  Stmt stmt(const Stmt &s) {
    if (!ok_)
      return s;
    switch (s.kind()) {
    case StmtKind::Seq: {
      std::vector<Stmt> out;
      for (const Stmt &st : s.as<SeqNode>()->stmts)
        out.push_back(stmt(st));
      return ok_ ? makeSeq(std::move(out)) : s;
    }
    case StmtKind::Store: {
      auto *n = s.as<StoreNode>();
      std::vector<Expr> idx;
      for (const Expr &i : n->indices)
        idx.push_back(expr(i));
      Expr v = expr(n->value);
      // Every lane must write its own element; a store to one element from
      // all lanes is a reduction, not a vector store.
      if (!ok_ || !hasDistinctLanes(idx) || !isLanes(v)) {
        ok_ = false;
        return s;
      }
      return makeStore(n->buffer, std::move(idx), v);
    }
    case StmtKind::Let: {
      auto *n = s.as<LetNode>();
      Expr v = expr(n->value);
      if (!ok_)
        return s;
      if (v.type().lanes == 1) {
        Stmt body = stmt(n->body);
        return ok_ ? makeLet(n->var, v, body) : s;
      }
      if (!isLanes(v)) {
        ok_ = false;
        return s;
      }
      if (v.as<RampNode>() || v.as<BroadcastNode>()) {
        // Inline index Ramps so loads and stores still see them.
        map_[n->var.node()] = v;
        return stmt(n->body);
      }
      Var vv(n->var.name(), v.type());
      map_[n->var.node()] = vv;
      Stmt body = stmt(n->body);
      return ok_ ? makeLet(vv, v, body) : s;
    }
    default:
      ok_ = false; // loops, ifs, allocations and calls stay scalar
      return s;
    }
  }
};

class VectorizePass : public IRMutator {
public:
  Expr mutate(const Expr &e) override { return e; }
  using IRMutator::mutate;

protected:
  Stmt mutateFor(const Stmt &s, const ForNode *n) override {
    Stmt inner = IRMutator::mutateFor(s, n);
    auto *f = inner.as<ForNode>();
    if (!f || f->forKind != ForKind::Vectorized)
      return inner;
    int64_t extent = 0;
    if (!isConstInt(f->extent, &extent) || extent > kMaxLanes)
      return inner;
    if (extent <= 0)
      return makeFor(f->var, f->min, f->extent, ForKind::Serial, f->body);
    if (extent == 1)
      return substitute(f->body, {{f->var.node(), f->min}});
    LoopVectorizer v(f, int(extent));
    if (std::optional<Stmt> out = v.run())
      return *out;
    return inner;
  }
};

} // namespace

Stmt vectorizeLoops(const Stmt &s) { return VectorizePass().mutate(s); }

PrimFunc vectorizeLoops(const PrimFunc &f) {
  PrimFunc out = f;
  out.body = vectorizeLoops(f.body);
  return out;
}

} // namespace kiln::loop
