// The loop IR evaluator: hand-built kernels with exact expected results.
#include "kiln/LoopIR/Builder.h"
#include "kiln/LoopIR/Evaluator.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

using namespace kiln;
using namespace kiln::loop;

namespace {

// Runs a kernel whose params are backed by the given tensors (in place).
void runKernel(const PrimFunc &f, std::vector<Tensor *> tensors) {
  std::vector<void *> args;
  for (Tensor *t : tensors)
    args.push_back(t->rawData());
  std::vector<uint8_t> ws(size_t(workspaceBytes(f)) + 1);
  evaluatePrimFunc(f, args, ws.data(), workspaceBytes(f));
}

// The value of a closed scalar expression, through a one-element kernel.
Tensor evalScalar(const Expr &e) {
  Buffer out = makeBuffer("out", e.type().elem, {1});
  PrimFunc f{"scalar", {out}, makeStore(out, {Expr(0)}, e)};
  Tensor t(e.type().elem, {1});
  runKernel(f, {&t});
  return t;
}
int64_t evalInt(const Expr &e) { return evalScalar(e).getInt(0); }
double evalFloat(const Expr &e) { return evalScalar(e).getDouble(0); }

Expr i32(int64_t v) { return intImm(DType(ElementType::I32), v); }
Expr i64(int64_t v) { return intImm(DType(ElementType::I64), v); }
Expr u8(int64_t v) { return intImm(DType(ElementType::U8), v); }
Expr f32(double v) { return floatImm(DType(ElementType::F32), v); }

} // namespace

TEST_CASE("evaluator: broadcasting elementwise add via compute", "[loopir][eval]") {
  Buffer a = makeBuffer("a", ElementType::F32, {2, 3});
  Buffer b = makeBuffer("b", ElementType::F32, {3});
  Buffer c = makeBuffer("c", ElementType::F32, {2, 3});
  PrimFunc f{"add", {a, b, c}, compute(c, [&](const Indices &i) {
               return loadBroadcast(a, i) + loadBroadcast(b, i);
             })};
  Tensor ta = Tensor::fromVector<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor tb = Tensor::fromVector<float>({10, 20, 30}, {3});
  Tensor tc(ElementType::F32, {2, 3});
  runKernel(f, {&ta, &tb, &tc});
  CHECK(tc.toDoubleVector() == std::vector<double>{11, 22, 33, 14, 25, 36});
}

TEST_CASE("evaluator: sum and max reductions via reduce", "[loopir][eval]") {
  Buffer x = makeBuffer("x", ElementType::I32, {2, 3});
  Buffer sum = makeBuffer("sum", ElementType::I32, {2});
  Buffer mx = makeBuffer("mx", ElementType::F32, {2});
  Reduction rs;
  rs.shape = {3};
  rs.accType = ElementType::I64;
  rs.init = Expr(0);
  rs.combine = [](Expr acc, Expr v) { return acc + v; };
  rs.value = [&](const Indices &o, const Indices &r) {
    return cast(ElementType::I64, load(x, {o[0], r[0]}));
  };
  Reduction rm;
  rm.shape = {3};
  rm.accType = ElementType::F32;
  rm.init = lowestValue(ElementType::F32);
  rm.combine = [](Expr acc, Expr v) { return max(acc, v); };
  rm.value = [&](const Indices &o, const Indices &r) {
    return cast(ElementType::F32, load(x, {o[0], r[0]}));
  };
  rm.finalize = [](Expr acc, const Indices &) { return acc * 0.5; };
  PrimFunc f{"red", {x, sum, mx}, makeSeq({reduce(sum, rs), reduce(mx, rm)})};
  Tensor tx = Tensor::fromVector<int32_t>({1, -7, 3, 4, 5, 60}, {2, 3});
  Tensor ts(ElementType::I32, {2}), tm(ElementType::F32, {2});
  runKernel(f, {&tx, &ts, &tm});
  CHECK(ts.toIntVector() == std::vector<int64_t>{-3, 69});
  CHECK(tm.toDoubleVector() == std::vector<double>{1.5, 30});
}

TEST_CASE("evaluator: vector ramp loads/stores, gather and scatter", "[loopir][eval]") {
  Buffer in = makeBuffer("in", ElementType::F32, {8});
  Buffer out = makeBuffer("out", ElementType::F32, {8});
  Buffer rev = makeBuffer("rev", ElementType::F32, {8});
  Var i("i");
  // out[4i .. 4i+3] = in[4i .. 4i+3] * 2 + lane index
  Expr idx = ramp(i * 4, Expr(1), 4);
  Expr laneIdx = cast(ElementType::F32, ramp(Expr(0), Expr(1), 4));
  Stmt vec = makeFor(i, 0, 2, ForKind::Serial,
                     makeStore(out, {idx}, load(in, {idx}) * 2.0 + laneIdx));
  // rev[7 - k] = in[k] for k in ramp(0, 1, 8): a scatter with stride -1, read
  // through a gather with stride 2 folded back by mod 8.
  Expr k = ramp(Expr(0), Expr(1), 8);
  Stmt scatter = makeStore(rev, {broadcast(Expr(7), 8) - k}, load(in, {k}));
  PrimFunc f{"vec", {in, out, rev}, makeSeq({vec, scatter})};
  Tensor ti = Tensor::fromVector<float>({0, 1, 2, 3, 4, 5, 6, 7}, {8});
  Tensor to(ElementType::F32, {8}), tr(ElementType::F32, {8});
  runKernel(f, {&ti, &to, &tr});
  CHECK(to.toDoubleVector() == std::vector<double>{0, 3, 6, 9, 8, 11, 14, 17});
  CHECK(tr.toDoubleVector() == std::vector<double>{7, 6, 5, 4, 3, 2, 1, 0});

  // A gather with stride 2 and a vector select.
  Buffer g = makeBuffer("g", ElementType::F32, {4});
  Expr even = load(in, {ramp(Expr(0), Expr(2), 4)});
  Expr sel = select(even > broadcast(f32(3), 4), even, broadcast(f32(-1), 4));
  PrimFunc fg{"gather", {in, g}, makeStore(g, {ramp(Expr(0), Expr(1), 4)}, sel)};
  Tensor tg(ElementType::F32, {4});
  runKernel(fg, {&ti, &tg});
  CHECK(tg.toDoubleVector() == std::vector<double>{-1, -1, 4, 6});
}

TEST_CASE("evaluator: integer edge cases", "[loopir][eval]") {
  const int64_t i32Min = std::numeric_limits<int32_t>::min();
  const int64_t i64Min = std::numeric_limits<int64_t>::min();
  CHECK(evalInt(i32(7) / i32(0)) == 0);
  CHECK(evalInt(i32(7) % i32(0)) == 0);
  CHECK(evalInt(floorDiv(i32(7), i32(0))) == 0);
  CHECK(evalInt(i32(i32Min) / i32(-1)) == i32Min);
  CHECK(evalInt(i32(i32Min) % i32(-1)) == 0);
  CHECK(evalInt(i64(i64Min) / i64(-1)) == i64Min);
  CHECK(evalInt(i32(-7) / i32(2)) == -3);
  CHECK(evalInt(i32(-7) % i32(2)) == -1);
  CHECK(evalInt(floorDiv(i32(-7), i32(2))) == -4);
  CHECK(evalInt(floorMod(i32(-7), i32(2))) == 1);
  CHECK(evalInt(floorMod(i32(7), i32(-2))) == -1);
  // Wrapping.
  CHECK(evalInt(i32(2147483647) + i32(1)) == i32Min);
  CHECK(evalInt(u8(250) + u8(10)) == 4);
  CHECK(evalInt(u8(3) - u8(5)) == 254);
  CHECK(evalInt(-i32(i32Min)) == i32Min);
  // Shifts.
  Expr shl = binary(BinaryOp::Shl, i32(1), i32(31));
  CHECK(evalInt(shl) == i32Min);
  CHECK(evalInt(binary(BinaryOp::Shl, i32(1), i32(32))) == 0);
  CHECK(evalInt(binary(BinaryOp::Shl, i32(1), i32(-1))) == 0);
  CHECK(evalInt(binary(BinaryOp::Shr, i32(-8), i32(1))) == -4);
  CHECK(evalInt(binary(BinaryOp::Shr, i32(-8), i32(40))) == -1);
  CHECK(evalInt(binary(BinaryOp::Shr, i32(8), i32(40))) == 0);
  CHECK(evalInt(binary(BinaryOp::Shr, u8(200), u8(1))) == 100);
  CHECK(evalInt(binary(BinaryOp::Shr, u8(200), u8(8))) == 0);
  // Unsigned comparisons and division on u64 bit patterns.
  Expr big = intImm(DType(ElementType::U64), -2); // 2^64 - 2
  Expr two = intImm(DType(ElementType::U64), 2);
  CHECK(evalInt(big > two) == 1);
  CHECK(uint64_t(evalInt(big / two)) == (~uint64_t(0)) / 2);
  CHECK(evalInt(unary(UnaryOp::BitNot, u8(1))) == 254);
}

TEST_CASE("evaluator: saturating casts and float rules", "[loopir][eval]") {
  double nan = std::numeric_limits<double>::quiet_NaN();
  double inf = std::numeric_limits<double>::infinity();
  CHECK(evalInt(cast(ElementType::I8, f32(300.7))) == 127);
  CHECK(evalInt(cast(ElementType::I8, f32(-300))) == -128);
  CHECK(evalInt(cast(ElementType::I8, f32(-3.9))) == -3);
  CHECK(evalInt(cast(ElementType::U8, f32(-5))) == 0);
  CHECK(evalInt(cast(ElementType::I32, f32(nan))) == 0);
  CHECK(evalInt(cast(ElementType::I32, f32(inf))) == 2147483647);
  CHECK(evalInt(cast(ElementType::I64, f32(-inf))) ==
        std::numeric_limits<int64_t>::min());
  CHECK(uint64_t(evalInt(cast(ElementType::U64, f32(1e30)))) == ~uint64_t(0));
  CHECK(evalInt(cast(ElementType::Bool, f32(0.25))) == 1);
  CHECK(evalInt(cast(ElementType::I8, i32(300))) == 44);
  // NaN-propagating min/max, in either position.
  CHECK(std::isnan(evalFloat(min(f32(nan), f32(1)))));
  CHECK(std::isnan(evalFloat(min(f32(1), f32(nan)))));
  CHECK(std::isnan(evalFloat(max(f32(1), f32(nan)))));
  CHECK(evalFloat(max(f32(1), f32(2))) == 2);
  // f32 arithmetic rounds in float: 16777216 + 1 stays 16777216.
  CHECK(evalFloat(f32(16777216) + f32(1)) == 16777216);
  CHECK(evalFloat(floatImm(DType(ElementType::F64), 16777216) +
                  floatImm(DType(ElementType::F64), 1)) == 16777217);
  // f16: 2049 is not representable; ties round to even (2048), 2051 -> 2052.
  Expr h = cast(ElementType::F16, i32(2049));
  CHECK(evalFloat(h) == 2048);
  CHECK(evalFloat(cast(ElementType::F16, f32(2051))) == 2052);
  CHECK(evalFloat(cast(ElementType::F16, f32(70000))) == inf);
  CHECK(evalFloat(cast(ElementType::F16, f32(1)) + cast(ElementType::F16, f32(0.0001))) == 1);
  CHECK(evalFloat(cast(ElementType::BF16, f32(257))) == 256);
  // Math intrinsics compute in the expression's type.
  CHECK(evalFloat(mathCall("sqrt", f32(2))) == double(std::sqrt(2.0f)));
  CHECK(evalFloat(mathCall("round", f32(2.5))) == 2);
  CHECK(evalFloat(mathCall("round", f32(-3.5))) == -4);
  CHECK(evalFloat(mathCall("pow", f32(2), f32(10))) == 1024);
  CHECK(evalInt(mathCall("isnan", f32(nan))) == 1);
  CHECK(evalInt(mathCall("isinf", f32(1))) == 0);
  CHECK(evalFloat(f32(7) % f32(-3)) == 1);
}

TEST_CASE("evaluator: out-of-bounds accesses throw", "[loopir][eval]") {
  Buffer in = makeBuffer("in", ElementType::F32, {2, 2});
  Buffer out = makeBuffer("out", ElementType::F32, {4});
  Var i("i");
  PrimFunc bad{"bad", {in, out},
               makeFor(i, 0, 5, ForKind::Serial,
                       makeStore(out, {i}, f32(1)))};
  Tensor ti(ElementType::F32, {2, 2}), to(ElementType::F32, {4});
  CHECK_THROWS_WITH(runKernel(bad, {&ti, &to}),
                    Catch::Contains("out-of-bounds store of 'out' at [4]"));
  // Per-dimension check even when the flat offset would be in range.
  PrimFunc badLoad{"badLoad", {in, out},
                   makeStore(out, {Expr(0)}, load(in, {Expr(0), Expr(2)}))};
  CHECK_THROWS_WITH(runKernel(badLoad, {&ti, &to}),
                    Catch::Contains("out-of-bounds load of 'in' at [0, 2]"));
  // A vector store whose last lane is out of range.
  PrimFunc badVec{"badVec", {in, out},
                  makeStore(out, {ramp(Expr(1), Expr(1), 4)},
                            broadcast(f32(0), 4))};
  CHECK_THROWS_AS(runKernel(badVec, {&ti, &to}), Error);
  // Unknown calls and unbound buffers are errors, not crashes.
  PrimFunc unknown{"u", {in, out},
                   makeEvaluate(call(DType::index(), "no.such", {}))};
  CHECK_THROWS_WITH(runKernel(unknown, {&ti, &to}),
                    Catch::Contains("unknown intrinsic 'no.such'"));
  Buffer stray = makeBuffer("stray", ElementType::F32, {4});
  PrimFunc unbound{"s", {in, out}, makeStore(stray, {Expr(0)}, f32(1))};
  CHECK_THROWS_WITH(runKernel(unbound, {&ti, &to}), Catch::Contains("'stray'"));
}

TEST_CASE("evaluator: let, if, strided params and allocations", "[loopir][eval]") {
  // A transposed (strided) view of a 2x3 input.
  Buffer in = std::make_shared<BufferNode>("in", ElementType::I32,
                                           std::vector<int64_t>{3, 2},
                                           std::vector<int64_t>{1, 3});
  Buffer out = makeBuffer("out", ElementType::I32, {3, 2});
  Buffer tmp = makeBuffer("tmp", ElementType::I32, {6}); // global workspace
  Buffer acc = makeBuffer("acc", ElementType::I32, {1}, MemoryScope::Stack);
  Var i("i"), j("j"), v("v", DType(ElementType::I32));
  Stmt fill = loopNest({3, 2}, [&](const Indices &idx) {
    return makeLet(v, load(in, idx) * i32(10),
                   makeStore(tmp, {idx[0] * 2 + idx[1]}, v));
  });
  Stmt copy = makeFor(i, 0, 6, ForKind::Parallel,
                      makeAllocate(acc, makeSeq({
                          makeIf(i < 3, makeStore(acc, {Expr(0)}, i32(1))),
                          makeStore(out, {i / 2, i % 2},
                                    load(tmp, {i}) + load(acc, {Expr(0)})),
                      })));
  PrimFunc f{"k", {in, out}, makeAllocate(tmp, makeSeq({fill, copy}))};
  CHECK(workspaceBytes(f) == kArenaAlignment);
  Tensor ti = Tensor::fromVector<int32_t>({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor to(ElementType::I32, {3, 2});
  runKernel(f, {&ti, &to});
  // The Stack buffer is re-zeroed on every entry: only i < 3 adds 1.
  CHECK(to.toIntVector() == std::vector<int64_t>{11, 41, 21, 50, 30, 60});
  // Too small a workspace is reported.
  std::vector<void *> args{ti.rawData(), to.rawData()};
  CHECK_THROWS_WITH(evaluatePrimFunc(f, args, nullptr, 0),
                    Catch::Contains("workspace"));
}

TEST_CASE("evaluator: runProgram places arena tensors and workspaces", "[loopir][eval]") {
  Program p;
  p.name = "prog";
  Buffer a = makeBuffer("a", ElementType::F32, {4});
  Buffer w = makeBuffer("w", ElementType::F32, {4});
  Buffer t = makeBuffer("t", ElementType::F32, {4});
  Buffer ws = makeBuffer("ws", ElementType::F32, {4});
  Var i("i");
  // t = a * w (via a workspace temporary); out = t + 1
  p.funcs.push_back(PrimFunc{
      "mul", {a, w, t},
      makeAllocate(ws, makeSeq({
          makeFor(i, 0, 4, ForKind::Serial,
                  makeStore(ws, {i}, load(a, {i}) * load(w, {i}))),
          makeFor(i, 0, 4, ForKind::Serial,
                  makeStore(t, {i}, load(ws, {i}))),
      }))});
  p.funcs.push_back(PrimFunc{"inc", {t, a}, compute(a, [&](const Indices &x) {
                               return load(t, x) + 1.0;
                             })});
  auto tensor = [](std::string name, StorageKind kind) {
    ProgramTensor pt;
    pt.name = std::move(name);
    pt.elem = ElementType::F32;
    pt.shape = {4};
    pt.storage = kind;
    return pt;
  };
  p.tensors.push_back(tensor("x", StorageKind::Input));
  p.tensors.back().index = 0;
  p.tensors.push_back(tensor("w", StorageKind::Constant));
  p.tensors.back().value = Tensor::fromVector<float>({1, 2, 3, 4}, {4});
  p.tensors.push_back(tensor("t", StorageKind::Arena));
  p.tensors.push_back(tensor("y", StorageKind::Output));
  p.tensors.back().index = 0;
  p.inputs = {0};
  p.outputs = {3};
  KernelCall c0;
  c0.func = 0;
  c0.args = {0, 1, 2};
  c0.workspaceSize = workspaceBytes(p.funcs[0]);
  KernelCall c1;
  c1.func = 1;
  c1.args = {2, 3};
  p.calls = {c0, c1};
  Tensor x = Tensor::fromVector<float>({1, 1, 2, -1}, {4});

  // Unplanned: separate allocations.
  auto out = runProgram(p, {x});
  REQUIRE(out.size() == 1);
  CHECK(out[0].toDoubleVector() == std::vector<double>{2, 3, 7, -3});
  CHECK(x.toDoubleVector() == std::vector<double>{1, 1, 2, -1});

  // Planned: t at 64, workspace at 128.
  p.tensors[2].offset = 64;
  p.calls[0].workspaceOffset = 128;
  p.arenaSize = 192;
  out = runProgram(p, {x});
  CHECK(out[0].toDoubleVector() == std::vector<double>{2, 3, 7, -3});
  p.tensors[2].offset = 180; // past the arena end
  CHECK_THROWS_WITH(runProgram(p, {x}), Catch::Contains("exceeds the arena"));
  CHECK_THROWS_WITH(runProgram(p, {Tensor(ElementType::F32, {5})}),
                    Catch::Contains("input 'x'"));
}
