//===- InlineTest.cpp - the loop-IR temporary inliner ---------------------===//
// Hand-built kernels before and after inlineTemporaries: what gets inlined,
// what must not be, and identical results in the evaluator.
//===----------------------------------------------------------------------===//
#include "kiln/LoopIR/Builder.h"
#include "kiln/LoopIR/Evaluator.h"
#include "kiln/LoopIR/Inline.h"
#include "kiln/LoopIR/Printer.h"
#include "kiln/LoopIR/Verifier.h"

#include <catch2/catch.hpp>

#include <cstring>
#include <random>

using namespace kiln;
using namespace kiln::loop;

namespace {

const ElementType F32 = ElementType::F32;
using Memory = std::vector<std::vector<float>>;

Memory randomMemory(const PrimFunc &f, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-2, 2);
  Memory mem;
  for (const Buffer &b : f.params) {
    std::vector<float> v(size_t(b->extentElements()));
    for (float &x : v)
      x = dist(rng);
    mem.push_back(std::move(v));
  }
  return mem;
}

Memory run(const PrimFunc &f, Memory mem) {
  std::vector<void *> args;
  for (auto &m : mem)
    args.push_back(m.data());
  std::vector<uint8_t> ws(size_t(workspaceBytes(f)) + 64);
  evaluatePrimFunc(f, args, ws.data(), int64_t(ws.size()));
  return mem;
}

// Inlines f, checks the result verifies and computes exactly what f does
// on random parameters; returns the inlined kernel.
PrimFunc inlineAndCheck(const PrimFunc &f, InlineStats &stats) {
  verifyPrimFunc(f);
  PrimFunc g = inlineTemporaries(f, &stats);
  INFO(printPrimFunc(g));
  verifyPrimFunc(g);
  for (uint32_t seed = 1; seed <= 3; ++seed) {
    Memory in = randomMemory(f, seed);
    Memory a = run(f, in), b = run(g, in);
    REQUIRE(a.size() == b.size());
    for (size_t i = 0; i < a.size(); ++i)
      CHECK(std::memcmp(a[i].data(), b[i].data(), a[i].size() * 4) == 0);
  }
  return g;
}

Stmt allocAll(const std::vector<Buffer> &temps, std::vector<Stmt> stmts) {
  Stmt s = makeSeq(std::move(stmts));
  for (size_t i = temps.size(); i-- > 0;)
    s = makeAllocate(temps[i], s);
  return s;
}

int count(const std::string &text, const std::string &what) {
  int n = 0;
  for (size_t p = text.find(what); p != std::string::npos;
       p = text.find(what, p + 1))
    ++n;
  return n;
}

Expr fimm(double v) { return floatImm(DType(F32), v); }

} // namespace

TEST_CASE("elementwise chain inlines into one nest", "[inline]") {
  Buffer x = makeBuffer("x", F32, {2, 3, 4}), y = makeBuffer("y", F32, {2, 3, 4});
  Buffer t1 = makeBuffer("t1", F32, {2, 3, 4});
  Buffer t2 = makeBuffer("t2", F32, {2, 3, 4}, MemoryScope::Stack);
  PrimFunc f{"chain", {x, y}, {}};
  f.body = allocAll(
      {t1, t2},
      {compute(t1, [&](const Indices &i) { return load(x, i) * 2.0 + 1.0; }),
       compute(t2, [&](const Indices &i) { return mathCall("exp", load(t1, i)); }),
       compute(y, [&](const Indices &i) {
         return max(load(t2, i) - load(t1, i), fimm(0));
       })});
  InlineStats stats;
  PrimFunc g = inlineAndCheck(f, stats);
  std::string text = printPrimFunc(g);
  CHECK(stats.allocationsRemoved() == 2);
  CHECK(count(text, "alloc") == 0);
  CHECK(count(text, "for ") == 3); // one nest of rank 3
  CHECK(count(text, "%t1") == 0);
  CHECK(count(text, "%t2") == 0);
}

TEST_CASE("reads through reshaped views are inlined", "[inline]") {
  Buffer x = makeBuffer("x", F32, {2, 12}), y = makeBuffer("y", F32, {2, 3, 4});
  Buffer t = makeBuffer("t", F32, {2, 12});
  Buffer tv = reshapeView(t, {2, 3, 4});
  PrimFunc f{"view", {x, y}, {}};
  f.body = allocAll(
      {t}, {compute(t, [&](const Indices &i) { return max(load(x, i), fimm(0)); }),
            compute(y, [&](const Indices &i) { return load(tv, i) + 1.0; })});
  InlineStats stats;
  PrimFunc g = inlineAndCheck(f, stats);
  CHECK(stats.allocationsRemoved() == 1);
  std::string text = printPrimFunc(g);
  CHECK(count(text, "alloc") == 0);
  CHECK(count(text, "/") == 0); // no index arithmetic from the reshape
}

// Conv -> Reshape -> Relu: the epilogue writes the output through a view
// shaped like the convolution.
TEST_CASE("reduction through a reshape into an epilogue", "[inline]") {
  Buffer x = makeBuffer("x", F32, {1, 2, 3, 3}), w = makeBuffer("w", F32, {3, 2, 2, 2});
  Buffer y = makeBuffer("y", F32, {1, 12});
  Buffer c = makeBuffer("c", F32, {1, 3, 2, 2}), r = makeBuffer("r", F32, {1, 12});
  Buffer cv = reshapeView(c, {1, 12});
  Reduction red;
  red.shape = {2, 2, 2};
  red.accType = F32;
  red.init = fimm(0);
  red.combine = [](Expr acc, Expr v) { return acc + v; };
  red.value = [&](const Indices &o, const Indices &k) {
    return load(x, {o[0], k[0], o[2] + k[1], o[3] + k[2]}) *
           load(w, {o[1], k[0], k[1], k[2]});
  };
  PrimFunc f{"conv_reshape_relu", {x, w, y}, {}};
  f.body = allocAll(
      {c, r}, {reduce(c, red),
               compute(r, [&](const Indices &i) { return load(cv, i); }),
               compute(y, [&](const Indices &i) { return max(load(r, i), fimm(0)); })});
  InlineStats stats;
  PrimFunc g = inlineAndCheck(f, stats);
  std::string text = printPrimFunc(g);
  CHECK(stats.consumersInlined == 2);
  CHECK(count(text, "global {") == 0);
  CHECK(count(text, "= max(") == 1);
}

// y = relu(conv(x, w) + b): the reduction's final store becomes the epilogue.
TEST_CASE("reduction with an elementwise epilogue", "[inline]") {
  Buffer x = makeBuffer("x", F32, {1, 2, 5, 5}), w = makeBuffer("w", F32, {3, 2, 3, 3});
  Buffer b = makeBuffer("b", F32, {3}), y = makeBuffer("y", F32, {1, 3, 3, 3});
  Buffer c = makeBuffer("c", F32, {1, 3, 3, 3}), a = makeBuffer("a", F32, {1, 3, 3, 3});
  Reduction red;
  red.shape = {2, 3, 3};
  red.accType = F32;
  red.init = fimm(0);
  red.combine = [](Expr acc, Expr v) { return acc + v; };
  red.value = [&](const Indices &o, const Indices &r) {
    return load(x, {o[0], r[0], o[2] + r[1], o[3] + r[2]}) *
           load(w, {o[1], r[0], r[1], r[2]});
  };
  PrimFunc f{"conv_relu", {x, w, b, y}, {}};
  f.body = allocAll(
      {c, a},
      {reduce(c, red),
       compute(a, [&](const Indices &i) {
         // Broadcasting lowerings read size-1 dimensions at index 0.
         return load(c, {Expr(0), i[1], i[2], i[3]}) + load(b, {i[1]});
       }),
       compute(y, [&](const Indices &i) { return max(load(a, i), fimm(0)); })});
  InlineStats stats;
  PrimFunc g = inlineAndCheck(f, stats);
  std::string text = printPrimFunc(g);
  CHECK(stats.allocationsRemoved() == 2);
  CHECK(stats.consumersInlined >= 1);
  CHECK(count(text, "global {") == 0); // only the stack accumulator remains
  CHECK(count(text, "alloc") == 1);
  CHECK(count(text, "%y[") == 1);
  CHECK(text.find("%y[0, %i1, %i2, %i3] = max(") != std::string::npos);
}

// GlobalAveragePool then Flatten: the consumer reads a [1,3] view of [1,3,1,1].
TEST_CASE("reduction with a reshaping consumer", "[inline]") {
  Buffer x = makeBuffer("x", F32, {1, 3, 4, 4}), y = makeBuffer("y", F32, {1, 3});
  Buffer t = makeBuffer("t", F32, {1, 3, 1, 1});
  Buffer tv = reshapeView(t, {1, 3});
  Reduction red;
  red.shape = {4, 4};
  red.accType = F32;
  red.init = fimm(0);
  red.combine = [](Expr acc, Expr v) { return acc + v; };
  red.value = [&](const Indices &o, const Indices &r) {
    return load(x, {o[0], o[1], r[0], r[1]});
  };
  red.finalize = [](Expr acc, const Indices &) { return acc / 16.0; };
  PrimFunc f{"gap_flatten", {x, y}, {}};
  f.body = allocAll({t}, {reduce(t, red), compute(y, [&](const Indices &i) {
                            return load(tv, i);
                          })});
  InlineStats stats;
  PrimFunc g = inlineAndCheck(f, stats);
  CHECK(stats.consumersInlined == 1);
  CHECK(count(printPrimFunc(g), "global {") == 0);
}

// exp(relu(x)) summed over the last axis: both producers move into the
// reduction's body.
TEST_CASE("elementwise prologue of a reduction", "[inline]") {
  Buffer x = makeBuffer("x", F32, {3, 5}), y = makeBuffer("y", F32, {3});
  Buffer t1 = makeBuffer("t1", F32, {3, 5}), t2 = makeBuffer("t2", F32, {3, 5});
  Reduction red;
  red.shape = {5};
  red.accType = F32;
  red.init = fimm(0);
  red.combine = [](Expr acc, Expr v) { return acc + v; };
  red.value = [&](const Indices &o, const Indices &r) {
    return load(t2, {o[0], r[0]});
  };
  PrimFunc f{"prologue", {x, y}, {}};
  f.body = allocAll(
      {t1, t2},
      {compute(t1, [&](const Indices &i) { return max(load(x, i), fimm(0)); }),
       compute(t2, [&](const Indices &i) { return mathCall("exp", load(t1, i)); }),
       reduce(y, red)});
  InlineStats stats;
  PrimFunc g = inlineAndCheck(f, stats);
  CHECK(stats.allocationsRemoved() == 2);
  CHECK(count(printPrimFunc(g), "global {") == 0);
}

TEST_CASE("shifted reads of a reduction result are not inlined", "[inline]") {
  Buffer x = makeBuffer("x", F32, {8, 2}), y = makeBuffer("y", F32, {8});
  Buffer t = makeBuffer("t", F32, {8});
  Reduction red;
  red.shape = {2};
  red.accType = F32;
  red.init = fimm(0);
  red.combine = [](Expr acc, Expr v) { return acc + v; };
  red.value = [&](const Indices &o, const Indices &r) {
    return load(x, {o[0], r[0]});
  };
  PrimFunc f{"shifted", {x, y}, {}};
  f.body = allocAll({t}, {reduce(t, red), compute(y, [&](const Indices &i) {
                            return load(t, {min(i[0] + 1, Expr(7))});
                          })});
  InlineStats stats;
  PrimFunc g = inlineAndCheck(f, stats);
  CHECK(stats.allocationsRemoved() == 0);
  CHECK(count(printPrimFunc(g), "alloc %t:") == 1);
}

TEST_CASE("temporaries written twice are not inlined", "[inline]") {
  Buffer x = makeBuffer("x", F32, {6}), y = makeBuffer("y", F32, {6});
  Buffer t = makeBuffer("t", F32, {6});
  PrimFunc f{"twice", {x, y}, {}};
  f.body = allocAll(
      {t}, {compute(t, [&](const Indices &i) { return load(x, i) * 3.0; }),
            makeStore(t, {Expr(2)}, fimm(5)),
            compute(y, [&](const Indices &i) { return load(t, i) + 1.0; })});
  InlineStats stats;
  PrimFunc g = inlineAndCheck(f, stats);
  CHECK(stats.allocationsRemoved() == 0);
  CHECK(count(printPrimFunc(g), "alloc %t:") == 1);
}

// t = a * 2, then a is overwritten, then y = t + a: moving either the
// producer forward or the consumer back would read the wrong a.
TEST_CASE("operands overwritten in between block inlining", "[inline]") {
  Buffer a = makeBuffer("a", F32, {6}), y = makeBuffer("y", F32, {6});
  Buffer t = makeBuffer("t", F32, {6});
  PrimFunc f{"clobber", {a, y}, {}};
  f.body = allocAll(
      {t}, {compute(t, [&](const Indices &i) { return load(a, i) * 2.0; }),
            compute(a, [&](const Indices &i) { return load(a, i) - 1.0; }),
            compute(y, [&](const Indices &i) {
              return load(t, i) + load(a, i);
            })});
  InlineStats stats;
  PrimFunc g = inlineAndCheck(f, stats);
  CHECK(stats.allocationsRemoved() == 0);

  // Without the read of a in the consumer, folding it back is fine.
  f.body = allocAll(
      {t}, {compute(t, [&](const Indices &i) { return load(a, i) * 2.0; }),
            compute(a, [&](const Indices &i) { return load(a, i) - 1.0; }),
            compute(y, [&](const Indices &i) { return load(t, i) + 1.0; })});
  InlineStats stats2;
  inlineAndCheck(f, stats2);
  CHECK(stats2.producersInlined == 0);
  CHECK(stats2.consumersInlined == 1);
}

TEST_CASE("conditional producers are not folded", "[inline]") {
  Buffer x = makeBuffer("x", F32, {4}), y = makeBuffer("y", F32, {4});
  Buffer t = makeBuffer("t", F32, {4});
  Var i("i");
  PrimFunc f{"cond", {x, y}, {}};
  Stmt guarded = makeFor(i, Expr(0), Expr(4), ForKind::Serial,
                         makeIf(i < Expr(2), makeStore(t, {i}, load(x, {i}))));
  // Elements 2 and 3 of t are never written (the workspace reads as zero).
  f.body = allocAll({t}, {guarded, compute(y, [&](const Indices &j) {
                            return load(t, j) * 2.0;
                          })});
  InlineStats stats;
  inlineAndCheck(f, stats);
  CHECK(stats.allocationsRemoved() == 0);
}

TEST_CASE("unread temporaries are removed", "[inline]") {
  Buffer x = makeBuffer("x", F32, {4}), y = makeBuffer("y", F32, {4});
  Buffer t = makeBuffer("t", F32, {4});
  PrimFunc f{"dead", {x, y}, {}};
  f.body = allocAll(
      {t}, {compute(t, [&](const Indices &i) { return load(x, i) * 2.0; }),
            compute(y, [&](const Indices &i) { return load(x, i) + 1.0; })});
  InlineStats stats;
  PrimFunc g = inlineAndCheck(f, stats);
  CHECK(stats.deadRemoved == 1);
  CHECK(count(printPrimFunc(g), "alloc") == 0);
}
