//===- QuantMatMulLoweringTest.cpp - 8-bit matrix products, compiled -----===//
// MatMulInteger and QLinearMatMul of two activations (no constant matrix
// for qmatmul-as-conv): the register-tiled lowering on widened operands,
// compiled for the host at AVX-512 and AVX2 widths and on the bounds-
// checking loop IR evaluator, against the interpreter bit for bit, with
// zero points per tensor, per row and per column, broadcast batch
// dimensions, rank-1 operands and partial vectors.
//===----------------------------------------------------------------------===//
#include "PassTestUtils.h"
#include "kiln/Driver/CompiledModel.h"
#include "kiln/Interpreter/Interpreter.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <random>

using namespace kiln;
using kiln::test::parseVerified;

namespace {

std::string dims(const std::vector<int64_t> &shape) {
  return fmt::format("{}", fmt::join(shape, ","));
}

Tensor randomTensor(ElementType e, const std::vector<int64_t> &shape,
                    std::mt19937 &rng) {
  Tensor t(e, shape);
  std::uniform_int_distribution<int> d(0, 255);
  for (int64_t i = 0; i < t.numElements(); ++i)
    t.rawData()[i] = uint8_t(d(rng));
  return t;
}

struct Case {
  std::string text; ///< func @main(%a, %b)
  std::vector<int64_t> aShape, bShape;
  ElementType aType, bType;
};

const Case cases[] = {
    // Per-row zero point of A, per-column of B, batch of A only.
    {"func @main(%a: u8[2,3,37,40], %b: u8[40,50]) {\n"
     "  %az = Constant() {value = dense<u8[37]>[" +
         fmt::format("{}", fmt::join(std::vector<int>(37, 3), ", ")) +
         "]} : u8[37]\n"
         "  %bz = Constant() {value = dense<u8[50]>[" +
         fmt::format("{}", fmt::join(std::vector<int>(50, 130), ", ")) +
         "]} : u8[50]\n"
         "  %y = MatMulInteger(%a, %b, %az, %bz) : i32[2,3,37,50]\n"
         "  return %y\n}\n",
     {2, 3, 37, 40},
     {40, 50},
     ElementType::U8,
     ElementType::U8},
    // No zero points, tall and narrow.
    {"func @main(%a: i8[70,33], %b: i8[33,16]) {\n"
     "  %y = MatMulInteger(%a, %b) : i32[70,16]\n"
     "  return %y\n}\n",
     {70, 33},
     {33, 16},
     ElementType::I8,
     ElementType::I8},
    // Batch dimensions broadcast on both sides (attention-like).
    {"func @main(%a: u8[1,4,10,20], %b: i8[3,1,20,35]) {\n"
     "  %az = Constant() {value = dense<u8[]>[128]} : u8[]\n"
     "  %y = MatMulInteger(%a, %b, %az) : i32[3,4,10,35]\n"
     "  return %y\n}\n",
     {1, 4, 10, 20},
     {3, 1, 20, 35},
     ElementType::U8,
     ElementType::I8},
    // A vector times a matrix.
    {"func @main(%a: u8[20], %b: i8[20,24]) {\n"
     "  %y = MatMulInteger(%a, %b) : i32[24]\n"
     "  return %y\n}\n",
     {20},
     {20, 24},
     ElementType::U8,
     ElementType::I8},
    // QLinearMatMul: per-column scales and zero points of B.
    {"func @main(%a: u8[9,64], %b: u8[64,48]) {\n"
     "  %as = Constant() {value = dense<f32[]>[0.02]} : f32[]\n"
     "  %az = Constant() {value = dense<u8[]>[120]} : u8[]\n"
     "  %bs = Constant() {value = dense<f32[48]>[" +
         [] {
           std::vector<float> v;
           for (int i = 0; i < 48; ++i)
             v.push_back(0.01f + 0.0005f * float(i));
           return fmt::format("{}", fmt::join(v, ", "));
         }() +
         "]} : f32[48]\n"
         "  %bz = Constant() {value = dense<u8[48]>[" +
         [] {
           std::vector<int> v;
           for (int i = 0; i < 48; ++i)
             v.push_back(110 + i);
           return fmt::format("{}", fmt::join(v, ", "));
         }() +
         "]} : u8[48]\n"
         "  %ys = Constant() {value = dense<f32[]>[0.9]} : f32[]\n"
         "  %yz = Constant() {value = dense<u8[]>[128]} : u8[]\n"
         "  %y = QLinearMatMul(%a, %as, %az, %b, %bs, %bz, %ys, %yz) : "
         "u8[9,48]\n"
         "  return %y\n}\n",
     {9, 64},
     {64, 48},
     ElementType::U8,
     ElementType::U8},
};

void checkCase(const Case &c, const std::string &target,
               const std::string &features, int vectorBytes = 0) {
  INFO(target << " " << features << " " << vectorBytes << ": A ["
              << dims(c.aShape) << "] x B [" << dims(c.bShape) << "]");
  std::mt19937 rng(31);
  std::unique_ptr<Module> m = parseVerified(c.text);
  Tensor a = randomTensor(c.aType, c.aShape, rng);
  Tensor b = randomTensor(c.bType, c.bShape, rng);
  std::vector<Tensor> expected = Interpreter().run(m->main(), {a, b});
  CompileOptions options;
  options.graphPipeline = defaultGraphPipeline(3);
  if (vectorBytes)
    options.scheduleOptions.vectorBytes = vectorBytes;
  cpu::CpuTargetOptions cpu;
  cpu.features = features;
  auto compiled = CompiledModel::compile(*m, options, target, cpu);
  std::vector<Tensor> out = compiled->run({a, b});
  REQUIRE(out.size() == 1);
  REQUIRE(out[0].shape() == expected[0].shape());
  REQUIRE(out[0].elementType() == expected[0].elementType());
  CHECK(out[0].identicalTo(expected[0]));
  // Not a degenerate output: most elements differ from the first.
  int64_t same = 0, count = expected[0].numElements();
  for (int64_t i = 0; i < count; ++i)
    same += expected[0].getDouble(i) == expected[0].getDouble(0);
  CHECK(same < count / 4);
}

} // namespace

TEST_CASE("8-bit products of two activations compile bit-exact", "[qmatmul]") {
  for (const char *features : {"", "-avx512f"})
    for (const Case &c : cases)
      checkCase(c, "host", features);
  for (int vectorBytes : {64, 32})
    for (const Case &c : cases)
      checkCase(c, "loop-eval", "", vectorBytes);
}
