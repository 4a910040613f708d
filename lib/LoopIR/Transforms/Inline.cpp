//===- Inline.cpp - inlining of kernel-local temporaries ------------------===//
// Producer and consumer inlining of the top-level temporaries of a kernel
// built from a fusion group, so intermediates between ops disappear.
//===----------------------------------------------------------------------===//
#include "kiln/LoopIR/Inline.h"

#include "kiln/LoopIR/Builder.h"
#include "kiln/LoopIR/Functor.h"
#include "kiln/LoopIR/Simplify.h"

#include <algorithm>
#include <map>
#include <unordered_map>
#include <unordered_set>

namespace kiln::loop {
namespace {

using RootSet = std::unordered_set<const BufferNode *>;
using VarSet = std::unordered_set<const VarNode *>;

const BufferNode *rootOf(const Buffer &b) {
  return b->viewOf ? b->viewOf.get() : b.get();
}

// A dense buffer addressing all of `root` from its first element: `root`
// itself or a reshaped view of it.
bool isFullDenseView(const Buffer &b, const BufferNode *root) {
  return rootOf(b) == root && b->viewOffset == 0 && b->isDense() &&
         b->numElements() == root->numElements();
}

// Loads and stores per root buffer of one statement.
struct Summary : IRVisitor {
  struct Count {
    int loads = 0, stores = 0;
  };
  std::unordered_map<const BufferNode *, Count> counts;
  RootSet allocated;
  bool hasEvaluate = false;

  Count of(const BufferNode *b) const {
    auto it = counts.find(b);
    return it == counts.end() ? Count() : it->second;
  }
  void visitLoad(const LoadNode *n) override {
    ++counts[rootOf(n->buffer)].loads;
    IRVisitor::visitLoad(n);
  }
  void visitStore(const StoreNode *n) override {
    ++counts[rootOf(n->buffer)].stores;
    IRVisitor::visitStore(n);
  }
  void visitAllocate(const AllocateNode *n) override {
    allocated.insert(n->buffer.get());
    IRVisitor::visitAllocate(n);
  }
  void visitEvaluate(const EvaluateNode *n) override {
    hasEvaluate = true;
    IRVisitor::visitEvaluate(n);
  }
};

RootSet loadedRoots(const Expr &e) {
  RootSet out;
  forEachExpr(e, [&](const Expr &x) {
    if (auto *l = x.as<LoadNode>())
      out.insert(rootOf(l->buffer));
  });
  return out;
}

VarSet freeVars(const Expr &e) {
  VarSet out;
  forEachExpr(e, [&](const Expr &x) {
    if (auto *v = x.as<VarNode>())
      out.insert(v);
  });
  return out;
}

bool subsetOf(const VarSet &a, const VarSet &b) {
  return std::all_of(a.begin(), a.end(), [&](auto *v) { return b.count(v); });
}

int exprSize(const Expr &e) {
  int n = 0;
  forEachExpr(e, [&](const Expr &) { ++n; });
  return n;
}

// Whether `ix` indexes loop variable `var` over [0, extent): the variable
// itself, or 0 for a dimension of extent 1 (broadcasting writes it so).
bool indexesVar(const Expr &ix, const Var &var, int64_t extent) {
  int64_t c = -1;
  return ix.get() == var.get() || (extent == 1 && isConstInt(ix, &c) && c == 0);
}

// `for i0 in [0,d0) ... for ik in [0,dk): B[i0,...,ik] = v` where the extents
// are B's shape: every element of B stored exactly once.
struct Nest {
  std::vector<const ForNode *> loops;
  const StoreNode *store = nullptr;
  VarSet vars() const {
    VarSet out;
    for (auto *f : loops)
      out.insert(f->var.node());
    return out;
  }
};

std::optional<Nest> matchPerfectNest(const Stmt &s) {
  Nest n;
  Stmt cur = s;
  while (auto *f = cur.as<ForNode>()) {
    n.loops.push_back(f);
    cur = f->body;
  }
  n.store = cur.as<StoreNode>();
  if (!n.store || n.store->indices.size() != n.loops.size() ||
      n.store->buffer->rank() != n.loops.size())
    return std::nullopt;
  for (size_t d = 0; d < n.loops.size(); ++d) {
    int64_t mn = -1, ext = -1;
    if (!isConstInt(n.loops[d]->min, &mn) || mn != 0 ||
        !isConstInt(n.loops[d]->extent, &ext) ||
        ext != n.store->buffer->shape[d])
      return std::nullopt;
    if (!indexesVar(n.store->indices[d], n.loops[d]->var, ext))
      return std::nullopt;
  }
  return n;
}

// Finds the store to `root` in s, collecting the loops around it. Fails if
// it sits under anything that may skip it (an if) or under an empty loop.
bool findUnconditionalStore(const Stmt &s, const BufferNode *root,
                            std::vector<const ForNode *> &loops,
                            const StoreNode *&found) {
  switch (s.kind()) {
  case StmtKind::Store: {
    auto *n = s.as<StoreNode>();
    if (rootOf(n->buffer) != root)
      return false;
    found = n;
    return true;
  }
  case StmtKind::For: {
    auto *f = s.as<ForNode>();
    int64_t ext = 0;
    loops.push_back(f);
    if (isConstInt(f->extent, &ext) && ext > 0 &&
        findUnconditionalStore(f->body, root, loops, found))
      return true;
    loops.pop_back();
    return false;
  }
  case StmtKind::Seq:
    for (const Stmt &c : s.as<SeqNode>()->stmts)
      if (findUnconditionalStore(c, root, loops, found))
        return true;
    return false;
  case StmtKind::Allocate:
    return findUnconditionalStore(s.as<AllocateNode>()->body, root, loops,
                                  found);
  case StmtKind::Let:
    return findUnconditionalStore(s.as<LetNode>()->body, root, loops, found);
  default:
    return false;
  }
}

// Row-major offset as a sum of index * stride terms, and its inverse as
// (flat / stride) % extent per dimension: the forms the simplifier's
// division rules take apart when the indices are loop variables.
Expr flatOffset(const std::vector<Expr> &idx, const std::vector<int64_t> &shape) {
  std::vector<int64_t> strides = denseStrides(shape);
  Expr flat;
  for (size_t d = 0; d < idx.size(); ++d) {
    Expr term = strides[d] == 1 ? idx[d] : idx[d] * Expr(strides[d]);
    flat = flat ? flat + term : term;
  }
  return flat ? flat : Expr(0);
}

std::vector<Expr> unflatOffset(const Expr &flat,
                               const std::vector<int64_t> &shape) {
  std::vector<int64_t> strides = denseStrides(shape);
  std::vector<Expr> idx(shape.size());
  for (size_t d = 0; d < shape.size(); ++d) {
    Expr q = strides[d] == 1 ? flat : flat / Expr(strides[d]);
    idx[d] = d == 0 ? q : q % Expr(shape[d]);
  }
  return idx;
}

// Maps an access `idx` of buffer `from` to the same element of `to`, both
// dense views of one root.
std::vector<Expr> mapIndices(const std::vector<Expr> &idx, const Buffer &from,
                             const Buffer &to) {
  if (from.get() == to.get() ||
      (from->shape == to->shape && from->viewOffset == to->viewOffset))
    return idx;
  Expr flat = flatOffset(idx, from->shape);
  if (from->viewOffset != to->viewOffset)
    flat = flat + Expr(from->viewOffset - to->viewOffset);
  return unflatOffset(flat, to->shape);
}

// Replaces every load of `root` by fn(load, mutated indices).
class LoadReplacer : public IRMutator {
public:
  using Fn =
      std::function<Expr(const LoadNode *, const std::vector<Expr> &)>;
  LoadReplacer(const BufferNode *root, Fn fn) : root_(root), fn_(std::move(fn)) {}

protected:
  Expr mutateLoad(const Expr &e, const LoadNode *n) override {
    if (rootOf(n->buffer) != root_)
      return IRMutator::mutateLoad(e, n);
    std::vector<Expr> idx;
    mutateAll(n->indices, idx);
    return fn_(n, idx);
  }

private:
  const BufferNode *root_;
  Fn fn_;
};

// g[T[j] := v, j := e'] for the consumer rewrite.
class ConsumerRewriter : public IRMutator {
public:
  ConsumerRewriter(const BufferNode *root, Expr value,
                   std::unordered_map<const VarNode *, Expr> vars)
      : root_(root), value_(std::move(value)), vars_(std::move(vars)) {}

protected:
  Expr mutateLoad(const Expr &e, const LoadNode *n) override {
    return rootOf(n->buffer) == root_ ? value_ : IRMutator::mutateLoad(e, n);
  }
  Expr mutateVar(const Expr &e) override {
    auto it = vars_.find(e.as<VarNode>());
    return it == vars_.end() ? e : it->second;
  }

private:
  const BufferNode *root_;
  Expr value_;
  std::unordered_map<const VarNode *, Expr> vars_;
};

class StoreReplacer : public IRMutator {
public:
  using Fn = std::function<Stmt(const StoreNode *)>;
  StoreReplacer(const StoreNode *target, Stmt replacement)
      : target_(target), replacement_(std::move(replacement)) {}
  /// Replaces every store into `root` (through any view) by fn(store).
  StoreReplacer(const BufferNode *root, Fn fn)
      : root_(root), fn_(std::move(fn)) {}

protected:
  Stmt mutateStore(const Stmt &s, const StoreNode *n) override {
    if (root_)
      return rootOf(n->buffer) == root_ ? fn_(n) : s;
    return n == target_ ? replacement_ : s;
  }

private:
  const StoreNode *target_ = nullptr;
  Stmt replacement_;
  const BufferNode *root_ = nullptr;
  Fn fn_;
};

// Every store into `root` in s, each with a dense view of root covering it.
struct StoreCollector : IRVisitor {
  explicit StoreCollector(const BufferNode *root) : root(root) {}
  const BufferNode *root;
  bool ok = true;
  void visitStore(const StoreNode *n) override {
    if (rootOf(n->buffer) == root)
      ok &= isFullDenseView(n->buffer, root) && n->value.type().lanes == 1;
    IRVisitor::visitStore(n);
  }
};

// Whether every store into `root` in s goes through a dense view of all of
// root and stores one element.
bool storesAreScalarAndDense(const Stmt &s, const BufferNode *root) {
  StoreCollector c(root);
  c.visit(s);
  return c.ok;
}

// Loads of `root` weighted by how many times the loops around them run.
struct ReadCounter : IRVisitor {
  explicit ReadCounter(const BufferNode *root) : root(root) {}
  const BufferNode *root;
  double weight = 1, reads = 0;
  void visitFor(const ForNode *n) override {
    int64_t ext = 1;
    isConstInt(n->extent, &ext);
    double saved = weight;
    weight *= double(std::max<int64_t>(ext, 1));
    IRVisitor::visitFor(n);
    weight = saved;
  }
  void visitLoad(const LoadNode *n) override {
    if (rootOf(n->buffer) == root)
      reads += weight;
    IRVisitor::visitLoad(n);
  }
};

class Inliner {
public:
  Inliner(InlineStats &stats, const std::vector<Buffer> &complete)
      : stats_(stats) {
    for (const Buffer &b : complete)
      complete_.insert(b.get());
  }
  Stmt run(const Stmt &body);

private:
  void summarize();
  Summary::Count count(size_t k, const BufferNode *b) const {
    return sums_[k].of(b);
  }
  bool tryProducer(const Buffer &t);
  bool tryConsumer(const Buffer &t);
  bool tryDead(const Buffer &t);

  /// A view of `out` shaped `shape` for consumer rewrites, one per pair so
  /// a kernel's stores into the same output share a single view.
  Buffer outputView(const Buffer &out, const std::vector<int64_t> &shape);

  InlineStats &stats_;
  RootSet complete_;
  // Keyed by the output's node, which the entry keeps alive (its address
  // cannot be reused while cached).
  std::map<std::pair<const BufferNode *, std::vector<int64_t>>,
           std::pair<Buffer, Buffer>>
      views_;
  std::vector<Buffer> allocs_;
  std::vector<Stmt> stmts_;
  std::vector<Summary> sums_;
};

void Inliner::summarize() {
  sums_.assign(stmts_.size(), Summary());
  for (size_t k = 0; k < stmts_.size(); ++k)
    sums_[k].visit(stmts_[k]);
}

bool Inliner::tryProducer(const Buffer &t) {
  const BufferNode *T = t.get();
  int p = -1, stores = 0;
  for (size_t k = 0; k < stmts_.size(); ++k)
    if (int n = count(k, T).stores) {
      stores += n;
      p = int(k);
    }
  if (stores != 1)
    return false;
  for (int k = 0; k <= p; ++k)
    if (count(k, T).loads)
      return false; // read before or while it is written
  auto nest = matchPerfectNest(stmts_[p]);
  if (!nest || !isFullDenseView(nest->store->buffer, T))
    return false;
  const Buffer &dst = nest->store->buffer;
  Expr v = nest->store->value;
  if (!subsetOf(freeVars(v), nest->vars()))
    return false;
  // Reads move later: nothing after the nest may change what v reads.
  RootSet reads = loadedRoots(v);
  for (size_t k = p + 1; k < stmts_.size(); ++k)
    for (const BufferNode *r : reads)
      if (count(k, r).stores)
        return false;
  // Every read must be a scalar access through a dense view inside T.
  bool ok = true;
  double total = 0;
  for (size_t k = p + 1; k < stmts_.size(); ++k) {
    if (!count(k, T).loads)
      continue;
    forEachExpr(stmts_[k], [&](const Expr &x) {
      auto *l = x.as<LoadNode>();
      if (!l || rootOf(l->buffer) != T)
        return;
      ok &= l->buffer->isDense() && l->type.lanes == 1 &&
            l->buffer->viewOffset + l->buffer->numElements() <=
                T->numElements();
    });
    ReadCounter rc(T);
    rc.visit(stmts_[k]);
    total += rc.reads;
  }
  if (!ok)
    return false;
  // Recomputing a costly value for many reads (a broadcast operand, a
  // window) would cost more than the buffer saves.
  if (total > 2.0 * double(std::max<int64_t>(T->numElements(), 1)) &&
      exprSize(v) > 3)
    return false;

  std::vector<Var> ivars;
  for (auto *f : nest->loops)
    ivars.push_back(f->var);
  LoadReplacer replacer(T, [&](const LoadNode *l,
                               const std::vector<Expr> &idx) {
    std::vector<Expr> di = mapIndices(idx, l->buffer, dst);
    std::unordered_map<const VarNode *, Expr> map;
    for (size_t d = 0; d < ivars.size(); ++d)
      map[ivars[d].node()] = di[d];
    return substitute(v, map);
  });
  for (size_t k = p + 1; k < stmts_.size(); ++k)
    if (count(k, T).loads)
      stmts_[k] = replacer.mutate(stmts_[k]);
  stmts_.erase(stmts_.begin() + p);
  ++stats_.producersInlined;
  return true;
}

Buffer Inliner::outputView(const Buffer &out,
                           const std::vector<int64_t> &shape) {
  auto &[key, view] = views_[{out.get(), shape}];
  if (!view) {
    key = out;
    view = reshapeView(out, shape);
  }
  return view;
}

bool Inliner::tryConsumer(const Buffer &t) {
  const BufferNode *T = t.get();
  int p = -1, q = -1, stores = 0, writers = 0;
  for (size_t k = 0; k < stmts_.size(); ++k) {
    Summary::Count c = count(k, T);
    if (c.stores) {
      stores += c.stores;
      ++writers;
      p = int(k);
    }
    if (c.loads) {
      if (q >= 0)
        return false; // read by more than one statement
      q = int(k);
    }
  }
  bool whole = complete_.count(T) && writers == 1;
  if ((stores != 1 && !whole) || q <= p)
    return false;
  auto nest = matchPerfectNest(stmts_[q]);
  if (!nest)
    return false;
  const Buffer &out = nest->store->buffer;
  const BufferNode *outRoot = rootOf(out);
  if (outRoot == T)
    return false;
  const std::vector<int64_t> &extents = out->shape;
  Expr g = nest->store->value;
  VarSet jvars = nest->vars();
  if (!subsetOf(freeVars(g), jvars))
    return false;
  // g must read T only at the element it writes: T[j] (or a same-shaped
  // dense view of T at j).
  bool ok = true;
  forEachExpr(g, [&](const Expr &x) {
    auto *l = x.as<LoadNode>();
    if (!l || rootOf(l->buffer) != T)
      return;
    ok &= isFullDenseView(l->buffer, T) && l->buffer->shape == extents &&
          l->type.lanes == 1;
    for (size_t d = 0; ok && d < l->indices.size(); ++d)
      ok &= indexesVar(l->indices[d], nest->loops[d]->var, extents[d]);
  });
  if (!ok)
    return false;
  // g moves from statement q to statement p: what it reads must not change
  // in between, and nothing in between may touch its output.
  RootSet reads = loadedRoots(g);
  reads.erase(T);
  for (int k = p; k <= q; ++k) {
    for (const BufferNode *r : reads)
      if (count(k, r).stores)
        return false;
    Summary::Count c = count(k, outRoot);
    if (c.loads || (k < q && c.stores))
      return false;
  }

  // g's index variables become the element a store writes, in O's shape.
  // O itself is written through a view shaped like the store's buffer so the
  // store keeps plain loop-variable indices (and can be folded again).
  auto rewrite = [&](const StoreNode *store) {
    const std::vector<int64_t> &shape = store->buffer->shape;
    std::vector<Expr> idx = store->indices, outIdx = idx;
    Buffer dst = out;
    if (shape != extents) {
      idx = unflatOffset(flatOffset(idx, shape), extents);
      if (out->isDense())
        dst = outputView(out, shape);
      else
        outIdx = idx;
    }
    std::unordered_map<const VarNode *, Expr> map;
    for (size_t d = 0; d < nest->loops.size(); ++d)
      map[nest->loops[d]->var.node()] = idx[d];
    Expr value = ConsumerRewriter(T, store->value, map).mutate(g);
    return makeStore(dst, outIdx, value);
  };
  if (whole) {
    // The writer covers T by contract; every one of its stores moves to O.
    if (!storesAreScalarAndDense(stmts_[p], T))
      return false;
    stmts_[p] = StoreReplacer(T, rewrite).mutate(stmts_[p]);
    stmts_.erase(stmts_.begin() + q);
    ++stats_.consumersInlined;
    return true;
  }

  std::vector<const ForNode *> loops;
  const StoreNode *store = nullptr;
  if (!findUnconditionalStore(stmts_[p], T, loops, store) ||
      !isFullDenseView(store->buffer, T))
    return false;
  // The store must write every element of T: its indices are distinct loop
  // variables running over the whole shape.
  std::unordered_set<const ExprNode *> used;
  for (size_t d = 0; d < store->indices.size(); ++d) {
    const Expr &ix = store->indices[d];
    if (store->buffer->shape[d] == 1 && indexesVar(ix, Var(), 1))
      continue;
    auto it = std::find_if(loops.begin(), loops.end(), [&](const ForNode *f) {
      return f->var.get() == ix.get();
    });
    int64_t mn = -1, ext = -1;
    if (it == loops.end() || !used.insert(ix.get()).second ||
        !isConstInt((*it)->min, &mn) || mn != 0 ||
        !isConstInt((*it)->extent, &ext) ||
        ext != store->buffer->shape[d])
      return false;
  }

  stmts_[p] = StoreReplacer(store, rewrite(store)).mutate(stmts_[p]);
  stmts_.erase(stmts_.begin() + q);
  ++stats_.consumersInlined;
  return true;
}

bool Inliner::tryDead(const Buffer &t) {
  const BufferNode *T = t.get();
  std::vector<size_t> writers;
  for (size_t k = 0; k < stmts_.size(); ++k) {
    Summary::Count c = count(k, T);
    if (c.loads)
      return false;
    if (!c.stores)
      continue;
    // Removable only if it has no other effect.
    if (sums_[k].hasEvaluate)
      return false;
    for (const auto &[b, n] : sums_[k].counts)
      if (n.stores && b != T && !sums_[k].allocated.count(b))
        return false;
    writers.push_back(k);
  }
  for (size_t i = writers.size(); i-- > 0;)
    stmts_.erase(stmts_.begin() + writers[i]);
  ++stats_.deadRemoved;
  return true;
}

Stmt Inliner::run(const Stmt &body) {
  Stmt s = body;
  while (auto *a = s.as<AllocateNode>()) {
    allocs_.push_back(a->buffer);
    s = a->body;
  }
  if (auto *seq = s.as<SeqNode>())
    stmts_ = seq->stmts;
  else
    stmts_ = {s};
  summarize();
  bool opaque = std::any_of(sums_.begin(), sums_.end(),
                            [](const Summary &x) { return x.hasEvaluate; });
  // Consumers first: folding into a producer's store keeps the consumer's
  // reads exact (T[j]), which substituting a producer into them may not.
  auto attempt = [&](bool (Inliner::*rewrite)(const Buffer &)) {
    for (size_t i = 0; i < allocs_.size(); ++i) {
      const Buffer &t = allocs_[i];
      if (t->viewOf || !t->isDense() || !(this->*rewrite)(t))
        continue;
      allocs_.erase(allocs_.begin() + i);
      summarize();
      return true;
    }
    return false;
  };
  if (!opaque)
    while (attempt(&Inliner::tryDead) || attempt(&Inliner::tryConsumer) ||
           attempt(&Inliner::tryProducer)) {
    }
  Stmt out = makeSeq(stmts_);
  if (!out)
    out = makeSeq({});
  for (size_t i = allocs_.size(); i-- > 0;)
    out = makeAllocate(allocs_[i], out);
  return simplify(out);
}

} // namespace

Stmt inlineTemporaries(const Stmt &body, InlineStats *stats,
                       const std::vector<Buffer> &complete) {
  InlineStats local;
  return Inliner(stats ? *stats : local, complete).run(body);
}

PrimFunc inlineTemporaries(const PrimFunc &f, InlineStats *stats,
                           const std::vector<Buffer> &complete) {
  PrimFunc out = f;
  out.body = inlineTemporaries(f.body, stats, complete);
  return out;
}

} // namespace kiln::loop
