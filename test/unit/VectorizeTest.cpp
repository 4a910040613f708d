// The vectorizer and the default CPU schedule: the vector code they produce
// (Ramp indices, scalar operands kept scalar, remainder loops) and, through
// the loop IR evaluator, bit-identical results to the unscheduled function.
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

Memory randomArgs(const PrimFunc &f, unsigned seed) {
  std::mt19937 rng(seed);
  Memory mem;
  for (const Buffer &b : f.params) {
    std::vector<uint8_t> bytes(size_t(b->byteSize()));
    for (int64_t i = 0; i < b->extentElements(); ++i) {
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

void checkSameResults(const PrimFunc &ref, const PrimFunc &g) {
  INFO(printPrimFunc(g));
  for (unsigned s = 0; s < 3; ++s) {
    Memory in = randomArgs(ref, 5 + s);
    CHECK(run(ref, in) == run(g, in));
  }
}

PrimFunc withBody(const PrimFunc &f, Stmt body) {
  PrimFunc g = f;
  g.body = std::move(body);
  return g;
}

struct Census {
  int vectorizedLoops = 0, parallelLoops = 0, loops = 0;
  std::vector<int> storeLanes;       // per store, lanes of the stored value
  std::vector<int64_t> storeStrides; // last-index Ramp stride, 0 if scalar
  int vectorLets = 0;
  std::vector<const LoadNode *> loads;
};

Census census(const Stmt &s) {
  Census c;
  std::function<void(const Stmt &)> walk = [&](const Stmt &st) {
    if (!st)
      return;
    switch (st.kind()) {
    case StmtKind::For: {
      auto *f = st.as<ForNode>();
      ++c.loops;
      c.vectorizedLoops += f->forKind == ForKind::Vectorized;
      c.parallelLoops += f->forKind == ForKind::Parallel;
      walk(f->body);
      break;
    }
    case StmtKind::Seq:
      for (const Stmt &x : st.as<SeqNode>()->stmts)
        walk(x);
      break;
    case StmtKind::Store: {
      auto *n = st.as<StoreNode>();
      c.storeLanes.push_back(n->value.type().lanes);
      int64_t stride = 0;
      if (auto *r = n->indices.back().as<RampNode>())
        isConstInt(r->stride, &stride);
      c.storeStrides.push_back(stride);
      break;
    }
    case StmtKind::Let:
      c.vectorLets += st.as<LetNode>()->var.type().lanes > 1;
      walk(st.as<LetNode>()->body);
      break;
    case StmtKind::Allocate:
      walk(st.as<AllocateNode>()->body);
      break;
    case StmtKind::IfThenElse:
      walk(st.as<IfThenElseNode>()->thenBody);
      walk(st.as<IfThenElseNode>()->elseBody);
      break;
    default:
      break;
    }
  };
  walk(s);
  forEachExpr(s, [&](const Expr &e) {
    if (auto *l = e.as<LoadNode>())
      c.loads.push_back(l);
  });
  return c;
}

// out[i] = a[i] * s[0] + 3 over n elements of type t.
PrimFunc scaleShift(int64_t n, ElementType t = ElementType::F32) {
  Buffer a = makeBuffer("a", t, {n});
  Buffer s = makeBuffer("s", t, {1});
  Buffer out = makeBuffer("out", t, {n});
  Stmt body = compute(out, [&](const Indices &i) {
    return load(a, i) * load(s, {0}) + makeConst(DType(t), 3);
  });
  return {"scale_shift", {a, s, out}, body};
}

Stmt markVectorized(const Stmt &s) {
  auto *f = s.as<ForNode>();
  return setLoopKind(s, f->var.node(), ForKind::Vectorized);
}

} // namespace

TEST_CASE("vectorizeLoops: elementwise with a broadcast operand",
          "[vectorize]") {
  for (int64_t n : {2, 7, 8, 13, 33}) {
    PrimFunc f = scaleShift(n);
    Stmt v = vectorizeLoops(markVectorized(f.body));
    Census c = census(v);
    CHECK(c.loops == 0);
    REQUIRE(c.storeLanes == std::vector<int>{int(n)});
    CHECK(c.storeStrides == std::vector<int64_t>{1});
    // a[] is a contiguous vector load, s[0] stays a scalar load.
    int scalarLoads = 0, vectorLoads = 0;
    for (const LoadNode *l : c.loads)
      (l->type.lanes == 1 ? scalarLoads : vectorLoads)++;
    CHECK(scalarLoads == 1);
    CHECK(vectorLoads == 1);
    checkSameResults(f, withBody(f, v));
  }
}

TEST_CASE("vectorizeLoops: gathers, lets, math, selects and casts",
          "[vectorize]") {
  Buffer a = makeBuffer("a", ElementType::F32, {6, 16});
  Buffer b = makeBuffer("b", ElementType::I32, {16});
  Buffer out = makeBuffer("out", ElementType::F32, {6, 8});
  Var i("i"), j("j"), t("t", DType(ElementType::F32));
  // out[i, j] = let t = exp(a[i, 2j]) in select(t > 1, t, f32(b[j] + i))
  Expr strided = load(a, {i, j * 2});
  Expr alt = cast(ElementType::F32, load(b, {j}) + cast(ElementType::I32, i));
  Stmt body = makeLet(t, mathCall("exp", strided),
                      makeStore(out, {i, j}, select(t > floatImm(DType(ElementType::F32), 1.0), t, alt)));
  Stmt nest = makeFor(i, 0, 6, ForKind::Serial,
                      makeFor(j, 0, 8, ForKind::Vectorized, body));
  PrimFunc f{"mix", {a, b, out}, nest};
  PrimFunc ref = withBody(f, setLoopKind(nest, j.node(), ForKind::Serial));
  Stmt v = vectorizeLoops(nest);
  Census c = census(v);
  CHECK(c.loops == 1);
  CHECK(c.vectorizedLoops == 0);
  CHECK(c.vectorLets == 1);
  CHECK(c.storeLanes == std::vector<int>{8});
  // The strided load's last index is a Ramp of stride 2.
  bool strided2 = false;
  for (const LoadNode *l : c.loads)
    if (auto *r = l->indices.back().as<RampNode>()) {
      int64_t s = 0;
      strided2 |= isConstInt(r->stride, &s) && s == 2;
    }
  CHECK(strided2);
  checkSameResults(ref, withBody(f, v));

  // Vectorizing the outer loop instead makes the i index a vector: a gather.
  Stmt outer = makeFor(i, 0, 6, ForKind::Vectorized,
                       makeFor(j, 0, 8, ForKind::Serial, body));
  Stmt vo = vectorizeLoops(outer); // has an inner loop: left to LLVM
  CHECK(census(vo).vectorizedLoops == 1);
  Stmt swapped = reorderLoops(outer, {j.node(), i.node()});
  Stmt vs = vectorizeLoops(swapped);
  CHECK(census(vs).vectorizedLoops == 0);
  CHECK(census(vs).storeStrides == std::vector<int64_t>{0}); // a scatter
  checkSameResults(ref, withBody(f, vs));
}

TEST_CASE("vectorizeLoops leaves illegal loops Vectorized", "[vectorize]") {
  Buffer x = makeBuffer("x", ElementType::F32, {16});
  Buffer out = makeBuffer("out", ElementType::F32, {16});
  Var i("i");
  auto vec = [&](Expr min, Stmt body) {
    return makeFor(i, min, 8, ForKind::Vectorized, std::move(body));
  };
  // Loop-carried dependence (cumulative sum).
  Stmt cumsum = vec(1, makeStore(out, {i}, load(out, {i - 1}) + load(x, {i})));
  CHECK(census(vectorizeLoops(cumsum)).vectorizedLoops == 1);
  // Reduction into one element.
  Stmt red = vec(0, makeStore(out, {0}, load(out, {0}) + load(x, {i})));
  CHECK(census(vectorizeLoops(red)).vectorizedLoops == 1);
  // Control flow depending on the lane.
  Stmt guarded = vec(0, makeIf(i < 5, makeStore(out, {i}, load(x, {i}))));
  CHECK(census(vectorizeLoops(guarded)).vectorizedLoops == 1);
  // Non-constant extent.
  Var n("n");
  Stmt dyn = makeFor(n, 0, 2, ForKind::Serial,
                     makeFor(i, 0, n + 3, ForKind::Vectorized,
                             makeStore(out, {i}, load(x, {i}))));
  CHECK(census(vectorizeLoops(dyn)).vectorizedLoops == 1);
  // Two lanes writing one element.
  Stmt collide = vec(0, makeStore(out, {floorDiv(i, 2)}, load(x, {i})));
  CHECK(census(vectorizeLoops(collide)).vectorizedLoops == 1);
  // In-place update of the element being read is fine.
  Stmt inPlace = vec(0, makeStore(out, {i}, load(out, {i}) * 2.0));
  CHECK(census(vectorizeLoops(inPlace)).vectorizedLoops == 0);
}

namespace {

PrimFunc schedule(const PrimFunc &f, int vectorBytes = 32) {
  CpuScheduleOptions o;
  o.vectorBytes = vectorBytes;
  PrimFunc g = applyDefaultSchedule(f, o);
  // Deterministic: the same input gives the same text.
  CHECK(printPrimFunc(g) == printPrimFunc(applyDefaultSchedule(f, o)));
  checkSameResults(f, g);
  return g;
}

const ForNode *firstParallel(const Stmt &s) {
  const ForNode *found = nullptr;
  std::function<void(const Stmt &)> walk = [&](const Stmt &st) {
    if (found || !st)
      return;
    if (auto *f = st.as<ForNode>()) {
      if (f->forKind == ForKind::Parallel)
        found = f;
      walk(f->body);
    } else if (auto *q = st.as<SeqNode>()) {
      for (const Stmt &x : q->stmts)
        walk(x);
    } else if (auto *a = st.as<AllocateNode>()) {
      walk(a->body);
    }
  };
  walk(s);
  return found;
}

} // namespace

TEST_CASE("default schedule: odd extents get a scalar remainder or one "
          "short vector",
          "[vectorize][default-schedule]") {
  struct Case {
    int64_t n;
    int vectorBytes;
    ElementType type;
    std::vector<int> lanes;
  };
  for (const Case &c : std::vector<Case>{
           {7, 32, ElementType::F32, {7}},     // over half a vector
           {3, 32, ElementType::F32, {1}},     // under half a vector
           {8, 32, ElementType::F32, {8}},     // exactly one vector
           {13, 32, ElementType::F32, {8, 1}}, // 8 + 5
           {33, 32, ElementType::F32, {8, 1}}, // 32 + 1
           {13, 16, ElementType::F32, {4, 1}}, // SSE: 4 lanes
           {7, 16, ElementType::F64, {2, 1}},  // f64 at 16 bytes
           {70, 32, ElementType::U8, {32, 1}}, // 32 bytes of u8
           {13, 64, ElementType::I32, {13}},   // 13 of AVX-512's 16
           {7, 64, ElementType::I32, {1}},     // under half of 16
           {16, 64, ElementType::U8, {16}},    // an 8-bit block: 16 bytes
           {4, 64, ElementType::F32, {4}},     // 16 bytes of f32
           {8, 64, ElementType::U8, {1}},      // 8 bytes: scalar
           {12, 64, ElementType::U8, {1}}}) {  // not a power of two
    INFO("n=" << c.n << " bytes=" << c.vectorBytes);
    PrimFunc g = schedule(scaleShift(c.n, c.type), c.vectorBytes);
    Census k = census(g.body);
    CHECK(k.storeLanes == c.lanes);
    CHECK(k.vectorizedLoops == 0);
    CHECK(k.parallelLoops == 0); // too little work
    if (c.lanes[0] > 1)
      CHECK(k.storeStrides[0] == 1);
  }
}

TEST_CASE("default schedule: large elementwise is vectorized and parallel",
          "[vectorize][default-schedule]") {
  PrimFunc g = schedule(scaleShift(40003));
  Census k = census(g.body);
  CHECK(k.storeLanes == std::vector<int>{8, 1});
  const ForNode *p = firstParallel(g.body);
  REQUIRE(p);
  int64_t extent = 0;
  CHECK((isConstInt(p->extent, &extent) && extent == 5000));
  CHECK(k.parallelLoops == 1); // not the 3-iteration remainder

  // [2, 3, 8192]: the short outer loops are fused into the parallel one.
  Buffer a = makeBuffer("a", ElementType::F32, {2, 3, 8192});
  Buffer out = makeBuffer("out", ElementType::F32, {2, 3, 8192});
  PrimFunc f{"relu", {a, out}, compute(out, [&](const Indices &i) {
               return max(load(a, i), floatImm(DType(ElementType::F32), 0));
             })};
  PrimFunc h = schedule(f);
  const ForNode *q = firstParallel(h.body);
  REQUIRE(q);
  CHECK((isConstInt(q->extent, &extent) && extent == 2 * 3 * 1024));
  CHECK(census(h.body).loops == 1);
  CHECK(census(h.body).storeLanes == std::vector<int>{8});

  // Without the parallel option nothing is parallel.
  CpuScheduleOptions serial;
  serial.parallel = false;
  CHECK(census(applyDefaultSchedule(f, serial).body).parallelLoops == 0);
}

TEST_CASE("default schedule: reduction parallel over outputs only",
          "[vectorize][default-schedule]") {
  Buffer in = makeBuffer("in", ElementType::F32, {256, 300});
  Buffer out = makeBuffer("out", ElementType::F32, {256});
  Reduction red;
  red.shape = {300};
  red.accType = ElementType::F32;
  red.init = floatImm(DType(ElementType::F32), 0);
  red.combine = [](Expr acc, Expr v) { return acc + v; };
  red.value = [&](const Indices &o, const Indices &r) {
    return load(in, {o[0], r[0]});
  };
  PrimFunc f{"sum", {in, out}, reduce(out, red)};
  PrimFunc g = schedule(f);
  Census k = census(g.body);
  CHECK(k.parallelLoops == 1);
  CHECK(k.loops == 2);
  const ForNode *p = firstParallel(g.body);
  REQUIRE(p);
  int64_t extent = 0;
  CHECK((isConstInt(p->extent, &extent) && extent == 256));
  // The reduction loop inside stays serial and scalar.
  for (int lanes : k.storeLanes)
    CHECK(lanes == 1);
}

TEST_CASE("default schedule: dependent nests stay serial",
          "[vectorize][default-schedule]") {
  // out[i] = out[i-1] + x[i] over 50000 elements: enough work, not safe.
  Buffer x = makeBuffer("x", ElementType::F32, {50000});
  Buffer out = makeBuffer("out", ElementType::F32, {50000});
  Var i("i");
  Stmt body = makeFor(i, 1, 49999, ForKind::Serial,
                      makeStore(out, {i}, load(out, {i - 1}) + load(x, {i})));
  PrimFunc f{"cumsum", {x, out}, body};
  PrimFunc g = schedule(f);
  Census k = census(g.body);
  CHECK(k.parallelLoops == 0);
  CHECK(k.storeLanes == std::vector<int>{1});
  CHECK(k.loops == 1);
}

TEST_CASE("default schedule: respects kinds set by the lowering",
          "[vectorize][default-schedule]") {
  Buffer a = makeBuffer("a", ElementType::F32, {4096, 4});
  Buffer out = makeBuffer("out", ElementType::F32, {4096, 4});
  Var i("i"), j("j");
  Stmt nest = makeFor(
      i, 0, 4096, ForKind::Parallel,
      makeFor(j, 0, 4, ForKind::Vectorized,
              makeStore(out, {i, j}, load(a, {i, j}) + 1.0)));
  PrimFunc f{"pre", {a, out}, nest};
  PrimFunc g = applyDefaultSchedule(f);
  Census k = census(g.body);
  CHECK(k.parallelLoops == 1);
  CHECK(k.vectorizedLoops == 0);
  CHECK(k.storeLanes == std::vector<int>{4});
  checkSameResults(f, g);
}
