//===- DefaultSchedule.cpp - the default CPU schedule ---------------------===//
//
// 1. Loops of one iteration are replaced by their body.
// 2. Every serial innermost loop with a straight-line body whose stores are
//    contiguous in it is split by the vector width L (main part Vectorized,
//    scalar remainder loop) and vectorized; loops shorter than L stay scalar
//    unless they span half a register or a power-of-two 16 bytes or more.
// 3. The outermost loop of every nest with enough work is marked Parallel
//    when isParallelSafe; a short outer loop is fused with the next one first.
// 4. The simplifier cleans up the index arithmetic.
//
//===----------------------------------------------------------------------===//

#include "kiln/LoopIR/Functor.h"
#include "kiln/LoopIR/Schedule.h"
#include "kiln/LoopIR/Simplify.h"


#include <algorithm>

namespace kiln::loop {

namespace {

/// Replaces serial loops of extent 1 by their body.
class DropUnitLoops : public IRMutator {
public:
  Expr mutate(const Expr &e) override { return e; }
  using IRMutator::mutate;

protected:
  Stmt mutateFor(const Stmt &s, const ForNode *n) override {
    Stmt out = IRMutator::mutateFor(s, n);
    auto *f = out.as<ForNode>();
    int64_t extent = 0;
    if (f && f->forKind == ForKind::Serial && isConstInt(f->extent, &extent) &&
        extent == 1)
      return substitute(f->body, {{f->var.node(), f->min}});
    return out;
  }
};

bool isStraightLine(const Stmt &s) {
  if (auto *seq = s.as<SeqNode>())
    return std::all_of(seq->stmts.begin(), seq->stmts.end(), isStraightLine);
  if (auto *let = s.as<LetNode>())
    return isStraightLine(let->body);
  return s.kind() == StmtKind::Store;
}

/// Bytes of the widest element loaded or stored in s.
int widestElement(const Stmt &s) {
  int widest = 0;
  forEachExpr(s, [&](const Expr &e) {
    if (auto *ld = e.as<LoadNode>())
      widest = std::max(widest, int(byteSize(ld->buffer->elem)));
  });
  std::function<void(const Stmt &)> stores = [&](const Stmt &st) {
    if (auto *seq = st.as<SeqNode>())
      std::for_each(seq->stmts.begin(), seq->stmts.end(), stores);
    else if (auto *let = st.as<LetNode>())
      stores(let->body);
    else if (auto *store = st.as<StoreNode>())
      widest = std::max(widest, int(byteSize(store->buffer->elem)));
  };
  stores(s);
  return widest;
}

/// Every vector store writes consecutive elements of the last dimension.
bool contiguousStores(const Stmt &s) {
  bool ok = true;
  std::function<void(const Stmt &)> walk = [&](const Stmt &st) {
    if (auto *seq = st.as<SeqNode>()) {
      std::for_each(seq->stmts.begin(), seq->stmts.end(), walk);
    } else if (auto *let = st.as<LetNode>()) {
      walk(let->body);
    } else if (auto *store = st.as<StoreNode>()) {
      if (store->value.type().lanes == 1)
        return; // the scalar remainder loop
      int64_t stride = 0;
      auto *r = store->indices.empty() ? nullptr
                                       : store->indices.back().as<RampNode>();
      ok &= r && isConstInt(r->stride, &stride) && stride == 1;
      for (size_t d = 0; d + 1 < store->indices.size(); ++d)
        ok &= store->indices[d].type().lanes == 1;
    } else if (auto *f = st.as<ForNode>()) {
      walk(f->body);
    }
  };
  walk(s);
  return ok;
}

bool hasVectorizedLoop(const Stmt &s) {
  bool found = false;
  std::function<void(const Stmt &)> walk = [&](const Stmt &st) {
    if (auto *seq = st.as<SeqNode>()) {
      std::for_each(seq->stmts.begin(), seq->stmts.end(), walk);
    } else if (auto *f = st.as<ForNode>()) {
      found |= f->forKind == ForKind::Vectorized;
      walk(f->body);
    }
  };
  walk(s);
  return found;
}

class VectorizeInnermost : public IRMutator {
public:
  explicit VectorizeInnermost(const CpuScheduleOptions &o) : options_(o) {}
  Expr mutate(const Expr &e) override { return e; }
  using IRMutator::mutate;

protected:
  Stmt mutateFor(const Stmt &s, const ForNode *n) override {
    if (!isStraightLine(n->body))
      return IRMutator::mutateFor(s, n);
    int64_t extent = 0;
    int widest = widestElement(n->body);
    if (n->forKind != ForKind::Serial || !isConstInt(n->extent, &extent) ||
        widest == 0)
      return s;
    int64_t lanes = std::min<int64_t>(options_.vectorBytes / widest, 64);
    // A loop of at least half a register (a 12-channel block on 16 lanes),
    // or a power of two of at least 16 bytes (an 8-bit block of 16 channels
    // on 64-byte AVX-512 registers: one SSE register), becomes one vector
    // of its own length: LLVM widens the arithmetic and splits or narrows
    // the memory accesses, still far cheaper than scalar code.
    bool wholeNarrowVector =
        extent * widest >= 16 && (extent & (extent - 1)) == 0;
    if (extent < lanes && (2 * extent >= lanes || wholeNarrowVector))
      lanes = extent;
    if (lanes < 2 || extent < lanes)
      return s;
    SplitResult split = splitLoop(s, n->var.node(), lanes);
    Stmt out = setLoopKind(split.stmt, split.inner.node(), ForKind::Vectorized);
    out = vectorizeLoops(out);
    // Keep the scalar loop when the vectorizer gave up or the stores would
    // be scatters: neither is worth a split.
    if (hasVectorizedLoop(out) || !contiguousStores(out))
      return s;
    return out;
  }

private:
  const CpuScheduleOptions &options_;
};

bool hasParallelLoop(const Stmt &s) {
  bool found = false;
  std::function<void(const Stmt &)> walk = [&](const Stmt &st) {
    if (!st || found)
      return;
    switch (st.kind()) {
    case StmtKind::For: {
      auto *f = st.as<ForNode>();
      found |= f->forKind == ForKind::Parallel ||
               f->forKind >= ForKind::GpuBlockX;
      walk(f->body);
      break;
    }
    case StmtKind::Seq:
      std::for_each(st.as<SeqNode>()->stmts.begin(),
                    st.as<SeqNode>()->stmts.end(), walk);
      break;
    case StmtKind::IfThenElse:
      walk(st.as<IfThenElseNode>()->thenBody);
      walk(st.as<IfThenElseNode>()->elseBody);
      break;
    case StmtKind::Allocate:
      walk(st.as<AllocateNode>()->body);
      break;
    case StmtKind::Let:
      walk(st.as<LetNode>()->body);
      break;
    default:
      break;
    }
  };
  walk(s);
  return found;
}

/// Marks the outermost loop of each nest Parallel where it pays and is safe.
class ParallelizeNests : public IRMutator {
public:
  explicit ParallelizeNests(const CpuScheduleOptions &o) : options_(o) {}
  Expr mutate(const Expr &e) override { return e; }
  using IRMutator::mutate;

protected:
  Stmt mutateFor(const Stmt &s, const ForNode *n) override {
    // Only nest roots come here: this never recurses into a loop body.
    int64_t work = countWork(s);
    if (n->forKind != ForKind::Serial || work < options_.minParallelWork ||
        hasParallelLoop(n->body) || !isParallelSafe(n))
      return s;
    Stmt root = s;
    const ForNode *r = n;
    int64_t extent = 0;
    while (isConstInt(r->extent, &extent) &&
           extent < 2 * int64_t(std::max(options_.threads, 1))) {
      auto *inner = r->body.as<ForNode>();
      int64_t innerExtent = 0;
      if (!inner || inner->forKind != ForKind::Serial ||
          !isConstInt(inner->extent, &innerExtent) ||
          usesVar(inner->min, r->var.node()) || !isParallelSafe(inner))
        break;
      // Both loops are safe, so iterations of the fused loop are
      // independent too: distinct outer indices are, and within one outer
      // iteration distinct inner indices are.
      root = fuseLoops(root, r->var.node(), inner->var.node());
      r = root.as<ForNode>();
    }
    return makeFor(r->var, r->min, r->extent, ForKind::Parallel, r->body);
  }

private:
  const CpuScheduleOptions &options_;
};

} // namespace

PrimFunc applyDefaultSchedule(const PrimFunc &f,
                              const CpuScheduleOptions &options) {
  check(options.vectorBytes >= 0, "default schedule: negative vector width");
  PrimFunc out = f;
  if (!out.body)
    return out;
  Stmt body = DropUnitLoops().mutate(out.body);
  if (options.vectorBytes > 0)
    body = VectorizeInnermost(options).mutate(body);
  body = vectorizeLoops(body); // loops the lowering marked Vectorized
  if (options.parallel)
    body = ParallelizeNests(options).mutate(body);
  out.body = body;
  return simplify(out);
}

} // namespace kiln::loop
