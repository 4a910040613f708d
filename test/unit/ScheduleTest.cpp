// Schedule primitives, parallel safety and the default CPU schedule: the
// structure they produce and, through the loop IR evaluator, that every
// transformation computes exactly what the unscheduled function computes.
#include "kiln/LoopIR/Builder.h"
#include "kiln/LoopIR/Evaluator.h"
#include "kiln/LoopIR/Functor.h"
#include "kiln/LoopIR/Printer.h"
#include "kiln/LoopIR/Program.h"
#include "kiln/LoopIR/Schedule.h"

#include <catch2/catch.hpp>

#include <cstring>
#include <random>

using namespace kiln;
using namespace kiln::loop;

namespace {

using Memory = std::vector<std::vector<uint8_t>>;

// Small random values per element type, so integer code stays in range.
Memory randomArgs(const PrimFunc &f, unsigned seed) {
  std::mt19937 rng(seed);
  Memory mem;
  for (const Buffer &b : f.params) {
    std::vector<uint8_t> bytes(size_t(b->byteSize()));
    int64_t n = b->extentElements();
    for (int64_t i = 0; i < n; ++i) {
      int small = int(rng() % 11) - 5;
      double real = std::uniform_real_distribution<double>(-2, 2)(rng);
      visitType(b->elem, [&](auto tag) {
        using T = typename decltype(tag)::type;
        T v{};
        if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>)
          v = T(real);
        else if constexpr (std::is_same_v<T, bool>)
          v = small > 0;
        else if constexpr (std::is_integral_v<T>)
          v = T(std::is_signed_v<T> ? small : small + 5);
        std::memcpy(bytes.data() + i * sizeof(T), &v, sizeof(T));
      });
    }
    mem.push_back(std::move(bytes));
  }
  return mem;
}

Memory run(const PrimFunc &f, Memory mem) {
  std::vector<void *> args;
  for (auto &m : mem)
    args.push_back(m.data());
  std::vector<uint8_t> ws(size_t(workspaceBytes(f)) + 1);
  evaluatePrimFunc(f, args, ws.data(), int64_t(ws.size()));
  return mem;
}

// The scheduled body computes bit-identical results on random inputs.
void checkSameResults(const PrimFunc &ref, const Stmt &scheduled,
                      unsigned seeds = 3) {
  PrimFunc g = ref;
  g.body = scheduled;
  for (unsigned s = 0; s < seeds; ++s) {
    Memory in = randomArgs(ref, 17 + s);
    INFO(printPrimFunc(g));
    CHECK(run(ref, in) == run(g, in));
  }
}

std::vector<const ForNode *> loops(const Stmt &s) {
  std::vector<const ForNode *> out;
  std::function<void(const Stmt &)> walk = [&](const Stmt &st) {
    if (!st)
      return;
    if (auto *f = st.as<ForNode>()) {
      out.push_back(f);
      walk(f->body);
    } else if (auto *q = st.as<SeqNode>()) {
      for (const Stmt &x : q->stmts)
        walk(x);
    } else if (auto *a = st.as<AllocateNode>()) {
      walk(a->body);
    } else if (auto *l = st.as<LetNode>()) {
      walk(l->body);
    } else if (auto *i = st.as<IfThenElseNode>()) {
      walk(i->thenBody);
      walk(i->elseBody);
    }
  };
  walk(s);
  return out;
}

int64_t extentOf(const ForNode *f) {
  int64_t e = -1;
  isConstInt(f->extent, &e);
  return e;
}

// out[i, j] = a[i, j] * 2 + b[j]
PrimFunc elementwise2d(int64_t n, int64_t m) {
  Buffer a = makeBuffer("a", ElementType::F32, {n, m});
  Buffer b = makeBuffer("b", ElementType::F32, {m});
  Buffer out = makeBuffer("out", ElementType::F32, {n, m});
  Stmt body = compute(out, [&](const Indices &i) {
    return load(a, i) * 2.0 + load(b, {i[1]});
  });
  return {"ew", {a, b, out}, body};
}

const VarNode *loopVar(const Stmt &s, size_t k) { return loops(s).at(k)->var.node(); }

} // namespace

TEST_CASE("splitLoop: main nest plus scalar remainder", "[schedule]") {
  PrimFunc f = elementwise2d(3, 13);
  SplitResult r = splitLoop(f.body, loopVar(f.body, 1), 4);
  REQUIRE(r.outer);
  REQUIRE(r.inner);
  REQUIRE(r.tail);
  const ForNode *o = findLoop(r.stmt, r.outer.node());
  const ForNode *i = findLoop(r.stmt, r.inner.node());
  const ForNode *t = findLoop(r.stmt, r.tail.node());
  REQUIRE((o && i && t));
  CHECK(extentOf(o) == 3);
  CHECK(extentOf(i) == 4);
  CHECK(extentOf(t) == 1);
  CHECK(o->body.as<ForNode>() == i); // the main part has no guard
  checkSameResults(f, r.stmt);

  // A dividing factor leaves no tail.
  SplitResult even = splitLoop(f.body, loopVar(f.body, 0), 3);
  CHECK(!even.tail);
  checkSameResults(f, even.stmt);
  // A factor larger than the extent leaves only the remainder loop.
  SplitResult big = splitLoop(f.body, loopVar(f.body, 1), 16);
  CHECK(!big.outer);
  checkSameResults(f, big.stmt);
  CHECK_THROWS_AS(splitLoop(f.body, loopVar(f.body, 1), 0), Error);
  Var other("x");
  CHECK_THROWS_AS(splitLoop(f.body, other.node(), 2), Error);
}

TEST_CASE("splitLoop: guarded tail and non-constant extents", "[schedule]") {
  PrimFunc f = elementwise2d(2, 13);
  SplitResult g =
      splitLoop(f.body, loopVar(f.body, 1), 4, TailStrategy::Guard);
  CHECK(!g.tail);
  CHECK(extentOf(findLoop(g.stmt, g.outer.node())) == 4);
  checkSameResults(f, g.stmt);

  // Triangular nest: out[i, j] = a[i, j] + 1 for j <= i.
  Buffer a = makeBuffer("a", ElementType::I32, {9, 9});
  Buffer out = makeBuffer("out", ElementType::I32, {9, 9});
  Var i("i"), j("j");
  Stmt body = makeFor(
      i, 0, 9, ForKind::Serial,
      makeFor(j, 0, i + 1, ForKind::Serial,
              makeStore(out, {i, j}, load(a, {i, j}) + intImm(ElementType::I32, 1))));
  PrimFunc tri{"tri", {a, out}, body};
  for (TailStrategy t : {TailStrategy::Remainder, TailStrategy::Guard})
    checkSameResults(tri, splitLoop(body, j.node(), 4, t).stmt);
  CHECK_THROWS_AS(reorderLoops(body, {j.node(), i.node()}), Error);
  CHECK_THROWS_AS(fuseLoops(body, i.node(), j.node()), Error);
  CHECK_THROWS_AS(unrollLoop(body, j.node()), Error);
}

TEST_CASE("reorderLoops permutes a perfect nest", "[schedule]") {
  PrimFunc f = elementwise2d(4, 6);
  const VarNode *i = loopVar(f.body, 0), *j = loopVar(f.body, 1);
  Stmt s = reorderLoops(f.body, {j, i});
  auto ls = loops(s);
  REQUIRE(ls.size() == 2);
  CHECK(ls[0]->var.node() == j);
  CHECK(extentOf(ls[0]) == 6);
  CHECK(ls[1]->var.node() == i);
  checkSameResults(f, s);

  // Three levels after a split: (i, j_o, j_i) -> (j_i, i, j_o).
  SplitResult r = splitLoop(f.body, j, 3);
  Stmt t = reorderLoops(r.stmt, {r.inner.node(), i, r.outer.node()});
  CHECK(loops(t)[0]->var.node() == r.inner.node());
  checkSameResults(f, t);
  CHECK_THROWS_AS(reorderLoops(f.body, {i, i}), Error);
}

TEST_CASE("fuseLoops merges two nested loops", "[schedule]") {
  PrimFunc f = elementwise2d(4, 7);
  Var fused;
  Stmt s = fuseLoops(f.body, loopVar(f.body, 0), loopVar(f.body, 1), &fused);
  auto ls = loops(s);
  REQUIRE(ls.size() == 1);
  CHECK(ls[0]->var.node() == fused.node());
  CHECK(extentOf(ls[0]) == 28);
  checkSameResults(f, s);
  // Not perfectly nested: the inner loop is not the whole body.
  CHECK_THROWS_AS(fuseLoops(f.body, loopVar(f.body, 1), loopVar(f.body, 0)),
                  Error);
}

TEST_CASE("unrollLoop and setLoopKind", "[schedule]") {
  PrimFunc f = elementwise2d(3, 4);
  Stmt s = unrollLoop(f.body, loopVar(f.body, 1));
  auto ls = loops(s);
  REQUIRE(ls.size() == 1);
  auto *seq = ls[0]->body.as<SeqNode>();
  REQUIRE(seq);
  CHECK(seq->stmts.size() == 4);
  checkSameResults(f, s);
  CHECK_THROWS_AS(unrollLoop(f.body, loopVar(f.body, 0), 2), Error);

  Stmt p = setLoopKind(f.body, loopVar(f.body, 0), ForKind::Parallel);
  CHECK(loops(p)[0]->forKind == ForKind::Parallel);
  CHECK(loops(p)[1]->forKind == ForKind::Serial);
  checkSameResults(f, p);
}

TEST_CASE("isParallelSafe accepts independent iterations", "[schedule]") {
  PrimFunc f = elementwise2d(4, 16);
  auto ls = loops(f.body);
  CHECK(isParallelSafe(ls[0]));
  CHECK(isParallelSafe(ls[1]));

  // After a split and vectorization the outer loop writes 8-wide windows.
  SplitResult r = splitLoop(f.body, ls[1]->var.node(), 8);
  Stmt v = vectorizeLoops(
      setLoopKind(r.stmt, r.inner.node(), ForKind::Vectorized));
  CHECK(isParallelSafe(findLoop(v, r.outer.node())));
  CHECK(isParallelSafe(loops(v)[0]));

  // In-place update reading the element it writes.
  Buffer x = makeBuffer("x", ElementType::F32, {64});
  Var i("i");
  Stmt inPlace = makeFor(i, 0, 64, ForKind::Serial,
                         makeStore(x, {i}, load(x, {i}) * 2.0));
  CHECK(isParallelSafe(inPlace.as<ForNode>()));

  // A reduction: output loop safe, reduction loop not.
  Buffer in = makeBuffer("in", ElementType::F32, {8, 32});
  Buffer out = makeBuffer("out", ElementType::F32, {8});
  Reduction red;
  red.shape = {32};
  red.accType = ElementType::F32;
  red.init = floatImm(DType(ElementType::F32), 0);
  red.combine = [](Expr acc, Expr v) { return acc + v; };
  red.value = [&](const Indices &o, const Indices &r) {
    return load(in, {o[0], r[0]});
  };
  Stmt rs = reduce(out, red);
  auto rl = loops(rs);
  REQUIRE(rl.size() == 2);
  CHECK(isParallelSafe(rl[0]));
  CHECK_FALSE(isParallelSafe(rl[1]));
}

TEST_CASE("isParallelSafe rejects dependent iterations", "[schedule]") {
  Buffer x = makeBuffer("x", ElementType::F32, {64});
  Buffer out = makeBuffer("out", ElementType::F32, {64});
  Buffer idx = makeBuffer("idx", ElementType::I64, {64});
  Var i("i");
  auto loopOf = [&](Stmt body) {
    return makeFor(i, 1, 63, ForKind::Serial, std::move(body));
  };
  // Cumulative sum.
  Stmt cumsum = loopOf(
      makeStore(out, {i}, load(out, {i - 1}) + load(x, {i})));
  CHECK_FALSE(isParallelSafe(cumsum.as<ForNode>()));
  // Scatter with data-dependent indices.
  Stmt scatter = loopOf(makeStore(out, {load(idx, {i})}, load(x, {i})));
  CHECK_FALSE(isParallelSafe(scatter.as<ForNode>()));
  // Accumulation into a buffer allocated outside the loop.
  Buffer acc = makeBuffer("acc", ElementType::F32, {1}, MemoryScope::Stack);
  Stmt accum = loopOf(makeStore(acc, {0}, load(acc, {0}) + load(x, {i})));
  CHECK_FALSE(isParallelSafe(accum.as<ForNode>()));
  CHECK_FALSE(isParallelSafe(
      makeAllocate(acc, accum).as<AllocateNode>()->body.as<ForNode>()));
  // The same accumulator allocated per iteration is private.
  Stmt priv = loopOf(makeAllocate(
      acc, makeSeq({makeStore(acc, {0}, load(x, {i})),
                    makeStore(out, {i}, load(acc, {0}))})));
  CHECK(isParallelSafe(priv.as<ForNode>()));
  // ...but not from the shared Global workspace.
  Buffer ws = makeBuffer("ws", ElementType::F32, {1});
  Stmt shared = loopOf(makeAllocate(
      ws, makeSeq({makeStore(ws, {0}, load(x, {i})),
                   makeStore(out, {i}, load(ws, {0}))})));
  CHECK_FALSE(isParallelSafe(shared.as<ForNode>()));
  // Reading an element another iteration writes.
  Stmt readFirst = loopOf(makeStore(out, {i}, load(out, {1}) + 1.0));
  CHECK_FALSE(isParallelSafe(readFirst.as<ForNode>()));
  // Two elements per iteration with stride 1 overlap the next iteration.
  Buffer wide = makeBuffer("wide", ElementType::F32, {130});
  Stmt overlap = loopOf(makeSeq({makeStore(wide, {i}, 1.0 * load(x, {i})),
                                 makeStore(wide, {i + 1}, load(x, {i}))}));
  CHECK_FALSE(isParallelSafe(overlap.as<ForNode>()));
  Stmt pairs = loopOf(makeSeq({makeStore(wide, {i * 2}, load(x, {i})),
                               makeStore(wide, {i * 2 + 1}, load(x, {i}))}));
  CHECK(isParallelSafe(pairs.as<ForNode>()));
  // An inner loop with unknown bounds: its offsets are not modelled.
  Var j("j");
  Buffer grid = makeBuffer("grid", ElementType::F32, {64, 64});
  Stmt tri = loopOf(makeFor(j, 0, i, ForKind::Serial,
                            makeStore(grid, {j, i}, load(x, {i}))));
  CHECK(isParallelSafe(tri.as<ForNode>())); // dimension 1 is exactly i
  Stmt triT = loopOf(makeFor(j, 0, i, ForKind::Serial,
                             makeStore(out, {i + j}, load(x, {i}))));
  CHECK_FALSE(isParallelSafe(triT.as<ForNode>()));
  // One let variable bound to different values (as after unrolling).
  Var t("t");
  Stmt twice = loopOf(makeSeq(
      {makeLet(t, i, makeStore(wide, {t}, load(x, {i}))),
       makeLet(t, i + 1, makeStore(wide, {t}, load(x, {i})))}));
  CHECK_FALSE(isParallelSafe(twice.as<ForNode>()));
  // Side-effecting intrinsics.
  Stmt effect = loopOf(makeEvaluate(call(DType::index(), "dma_copy", {i})));
  CHECK_FALSE(isParallelSafe(effect.as<ForNode>()));
}

TEST_CASE("countWork bounds extents that depend on outer loops",
          "[schedule]") {
  // for r in [0, 6): for k from max(0, 1 - r) extent min(3, 7 - r) -
  // max(0, 1 - r): out[r] = ...  -- k's extent is at most 3.
  Buffer out = makeBuffer("out", ElementType::F32, {6});
  Var r("r"), k("k");
  Expr lo = max(Expr(0), Expr(1) - r);
  Expr hi = min(Expr(3), Expr(7) - r);
  Stmt body = makeStore(out, {r}, floatImm(DType(ElementType::F32), 1));
  Stmt inner = makeFor(k, lo, hi - lo, ForKind::Serial, body);
  Stmt nest = makeFor(r, Expr(0), Expr(6), ForKind::Serial, inner);
  CHECK(countWork(nest) == 6 * 3);
  // An extent bounded by nothing known (a load) has no count.
  Buffer n = makeBuffer("n", ElementType::I64, {1});
  Stmt unknown = makeFor(k, Expr(0), load(n, {Expr(0)}), ForKind::Serial,
                         body);
  CHECK(countWork(makeFor(r, Expr(0), Expr(6), ForKind::Serial, unknown)) ==
        -1);
}
