//===- QuantizeScaleTest.cpp - quantizer scales at extreme magnitudes -----===//
// Scales relative to a tensor's own magnitude (no absolute floor), and the
// integer rewrite of graphs whose scale ratios are very small or large.
//===----------------------------------------------------------------------===//
#include "PassTestUtils.h"
#include "kiln/Driver/CompiledModel.h"
#include "kiln/IR/Module.h"
#include "kiln/IR/Parser.h"
#include "kiln/IR/Verifier.h"
#include "kiln/Interpreter/Interpreter.h"
#include "kiln/Quantization/Quantizer.h"
#include "kiln/Transforms/PassManager.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <random>

using namespace kiln;
using kiln::test::relativeL2;
using kiln::test::runPipeline;

namespace {

constexpr float kFloatMin = std::numeric_limits<float>::min();

std::string floatList(const std::vector<float> &v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i)
    s += fmt::format("{}{}", i ? ", " : "", v[i]);
  return s;
}

std::vector<float> uniform(std::mt19937 &rng, size_t n, float lo, float hi) {
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (float &e : v)
    e = d(rng);
  return v;
}

/// QuantizeLinear then DequantizeLinear of x with p, in the interpreter.
std::vector<float> fakeQuantize(const std::vector<float> &x,
                                const ActivationParams &p) {
  std::string t = p.type == ElementType::U8 ? "u8" : "i8";
  std::string text =
      fmt::format("func @main(%x: f32[{n}]) {{\n"
                  "  %s = Constant() {{value = dense<f32[]>[{s}]}} : f32[]\n"
                  "  %z = Constant() {{value = dense<{t}[]>[{z}]}} : {t}[]\n"
                  "  %q = QuantizeLinear(%x, %s, %z) : {t}[{n}]\n"
                  "  %y = DequantizeLinear(%q, %s, %z) : f32[{n}]\n"
                  "  return %y\n}}\n",
                  fmt::arg("n", x.size()), fmt::arg("s", p.scale),
                  fmt::arg("t", t), fmt::arg("z", p.zeroPoint));
  std::unique_ptr<Module> m = parseModule(text);
  Tensor y =
      Interpreter()
          .run(m->main(), {Tensor::fromVector<float>(x, {int64_t(x.size())})})
          .at(0);
  return std::vector<float>(y.data<float>(), y.data<float>() + x.size());
}

/// A float CNN whose activations are ~`mag` when its input is: conv3x3
/// (bias) -> Relu -> conv1x1 -> Relu -> Flatten -> Gemm (bias).
std::string netText(uint32_t seed, float mag) {
  std::mt19937 rng(seed);
  std::string t = "func @main(%x: f32[1,4,6,6]) {\n";
  t += fmt::format("  %w1 = Constant() {{value = dense<f32[8,4,3,3]>[{}]}} : "
                   "f32[8,4,3,3]\n",
                   floatList(uniform(rng, 8 * 36, -0.3f, 0.3f)));
  t +=
      fmt::format("  %b1 = Constant() {{value = dense<f32[8]>[{}]}} : f32[8]\n",
                  floatList(uniform(rng, 8, -0.1f * mag, 0.1f * mag)));
  t += fmt::format("  %w2 = Constant() {{value = dense<f32[8,8,1,1]>[{}]}} : "
                   "f32[8,8,1,1]\n",
                   floatList(uniform(rng, 64, -0.5f, 0.5f)));
  t += fmt::format("  %w3 = Constant() {{value = dense<f32[5,288]>[{}]}} : "
                   "f32[5,288]\n",
                   floatList(uniform(rng, 5 * 288, -0.2f, 0.2f)));
  t +=
      fmt::format("  %b3 = Constant() {{value = dense<f32[5]>[{}]}} : f32[5]\n",
                  floatList(uniform(rng, 5, -mag, mag)));
  t +=
      R"(  %c1 = Conv(%x, %w1, %b1) {kernel_shape = [3, 3], pads = [1, 1, 1, 1]} : f32[1,8,6,6]
  %r1 = Relu(%c1) : f32[1,8,6,6]
  %c2 = Conv(%r1, %w2) {kernel_shape = [1, 1]} : f32[1,8,6,6]
  %r2 = Relu(%c2) : f32[1,8,6,6]
  %f = Flatten(%r2) {axis = 1} : f32[1,288]
  %y = Gemm(%f, %w3, %b3) {transB = 1} : f32[1,5]
  return %y
}
)";
  return t;
}

Tensor netInput(std::mt19937 &rng, float mag) {
  return Tensor::fromVector<float>(uniform(rng, 4 * 36, -mag, mag),
                                   {1, 4, 6, 6});
}

/// Relative L2 error of `act`-quantized, integer-rewritten netText(5, mag)
/// on 4 inputs (8 calibration samples); the rewritten module in `q`.
double netError(float mag, ElementType act, std::unique_ptr<Module> &q,
                std::vector<Tensor> &eval, CalibrationStats &stats) {
  std::string text = netText(5, mag);
  std::unique_ptr<Module> ref = parseModule(text);
  std::mt19937 rng(21);
  stats.clear();
  for (int i = 0; i < 8; ++i)
    calibrateOnSample(ref->main(), {netInput(rng, mag)}, stats);
  eval.clear();
  for (int i = 0; i < 4; ++i)
    eval.push_back(netInput(rng, mag));
  q = parseModule(text);
  QuantizeOptions o;
  o.activationType = act;
  quantizeFunction(q->main(), stats, o);
  verify(*q);
  std::map<std::string, int64_t> counters =
      runPipeline(*q, "qdq-to-integer,dce");
  // Every layer runs on integers: no float fallback from tiny scales.
  CHECK(counters["Conv rewritten"] == 2);
  CHECK(counters["Gemm rewritten"] == 1);
  double worst = 0;
  for (const Tensor &x : eval) {
    Tensor want = Interpreter().run(ref->main(), {x}).at(0);
    Tensor got = Interpreter().run(q->main(), {x}).at(0);
    worst = std::max(worst, relativeL2(got, want));
  }
  return worst;
}

} // namespace

TEST_CASE("activation scales follow the tensor's own magnitude", "[ptq]") {
  std::mt19937 rng(11);
  for (double mag : {1e-30, 1e-20, 1e-10, 1e-6, 1.0, 1e6, 1e20}) {
    for (ElementType t : {ElementType::U8, ElementType::I8}) {
      INFO("magnitude " << mag << " " << toString(t));
      Range r{-0.3 * mag, mag};
      ActivationParams p = activationParams(r, t);
      // No absolute floor: the scale is the range over 255 steps.
      CHECK(p.scale == Approx(1.3 * mag / 255).epsilon(1e-6));
      std::vector<float> x = uniform(rng, 200, float(r.lo), float(r.hi));
      std::vector<float> y = fakeQuantize(x, p);
      for (size_t i = 0; i < x.size(); ++i)
        CHECK(std::fabs(y[i] - x[i]) <= 0.5001 * p.scale);
    }
  }
}

TEST_CASE("zero-width and subnormal ranges get a usable scale", "[ptq]") {
  for (ElementType t : {ElementType::U8, ElementType::I8}) {
    // All zeros: any scale represents them; 1 as before.
    ActivationParams z = activationParams({0, 0}, t);
    CHECK(z.scale == 1.0f);
    CHECK(fakeQuantize({0.0f}, z)[0] == 0.0f);
    // A width whose scale would be subnormal (or 0 in float) gets the
    // smallest normal float, so QuantizeLinear's x / scale stays exact
    // enough and every value of the range is still representable.
    for (double hi : {1e-44, 1e-40, 1e-39}) {
      INFO("hi " << hi << " " << toString(t));
      ActivationParams p = activationParams({0, hi}, t);
      CHECK(p.scale == kFloatMin);
      CHECK(std::isnormal(p.scale));
      CHECK(fakeQuantize({0.0f}, p)[0] == 0.0f);
    }
    // A range [c, c] is widened to include 0, so it has a width.
    ActivationParams c = activationParams({-2e-12, -2e-12}, t);
    CHECK(c.scale == Approx(2e-12 / 255).epsilon(1e-6));
  }
}

TEST_CASE("tiny weight channels keep their resolution", "[ptq]") {
  // Channel 0 ~1e-12, channel 1 ~1, channel 2 all zero.
  std::vector<float> w = {1e-12f, -3e-13f, 5e-13f, 0.5f, -1.0f, 0.25f, 0, 0, 0};
  QuantizedWeight q =
      quantizeWeightPerChannel(Tensor::fromVector<float>(w, {3, 3}), 0);
  REQUIRE(q.scales.size() == 3);
  CHECK(q.scales[0] == Approx(1e-12 / 127).epsilon(1e-6));
  CHECK(q.scales[1] == Approx(1.0 / 127).epsilon(1e-6));
  CHECK(q.scales[2] == 1.0f);
  const int8_t *v = q.values.data<int8_t>();
  CHECK(v[0] == 127);
  for (int i = 0; i < 9; ++i)
    CHECK(std::fabs(float(v[i]) * q.scales[size_t(i / 3)] - w[size_t(i)]) <=
          0.5001f * q.scales[size_t(i / 3)]);
}

TEST_CASE("a net with activations ~1e-10 quantizes accurately", "[ptq]") {
  for (ElementType act : {ElementType::U8, ElementType::I8}) {
    INFO("activations " << toString(act));
    std::unique_ptr<Module> q;
    std::vector<Tensor> eval;
    CalibrationStats stats;
    double normal = netError(1.0f, act, q, eval, stats);
    double tiny = netError(1e-10f, act, q, eval, stats);
    // With the old absolute floor (1e-9) every activation of the tiny net
    // quantized to 0 (the output was the bias alone). Now the scales are
    // relative, so the error is that of the same net at magnitude 1.
    SUCCEED(fmt::format("{} activations: relative L2 {:.4f} at 1e-10, "
                        "{:.4f} at 1",
                        toString(act), tiny, normal));
    CHECK(tiny < 0.08);
    CHECK(tiny == Approx(normal).epsilon(0.05));

    // Compiled code agrees with the interpreter on the integer graph.
    std::unique_ptr<Module> compiledModule = parseModule(netText(5, 1e-10f));
    QuantizeOptions o;
    o.activationType = act;
    quantizeFunction(compiledModule->main(), stats, o);
    CompileOptions options;
    options.name = "tiny";
    options.graphPipeline = defaultGraphPipeline(3);
    auto compiled = CompiledModel::compile(*compiledModule, options, "host");
    for (const Tensor &x : eval)
      CHECK(compiled->run({x}).at(0).identicalTo(
          Interpreter().run(q->main(), {x}).at(0)));
  }
}

TEST_CASE("requantization scales above 2^30 are clamped exactly",
          "[ptq][qdq]") {
  // x_scale * w_scale / y_scale = 0.5 * 0.5 / 1e-12: every nonzero sum
  // saturates, in float and in integers alike.
  const char *text = R"(func @main(%x: u8[1,2,3,3]) {
  %xs = Constant() {value = dense<f32[]>[0.5]} : f32[]
  %xz = Constant() {value = dense<u8[]>[128]} : u8[]
  %w = Constant() {value = dense<i8[2,2,1,1]>[3, -1, 0, 0]} : i8[2,2,1,1]
  %ws = Constant() {value = dense<f32[]>[0.5]} : f32[]
  %ys = Constant() {value = dense<f32[]>[1e-12]} : f32[]
  %yz = Constant() {value = dense<i8[]>[5]} : i8[]
  %xf = DequantizeLinear(%x, %xs, %xz) : f32[1,2,3,3]
  %wf = DequantizeLinear(%w, %ws) : f32[2,2,1,1]
  %c = Conv(%xf, %wf) {kernel_shape = [1, 1]} : f32[1,2,3,3]
  %y = QuantizeLinear(%c, %ys, %yz) : i8[1,2,3,3]
  return %y
}
)";
  std::unique_ptr<Module> before = parseModule(text);
  std::unique_ptr<Module> after = parseModule(text);
  std::map<std::string, int64_t> counters =
      runPipeline(*after, "qdq-to-integer,dce");
  CHECK(counters["Conv rewritten"] == 1);
  // Inputs with zero sums (x = zero point) and nonzero ones of both signs.
  std::vector<uint8_t> xs = {128, 128, 200, 0, 129, 127, 255, 1,   128,
                             128, 130, 128, 0, 255, 127, 128, 131, 128};
  Tensor x(ElementType::U8, {1, 2, 3, 3});
  for (size_t i = 0; i < xs.size(); ++i)
    x.setInt(int64_t(i), xs[i]);
  Tensor want = Interpreter().run(before->main(), {x}).at(0);
  Tensor got = Interpreter().run(after->main(), {x}).at(0);
  CHECK(got.identicalTo(want));
  CHECK(got.getInt(0) == 5);    // 0 stays the zero point
  CHECK(got.getInt(2) == 127);  // 3 * 72 > 0
  CHECK(got.getInt(3) == -128); // 3 * -128 + 128 < 0
}

TEST_CASE("a bias too large for the accumulator scale is not rewritten",
          "[ptq][qdq]") {
  // bias / (x_scale * w_scale) = 1 / 1e-12 does not fit in i32: saturating
  // it would change the result, so the conv stays float.
  const char *text = R"(func @main(%x: u8[1,1,2,2]) {
  %xs = Constant() {value = dense<f32[]>[1e-10]} : f32[]
  %w = Constant() {value = dense<i8[1,1,1,1]>[3]} : i8[1,1,1,1]
  %ws = Constant() {value = dense<f32[]>[0.01]} : f32[]
  %b = Constant() {value = dense<f32[1]>[1]} : f32[1]
  %ys = Constant() {value = dense<f32[]>[0.01]} : f32[]
  %xf = DequantizeLinear(%x, %xs) : f32[1,1,2,2]
  %wf = DequantizeLinear(%w, %ws) : f32[1,1,1,1]
  %c = Conv(%xf, %wf, %b) {kernel_shape = [1, 1]} : f32[1,1,2,2]
  %y = QuantizeLinear(%c, %ys) : u8[1,1,2,2]
  return %y
}
)";
  std::unique_ptr<Module> m = parseModule(text);
  std::map<std::string, int64_t> counters =
      runPipeline(*m, "qdq-to-integer,dce");
  CHECK(counters["Conv rewritten"] == 0);
  Tensor x = Tensor::fromVector<uint8_t>({0, 1, 100, 255}, {1, 1, 2, 2});
  Tensor got = Interpreter().run(m->main(), {x}).at(0);
  for (int64_t i = 0; i < 4; ++i)
    CHECK(got.getInt(i) == 100); // 1.0 / 0.01
}
