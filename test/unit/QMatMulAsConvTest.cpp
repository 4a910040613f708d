//===- QMatMulAsConvTest.cpp - integer matrix products as convolutions ----===//
// MatMulInteger by a constant i8 matrix (+ bias, Requantize) at the shapes
// of a transformer's projections and a classifier: qmatmul-as-conv fires,
// and the -O3 code (QConvNCHWc with and without VNNI, and on the bounds-
// checking loop IR evaluator) equals the interpreter on the original graph
// bit for bit, with outputs spread over the 8-bit range.
//===----------------------------------------------------------------------===//
#include "PassTestUtils.h"
#include "kiln/Driver/CompiledModel.h"
#include "kiln/Interpreter/Interpreter.h"
#include "kiln/Support/FixedPoint.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cmath>
#include <random>

using namespace kiln;
using kiln::test::parseVerified;
using kiln::test::runPipeline;

namespace {

struct QMatMulCase {
  std::vector<int64_t> aShape; ///< [..., k]
  int64_t n;
  bool bias, perColumn, weightZeroPoint, signedInput;
};

std::string ints(std::mt19937 &rng, int64_t count, int64_t lo, int64_t hi) {
  std::uniform_int_distribution<int64_t> d(lo, hi);
  std::string s;
  for (int64_t i = 0; i < count; ++i)
    s += fmt::format("{}{}", i ? ", " : "", d(rng));
  return s;
}

std::string dims(const std::vector<int64_t> &shape) {
  return fmt::format("{}", fmt::join(shape, ","));
}

/// Y = Requantize(MatMulInteger(A, B, azp[, bzp]) [+ bias]) in the text
/// form, with multipliers that keep about half the outputs unsaturated.
std::string qmatmulText(const QMatMulCase &c, std::mt19937 &rng) {
  int64_t k = c.aShape.back(), n = c.n;
  std::vector<int64_t> yShape = c.aShape;
  yShape.back() = n;
  std::string at = c.signedInput ? "i8" : "u8";
  std::string t =
      fmt::format("func @main(%a: {}[{}]) {{\n", at, dims(c.aShape));
  t += fmt::format("  %b = Constant() {{value = dense<i8[{},{}]>[{}]}} : "
                   "i8[{},{}]\n",
                   k, n, ints(rng, k * n, -128, 127), k, n);
  t += fmt::format("  %az = Constant() {{value = dense<{}[]>[{}]}} : {}[]\n",
                   at, c.signedInput ? -3 : 7, at);
  std::string operands = "%a, %b, %az";
  if (c.weightZeroPoint) {
    t += fmt::format("  %bz = Constant() {{value = dense<i8[{}]>[{}]}} : "
                     "i8[{}]\n",
                     n, ints(rng, n, -4, 4), n);
    operands += ", %bz";
  }
  std::string acc = "acc";
  t += fmt::format("  %acc = MatMulInteger({}) : i32[{}]\n", operands,
                   dims(yShape));
  if (c.bias) {
    // A [.., 1, n] bias: any all-ones prefix is per column.
    std::vector<int64_t> biasShape(yShape.size(), 1);
    biasShape.back() = n;
    t += fmt::format("  %bias = Constant() {{value = dense<i32[{}]>[{}]}} : "
                     "i32[{}]\n",
                     dims(biasShape), ints(rng, n, -30000, 30000),
                     dims(biasShape));
    t += fmt::format("  %sum = Add(%acc, %bias) : i32[{}]\n", dims(yShape));
    acc = "sum";
  }
  int64_t params = c.perColumn ? n : 1;
  std::string mul, shift;
  std::uniform_real_distribution<double> spread(0.5, 2.0);
  for (int64_t i = 0; i < params; ++i) {
    FixedPointMultiplier q = quantizeMultiplier(
        spread(rng) * 60.0 / (128.0 * 128.0 * std::sqrt(double(k))));
    mul += fmt::format("{}{}", i ? ", " : "", q.multiplier);
    shift += fmt::format("{}{}", i ? ", " : "", q.shift);
  }
  t += fmt::format("  %m = Constant() {{value = dense<i32[{}]>[{}]}} : "
                   "i32[{}]\n",
                   params, mul, params);
  t += fmt::format("  %s = Constant() {{value = dense<i8[{}]>[{}]}} : "
                   "i8[{}]\n",
                   params, shift, params);
  t += fmt::format("  %y = Requantize(%{}, %m, %s) {{axis = -1, output_type "
                   "= \"{}\", zero_point = {}}} : {}[{}]\n",
                   acc, at, c.signedInput ? -5 : 128, at, dims(yShape));
  t += "  return %y\n}\n";
  return t;
}

const QMatMulCase cases[] = {
    // aShape, n, bias, perColumn, weightZeroPoint, signedInput
    {{1, 128, 64}, 96, false, true, false, false}, // a transformer projection
    {{2, 3, 40}, 10, true, true, true, false},     // padded columns
    {{70, 32}, 48, true, false, false, true},      // unguarded column tiles
    {{1, 200}, 10, true, true, false, false},      // a classifier's gemv
    {{5, 16}, 16, false, false, true, true},
    {{17}, 24, true, true, false, false}, // rank-1 A
};

void checkCase(const QMatMulCase &c, const std::string &target,
               const std::string &features, int vectorBytes = 0) {
  INFO(target << " " << features << ": A [" << dims(c.aShape) << "] x ["
              << c.aShape.back() << "," << c.n << "]");
  std::mt19937 rng(23);
  std::string text = qmatmulText(c, rng);
  std::unique_ptr<Module> m = parseVerified(text);
  const TensorType &at = m->main().inputs()[0]->type();
  Tensor a(at.elementType(), at.staticShape());
  std::uniform_int_distribution<int> d(0, 255);
  for (int64_t i = 0; i < a.numElements(); ++i)
    a.rawData()[i] = uint8_t(d(rng));
  std::vector<Tensor> expected = Interpreter().run(m->main(), {a});

  CompileOptions options;
  options.graphPipeline = defaultGraphPipeline(3);
  if (vectorBytes)
    options.scheduleOptions.vectorBytes = vectorBytes;
  cpu::CpuTargetOptions cpu;
  cpu.features = features;
  auto compiled = CompiledModel::compile(*m, options, target, cpu);
  std::vector<Tensor> out = compiled->run({a});
  REQUIRE(out.size() == 1);
  REQUIRE(out[0].shape() == expected[0].shape());
  REQUIRE(out[0].elementType() == expected[0].elementType());
  size_t bytes = size_t(out[0].numElements());
  const uint8_t *got = out[0].rawData(), *want = expected[0].rawData();
  size_t diff = 0, saturated = 0;
  for (size_t i = 0; i < bytes; ++i) {
    diff += got[i] != want[i];
    uint8_t lo = c.signedInput ? 0x80 : 0, hi = c.signedInput ? 0x7f : 0xff;
    saturated += want[i] == lo || want[i] == hi;
  }
  CHECK(diff == 0);
  CHECK(saturated < bytes / 2);
}

} // namespace

TEST_CASE("qmatmul-as-conv rewrites products by constant matrices",
          "[qmatmul]") {
  for (const QMatMulCase &c : cases) {
    INFO("A [" << dims(c.aShape) << "]");
    std::mt19937 rng(23);
    std::unique_ptr<Module> m = parseVerified(qmatmulText(c, rng));
    auto stats = runPipeline(*m, "qmatmul-as-conv");
    CHECK(stats["matrix products made convolutions"] == 1);
    for (const auto &node : m->main().nodes())
      CHECK(node->kind() != OpKind::MatMulInteger);
  }
}

TEST_CASE("integer matrix products compile bit-exact at -O3", "[qmatmul]") {
  for (const char *features : {"", "-avx512vnni", "-avx512f,-avxvnni"})
    for (const QMatMulCase &c : cases)
      checkCase(c, "host", features);
  for (int vectorBytes : {64, 32})
    for (const QMatMulCase &c : cases)
      checkCase(c, "loop-eval", "", vectorBytes);
}
