//===- QuantizeTest.cpp - post-training quantization ----------------------===//
// Histograms and the three range choices on known distributions, activation
// and weight parameters (0.0 exact, symmetric per channel), and the graph
// rewrite end to end in the interpreter.
//===----------------------------------------------------------------------===//
#include "kiln/IR/Parser.h"
#include "kiln/IR/Verifier.h"
#include "kiln/Interpreter/Interpreter.h"
#include "kiln/Quantization/Quantizer.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <random>

using namespace kiln;

namespace {

TensorStats statsOf(const std::vector<float> &values) {
  TensorStats s;
  s.observe(Tensor::fromVector<float>(values, {int64_t(values.size())}));
  return s;
}

// x -> QuantizeLinear -> DequantizeLinear with the given parameters, run by
// the interpreter (the reference semantics of the QDQ graph).
std::vector<float> fakeQuantize(const std::vector<float> &x,
                                const ActivationParams &p) {
  std::string zpType = p.type == ElementType::U8 ? "u8" : "i8";
  std::string text = fmt::format(
      "func @main(%x: f32[{n}]) {{\n"
      "  %s = Constant() {{value = dense<f32[]>[{s}]}} : f32[]\n"
      "  %z = Constant() {{value = dense<{t}[]>[{z}]}} : {t}[]\n"
      "  %q = QuantizeLinear(%x, %s, %z) : {t}[{n}]\n"
      "  %y = DequantizeLinear(%q, %s, %z) : f32[{n}]\n"
      "  return %y\n}}\n",
      fmt::arg("n", x.size()), fmt::arg("s", p.scale), fmt::arg("t", zpType),
      fmt::arg("z", p.zeroPoint));
  std::unique_ptr<Module> m = parseModule(text);
  Tensor y = Interpreter()
                 .run(m->main(), {Tensor::fromVector<float>(
                                     x, {int64_t(x.size())})})
                 .at(0);
  return std::vector<float>(y.data<float>(), y.data<float>() + x.size());
}

} // namespace

TEST_CASE("histogram grows by merging whole bins", "[ptq]") {
  AbsHistogram h(8);
  h.add(std::vector<float>{0.f, 0.f}); // zeros before any range: bin 0
  CHECK(h.binWidth() == 0);
  h.add(std::vector<float>{1.f, -0.5f, 0.1f});
  CHECK(h.binWidth() == Approx(1.0 / 8));
  CHECK(h.counts()[0] == 3); // two zeros and 0.1
  CHECK(h.counts()[4] == 1); // 0.5
  CHECK(h.counts()[7] == 1); // the maximum lands in the last bin
  // 2.5 > range 1: the range grows by an integer factor (3), bins merge.
  h.add(std::vector<float>{-2.5f});
  CHECK(h.binWidth() == Approx(3.0 / 8));
  CHECK(h.range() >= 2.5);
  CHECK(h.total() == 6);
  uint64_t sum = 0;
  for (uint64_t c : h.counts())
    sum += c;
  CHECK(sum == 6);
  CHECK(h.counts()[1] == 1); // old bin 4 (0.5) -> 4 / 3 = 1
  CHECK(h.counts()[2] == 1); // old bin 7 (1.0) -> 2
  CHECK(h.counts()[6] == 1); // 2.5 / 0.375 = 6.67
}

TEST_CASE("min/max calibration is the exact range", "[ptq]") {
  TensorStats s = statsOf({0.25f, -1.5f, 3.0f, 2.0f});
  TensorStats more = s;
  more.observe(Tensor::fromVector<float>({-1.75f, 0.f}, {2}));
  for (CalibrationMethod m : {CalibrationMethod::MinMax}) {
    Range r = chooseRange(s, m);
    CHECK(r.lo == -1.5);
    CHECK(r.hi == 3.0);
    Range r2 = chooseRange(more, m);
    CHECK(r2.lo == -1.75);
    CHECK(r2.hi == 3.0);
  }
  ActivationParams p = activationParams({-1.0, 3.0}, ElementType::U8);
  CHECK(p.scale == float(4.0 / 255));
  CHECK(p.zeroPoint == 64); // round(1 / (4 / 255)) = round(63.75)
  ActivationParams q = activationParams({-1.0, 3.0}, ElementType::I8);
  CHECK(q.scale == float(4.0 / 255));
  CHECK(q.zeroPoint == -64); // round(-128 + 63.75)
  // A range that excludes 0 is widened to include it.
  ActivationParams pos = activationParams({2.0, 5.1}, ElementType::U8);
  CHECK(pos.scale == float(5.1 / 255));
  CHECK(pos.zeroPoint == 0);
  ActivationParams neg = activationParams({-5.1, -2.0}, ElementType::U8);
  CHECK(neg.zeroPoint == 255);
  ActivationParams zero = activationParams({0.0, 0.0}, ElementType::U8);
  CHECK(zero.scale == 1.0f);
  CHECK(zero.zeroPoint == 0);
}

TEST_CASE("0.0 is exactly representable for every range", "[ptq]") {
  std::mt19937 rng(6);
  std::uniform_real_distribution<double> mag(-6, 3);
  std::uniform_real_distribution<double> unit(0, 1);
  for (int i = 0; i < 400; ++i) {
    double a = std::pow(10.0, mag(rng)), b = std::pow(10.0, mag(rng));
    double split = unit(rng);
    Range r{-a * split, b * (1 - split)};
    for (ElementType t : {ElementType::U8, ElementType::I8}) {
      ActivationParams p = activationParams(r, t);
      INFO("range [" << r.lo << ", " << r.hi << "] " << toString(t));
      REQUIRE(p.scale > 0);
      CHECK(p.zeroPoint >= (t == ElementType::U8 ? 0 : -128));
      CHECK(p.zeroPoint <= (t == ElementType::U8 ? 255 : 127));
      std::vector<float> y =
          fakeQuantize({0.0f, -0.0f, float(r.lo), float(r.hi)}, p);
      CHECK(y[0] == 0.0f);
      CHECK(y[1] == 0.0f);
      // The ends of the range are represented to within one step.
      CHECK(std::fabs(y[2] - r.lo) <= 1.01 * p.scale);
      CHECK(std::fabs(y[3] - r.hi) <= 1.01 * p.scale);
    }
  }
}

TEST_CASE("percentile calibration on a uniform distribution", "[ptq]") {
  // 100,000 values evenly spread over [0, 1) plus their negatives at half
  // density: the 99% point of each sign is near 0.99.
  std::vector<float> v;
  for (int i = 0; i < 100000; ++i)
    v.push_back(float(i) / 100000);
  for (int i = 0; i < 50000; ++i)
    v.push_back(-float(i) / 50000);
  TensorStats s = statsOf(v);
  double width = s.positive.binWidth();
  CHECK(percentileThreshold(s.positive, 99) == Approx(0.99).margin(width));
  CHECK(percentileThreshold(s.positive, 100) ==
        Approx(s.positive.range()).margin(width));
  Range r = chooseRange(s, CalibrationMethod::Percentile, 99.0);
  CHECK(r.hi == Approx(0.99).margin(width));
  CHECK(r.lo == Approx(-0.99).margin(s.negative.binWidth()));
  // 99.99% keeps all but the top 0.01%.
  Range r2 = chooseRange(s, CalibrationMethod::Percentile);
  CHECK(r2.hi == Approx(0.9999).margin(width));
  CHECK_THROWS_WITH(percentileThreshold(s.positive, 0),
                    Catch::Contains("percentile must be in (0, 100]"));
}

TEST_CASE("entropy calibration clips rare outliers", "[ptq]") {
  // |N(0, 1)| with a handful of outliers at 40: min/max would spend almost
  // all levels on empty space; KL keeps the bulk and clips the outliers.
  std::mt19937 rng(1);
  std::normal_distribution<float> normal(0, 1);
  std::vector<float> v;
  for (int i = 0; i < 200000; ++i)
    v.push_back(std::fabs(normal(rng)));
  for (int i = 0; i < 5; ++i)
    v.push_back(40.0f);
  TensorStats s = statsOf(v);
  CHECK(s.max == 40.0);
  double t = entropyThreshold(s.positive, 256);
  CHECK(t > 2.5);  // keeps the body of the Gaussian
  CHECK(t < 10.0); // well inside the maximum
  Range r = chooseRange(s, CalibrationMethod::Entropy);
  CHECK(r.lo == s.min); // nothing negative to clip
  CHECK(r.hi == Approx(t));

  // A narrow distribution whose occupied bins fit the levels is not clipped.
  AbsHistogram few(2048);
  few.add(std::vector<float>{0.f, 1.f, 2.f, 3.f});
  CHECK(entropyThreshold(few, 128) == Approx(few.range()));
  // A dense peak at the top (like a constant image background) is kept.
  std::vector<float> peak(10000, 1.0f);
  for (int i = 0; i < 1000; ++i)
    peak.push_back(float(i) / 1000);
  AbsHistogram hp(2048);
  hp.add(peak);
  CHECK(entropyThreshold(hp, 128) >= 1.0);
}

TEST_CASE("weights are symmetric int8 per output channel", "[ptq]") {
  // [3, 2, 2]: channel 0 max |w| 2, channel 1 all zero, channel 2 max 0.5.
  Tensor w = Tensor::fromVector<float>(
      {2, -1, 0.5, -2, 0, 0, 0, 0, 0.25, 0.5, -0.5, 0.125}, {3, 2, 2});
  QuantizedWeight q = quantizeWeightPerChannel(w, 0);
  REQUIRE(q.scales.size() == 3);
  CHECK(q.scales[0] == float(2.0 / 127));
  CHECK(q.scales[1] == 1.0f);
  CHECK(q.scales[2] == float(0.5 / 127));
  std::vector<int64_t> got = q.values.toIntVector();
  CHECK(got == std::vector<int64_t>{127, -64, 32, -127, 0, 0, 0, 0, 64, 127,
                                    -127, 32});
  // Along the last axis (MatMul's B, Gemm with transB = 0).
  Tensor b = Tensor::fromVector<float>({1, -4, -3, 2}, {2, 2});
  QuantizedWeight qb = quantizeWeightPerChannel(b, 1);
  CHECK(qb.scales == std::vector<float>{float(3.0 / 127), float(4.0 / 127)});
  CHECK(qb.values.toIntVector() == std::vector<int64_t>{42, -127, -127, 64});
  // Every value dequantizes to within half a step of the original.
  for (int64_t i = 0; i < w.numElements(); ++i) {
    float s = q.scales[size_t(i / 4)];
    CHECK(std::fabs(float(got[size_t(i)]) * s - w.data<float>()[i]) <=
          0.5f * s + 1e-7f);
  }
}

TEST_CASE("quantizer rewrites a small network into QDQ form", "[ptq]") {
  const char *text = R"(
func @main(%x: f32[1,1,4,4]) {
  %w = Constant() {value = dense<f32[2,1,1,1]>[0.5, -2]} : f32[2,1,1,1]
  %b = Constant() {value = dense<f32[2]>[0.25, 0]} : f32[2]
  %c = Conv(%x, %w, %b) {kernel_shape = [1, 1]} : f32[1,2,4,4] loc("conv1")
  %r = Relu(%c) : f32[1,2,4,4] loc("relu1")
  %p = MaxPool(%r) {kernel_shape = [2, 2], strides = [2, 2]} : f32[1,2,2,2] loc("pool1")
  %f = Flatten(%p) {axis = 1} : f32[1,8] loc("flatten")
  %gw = Constant() {value = dense<f32[3,8]>[1, 0, 0, 0, 0, 0, 0, -0.5, 0, 1, 0, 0, 0, 0, 0, 0, 0.25, 0.25, 0.25, 0.25, 0, 0, 0, 0]} : f32[3,8]
  %y = Gemm(%f, %gw) {transB = 1} : f32[1,3] loc("fc")
  return %y
}
)";
  std::unique_ptr<Module> m = parseModule(text);
  std::unique_ptr<Module> ref = parseModule(text);
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> dist(-1, 3);
  std::vector<Tensor> samples;
  for (int i = 0; i < 8; ++i) {
    Tensor t(ElementType::F32, {1, 1, 4, 4});
    for (int64_t k = 0; k < 16; ++k)
      t.data<float>()[k] = dist(rng);
    samples.push_back(t);
  }
  CalibrationStats stats;
  for (const Tensor &s : samples)
    calibrateOnSample(m->main(), {s}, stats);
  // Calibration leaves the function as it was.
  REQUIRE(m->main().outputs().size() == 1);
  CHECK(stats.count("x"));
  CHECK(stats.count("r"));
  CHECK(stats.count("y"));

  for (CalibrationMethod method :
       {CalibrationMethod::MinMax, CalibrationMethod::Percentile,
        CalibrationMethod::Entropy}) {
    std::unique_ptr<Module> q = parseModule(text);
    QuantizeOptions o;
    o.method = method;
    QuantizeSummary sum = quantizeFunction(q->main(), stats, o);
    verify(*q);
    CHECK(sum.quantizedOps == 2);
    CHECK(sum.fusedActivations == 1);
    CHECK(sum.passThroughOps == 2); // MaxPool, Flatten
    CHECK(sum.quantizeNodes == 5);  // x, r, p, f, y
    // DQs: x, r, p, f (one per quantized consumer), y (the output), and the
    // two weights.
    CHECK(sum.dequantizeNodes == 7);
    REQUIRE(q->main().outputs().size() == 1);
    CHECK(q->main().outputs()[0]->name() == "y");
    // Fake quantization stays close to the float model on the calibration
    // inputs (min/max covers them all).
    for (const Tensor &s : samples) {
      Tensor want = Interpreter().run(ref->main(), {s}).at(0);
      Tensor got = Interpreter().run(q->main(), {s}).at(0);
      for (int64_t k = 0; k < want.numElements(); ++k)
        CHECK(got.data<float>()[k] ==
              Approx(want.data<float>()[k]).margin(0.1));
    }
  }

  // Keeping the Gemm in float leaves MaxPool and Flatten float too.
  std::unique_ptr<Module> k = parseModule(text);
  QuantizeOptions o;
  o.keepFloat = {"fc"};
  QuantizeSummary sum = quantizeFunction(k->main(), stats, o);
  CHECK(sum.quantizedOps == 1);
  CHECK(sum.keptFloat == 1);
  CHECK(sum.passThroughOps == 0);
  CHECK(sum.quantizeNodes == 2); // x, r
  o.keepFloat = {"nothing"};
  std::unique_ptr<Module> bad = parseModule(text);
  CHECK_THROWS_WITH(quantizeFunction(bad->main(), stats, o),
                    Catch::Contains("'nothing' is neither the name of a node"));
}
