// CPU target selection and object/assembly/LLVM IR emission of a small
// program, for the host and for AArch64 and Cortex-M triples.
#include "kiln/Backends/Cpu/CpuCompiler.h"
#include "kiln/Backends/Cpu/JitProgram.h"
#include "kiln/CodeGen/WeightsBlob.h"
#include "kiln/LoopIR/Builder.h"
#include "kiln/LoopIR/Evaluator.h"
#include "kiln/LoopIR/Functor.h"
#include "kiln/LoopIR/Printer.h"
#include "kiln/LoopIR/Schedule.h"

#include <llvm/ADT/SmallString.h>
#include <llvm/Support/raw_ostream.h>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <map>
#include <fstream>
#include <random>
#include <sstream>
#include <unistd.h>

using namespace kiln;
using namespace kiln::loop;

namespace {

// net: o = a * w + 1 with a constant w (and a parallel copy, so that the
// runtime call appears).
Program smallProgram() {
  Program p;
  p.name = "net";
  Buffer a = makeBuffer("a", ElementType::F32, {8});
  Buffer w = makeBuffer("w", ElementType::F32, {8});
  Buffer o = makeBuffer("o", ElementType::F32, {8});
  Var i("i");
  Stmt body = makeFor(i, Expr(0), Expr(8), ForKind::Parallel,
                      makeStore(o, {i}, load(a, {i}) * load(w, {i}) + 1.0));
  p.funcs.push_back({"fma", {a, w, o}, body});
  auto tensor = [&](std::string name, StorageKind s, int index) {
    ProgramTensor t;
    t.name = std::move(name);
    t.elem = ElementType::F32;
    t.shape = {8};
    t.storage = s;
    t.index = index;
    if (s == StorageKind::Constant)
      t.value = Tensor::fromVector<float>({1, 2, 3, 4, 5, 6, 7, 8}, {8});
    p.tensors.push_back(t);
    return p.tensors.size() - 1;
  };
  p.inputs.push_back(tensor("a", StorageKind::Input, 0));
  size_t wid = tensor("w", StorageKind::Constant, -1);
  p.outputs.push_back(tensor("o", StorageKind::Output, 0));
  p.calls.push_back({0, {p.inputs[0], wid, p.outputs[0]}, 0, 0, {-1, -1}});
  return p;
}

std::string emitToString(const Program &p, const cpu::CpuTargetOptions &t,
                         cpu::EmitKind kind,
                         const codegen::CodeGenOptions &cg = {}) {
  llvm::SmallString<0> buf;
  llvm::raw_svector_ostream os(buf);
  cpu::emitProgram(p, t, kind, os, cg);
  return std::string(buf.str());
}

std::string tempPath(const std::string &name) {
  return "/tmp/kiln-codegen-test-" + std::to_string(getpid()) + "-" + name;
}

std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

} // namespace

TEST_CASE("cpu target: host detection and vector width", "[codegen]") {
  cpu::CpuTarget host{cpu::CpuTargetOptions{}};
  REQUIRE(host.isHost());
  REQUIRE(!host.triple().empty());
  REQUIRE(!host.cpu().empty());
  REQUIRE(host.cpu() != "(unknown)");
  int vb = host.vectorBytes();
  REQUIRE((vb == 16 || vb == 32 || vb == 64));
  // The vector width follows the host features, not LLVM's CPU name.
  bool avx512 = host.features().find("+avx512f") != std::string::npos;
  bool avx2 = host.features().find("+avx2") != std::string::npos;
  if (host.triple().rfind("x86_64", 0) == 0)
    REQUIRE(vb == (avx512 ? 64 : avx2 ? 32 : 16));
}

TEST_CASE("cpu target: cross triples and errors", "[codegen]") {
  cpu::CpuTarget a64{{"aarch64-linux-gnu", "", "", 2}};
  REQUIRE(a64.vectorBytes() == 16);
  REQUIRE(!a64.isHost());
  cpu::CpuTarget m4{{"thumbv7em-none-eabi", "cortex-m4", "", 2}};
  REQUIRE(m4.vectorBytes() == 4);
  cpu::CpuTarget m55{{"thumbv8.1m.main-none-eabi", "cortex-m55", "", 2}};
  REQUIRE(m55.vectorBytes() == 16);
  cpu::CpuTarget sse{{"x86_64-linux-gnu", "x86-64", "", 2}};
  REQUIRE(sse.vectorBytes() == 16);
  cpu::CpuTarget skx{{"x86_64-linux-gnu", "skylake-avx512", "", 2}};
  REQUIRE(skx.vectorBytes() == 64);
  REQUIRE_THROWS_WITH(cpu::CpuTarget({"foo-bar-baz", "", "", 2}),
                      Catch::Contains("unsupported target triple 'foo-bar-baz'"));
  REQUIRE_THROWS_WITH(cpu::CpuTarget({"riscv64-linux-gnu", "", "", 2}),
                      Catch::Contains("unsupported target triple"));
  REQUIRE_THROWS_WITH(cpu::CpuTarget({"x86_64-linux-gnu", "pentium9000", "", 2}),
                      Catch::Contains("unsupported CPU 'pentium9000'"));
  REQUIRE_THROWS_WITH(cpu::CpuTarget({"", "", "", 7}),
                      Catch::Contains("-O7"));
}

TEST_CASE("emit: LLVM IR, assembly and object for the host", "[codegen]") {
  Program p = smallProgram();
  std::string ir = emitToString(p, {}, cpu::EmitKind::LLVMIR);
  REQUIRE(ir.find("define i32 @net_run(i8* ") != std::string::npos);
  REQUIRE(ir.find("kiln_parallel_for") != std::string::npos);
  REQUIRE(ir.find("align 64") != std::string::npos);
  std::string asmText = emitToString(p, {}, cpu::EmitKind::Assembly);
  REQUIRE(asmText.find("net_run:") != std::string::npos);

  std::string path = tempPath("net.o");
  cpu::emitProgram(p, {}, cpu::EmitKind::Object, path);
  std::string obj = readFile(path);
  std::remove(path.c_str());
  REQUIRE(obj.size() > 64);
  REQUIRE(obj.compare(0, 4, "\x7f"
                            "ELF") == 0);
  REQUIRE(obj.find("net_run") != std::string::npos);
  // The constant's bytes are embedded (1.0f = 00 00 80 3f).
  REQUIRE(obj.find(std::string("\x00\x00\x80\x3f\x00\x00\x00\x40", 8)) !=
          std::string::npos);
}

TEST_CASE("emit: weights in a named section or a separate blob", "[codegen]") {
  Program p = smallProgram();
  codegen::CodeGenOptions sect;
  sect.weightsSection = ".kiln_weights";
  std::string ir = emitToString(p, {}, cpu::EmitKind::LLVMIR, sect);
  REQUIRE(ir.find("section \".kiln_weights\"") != std::string::npos);

  codegen::CodeGenOptions sep;
  sep.weightsSeparate = true;
  ir = emitToString(p, {}, cpu::EmitKind::LLVMIR, sep);
  REQUIRE(ir.find("define i32 @net_run(i8* ") != std::string::npos);
  REQUIRE(ir.find("i8* %weights") != std::string::npos);
  codegen::WeightsBlob blob = codegen::buildWeightsBlob(p);
  REQUIRE(blob.bytes.size() == 32);
  REQUIRE(blob.offsets.at(1) == 0);
  float second;
  std::memcpy(&second, blob.bytes.data() + 4, 4);
  REQUIRE(second == 2.0f);
}

TEST_CASE("emit: AArch64 and Cortex-M objects", "[codegen]") {
  Program p = smallProgram();
  for (cpu::CpuTargetOptions t :
       {cpu::CpuTargetOptions{"aarch64-linux-gnu", "", "", 2},
        cpu::CpuTargetOptions{"thumbv7em-none-eabi", "cortex-m4", "", 2},
        cpu::CpuTargetOptions{"thumbv8.1m.main-none-eabi", "cortex-m55", "", 2}}) {
    INFO(t.triple);
    std::string obj = emitToString(p, t, cpu::EmitKind::Object);
    REQUIRE(obj.compare(0, 4, "\x7f"
                              "ELF") == 0);
    REQUIRE(obj.find("net_run") != std::string::npos);
    std::string asmText = emitToString(p, t, cpu::EmitKind::Assembly);
    REQUIRE(asmText.find("net_run:") != std::string::npos);
  }
}

TEST_CASE("emit: errors name their cause", "[codegen]") {
  Program p = smallProgram();
  REQUIRE_THROWS_WITH(
      cpu::emitProgram(p, {}, cpu::EmitKind::Object, "/nonexistent-dir/x.o"),
      Catch::Contains("/nonexistent-dir/x.o"));
  // A kernel parameter larger than its tensor would read out of bounds.
  Program big = smallProgram();
  big.funcs[0].params[0] = makeBuffer("a", ElementType::F32, {16});
  REQUIRE_THROWS_WITH(emitToString(big, {}, cpu::EmitKind::LLVMIR),
                      Catch::Contains("spans 64 bytes"));
  // An unknown call in a kernel.
  Program bad = smallProgram();
  Buffer o = bad.funcs[0].params[2];
  bad.funcs[0].body = makeStore(
      o, {Expr(0)}, call(DType(ElementType::F32), "frobnicate", {}));
  REQUIRE_THROWS_WITH(emitToString(bad, {}, cpu::EmitKind::LLVMIR),
                      Catch::Contains("frobnicate"));
  // An arena tensor without a slot.
  Program unplanned = smallProgram();
  unplanned.tensors[2].storage = StorageKind::Arena;
  unplanned.tensors[2].offset = -1;
  unplanned.outputs.clear();
  REQUIRE_THROWS_WITH(emitToString(unplanned, {}, cpu::EmitKind::LLVMIR),
                      Catch::Contains("memory planning"));
}

TEST_CASE("emit: vector code uses the target's full width", "[codegen]") {
  // o = a * 3 over 1024 floats, vectorized by the default schedule: 512-bit
  // registers on AVX-512 (LLVM must not split them), 256 on AVX2.
  auto program = [](int vectorBytes) {
    Program p;
    p.name = "scale";
    Buffer a = makeBuffer("a", ElementType::F32, {1024});
    Buffer o = makeBuffer("o", ElementType::F32, {1024});
    PrimFunc f{"scale", {a, o}, compute(o, [&](const Indices &i) {
                 return load(a, i) * 3.0;
               })};
    CpuScheduleOptions so;
    so.vectorBytes = vectorBytes;
    so.parallel = false;
    p.funcs.push_back(applyDefaultSchedule(f, so));
    for (int k = 0; k < 2; ++k) {
      ProgramTensor t;
      t.name = k ? "o" : "a";
      t.elem = ElementType::F32;
      t.shape = {1024};
      t.storage = k ? StorageKind::Output : StorageKind::Input;
      t.index = 0;
      p.tensors.push_back(t);
    }
    p.inputs = {0};
    p.outputs = {1};
    p.calls.push_back({0, {0, 1}, 0, 0, {-1, -1}});
    return p;
  };
  cpu::CpuTargetOptions skx{"x86_64-linux-gnu", "skylake-avx512", "", 2};
  std::string ir = emitToString(program(64), skx, cpu::EmitKind::LLVMIR);
  REQUIRE(ir.find("<16 x float>") != std::string::npos);
  REQUIRE(ir.find("\"prefer-vector-width\"=\"512\"") != std::string::npos);
  std::string s = emitToString(program(64), skx, cpu::EmitKind::Assembly);
  REQUIRE(s.find("zmm") != std::string::npos);
  cpu::CpuTargetOptions hsw{"x86_64-linux-gnu", "haswell", "", 2};
  s = emitToString(program(32), hsw, cpu::EmitKind::Assembly);
  REQUIRE(s.find("ymm") != std::string::npos);
  REQUIRE(s.find("zmm") == std::string::npos);
}

namespace {
/// Random well-typed expressions over one input buffer per element type.
struct ExprFuzzer {
  // KILN_FUZZ_SEED explores other programs when run by hand.
  std::mt19937 rng{getenv("KILN_FUZZ_SEED")
                       ? unsigned(atoi(getenv("KILN_FUZZ_SEED")))
                       : 1234u};
  std::vector<ElementType> types{
      ElementType::F32, ElementType::F64, ElementType::F16, ElementType::BF16,
      ElementType::I8,  ElementType::U8,  ElementType::I16, ElementType::U16,
      ElementType::I32, ElementType::U32, ElementType::I64, ElementType::U64,
      ElementType::Bool};
  std::map<ElementType, Buffer> inputs;
  Indices idx;

  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); }
  ElementType anyType() { return types[size_t(pick(int(types.size())))]; }

  Expr leaf(ElementType t) {
    if (pick(4) > 0 || t == ElementType::Bool)
      return load(inputs.at(t), idx);
    return makeConst(DType(t), isFloat(t) ? pick(17) * 0.25 - 2 : pick(7));
  }

  Expr gen(ElementType t, int depth) {
    if (depth == 0 || pick(6) == 0)
      return leaf(t);
    bool fl = isFloat(t);
    if (t == ElementType::Bool) {
      switch (pick(3)) {
      case 0: {
        ElementType u = anyType();
        BinaryOp op = BinaryOp(int(BinaryOp::EQ) + pick(6));
        return binary(op, gen(u, depth - 1), gen(u, depth - 1));
      }
      case 1:
        return binary(pick(2) ? BinaryOp::And : BinaryOp::Or,
                      gen(t, depth - 1), gen(t, depth - 1));
      default:
        return cast(t, gen(anyType(), depth - 1));
      }
    }
    switch (pick(6)) {
    case 0:
      return cast(t, gen(anyType(), depth - 1));
    case 1:
      return select(gen(ElementType::Bool, depth - 1), gen(t, depth - 1),
                    gen(t, depth - 1));
    case 2:
      if (fl) {
        static const char *names[] = {"exp", "tanh", "sqrt", "floor",
                                      "round", "fabs", "log", "erf"};
        return mathCall(names[pick(8)], gen(t, depth - 1));
      }
      return pick(2) ? unary(UnaryOp::Neg, gen(t, depth - 1))
                     : unary(UnaryOp::BitNot, gen(t, depth - 1));
    default: {
      std::vector<BinaryOp> ops{BinaryOp::Add, BinaryOp::Sub, BinaryOp::Mul,
                                BinaryOp::Div, BinaryOp::Mod, BinaryOp::Min,
                                BinaryOp::Max};
      if (!fl)
        for (BinaryOp op : {BinaryOp::FloorDiv, BinaryOp::FloorMod,
                            BinaryOp::BitAnd, BinaryOp::BitOr,
                            BinaryOp::BitXor, BinaryOp::Shl, BinaryOp::Shr})
          ops.push_back(op);
      return binary(ops[size_t(pick(int(ops.size())))], gen(t, depth - 1),
                    gen(t, depth - 1));
    }
    }
  }
};

Tensor fuzzInput(ElementType e, int64_t n, std::mt19937 &rng) {
  Tensor t(e, {n});
  std::uniform_real_distribution<double> d(-8, 8);
  for (int64_t i = 0; i < n; ++i) {
    if (isFloat(e)) {
      double specials[] = {0.0, -0.0, 0.5, -2.5, 1e30, -1e-30,
                           std::numeric_limits<double>::infinity(),
                           std::numeric_limits<double>::quiet_NaN()};
      t.setDouble(i, i < 8 ? specials[i] : d(rng));
    } else if (e == ElementType::Bool) {
      t.setInt(i, int64_t(rng() & 1));
    } else {
      // Extremes of every type (wrapped), small values and random bits.
      const int64_t specials[] = {
          -1,         0,         1,         127,       -128,
          255,        32767,     -32768,    65535,     INT32_MIN,
          INT32_MAX,  INT64_MIN, INT64_MAX, 7,         -7};
      t.setInt(i, i < 15 ? specials[i]
                         : int64_t(uint64_t(rng()) << 32 | rng()));
    }
  }
  return t;
}
} // namespace

TEST_CASE("jit: random expressions agree bit for bit with the evaluator",
          "[jit][codegen]") {
  const int64_t n = 19;
  ExprFuzzer fz;
  Var i("i");
  fz.idx = {i};
  Program p;
  p.name = "fuzz";
  std::vector<Tensor> inputs;
  std::mt19937 rng(99);
  for (ElementType e : fz.types) {
    fz.inputs[e] = makeBuffer(std::string("in_") + toString(e), e, {n});
    ProgramTensor t;
    t.name = fz.inputs[e]->name;
    t.elem = e;
    t.shape = {n};
    t.storage = StorageKind::Input;
    t.index = int(p.inputs.size());
    p.inputs.push_back(p.tensors.size());
    p.tensors.push_back(t);
    inputs.push_back(fuzzInput(e, n, rng));
  }
  std::vector<Buffer> params;
  for (ElementType e : fz.types)
    params.push_back(fz.inputs[e]);
  std::vector<std::string> texts;
  for (int k = 0; k < 60; ++k) {
    ElementType t = fz.anyType();
    Buffer o = makeBuffer("o", t, {n});
    Expr e = fz.gen(t, 4);
    PrimFunc f{"k" + std::to_string(k), params, compute(o, [&](const Indices &ix) {
                 return substitute(e, {{i.node(), ix[0]}});
               })};
    f.params.push_back(o);
    CpuScheduleOptions so;
    so.vectorBytes = 16 << (k % 3);
    ProgramTensor out;
    out.name = "out" + std::to_string(k);
    out.elem = t;
    out.shape = {n};
    out.storage = StorageKind::Output;
    out.index = int(p.outputs.size());
    p.outputs.push_back(p.tensors.size());
    p.tensors.push_back(out);
    KernelCall c;
    c.func = p.funcs.size();
    c.args = p.inputs;
    c.args.push_back(p.outputs.back());
    p.calls.push_back(c);
    p.funcs.push_back(k % 2 ? applyDefaultSchedule(f, so) : f);
  }
  std::vector<Tensor> ref = runProgram(p, inputs);
  // Bit-exact only without fused multiply-adds (the evaluator rounds twice).
  cpu::CpuTargetOptions exact;
  exact.fpContract = false;
  // and with libm's exp/log/tanh, not the inline vector approximations.
  codegen::CodeGenOptions libm;
  libm.libmMath = true;
  auto jit = cpu::JitProgram::compile(p, exact, libm);
  std::vector<Tensor> outs;
  std::vector<const void *> in;
  std::vector<void *> out;
  for (const Tensor &t : inputs)
    in.push_back(t.rawData());
  for (size_t k = 0; k < p.outputs.size(); ++k)
    outs.emplace_back(p.tensors[p.outputs[k]].elem, std::vector<int64_t>{n});
  for (Tensor &t : outs)
    out.push_back(t.rawData());
  REQUIRE(jit->run(in, out) == 0);
  for (size_t k = 0; k < outs.size(); ++k) {
    for (int64_t j = 0; j < n; ++j) {
      double a = outs[k].getDouble(j), b = ref[k].getDouble(j);
      size_t w = byteSize(outs[k].elementType());
      bool same = (std::isnan(a) && std::isnan(b)) ||
                  std::memcmp(outs[k].rawData() + j * int64_t(w),
                              ref[k].rawData() + j * int64_t(w), w) == 0;
      if (!same)
        FAIL_CHECK("kernel k" << k << " element " << j << ": jit " << a
                              << " evaluator " << b << "\n"
                              << printPrimFunc(p.funcs[k]));
    }
  }
}
