//===- QdqToIntegerPoolTest.cpp - integer average pooling -----------------===//
// DQ -> AveragePool | GlobalAveragePool -> Q before and after qdq-to-integer
// in the interpreter (within one quantum), and -O3 host code bit-exact.
//===----------------------------------------------------------------------===//
#include "PassTestUtils.h"
#include "kiln/Driver/CompiledModel.h"
#include "kiln/IR/Module.h"
#include "kiln/IR/Parser.h"
#include "kiln/IR/Printer.h"
#include "kiln/IR/Verifier.h"
#include "kiln/Interpreter/Interpreter.h"
#include "kiln/Transforms/GraphUtils.h"
#include "kiln/Transforms/PassManager.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <random>

using namespace kiln;
using kiln::test::parseVerified;
using kiln::test::runPipeline;

namespace {

/// No float value is read or written by any node but constants.
void checkIntegerOnly(const Function &f) {
  for (const auto &n : f.nodes()) {
    if (n->kind() == OpKind::Constant)
      continue;
    INFO(n->describe());
    for (const Value *v : n->operands())
      if (v)
        CHECK(!isFloat(v->type().elementType()));
    for (const Value *v : n->results())
      CHECK(!isFloat(v->type().elementType()));
  }
}

Tensor randomInt8(std::mt19937 &rng, ElementType e,
                  const std::vector<int64_t> &shape) {
  Tensor t(e, shape);
  std::uniform_int_distribution<int> d(e == ElementType::U8 ? 0 : -128,
                                       e == ElementType::U8 ? 255 : 127);
  for (int64_t i = 0; i < t.numElements(); ++i)
    t.setInt(i, d(rng));
  return t;
}

/// One DQ -> pool [-> Relu] -> Q function on input `xType[shape]`.
struct PoolCase {
  std::string what;
  ElementType xType;
  std::vector<int64_t> shape;
  std::string text;
  bool fires = true;
};

std::string typeName(ElementType e) {
  return e == ElementType::U8 ? "u8" : "i8";
}

std::string shapeText(const std::vector<int64_t> &s) {
  return fmt::format("{}", fmt::join(s, ","));
}

/// `pool` is the float pool line with %xf as input and %p as result;
/// `relu` adds a Relu before the Q.
PoolCase makeCase(const std::string &what, ElementType xt,
                  std::vector<int64_t> shape, float xs, int xz,
                  const std::string &pool, std::vector<int64_t> outShape,
                  ElementType yt, float ys, int yz, bool relu,
                  bool fires = true) {
  std::string x = typeName(xt), y = typeName(yt);
  std::string in = shapeText(shape), out = shapeText(outShape);
  std::string t = fmt::format("func @main(%x: {}[{}]) {{\n", x, in);
  t += fmt::format("  %xs = Constant() {{value = dense<f32[]>[{}]}} : f32[]\n",
                   xs);
  t += fmt::format("  %xz = Constant() {{value = dense<{}[]>[{}]}} : {}[]\n", x,
                   xz, x);
  t += fmt::format("  %ys = Constant() {{value = dense<f32[]>[{}]}} : f32[]\n",
                   ys);
  t += fmt::format("  %yz = Constant() {{value = dense<{}[]>[{}]}} : {}[]\n", y,
                   yz, y);
  t += fmt::format("  %xf = DequantizeLinear(%x, %xs, %xz) : f32[{}]\n", in);
  t += "  " + pool + " : f32[" + out + "]\n";
  std::string last = "%p";
  if (relu) {
    t += fmt::format("  %r = Relu(%p) : f32[{}]\n", out);
    last = "%r";
  }
  t += fmt::format("  %y = QuantizeLinear({}, %ys, %yz) : {}[{}]\n", last, y,
                   out);
  t += "  return %y\n}\n";
  return {what, xt, std::move(shape), t, fires};
}

std::vector<PoolCase> cases() {
  const ElementType u8 = ElementType::U8, i8 = ElementType::I8;
  std::vector<PoolCase> c;
  c.push_back(makeCase("global, u8, zero point 7", u8, {2, 5, 7, 7}, 0.05f, 7,
                       "%p = GlobalAveragePool(%xf)", {2, 5, 1, 1}, u8, 0.06f,
                       3, false));
  c.push_back(makeCase("global, i8 -> i8, Relu, 3-D", i8, {1, 3, 2, 3, 4},
                       0.031f, -5, "%p = GlobalAveragePool(%xf)",
                       {1, 3, 1, 1, 1}, i8, 0.011f, -20, true));
  c.push_back(makeCase("global, u8 -> i8, scales 1e-10 / 4e-11", u8,
                       {1, 4, 5, 5}, 1e-10f, 128, "%p = GlobalAveragePool(%xf)",
                       {1, 4, 1, 1}, i8, 4e-11f, 0, false));
  c.push_back(makeCase("3x3 stride 2, i8, Relu", i8, {2, 3, 9, 9}, 0.04f, -4,
                       "%p = AveragePool(%xf) {kernel_shape = [3, 3], "
                       "strides = [2, 2]}",
                       {2, 3, 4, 4}, i8, 0.04f, -4, true));
  c.push_back(makeCase("3x3 pads 1, count_include_pad, u8 -> u8", u8,
                       {1, 4, 6, 6}, 0.05f, 128,
                       "%p = AveragePool(%xf) {count_include_pad = 1, "
                       "kernel_shape = [3, 3], pads = [1, 1, 1, 1]}",
                       {1, 4, 6, 6}, u8, 0.03f, 120, false));
  c.push_back(makeCase("SAME_UPPER, count_include_pad, stride 2", u8,
                       {1, 2, 7, 7}, 0.02f, 10,
                       "%p = AveragePool(%xf) {auto_pad = \"SAME_UPPER\", "
                       "count_include_pad = 1, kernel_shape = [2, 2], "
                       "strides = [2, 2]}",
                       {1, 2, 4, 4}, u8, 0.02f, 10, false));
  c.push_back(makeCase("1-D, dilation 2, u8 -> i8", u8, {2, 3, 12}, 0.07f, 3,
                       "%p = AveragePool(%xf) {dilations = [2], kernel_shape "
                       "= [3], strides = [1]}",
                       {2, 3, 8}, i8, 0.1f, -100, false));
  c.push_back(makeCase("7x7 over 7x7 (a global pool as AveragePool)", u8,
                       {1, 8, 7, 7}, 0.05f, 0,
                       "%p = AveragePool(%xf) {kernel_shape = [7, 7]}",
                       {1, 8, 1, 1}, u8, 0.05f, 0, false));
  c.push_back(makeCase("not rewritten: pads without count_include_pad", u8,
                       {1, 2, 5, 5}, 0.05f, 128,
                       "%p = AveragePool(%xf) {kernel_shape = [3, 3], pads = "
                       "[1, 1, 1, 1]}",
                       {1, 2, 5, 5}, u8, 0.05f, 128, false, false));
  c.push_back(makeCase("not rewritten: ceil_mode partial window", i8,
                       {1, 2, 5, 5}, 0.05f, 0,
                       "%p = AveragePool(%xf) {ceil_mode = 1, kernel_shape = "
                       "[2, 2], strides = [2, 2]}",
                       {1, 2, 3, 3}, i8, 0.05f, 0, false, false));
  return c;
}

} // namespace

TEST_CASE("qdq-to-integer: average pools run on integers within one quantum",
          "[qdq][pool]") {
  for (const PoolCase &pc : cases()) {
    INFO(pc.what);
    INFO(pc.text);
    std::unique_ptr<Module> before = parseVerified(pc.text);
    std::unique_ptr<Module> after = parseVerified(pc.text);
    std::map<std::string, int64_t> stats =
        runPipeline(*after, "qdq-to-integer,dce");
    CHECK(stats["AveragePool rewritten"] == (pc.fires ? 1 : 0));
    INFO(toText(*after));
    if (pc.fires)
      checkIntegerOnly(after->main());

    // -O3 host code (which runs qdq-to-integer itself) must equal the
    // interpreter on the rewritten graph bit for bit.
    std::unique_ptr<Module> compiledModule = parseVerified(pc.text);
    CompileOptions options;
    options.name = "pool";
    options.graphPipeline = defaultGraphPipeline(3);
    auto compiled = CompiledModel::compile(*compiledModule, options, "host");

    std::mt19937 rng(17);
    int64_t differing = 0, saturated = 0, total = 0;
    for (int run = 0; run < 4; ++run) {
      std::vector<Tensor> in = {randomInt8(rng, pc.xType, pc.shape)};
      Tensor ref = Interpreter().run(before->main(), in).at(0);
      Tensor got = Interpreter().run(after->main(), in).at(0);
      REQUIRE(ref.shape() == got.shape());
      REQUIRE(ref.elementType() == got.elementType());
      for (int64_t i = 0; i < ref.numElements(); ++i) {
        INFO("element " << i);
        CHECK(std::abs(ref.getInt(i) - got.getInt(i)) <= 1);
        differing += ref.getInt(i) != got.getInt(i);
        bool u8 = ref.elementType() == ElementType::U8;
        saturated += ref.getInt(i) == (u8 ? 0 : -128) ||
                     ref.getInt(i) == (u8 ? 255 : 127);
        ++total;
      }
      if (!pc.fires)
        CHECK(got.identicalTo(ref));
      Tensor code = compiled->run(in).at(0);
      if (pc.fires) {
        CHECK(code.identicalTo(got));
      } else {
        // Float pooling: compiled code sums in float, the interpreter in
        // double.
        for (int64_t i = 0; i < ref.numElements(); ++i)
          CHECK(std::abs(code.getInt(i) - got.getInt(i)) <= 1);
      }
    }
    // Visible with -s.
    SUCCEED(fmt::format("{}: {} of {} elements differ by one quantum, {} "
                        "saturated",
                        pc.what, differing, total, saturated));
    // Most outputs are inside the range, so the comparison means something.
    CHECK(saturated * 10 < total);
  }
}
