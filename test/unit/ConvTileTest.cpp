//===- ConvTileTest.cpp - register-tiled NCHWc convolution ----------------===//
// Conv nets through the -O3 pipeline (blocked layout, fusion, tiled kernels)
// compiled for several register files, against the interpreter.
//===----------------------------------------------------------------------===//
#include "../../lib/Lowering/ops/ConvTiled.h"
#include "kiln/Driver/CompiledModel.h"
#include "kiln/Driver/RandomInputs.h"
#include "kiln/Driver/TensorCompare.h"
#include "kiln/IR/InferContext.h"
#include "kiln/IR/Module.h"
#include "kiln/IR/Verifier.h"
#include "kiln/Interpreter/Interpreter.h"
#include "kiln/Transforms/GraphUtils.h"
#include "kiln/Transforms/PassManager.h"

#include <catch2/catch.hpp>

using namespace kiln;

namespace {

struct ConvShape {
  int64_t c, m, h, w, k, stride;
  std::vector<int64_t> pads; // top, left, bottom, right
  int64_t group;
  bool relu, residual;
};

/// A node of `kind` appended to f, its result type inferred.
Value *node(Function &f, OpKind kind, const std::vector<Value *> &operands,
            const std::map<std::string, Attribute> &attrs = {}) {
  return createInferred(f, nullptr, kind, operands, attrs)->result();
}

/// x -> Conv (+ Relu) (+ Add of a second input shaped like the result).
std::unique_ptr<Module> convNet(const ConvShape &s) {
  auto m = std::make_unique<Module>();
  Function &f = m->addFunction("main");
  Value *x =
      f.addInput("x", TensorType(ElementType::F32,
                                 std::vector<int64_t>{1, s.c, s.h, s.w}));
  Value *w = createConstant(
      f, f.nodes().end(),
      makeRandomTensor(
          TensorType(ElementType::F32,
                     std::vector<int64_t>{s.m, s.c / s.group, s.k, s.k}),
          3));
  Value *b = createConstant(
      f, f.nodes().end(),
      makeRandomTensor(TensorType(ElementType::F32, std::vector<int64_t>{s.m}),
                       4));
  Value *y = node(f, OpKind::Conv, {x, w, b},
                  {{"pads", s.pads},
                   {"strides", std::vector<int64_t>{s.stride, s.stride}},
                   {"group", s.group}});
  if (s.relu)
    y = node(f, OpKind::Relu, {y});
  if (s.residual) {
    Value *r = f.addInput("r", y->type());
    y = node(f, OpKind::Add, {y, r});
  }
  f.setOutputs({y});
  verify(*m);
  return m;
}

const std::vector<ConvShape> shapes = {
    // 3x3 same padding; widths that leave short last tiles.
    {32, 32, 9, 13, 3, 1, {1, 1, 1, 1}, 1, true, false},
    {16, 48, 6, 17, 3, 1, {1, 1, 1, 1}, 1, true, true},
    // Strided, asymmetric padding, odd sizes.
    {16, 32, 11, 15, 3, 2, {0, 1, 1, 0}, 1, false, false},
    {3, 16, 23, 23, 7, 2, {3, 3, 3, 3}, 1, true, false},
    // Pointwise: rows merge into one pixel row.
    {64, 80, 7, 7, 1, 1, {0, 0, 0, 0}, 1, true, true},
    {32, 16, 5, 3, 1, 1, {0, 0, 0, 0}, 1, false, false},
    // Strided pointwise (a ResNet downsample).
    {32, 64, 9, 9, 1, 2, {0, 0, 0, 0}, 1, false, false},
    // Depthwise, stride 1 and 2.
    {32, 32, 13, 13, 3, 1, {1, 1, 1, 1}, 32, true, false},
    {48, 48, 10, 9, 3, 2, {1, 1, 1, 1}, 48, true, false},
    // Channel counts that give short blocks (24 -> 12 or 8, 12 -> 12 or 6).
    {24, 24, 5, 6, 3, 1, {1, 1, 1, 1}, 1, true, false},
    {12, 12, 5, 7, 3, 1, {1, 1, 1, 1}, 1, true, false},
    {16, 10, 4, 4, 1, 1, {0, 0, 0, 0}, 1, false, false},
    // 1000 outputs (SqueezeNet's classifier): blocks of 10 or 8.
    {64, 1000, 3, 3, 1, 1, {0, 0, 0, 0}, 1, true, false},
    // Padding larger than what the last output needs.
    {16, 16, 4, 4, 3, 2, {2, 2, 2, 2}, 1, false, false},
    // Grouped: 8, 16 and 32 channels per group, strided and pointwise ones,
    // groups with several output blocks (tiles never straddle two groups).
    {16, 16, 9, 13, 3, 1, {1, 1, 1, 1}, 2, true, false},
    {64, 64, 7, 11, 3, 1, {1, 1, 1, 1}, 4, true, true},
    {256, 256, 5, 6, 3, 2, {0, 1, 1, 0}, 8, false, false},
    {32, 64, 9, 9, 1, 2, {0, 0, 0, 0}, 2, false, false},
    {64, 32, 8, 7, 1, 1, {0, 0, 0, 0}, 4, true, false},
    {48, 96, 6, 7, 3, 1, {1, 1, 1, 1}, 2, true, false},
    {64, 128, 4, 5, 3, 1, {1, 1, 1, 1}, 2, false, true},
    // Groups too narrow to block (2 channels) keep the plain Conv.
    {8, 8, 5, 5, 3, 1, {1, 1, 1, 1}, 4, false, false},
};

} // namespace

TEST_CASE("tiled NCHWc convolutions compile like the interpreter",
          "[conv-tile]") {
  struct Target {
    const char *name, *features;
  };
  // AVX-512 (64-byte vectors, 32 registers) and AVX2 (32 bytes, 16).
  for (Target t : {Target{"host", ""}, Target{"host-avx2", "-avx512f"}})
    for (const ConvShape &s : shapes) {
      INFO(t.name << ": C " << s.c << " M " << s.m << " " << s.h << "x" << s.w
                  << " k " << s.k << " stride " << s.stride << " group "
                  << s.group);
      std::unique_ptr<Module> m = convNet(s);
      std::vector<Tensor> in;
      for (size_t i = 0; i < m->main().inputs().size(); ++i)
        in.push_back(makeRandomTensor(m->main().inputs()[i]->type(), 9 + i));
      std::vector<Tensor> expected = Interpreter().run(m->main(), in);
      CompileOptions options;
      options.graphPipeline = defaultGraphPipeline(3);
      cpu::CpuTargetOptions cpu;
      cpu.features = t.features;
      auto compiled = CompiledModel::compile(*m, options, "host", cpu);
      std::vector<Tensor> out = compiled->run(in);
      REQUIRE(out.size() == 1);
      CompareResult r = compareTensors(out[0], expected[0], 1e-4, 1e-5);
      INFO(r.message);
      REQUIRE(r.passed);
    }
}

TEST_CASE("tiled NCHWc convolutions agree on the loop IR evaluator",
          "[conv-tile]") {
  // The evaluator bounds-checks every access: a tile reading past its
  // buffers (padding, short tiles, merged rows) fails here.
  for (int registers : {32, 16, 8})
    for (const ConvShape &s : shapes) {
      INFO(registers << " registers: C " << s.c << " M " << s.m << " " << s.h
                     << "x" << s.w << " k " << s.k);
      std::unique_ptr<Module> m = convNet(s);
      std::vector<Tensor> in;
      for (size_t i = 0; i < m->main().inputs().size(); ++i)
        in.push_back(makeRandomTensor(m->main().inputs()[i]->type(), 9 + i));
      std::vector<Tensor> expected = Interpreter().run(m->main(), in);
      CompileOptions options;
      options.graphPipeline = defaultGraphPipeline(3);
      options.scheduleOptions.vectorBytes = registers == 32 ? 64 : 32;
      options.scheduleOptions.vectorRegisters = registers;
      auto compiled = CompiledModel::compile(*m, options, "loop-eval");
      std::vector<Tensor> out = compiled->run(in);
      CompareResult r = compareTensors(out[0], expected[0], 1e-4, 1e-5);
      INFO(r.message);
      REQUIRE(r.passed);
    }
}

TEST_CASE("conv tiles leave registers for the epilogue", "[conv-tile]") {
  // A 1x1 conv of 6 output blocks of 16 lanes over 112 columns, AVX-512.
  ConvNCHWcGeometry g{};
  g.n = 1, g.cBlocks = 1, g.ib = 16, g.h = 1, g.w = 112;
  g.mBlocks = 6, g.ob = 16, g.kh = 1, g.kw = 1, g.oh = 1, g.ow = 112;
  g.groups = 1, g.inBlocksPerGroup = 1, g.outBlocksPerGroup = 6;
  LowerTarget avx512;
  avx512.vectorBytes = 64;
  avx512.vectorRegisters = 32;
  for (int64_t epilogue : {0, 4, 6}) {
    INFO("epilogue registers " << epilogue);
    nnlower::ConvTile t = nnlower::planConvTile(g, 112, avx512, epilogue);
    // Accumulators, weights, one input and the epilogue's per-block
    // vectors fit the 32 registers with one to spare.
    CHECK(t.j * t.t + t.j + 1 + t.j * epilogue <= 31);
    CHECK(t.j * t.t >= 8); // enough accumulators to hide the latency
  }
  nnlower::ConvTile wide = nnlower::planConvTile(g, 112, avx512, 0);
  nnlower::ConvTile room = nnlower::planConvTile(g, 112, avx512, 4);
  CHECK(room.j * room.t < wide.j * wide.t);
}
