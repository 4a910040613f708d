// The CPU backend's JIT on hand-built loop IR programs: numbers against
// hand-computed values and against the loop IR evaluator (runProgram).
#include "kiln/Backends/Cpu/JitProgram.h"
#include "kiln/LoopIR/Builder.h"
#include "kiln/LoopIR/Evaluator.h"
#include "kiln/LoopIR/Schedule.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

using namespace kiln;
using namespace kiln::loop;

namespace {

/// Assembles a Program: tensors with storage, kernels and calls; arena
/// tensors and workspaces are packed one after another.
struct TestProgram {
  Program p;
  explicit TestProgram(std::string name) { p.name = std::move(name); }

  size_t add(std::string name, ElementType e, std::vector<int64_t> shape,
             StorageKind s) {
    ProgramTensor t;
    t.name = std::move(name);
    t.elem = e;
    t.shape = std::move(shape);
    t.storage = s;
    if (s == StorageKind::Input) {
      t.index = int(p.inputs.size());
      p.inputs.push_back(p.tensors.size());
    } else if (s == StorageKind::Output) {
      t.index = int(p.outputs.size());
      p.outputs.push_back(p.tensors.size());
    } else if (s == StorageKind::Arena) {
      t.offset = reserve(t.byteSize());
    }
    p.tensors.push_back(std::move(t));
    return p.tensors.size() - 1;
  }
  size_t input(std::string n, ElementType e, std::vector<int64_t> s) {
    return add(std::move(n), e, std::move(s), StorageKind::Input);
  }
  size_t output(std::string n, ElementType e, std::vector<int64_t> s) {
    return add(std::move(n), e, std::move(s), StorageKind::Output);
  }
  size_t temp(std::string n, ElementType e, std::vector<int64_t> s) {
    return add(std::move(n), e, std::move(s), StorageKind::Arena);
  }
  size_t constant(std::string n, const Tensor &value) {
    size_t id = add(std::move(n), value.elementType(), value.shape(),
                    StorageKind::Constant);
    p.tensors[id].value = value;
    return id;
  }
  int64_t reserve(int64_t bytes) {
    int64_t off = (p.arenaSize + kArenaAlignment - 1) / kArenaAlignment *
                  kArenaAlignment;
    p.arenaSize = off + bytes;
    return off;
  }
  void call(PrimFunc f, std::vector<size_t> args) {
    KernelCall c;
    c.func = p.funcs.size();
    c.args = std::move(args);
    c.workspaceSize = workspaceBytes(f);
    if (c.workspaceSize > 0)
      c.workspaceOffset = reserve(c.workspaceSize);
    p.funcs.push_back(std::move(f));
    p.calls.push_back(std::move(c));
  }
};

Tensor outputTensor(const Program &p, size_t i) {
  const ProgramTensor &t = p.tensors[p.outputs[i]];
  return Tensor(t.elem, t.shape);
}

std::vector<Tensor> jitRun(const Program &p, const std::vector<Tensor> &inputs,
                           const cpu::CpuTargetOptions &opts = {},
                           const codegen::CodeGenOptions &cg = {}) {
  auto jit = cpu::JitProgram::compile(p, opts, cg);
  std::vector<Tensor> outs;
  for (size_t i = 0; i < p.outputs.size(); ++i)
    outs.push_back(outputTensor(p, i));
  std::vector<const void *> in;
  for (const Tensor &t : inputs)
    in.push_back(t.rawData());
  std::vector<void *> out;
  for (Tensor &t : outs)
    out.push_back(t.rawData());
  REQUIRE(jit->run(in, out) == 0);
  return outs;
}

template <typename T>
Tensor vec(const std::vector<T> &values, std::vector<int64_t> shape = {}) {
  if (shape.empty())
    shape = {int64_t(values.size())};
  return Tensor::fromVector<T>(values, shape);
}

void requireIdentical(const std::vector<Tensor> &a,
                      const std::vector<Tensor> &b) {
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    INFO("output " << i);
    REQUIRE(a[i].identicalTo(b[i]));
  }
}

void requireClose(const Tensor &a, const Tensor &b, double tol) {
  REQUIRE(a.numElements() == b.numElements());
  for (int64_t i = 0; i < a.numElements(); ++i) {
    double x = a.getDouble(i), y = b.getDouble(i);
    INFO("element " << i << ": " << x << " vs " << y);
    if (std::isnan(y))
      REQUIRE(std::isnan(x));
    else
      REQUIRE(std::abs(x - y) <= tol * (1 + std::abs(y)));
  }
}

Tensor randomTensor(ElementType e, std::vector<int64_t> shape, unsigned seed,
                    double lo = -4, double hi = 4) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> dist(lo, hi);
  Tensor t(e, shape);
  for (int64_t i = 0; i < t.numElements(); ++i)
    t.setDouble(i, isFloat(e) ? dist(rng) : std::round(dist(rng)));
  return t;
}

// out = max(a + b, 0) with b broadcast over rows, b a constant.
Program biasRelu(const Tensor &bias) {
  TestProgram tp("biasrelu");
  Buffer a = makeBuffer("a", ElementType::F32, {2, 3});
  Buffer b = makeBuffer("b", ElementType::F32, {3});
  Buffer o = makeBuffer("o", ElementType::F32, {2, 3});
  PrimFunc f{"add_relu", {a, b, o}, compute(o, [&](const Indices &i) {
               return max(loadBroadcast(a, i) + loadBroadcast(b, i),
                          floatImm(DType(ElementType::F32), 0));
             })};
  size_t ia = tp.input("a", ElementType::F32, {2, 3});
  size_t ib = tp.constant("b", bias);
  size_t io = tp.output("o", ElementType::F32, {2, 3});
  tp.call(f, {ia, ib, io});
  return tp.p;
}

} // namespace

TEST_CASE("jit: broadcast add and relu with a constant", "[jit]") {
  Program p = biasRelu(vec<float>({10, -10, 0.5f}));
  Tensor a = vec<float>({1, 2, 3, -4, 5, -6}, {2, 3});
  auto out = jitRun(p, {a});
  std::vector<double> expected{11, 0, 3.5, 6, 0, 0};
  REQUIRE(out[0].toDoubleVector() == expected);
  // The same with the weights in a separate blob.
  codegen::CodeGenOptions cg;
  cg.weightsSeparate = true;
  requireIdentical(jitRun(p, {a}, {}, cg), out);
  // O0 and O3 agree.
  cpu::CpuTargetOptions o0;
  o0.optLevel = 0;
  requireIdentical(jitRun(p, {a}, o0), out);
}

TEST_CASE("jit: entry point status codes", "[jit]") {
  TestProgram tp("status");
  Buffer a = makeBuffer("a", ElementType::F32, {4});
  Buffer o = makeBuffer("o", ElementType::F32, {4});
  size_t ia = tp.input("a", ElementType::F32, {4});
  size_t t = tp.temp("t", ElementType::F32, {4});
  size_t io = tp.output("o", ElementType::F32, {4});
  tp.call({"copy1", {a, o}, compute(o, [&](const Indices &i) { return load(a, i) * 2.0; })},
          {ia, t});
  tp.call({"copy2", {a, o}, compute(o, [&](const Indices &i) { return load(a, i) + 1.0; })},
          {t, io});
  auto jit = cpu::JitProgram::compile(tp.p);
  REQUIRE(jit->arenaSize() == 16);
  alignas(64) uint8_t arena[128];
  float in[4] = {1, 2, 3, 4}, out[4] = {0, 0, 0, 0};
  REQUIRE(jit->run({in}, {out}, arena) == 0);
  REQUIRE(out[3] == 9.0f);
  REQUIRE(jit->run({nullptr}, {out}, arena) == 1);
  REQUIRE(jit->run({in}, {nullptr}, arena) == 1);
  REQUIRE(jit->run({in}, {out}, nullptr) == 1);
  REQUIRE(jit->run({in}, {out}, arena + 4) == 2);
  REQUIRE_THROWS_WITH(jit->run({}, {out}, arena),
                      Catch::Contains("takes 1 inputs"));
}

TEST_CASE("jit: reduction through an arena temporary and a workspace", "[jit]") {
  TestProgram tp("reduce");
  Buffer x = makeBuffer("x", ElementType::F32, {3, 5});
  Buffer s = makeBuffer("s", ElementType::F32, {3});
  Reduction r;
  r.shape = {5};
  r.accType = ElementType::F32;
  r.init = floatImm(DType(ElementType::F32), 0);
  r.combine = [](Expr acc, Expr v) { return acc + v; };
  r.value = [&](const Indices &o, const Indices &k) {
    return load(x, {o[0], k[0]});
  };
  size_t ix = tp.input("x", ElementType::F32, {3, 5});
  size_t is = tp.temp("s", ElementType::F32, {3});
  tp.call({"rowsum", {x, s}, reduce(s, r)}, {ix, is});
  // Second kernel: copy through a Global-scope temporary (the workspace).
  Buffer in = makeBuffer("in", ElementType::F32, {3});
  Buffer o = makeBuffer("o", ElementType::F32, {3});
  Buffer tmp = makeBuffer("tmp", ElementType::F32, {3}, MemoryScope::Global);
  Stmt body = makeAllocate(
      tmp, makeSeq({compute(tmp, [&](const Indices &i) { return load(in, i) * 10.0; }),
                    compute(o, [&](const Indices &i) { return load(tmp, i) + 1.0; })}));
  size_t io = tp.output("o", ElementType::F32, {3});
  tp.call({"scale", {in, o}, body}, {is, io});
  Tensor xv = vec<float>({1, 2, 3, 4, 5, 0, 0, 0, 0, 1, -1, -1, -1, -1, -1}, {3, 5});
  auto out = jitRun(tp.p, {xv});
  REQUIRE(out[0].toDoubleVector() == std::vector<double>{151, 11, -49});
  requireIdentical(out, runProgram(tp.p, {xv}));
}

TEST_CASE("jit: integer edge cases follow Expr.h", "[jit]") {
  const int32_t MIN = std::numeric_limits<int32_t>::min();
  std::vector<int32_t> as{7, -7, 7, -7, MIN, MIN, 5, 0, -1, 123};
  std::vector<int32_t> bs{2, 2, -2, -2, -1, 0, 0, 3, 40, -3};
  TestProgram tp("ints");
  int64_t n = int64_t(as.size());
  Buffer a = makeBuffer("a", ElementType::I32, {n});
  Buffer b = makeBuffer("b", ElementType::I32, {n});
  size_t ia = tp.input("a", ElementType::I32, {n});
  size_t ib = tp.input("b", ElementType::I32, {n});
  std::vector<BinaryOp> ops{BinaryOp::Div,      BinaryOp::Mod,
                            BinaryOp::FloorDiv, BinaryOp::FloorMod,
                            BinaryOp::Shl,      BinaryOp::Shr,
                            BinaryOp::Min,      BinaryOp::Max};
  for (BinaryOp op : ops) {
    Buffer o = makeBuffer("o", ElementType::I32, {n});
    size_t io = tp.output(toString(op), ElementType::I32, {n});
    tp.call({toString(op), {a, b, o}, compute(o, [&](const Indices &i) {
               return binary(op, load(a, i), load(b, i));
             })},
            {ia, ib, io});
  }
  // Constant divisors take the unguarded path, including -1.
  for (int64_t d : {3, -1}) {
    Buffer o = makeBuffer("o", ElementType::I32, {n});
    size_t io = tp.output("cdiv" + std::to_string(d), ElementType::I32, {n});
    Expr c = intImm(DType(ElementType::I32), d);
    tp.call({"cdiv", {a, o}, compute(o, [&](const Indices &i) {
               return floorDiv(load(a, i), c) * 1000 + load(a, i) % c;
             })},
            {ia, io});
  }
  Tensor av = vec<int32_t>(as), bv = vec<int32_t>(bs);
  auto out = jitRun(tp.p, {av, bv});
  auto col = [&](size_t k) {
    std::vector<int64_t> v;
    for (int64_t i = 0; i < n; ++i)
      v.push_back(out[k].getInt(i));
    return v;
  };
  REQUIRE(col(0) == std::vector<int64_t>{3, -3, -3, 3, MIN, 0, 0, 0, 0, -41});
  REQUIRE(col(1) == std::vector<int64_t>{1, -1, 1, -1, 0, 0, 0, 0, -1, 0});
  REQUIRE(col(2) == std::vector<int64_t>{3, -4, -4, 3, MIN, 0, 0, 0, -1, -41});
  REQUIRE(col(3) == std::vector<int64_t>{1, 1, -1, -1, 0, 0, 0, 0, 39, 0});
  // Shifts: 7<<2, -7<<2, out of range (negative, 40) -> 0.
  REQUIRE(col(4) == std::vector<int64_t>{28, -28, 0, 0, 0, MIN, 5, 0, 0, 0});
  // Shr: arithmetic; -1 >> 40 = -1, MIN >> -1 = -1.
  REQUIRE(col(5) == std::vector<int64_t>{1, -2, 0, -1, -1, MIN, 5, 0, -1, 0});
  requireIdentical(out, runProgram(tp.p, {av, bv}));
}

TEST_CASE("jit: float min/max NaN, saturating casts", "[jit]") {
  float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> xs{1, nan, -3, 1e10f, -1e10f, 300.7f, -5.5f, nan};
  std::vector<float> ys{2, 0, nan, 0, 0, 0, 0, nan};
  int64_t n = int64_t(xs.size());
  TestProgram tp("floats");
  Buffer x = makeBuffer("x", ElementType::F32, {n});
  Buffer y = makeBuffer("y", ElementType::F32, {n});
  size_t ix = tp.input("x", ElementType::F32, {n});
  size_t iy = tp.input("y", ElementType::F32, {n});
  auto kernel = [&](const std::string &name, ElementType e,
                    std::function<Expr(Expr, Expr)> fn) {
    Buffer o = makeBuffer("o", e, {n});
    size_t io = tp.output(name, e, {n});
    tp.call({name, {x, y, o}, compute(o, [&](const Indices &i) {
               return fn(load(x, i), load(y, i));
             })},
            {ix, iy, io});
  };
  kernel("min", ElementType::F32, [](Expr a, Expr b) { return min(a, b); });
  kernel("max", ElementType::F32, [](Expr a, Expr b) { return max(a, b); });
  kernel("i32", ElementType::I32, [](Expr a, Expr) { return a; });
  kernel("u8", ElementType::U8, [](Expr a, Expr) { return a; });
  kernel("bool", ElementType::Bool, [](Expr a, Expr) { return a; });
  kernel("isnan", ElementType::Bool,
         [](Expr a, Expr) { return call(DType::boolean(), "isnan", {a}); });
  Tensor xv = vec<float>(xs), yv = vec<float>(ys);
  auto out = jitRun(tp.p, {xv, yv});
  const float *mn = out[0].data<float>();
  REQUIRE(mn[0] == 1);
  REQUIRE(std::isnan(mn[1]));
  REQUIRE(std::isnan(mn[2]));
  REQUIRE(out[1].getDouble(0) == 2);
  REQUIRE(std::isnan(out[1].getDouble(1)));
  REQUIRE(out[2].toIntVector() ==
          std::vector<int64_t>{1, 0, -3, INT32_MAX, INT32_MIN, 300, -5, 0});
  REQUIRE(out[3].toIntVector() ==
          std::vector<int64_t>{1, 0, 0, 255, 0, 255, 0, 0});
  REQUIRE(out[4].toIntVector() == std::vector<int64_t>{1, 1, 1, 1, 1, 1, 1, 1});
  REQUIRE(out[5].toIntVector() == std::vector<int64_t>{0, 1, 0, 0, 0, 0, 0, 1});
  auto ref = runProgram(tp.p, {xv, yv});
  for (size_t k = 2; k < out.size(); ++k)
    REQUIRE(out[k].identicalTo(ref[k]));
}

TEST_CASE("jit: saturating float -> 8/16-bit vector casts", "[jit]") {
  // Vector casts to narrow integers go through a float clamp and i32.
  float nan = std::numeric_limits<float>::quiet_NaN();
  float inf = std::numeric_limits<float>::infinity();
  std::vector<float> xs{0.0f,   -0.0f,  0.9f,     -0.9f,   127.5f,  128.0f,
                        -128.9f, -129.0f, 255.9f,  256.0f,  nan,     inf,
                        -inf,   32767.9f, 65535.5f, -40000.0f};
  const int64_t n = 16;
  TestProgram tp("narrow");
  Buffer x = makeBuffer("x", ElementType::F32, {n});
  size_t ix = tp.input("x", ElementType::F32, {n});
  std::vector<ElementType> types = {ElementType::U8, ElementType::I8,
                                    ElementType::U16, ElementType::I16};
  for (ElementType e : types) {
    Buffer o = makeBuffer("o", e, {n});
    size_t io = tp.output(std::string("o") + toString(e), e, {n});
    Expr all = ramp(Expr(0), Expr(1), int(n));
    tp.call({std::string("to") + toString(e), {x, o},
             makeStore(o, {all}, cast(e, load(x, {all})))},
            {ix, io});
  }
  auto out = jitRun(tp.p, {vec<float>(xs)});
  REQUIRE(out[0].toIntVector() ==
          std::vector<int64_t>{0, 0, 0, 0, 127, 128, 0, 0, 255, 255, 0, 255,
                               0, 255, 255, 0});
  REQUIRE(out[1].toIntVector() ==
          std::vector<int64_t>{0, 0, 0, 0, 127, 127, -128, -128, 127, 127, 0,
                               127, -128, 127, 127, -128});
  REQUIRE(out[2].toIntVector() ==
          std::vector<int64_t>{0, 0, 0, 0, 127, 128, 0, 0, 255, 256, 0, 65535,
                               0, 32767, 65535, 0});
  REQUIRE(out[3].toIntVector() ==
          std::vector<int64_t>{0, 0, 0, 0, 127, 128, -128, -129, 255, 256, 0,
                               32767, -32768, 32767, 32767, -32768});
  requireIdentical(out, runProgram(tp.p, {vec<float>(xs)}));
}

TEST_CASE("jit: f16 and bf16 loads, stores and rounding", "[jit]") {
  std::vector<float> xs{1.0f, 0.1f, 65504.0f, 70000.0f, -2.5f, 1.0f / 3};
  int64_t n = int64_t(xs.size());
  TestProgram tp("half");
  Buffer x = makeBuffer("x", ElementType::F32, {n});
  size_t ix = tp.input("x", ElementType::F32, {n});
  for (ElementType e : {ElementType::F16, ElementType::BF16}) {
    Buffer h = makeBuffer("h", e, {n});
    size_t ih = tp.temp(std::string("h") + toString(e), e, {n});
    tp.call({"to16", {x, h}, compute(h, [&](const Indices &i) { return load(x, i); })},
            {ix, ih});
    // Back to f32 after an add done in the 16-bit type (rounded again).
    Buffer h2 = makeBuffer("h2", e, {n});
    Buffer o = makeBuffer("o", ElementType::F32, {n});
    size_t io = tp.output(std::string("o") + toString(e), ElementType::F32, {n});
    tp.call({"from16", {h2, o}, compute(o, [&](const Indices &i) {
               Expr v = load(h2, i);
               return cast(ElementType::F32, v + v * makeConst(v.type(), 0.001));
             })},
            {ih, io});
  }
  Tensor xv = vec<float>(xs);
  auto out = jitRun(tp.p, {xv});
  for (int k = 0; k < 2; ++k) {
    for (int64_t i = 0; i < n; ++i) {
      float v = k == 0 ? halfToFloat(floatToHalf(xs[i]))
                       : bfloat16ToFloat(floatToBfloat16(xs[i]));
      auto rnd = [&](float f) {
        return k == 0 ? halfToFloat(floatToHalf(f))
                      : bfloat16ToFloat(floatToBfloat16(f));
      };
      float expected = rnd(v + rnd(v * rnd(0.001f)));
      INFO("type " << k << " element " << i);
      if (std::isinf(expected))
        REQUIRE(std::isinf(out[k].data<float>()[i]));
      else
        REQUIRE(out[k].data<float>()[i] == expected);
    }
  }
  requireIdentical(out, runProgram(tp.p, {xv}));
}

TEST_CASE("jit: vector ramp loads and stores, gathers, odd extents", "[jit]") {
  TestProgram tp("vec");
  Buffer x = makeBuffer("x", ElementType::F32, {4, 13});
  Buffer o = makeBuffer("o", ElementType::F32, {4, 13});
  size_t ix = tp.input("x", ElementType::F32, {4, 13});
  size_t io = tp.output("o", ElementType::F32, {4, 13});
  // Transposed-ish read (gather) plus contiguous read, vectorized by the
  // default schedule with a scalar tail (13 = 8 + 5 or 4*3 + 1).
  PrimFunc f{"k", {x, o}, compute(o, [&](const Indices &i) {
               Expr flat = i[0] * 13 + i[1];
               Expr g = load(x, {flat % 4, flat / 4});
               return load(x, i) * 2.0 + g;
             })};
  for (int bytes : {16, 32, 64}) {
    CpuScheduleOptions so;
    so.vectorBytes = bytes;
    tp.call(applyDefaultSchedule(f, so), {ix, io});
  }
  // A hand-written vector store with a stride-2 gather and a scatter.
  Buffer s = makeBuffer("s", ElementType::I16, {10});
  size_t is = tp.output("s", ElementType::I16, {10});
  Buffer xi = makeBuffer("xi", ElementType::F32, {52});
  Stmt st = makeSeq(
      {makeStore(s, {ramp(Expr(0), Expr(1), 5)},
                 cast(ElementType::I16, load(xi, {ramp(Expr(1), Expr(2), 5)}))),
       makeStore(s, {ramp(Expr(9), Expr(-1), 5)},
                 cast(ElementType::I16, load(xi, {ramp(Expr(40), Expr(1), 5)})))});
  tp.call({"hand", {xi, s}, st}, {ix, is});
  Tensor xv = randomTensor(ElementType::F32, {4, 13}, 7, -100, 100);
  auto out = jitRun(tp.p, {xv});
  const float *xp = xv.data<float>();
  for (int64_t k = 0; k < 52; ++k) {
    int64_t g = (k % 4) * 13 + k / 4;
    REQUIRE(out[0].data<float>()[k] == xp[k] * 2.0f + xp[g]);
  }
  const int16_t *sp = out[1].data<int16_t>();
  for (int l = 0; l < 5; ++l) {
    REQUIRE(sp[l] == int16_t(xp[1 + 2 * l]));
    REQUIRE(sp[9 - l] == int16_t(xp[40 + l]));
  }
  requireIdentical(out, runProgram(tp.p, {xv}));
}

TEST_CASE("jit: parallel loops run through kiln_parallel_for", "[jit]") {
  TestProgram tp("par");
  const int64_t rows = 64, cols = 300;
  Buffer x = makeBuffer("x", ElementType::F32, {rows, cols});
  Buffer o = makeBuffer("o", ElementType::F32, {rows, cols});
  size_t ix = tp.input("x", ElementType::F32, {rows, cols});
  size_t io = tp.output("o", ElementType::F32, {rows, cols});
  Var r("r"), c("c");
  Expr scale = floatImm(DType(ElementType::F32), 0.5);
  // Captures: a Let-bound scalar from outside and a stack buffer inside.
  Var k("k", DType(ElementType::F32));
  Buffer acc = makeBuffer("acc", ElementType::F32, {1}, MemoryScope::Stack);
  Stmt inner = makeFor(c, Expr(0), Expr(cols), ForKind::Serial,
                       makeSeq({makeStore(acc, {Expr(0)}, load(x, {r, c}) * k),
                                makeStore(o, {r, c}, load(acc, {Expr(0)}) +
                                                         cast(ElementType::F32, r))}));
  Stmt body = makeLet(k, scale,
                      makeFor(r, Expr(0), Expr(rows), ForKind::Parallel,
                              makeAllocate(acc, inner)));
  tp.call({"par", {x, o}, body}, {ix, io});
  // And the default schedule's parallel + vector form of an exp kernel.
  Buffer o2 = makeBuffer("o2", ElementType::F32, {rows, cols});
  size_t io2 = tp.output("o2", ElementType::F32, {rows, cols});
  PrimFunc e{"exp", {x, o2}, compute(o2, [&](const Indices &i) {
               return mathCall("exp", load(x, i) * 0.01);
             })};
  CpuScheduleOptions so;
  so.minParallelWork = 1024;
  tp.call(applyDefaultSchedule(e, so), {ix, io2});
  Tensor xv = randomTensor(ElementType::F32, {rows, cols}, 3);
  auto out = jitRun(tp.p, {xv});
  for (int64_t i = 0; i < rows * cols; ++i)
    REQUIRE(out[0].data<float>()[i] ==
            xv.data<float>()[i] * 0.5f + float(i / cols));
  auto ref = runProgram(tp.p, {xv});
  REQUIRE(out[0].identicalTo(ref[0]));
  requireClose(out[1], ref[1], 1e-6);
}

TEST_CASE("jit: math intrinsics agree with the evaluator", "[jit]") {
  TestProgram tp("math");
  const int64_t n = 37;
  Buffer x = makeBuffer("x", ElementType::F32, {n});
  Buffer y = makeBuffer("y", ElementType::F32, {n});
  size_t ix = tp.input("x", ElementType::F32, {n});
  size_t iy = tp.input("y", ElementType::F32, {n});
  std::vector<std::string> unary{"exp",  "log",  "sqrt",  "tanh",  "erf",
                                 "sin",  "cos",  "atan",  "fabs",  "floor",
                                 "ceil", "round", "trunc", "sinh", "asinh"};
  for (const std::string &name : unary) {
    Buffer o = makeBuffer("o", ElementType::F32, {n});
    size_t io = tp.output(name, ElementType::F32, {n});
    PrimFunc f{name, {x, y, o}, compute(o, [&](const Indices &i) {
                 return mathCall(name, load(x, i));
               })};
    tp.call(applyDefaultSchedule(f), {ix, iy, io});
  }
  for (std::string name : {"pow", "fmod", "atan2"}) {
    Buffer o = makeBuffer("o", ElementType::F32, {n});
    size_t io = tp.output(name, ElementType::F32, {n});
    PrimFunc f{name, {x, y, o}, compute(o, [&](const Indices &i) {
                 return mathCall(name, load(x, i), load(y, i));
               })};
    tp.call(applyDefaultSchedule(f), {ix, iy, io});
  }
  Tensor xv = randomTensor(ElementType::F32, {n}, 11, -3, 3);
  xv.data<float>()[0] = 2.5f; // round half to even
  xv.data<float>()[1] = -0.5f;
  Tensor yv = randomTensor(ElementType::F32, {n}, 12, -2, 2);
  auto out = jitRun(tp.p, {xv, yv});
  REQUIRE(out[11].data<float>()[0] == 2.0f);
  REQUIRE(out[11].data<float>()[1] == 0.0f);
  auto ref = runProgram(tp.p, {xv, yv});
  for (size_t k = 0; k < out.size(); ++k) {
    INFO("output " << tp.p.tensors[tp.p.outputs[k]].name);
    requireClose(out[k], ref[k], 2e-6);
  }
}

// Hidden: `kiln-unittests "[.jitbench]"` prints the JIT compile time of a
// small model (the conformance runner compiles about a thousand).
TEST_CASE("jit: compile time of a small model", "[.jitbench]") {
  Program p = biasRelu(vec<float>({1, 2, 3}));
  for (int level : {0, 1, 2}) {
    cpu::CpuTargetOptions o;
    o.optLevel = level;
    cpu::JitProgram::compile(p, o); // warm up
    double total = 0;
    const int n = 20;
    for (int i = 0; i < n; ++i)
      total += cpu::JitProgram::compile(p, o)->compileMillis();
    WARN("O" << level << ": " << total / n << " ms per model");
  }
}
