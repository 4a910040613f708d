//===- ParallelSafety.cpp - may a loop's iterations run concurrently? -----===//
//
// Conservative dependence test. Iteration v of the loop touches, in some
// dimension d of every buffer it writes, the elements k*v + C + r where k is a
// constant, C a loop-invariant expression and r an offset from inner loop
// variables, ramp lanes and constants. When every store and load of the
// buffer has the same k and C and all their r lie in a window narrower than
// |k|, different iterations touch different elements.
//
//===----------------------------------------------------------------------===//

#include "kiln/LoopIR/Functor.h"
#include "kiln/LoopIR/Schedule.h"

#include <algorithm>
#include <map>
#include <unordered_set>

namespace kiln::loop {

namespace {

struct Affine {
  bool ok = true;
  int64_t k = 0;          // coefficient of the loop variable
  int64_t lo = 0, hi = 0; // range of the inner-variable/constant part
  std::vector<std::pair<Expr, int64_t>> invariant; // term, coefficient
};

struct Access {
  std::vector<Expr> indices;
};

class SafetyAnalysis : public IRVisitor {
public:
  explicit SafetyAnalysis(const ForNode *loop) : loop_(loop) {
    local_.insert(loop->var.node());
  }

  bool run() {
    visit(loop_->body);
    if (!safe_)
      return false;
    // Loads of written buffers, anywhere in the body.
    forEachExpr(loop_->body, [&](const Expr &e) {
      auto *ld = e.as<LoadNode>();
      if (ld && !allocated_.count(ld->buffer.get())) {
        auto it = groups_.find(ld->buffer->name);
        if (it != groups_.end())
          it->second.push_back({ld->indices});
      }
    });
    for (const auto &[name, accesses] : groups_)
      if (!disjointAcrossIterations(accesses))
        return false;
    return true;
  }

protected:
  void visitFor(const ForNode *n) override {
    const VarNode *v = n->var.node();
    local_.insert(v);
    int64_t mn = 0, ext = 0;
    if (!isConstInt(n->min, &mn) || !isConstInt(n->extent, &ext)) {
      unknown_.insert(v);
    } else {
      // A variable node reused by several loops gets the union of ranges.
      std::pair<int64_t, int64_t> r{mn, mn + std::max<int64_t>(ext, 1) - 1};
      auto [it, fresh] = ranges_.emplace(v, r);
      if (!fresh)
        it->second = {std::min(it->second.first, r.first),
                      std::max(it->second.second, r.second)};
    }
    visit(n->body);
  }
  void visitLet(const LetNode *n) override {
    local_.insert(n->var.node());
    auto [it, fresh] = lets_.emplace(n->var.node(), n->value);
    if (!fresh && !exprEqual(it->second, n->value))
      unknown_.insert(n->var.node()); // bound twice to different values
    visit(n->body);
  }
  void visitAllocate(const AllocateNode *n) override {
    // Global temporaries come from one shared workspace.
    if (n->buffer->scope == MemoryScope::Global)
      safe_ = false;
    allocated_.insert(n->buffer.get());
    visit(n->body);
  }
  void visitStore(const StoreNode *n) override {
    if (!allocated_.count(n->buffer.get()))
      groups_[n->buffer->name].push_back({n->indices});
  }
  void visitEvaluate(const EvaluateNode *n) override {
    auto *c = n->value.as<CallNode>();
    if (!c || !lookupIntrinsic(c->name))
      safe_ = false;
  }
  void visitBarrier(const BarrierNode *) override { safe_ = false; }

private:
  const ForNode *loop_;
  bool safe_ = true;
  std::unordered_set<const VarNode *> local_;
  std::unordered_map<const VarNode *, std::pair<int64_t, int64_t>> ranges_;
  std::unordered_set<const VarNode *> unknown_; // unknown bounds or values
  std::unordered_map<const VarNode *, Expr> lets_;
  std::unordered_set<const BufferNode *> allocated_;
  std::map<std::string, std::vector<Access>> groups_;

  bool isInvariant(const Expr &e) const {
    bool inv = true;
    forEachExpr(e, [&](const Expr &x) {
      if (auto *v = x.as<VarNode>())
        inv &= !local_.count(v);
    });
    return inv;
  }

  static void addRange(Affine &a, int64_t lo, int64_t hi, int64_t scale) {
    int64_t x = lo * scale, y = hi * scale;
    a.lo += std::min(x, y);
    a.hi += std::max(x, y);
  }

  void decompose(const Expr &e, int64_t scale, Affine &a, int depth = 0) {
    if (!a.ok)
      return;
    if (depth > 64) {
      a.ok = false;
      return;
    }
    if (isInvariant(e) && !e.as<IntImmNode>()) {
      a.invariant.push_back({e, scale});
      return;
    }
    int64_t c = 0;
    switch (e.kind()) {
    case ExprKind::IntImm:
      addRange(a, e.as<IntImmNode>()->value, e.as<IntImmNode>()->value, scale);
      return;
    case ExprKind::Var: {
      auto *v = e.as<VarNode>();
      if (v == loop_->var.node()) {
        a.k += scale;
      } else if (unknown_.count(v)) {
        a.ok = false;
      } else if (auto it = lets_.find(v); it != lets_.end()) {
        decompose(it->second, scale, a, depth + 1);
      } else if (auto r = ranges_.find(v); r != ranges_.end()) {
        addRange(a, r->second.first, r->second.second, scale);
      } else {
        a.ok = false; // a local variable with an unknown range
      }
      return;
    }
    case ExprKind::Binary: {
      auto *n = e.as<BinaryNode>();
      if (n->op == BinaryOp::Add) {
        decompose(n->a, scale, a, depth + 1);
        decompose(n->b, scale, a, depth + 1);
        return;
      }
      if (n->op == BinaryOp::Sub) {
        decompose(n->a, scale, a, depth + 1);
        decompose(n->b, -scale, a, depth + 1);
        return;
      }
      if (n->op == BinaryOp::Mul && isConstInt(n->b, &c))
        return decompose(n->a, scale * c, a, depth + 1);
      if (n->op == BinaryOp::Mul && isConstInt(n->a, &c))
        return decompose(n->b, scale * c, a, depth + 1);
      break;
    }
    case ExprKind::Unary:
      if (e.as<UnaryNode>()->op == UnaryOp::Neg)
        return decompose(e.as<UnaryNode>()->a, -scale, a, depth + 1);
      break;
    case ExprKind::Ramp: {
      auto *r = e.as<RampNode>();
      if (!isConstInt(r->stride, &c))
        break;
      decompose(r->base, scale, a, depth + 1);
      addRange(a, 0, c * (r->lanes - 1), scale);
      return;
    }
    case ExprKind::Broadcast:
      return decompose(e.as<BroadcastNode>()->value, scale, a, depth + 1);
    default:
      break;
    }
    a.ok = false; // depends on the loop in a way this test does not model
  }

  // Sums the coefficients of equal invariant terms and drops zero ones.
  static std::vector<std::pair<Expr, int64_t>>
  canonical(const std::vector<std::pair<Expr, int64_t>> &terms) {
    std::vector<std::pair<Expr, int64_t>> out;
    for (const auto &[t, c] : terms) {
      auto it = std::find_if(out.begin(), out.end(), [&](const auto &p) {
        return exprEqual(p.first, t);
      });
      if (it == out.end())
        out.push_back({t, c});
      else
        it->second += c;
    }
    out.erase(std::remove_if(out.begin(), out.end(),
                             [](const auto &p) { return p.second == 0; }),
              out.end());
    return out;
  }

  static bool sameTerms(const std::vector<std::pair<Expr, int64_t>> &x,
                        const std::vector<std::pair<Expr, int64_t>> &y) {
    if (x.size() != y.size())
      return false;
    for (const auto &[t, c] : x) {
      auto it = std::find_if(y.begin(), y.end(), [&](const auto &p) {
        return exprEqual(p.first, t);
      });
      if (it == y.end() || it->second != c)
        return false;
    }
    return true;
  }

  bool disjointInDim(const std::vector<Access> &accesses, size_t d) {
    std::vector<Affine> forms;
    for (const Access &acc : accesses) {
      Affine a;
      decompose(acc.indices[d], 1, a);
      if (!a.ok || a.k == 0)
        return false;
      a.invariant = canonical(a.invariant);
      forms.push_back(std::move(a));
    }
    int64_t lo = forms[0].lo, hi = forms[0].hi;
    for (const Affine &a : forms) {
      if (a.k != forms[0].k || !sameTerms(a.invariant, forms[0].invariant))
        return false;
      lo = std::min(lo, a.lo);
      hi = std::max(hi, a.hi);
    }
    int64_t k = forms[0].k < 0 ? -forms[0].k : forms[0].k;
    return hi - lo < k;
  }

  bool disjointAcrossIterations(const std::vector<Access> &accesses) {
    size_t rank = accesses[0].indices.size();
    for (const Access &a : accesses)
      if (a.indices.size() != rank)
        return false;
    for (size_t d = 0; d < rank; ++d)
      if (disjointInDim(accesses, d))
        return true;
    return false;
  }
};

} // namespace

bool isParallelSafe(const ForNode *loop) {
  check(loop != nullptr, "isParallelSafe: null loop");
  return SafetyAnalysis(loop).run();
}

} // namespace kiln::loop
