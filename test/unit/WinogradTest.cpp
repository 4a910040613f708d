//===- WinogradTest.cpp - 3x3 convolutions by Winograd F(4x4, 3x3) --------===//
// The transforms against a direct correlation, the pass's choice of
// layers, and conv nets through the -O3 pipeline (where the pass turns
// their 3x3 layers into WinogradConvNCHWc) compiled for several targets and
// run on the bounds-checking loop IR evaluator, against the interpreter on
// the original graph.
//===----------------------------------------------------------------------===//
#include "kiln/IR/Winograd.h"
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

#include <random>

using namespace kiln;

namespace {

struct WinoShape {
  int64_t n, c, m, h, w;
  std::vector<int64_t> pads; // top, left, bottom, right
  bool bias, relu, residual;
};

/// A node of `kind` appended to f, its result type inferred.
Value *node(Function &f, OpKind kind, const std::vector<Value *> &operands,
            const std::map<std::string, Attribute> &attrs = {}) {
  return createInferred(f, nullptr, kind, operands, attrs)->result();
}

/// x -> 3x3 Conv (+ Relu) (+ Add of a second input shaped like the result).
std::unique_ptr<Module> convNet(const WinoShape &s, int64_t kernel = 3,
                                int64_t stride = 1) {
  auto m = std::make_unique<Module>();
  Function &f = m->addFunction("main");
  Value *x =
      f.addInput("x", TensorType(ElementType::F32,
                                 std::vector<int64_t>{s.n, s.c, s.h, s.w}));
  Value *w = createConstant(
      f, f.nodes().end(),
      makeRandomTensor(
          TensorType(ElementType::F32,
                     std::vector<int64_t>{s.m, s.c, kernel, kernel}),
          3));
  std::vector<Value *> operands = {x, w};
  if (s.bias)
    operands.push_back(createConstant(
        f, f.nodes().end(),
        makeRandomTensor(
            TensorType(ElementType::F32, std::vector<int64_t>{s.m}), 4)));
  Value *y = node(
      f, OpKind::Conv, operands,
      {{"pads", s.pads}, {"strides", std::vector<int64_t>{stride, stride}}});
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

/// Runs the -O3 graph pipeline for `vectorBytes`-wide vectors on m.
void runO3(Module &m, int vectorBytes, int registers = 32) {
  PassConfig config;
  config.vectorBytes = vectorBytes;
  config.vectorRegisters = registers;
  PassManager<Module> pm(config);
  pm.addPipeline(defaultGraphPipeline(3));
  pm.run(m);
}

/// How many nodes of `kind` m holds, fused bodies included.
int64_t countOps(Module &m, OpKind kind) {
  int64_t count = 0;
  forEachFunction(m.main(), [&](Function &f) {
    for (auto &n : f.nodes())
      count += n->kind() == kind;
  });
  return count;
}

/// How many WinogradConvNCHWc the -O3 pipeline leaves in m.
int64_t winogradAfterO3(std::unique_ptr<Module> m, int vectorBytes,
                        int registers = 32) {
  runO3(*m, vectorBytes, registers);
  return countOps(*m, OpKind::WinogradConvNCHWc);
}

const std::vector<WinoShape> shapes = {
    // ResNet's 3x3 at a small size: whole tiles.
    {1, 64, 64, 16, 16, {1, 1, 1, 1}, true, true, false},
    // Sizes that end in partial tiles, a residual epilogue, 3 output blocks.
    {1, 32, 48, 17, 19, {1, 1, 1, 1}, true, true, true},
    // Asymmetric and no padding; channels that give short blocks at 16 lanes.
    {1, 24, 40, 18, 15, {0, 1, 2, 0}, true, false, false},
    {1, 16, 16, 18, 18, {0, 0, 0, 0}, false, false, false},
    // Padding 2: the output is larger than the input.
    {1, 16, 32, 14, 13, {2, 2, 2, 2}, true, false, false},
    // A batch of two images; many output groups.
    {2, 32, 160, 16, 17, {1, 1, 1, 1}, true, true, false},
    // A row of 31 tiles is more than the product's Stack buffer holds: rows
    // split into chunks of 16 tiles, the last one a padding tile.
    {1, 16, 32, 5, 122, {1, 1, 1, 1}, true, true, true},
};

/// Winograd's rounding error scales with the operands, not with each
/// result: compare within 1e-5 of the largest result (float32 F(4x4, 3x3)
/// errors are about 1e-6 of it) besides the usual relative tolerance.
CompareResult compareScaled(const Tensor &actual, const Tensor &expected) {
  double largest = 0;
  const float *e = expected.data<float>();
  for (int64_t i = 0; i < expected.numElements(); ++i)
    largest = std::max(largest, double(std::abs(e[i])));
  return compareTensors(actual, expected, 1e-4, 1e-5 * largest);
}

/// Seeded random inputs for m.
std::vector<Tensor> inputsFor(Module &m) {
  std::vector<Tensor> in;
  for (size_t i = 0; i < m.main().inputs().size(); ++i)
    in.push_back(makeRandomTensor(m.main().inputs()[i]->type(), 9 + i));
  return in;
}

/// Compiles s's net at -O3 on `target` and checks that its 3x3 layer ran
/// as WinogradConvNCHWc and that the result matches the interpreter on the
/// original graph.
void checkCompiled(const WinoShape &s, CompileOptions options,
                   const std::string &target,
                   const cpu::CpuTargetOptions &cpu = {}) {
  std::unique_ptr<Module> m = convNet(s);
  std::vector<Tensor> in = inputsFor(*m);
  std::vector<Tensor> expected = Interpreter().run(m->main(), in);
  options.graphPipeline = defaultGraphPipeline(3);
  auto compiled = CompiledModel::compile(*m, options, target, cpu);
  CHECK(countOps(*m, OpKind::WinogradConvNCHWc) == 1);
  std::vector<Tensor> out = compiled->run(in);
  REQUIRE(out.size() == 1);
  CompareResult r = compareScaled(out[0], expected[0]);
  INFO(r.message);
  REQUIRE(r.passed);
}

} // namespace

TEST_CASE("Winograd F(4x4, 3x3) transforms compute a 3x3 correlation",
          "[winograd]") {
  using namespace winograd;
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> dist(-1, 1);
  double d[kInput][kInput], g[kKernel][kKernel];
  for (auto &row : d)
    for (double &v : row)
      v = dist(rng);
  for (auto &row : g)
    for (double &v : row)
      v = dist(rng);
  // U = G g G^T, V = B^T d B, Y = A^T (U .* V) A.
  double u[kInput][kInput], v[kInput][kInput], y[kTile][kTile];
  for (int64_t a = 0; a < kInput; ++a)
    for (int64_t b = 0; b < kInput; ++b) {
      double su = 0, sv = 0;
      for (int64_t i = 0; i < kKernel; ++i)
        for (int64_t j = 0; j < kKernel; ++j)
          su += kKernelTransform[a][i] * g[i][j] * kKernelTransform[b][j];
      for (int64_t i = 0; i < kInput; ++i)
        for (int64_t j = 0; j < kInput; ++j)
          sv += kInputTransform[a][i] * d[i][j] * kInputTransform[b][j];
      u[a][b] = su;
      v[a][b] = sv;
    }
  for (int64_t i = 0; i < kTile; ++i)
    for (int64_t j = 0; j < kTile; ++j) {
      double s = 0;
      for (int64_t a = 0; a < kInput; ++a)
        for (int64_t b = 0; b < kInput; ++b)
          s += kOutputTransform[i][a] * u[a][b] * v[a][b] *
               kOutputTransform[j][b];
      double direct = 0;
      for (int64_t ky = 0; ky < kKernel; ++ky)
        for (int64_t kx = 0; kx < kKernel; ++kx)
          direct += d[i + ky][j + kx] * g[ky][kx];
      y[i][j] = s;
      CHECK(y[i][j] == Approx(direct).margin(1e-12));
    }
}

TEST_CASE("the winograd pass takes large 3x3 stride-1 layers only",
          "[winograd]") {
  // 64 -> 64 channels on 16x16: 16 tiles.
  WinoShape big{1, 64, 64, 16, 16, {1, 1, 1, 1}, true, false, false};
  CHECK(winogradAfterO3(convNet(big), 64) == 1);
  CHECK(winogradAfterO3(convNet(big), 32, 16) == 1);
  CHECK(winogradAfterO3(convNet(big), 16) == 1); // AArch64's NEON
  // Microcontrollers (scalar cores, MVE's 8 registers) keep the direct
  // convolution.
  CHECK(winogradAfterO3(convNet(big), 4, 16) == 0);
  CHECK(winogradAfterO3(convNet(big), 16, 8) == 0);
  // Too few tiles (7x7: 4), too few channels, strided, other kernels.
  WinoShape small{1, 64, 64, 7, 7, {1, 1, 1, 1}, true, false, false};
  CHECK(winogradAfterO3(convNet(small), 64) == 0);
  WinoShape narrow{1, 3, 64, 32, 32, {1, 1, 1, 1}, true, false, false};
  CHECK(winogradAfterO3(convNet(narrow), 64) == 0);
  CHECK(winogradAfterO3(convNet(big, 3, 2), 64) == 0);
  CHECK(winogradAfterO3(convNet(big, 5), 64) == 0);
  CHECK(winogradAfterO3(convNet(big, 1), 64) == 0);
}

TEST_CASE("Winograd convolutions compile like the interpreter", "[winograd]") {
  struct Target {
    const char *name, *features;
    int vectorBytes;
  };
  for (Target t : {Target{"host", "", 64}, Target{"host-avx2", "-avx512f", 32}})
    for (const WinoShape &s : shapes) {
      INFO(t.name << ": N " << s.n << " C " << s.c << " M " << s.m << " " << s.h
                  << "x" << s.w);
      // The interpreter's own WinogradConvNCHWc kernel on the -O3 graph.
      std::unique_ptr<Module> m = convNet(s);
      std::vector<Tensor> in = inputsFor(*m);
      std::vector<Tensor> expected = Interpreter().run(m->main(), in);
      runO3(*m, t.vectorBytes);
      REQUIRE(countOps(*m, OpKind::WinogradConvNCHWc) == 1);
      CompareResult ri =
          compareScaled(Interpreter().run(m->main(), in)[0], expected[0]);
      INFO("interpreter: " << ri.message);
      CHECK(ri.passed);
      cpu::CpuTargetOptions cpu;
      cpu.features = t.features;
      checkCompiled(s, CompileOptions(), "host", cpu);
    }
}

TEST_CASE("Winograd convolutions agree on the loop IR evaluator",
          "[winograd]") {
  // The evaluator bounds-checks every access: border tiles, padding rows
  // of the last chunk and partial output tiles must stay inside buffers.
  for (int registers : {32, 16})
    for (const WinoShape &s : {shapes[1], shapes[2], shapes[4], shapes[6]}) {
      INFO(registers << " registers: C " << s.c << " M " << s.m << " " << s.h
                     << "x" << s.w);
      CompileOptions options;
      options.scheduleOptions.vectorBytes = registers == 32 ? 64 : 32;
      options.scheduleOptions.vectorRegisters = registers;
      checkCompiled(s, options, "loop-eval");
    }
}
