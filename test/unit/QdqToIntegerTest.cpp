//===- QdqToIntegerTest.cpp - the QDQ rewrite against the interpreter -----===//
// QDQ conv and matmul nets with random int8 weights: interpreter outputs
// before and after qdq-to-integer (within one quantum), no float op left
// between the input Q and the output DQ, and -O3 host code bit-exact.
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

std::string ints(const std::vector<int> &v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i)
    s += (i ? ", " : "") + std::to_string(v[i]);
  return s;
}

std::string floats(const std::vector<float> &v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i)
    s += fmt::format("{}{}", i ? ", " : "", v[i]);
  return s;
}

std::vector<int> randomInts(std::mt19937 &rng, size_t n, int lo, int hi) {
  std::uniform_int_distribution<int> d(lo, hi);
  std::vector<int> v(n);
  for (int &e : v)
    e = d(rng);
  return v;
}

std::vector<float> randomFloats(std::mt19937 &rng, size_t n, float lo,
                                float hi) {
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (float &e : v)
    e = d(rng);
  return v;
}

/// `%name = Constant() ...` of an int tensor.
std::string intConst(const std::string &name, const std::string &type,
                     const std::string &shape, const std::vector<int> &v) {
  return fmt::format("  %{} = Constant() {{value = dense<{}[{}]>[{}]}} : "
                     "{}[{}]\n",
                     name, type, shape, ints(v), type, shape);
}

std::string floatConst(const std::string &name, const std::string &shape,
                       const std::vector<float> &v) {
  return fmt::format("  %{} = Constant() {{value = dense<f32[{}]>[{}]}} : "
                     "f32[{}]\n",
                     name, shape, floats(v), shape);
}

/// A QDQ CNN: Q(x) -> conv3x3 (per-channel weights, bias) -> Relu -> Q ->
/// MaxPool -> Q -> {identity, conv1x1 -> Q (i8)} -> Add -> Relu -> Q ->
/// conv3x3 (per-tensor weights, bias) -> Clip(0, 6) -> Q -> Flatten -> Q ->
/// Gemm (transB, per-channel) -> Q (i8) -> DQ. Outputs the last Q and DQ.
std::string cnnText(uint32_t seed) {
  std::mt19937 rng(seed);
  std::string t = "func @main(%x: f32[2,3,12,12]) {\n";
  t += floatConst("xs", "", {2.0f / 255});
  t += intConst("xz", "u8", "", {128});
  t += floatConst("s1", "", {6.0f / 255});
  t += intConst("z1", "u8", "", {0});
  t += floatConst("s3", "", {0.05f});
  t += intConst("z3", "i8", "", {0});
  t += floatConst("sa", "", {0.04f});
  t += intConst("za", "u8", "", {2});
  t += floatConst("sg", "", {0.25f});
  t += intConst("zg", "i8", "", {3});
  t += floatConst("lo", "", {0});
  t += floatConst("hi", "", {6});
  t += intConst("w1", "i8", "8,3,3,3", randomInts(rng, 8 * 27, -127, 127));
  t += floatConst("w1s", "8", randomFloats(rng, 8, 0.005f, 0.02f));
  t += floatConst("b1", "8", randomFloats(rng, 8, -0.5f, 0.5f));
  t += intConst("w3", "i8", "8,8,1,1", randomInts(rng, 64, -127, 127));
  t += floatConst("w3s", "", {0.004f});
  t += intConst("w2", "i8", "4,8,3,3", randomInts(rng, 4 * 72, -127, 127));
  t += floatConst("w2s", "", {0.003f});
  t += floatConst("b2", "4", randomFloats(rng, 4, -0.5f, 0.5f));
  t += intConst("wg", "i8", "10,64", randomInts(rng, 640, -127, 127));
  t += floatConst("wgs", "10", randomFloats(rng, 10, 0.005f, 0.02f));
  t += floatConst("bg", "10", randomFloats(rng, 10, -1, 1));
  t += R"(  %xq = QuantizeLinear(%x, %xs, %xz) : u8[2,3,12,12]
  %xf = DequantizeLinear(%xq, %xs, %xz) : f32[2,3,12,12]
  %w1f = DequantizeLinear(%w1, %w1s) {axis = 0} : f32[8,3,3,3]
  %c1 = Conv(%xf, %w1f, %b1) {kernel_shape = [3, 3], pads = [1, 1, 1, 1]} : f32[2,8,12,12]
  %r1 = Relu(%c1) : f32[2,8,12,12]
  %q1 = QuantizeLinear(%r1, %s1, %z1) : u8[2,8,12,12]
  %d1 = DequantizeLinear(%q1, %s1, %z1) : f32[2,8,12,12]
  %p1 = MaxPool(%d1) {kernel_shape = [2, 2], strides = [2, 2]} : f32[2,8,6,6]
  %pq = QuantizeLinear(%p1, %s1, %z1) : u8[2,8,6,6]
  %pd = DequantizeLinear(%pq, %s1, %z1) : f32[2,8,6,6]
  %w3f = DequantizeLinear(%w3, %w3s) : f32[8,8,1,1]
  %c3 = Conv(%pd, %w3f) {kernel_shape = [1, 1]} : f32[2,8,6,6]
  %q3 = QuantizeLinear(%c3, %s3, %z3) : i8[2,8,6,6]
  %d3 = DequantizeLinear(%q3, %s3, %z3) : f32[2,8,6,6]
  %a = Add(%pd, %d3) : f32[2,8,6,6]
  %ra = Relu(%a) : f32[2,8,6,6]
  %qa = QuantizeLinear(%ra, %sa, %za) : u8[2,8,6,6]
  %da = DequantizeLinear(%qa, %sa, %za) : f32[2,8,6,6]
  %w2f = DequantizeLinear(%w2, %w2s) : f32[4,8,3,3]
  %c2 = Conv(%da, %w2f, %b2) {kernel_shape = [3, 3]} : f32[2,4,4,4]
  %k2 = Clip(%c2, %lo, %hi) : f32[2,4,4,4]
  %q2 = QuantizeLinear(%k2, %s1, %z1) : u8[2,4,4,4]
  %d2 = DequantizeLinear(%q2, %s1, %z1) : f32[2,4,4,4]
  %f = Flatten(%d2) : f32[2,64]
  %fq = QuantizeLinear(%f, %s1, %z1) : u8[2,64]
  %fd = DequantizeLinear(%fq, %s1, %z1) : f32[2,64]
  %wgf = DequantizeLinear(%wg, %wgs) {axis = 0} : f32[10,64]
  %g = Gemm(%fd, %wgf, %bg) {transB = 1} : f32[2,10]
  %y = QuantizeLinear(%g, %sg, %zg) : i8[2,10]
  %out = DequantizeLinear(%y, %sg, %zg) : f32[2,10]
  return %y, %out, %qa
}
)";
  return t;
}

/// A QDQ MLP: Q(a) (i8) -> MatMul (per-column weights) + Add(bias) -> Relu
/// -> Q (u8) -> MatMul (u8 weights with a zero point, per tensor) -> Q (i8).
std::string mlpText(uint32_t seed) {
  std::mt19937 rng(seed);
  std::string t = "func @main(%x: f32[3,4,16]) {\n";
  t += floatConst("xs", "", {1.0f / 64});
  t += intConst("xz", "i8", "", {0});
  t += intConst("b1", "i8", "16,8", randomInts(rng, 128, -127, 127));
  t += floatConst("b1s", "8", randomFloats(rng, 8, 0.01f, 0.03f));
  t += floatConst("bias", "8", randomFloats(rng, 8, -1, 1));
  t += floatConst("s1", "", {0.03f});
  t += intConst("z1", "u8", "", {0});
  t += intConst("b2", "u8", "8,5", randomInts(rng, 40, 0, 255));
  t += floatConst("b2s", "", {0.01f});
  t += intConst("b2z", "u8", "", {128});
  t += floatConst("s2", "", {0.02f});
  t += intConst("z2", "i8", "", {-4});
  t += R"(  %xq = QuantizeLinear(%x, %xs, %xz) : i8[3,4,16]
  %xf = DequantizeLinear(%xq, %xs, %xz) : f32[3,4,16]
  %b1f = DequantizeLinear(%b1, %b1s) {axis = 1} : f32[16,8]
  %m1 = MatMul(%xf, %b1f) : f32[3,4,8]
  %a1 = Add(%m1, %bias) : f32[3,4,8]
  %r1 = Relu(%a1) : f32[3,4,8]
  %q1 = QuantizeLinear(%r1, %s1, %z1) : u8[3,4,8]
  %d1 = DequantizeLinear(%q1, %s1, %z1) : f32[3,4,8]
  %b2f = DequantizeLinear(%b2, %b2s, %b2z) : f32[8,5]
  %m2 = MatMul(%d1, %b2f) : f32[3,4,5]
  %y = QuantizeLinear(%m2, %s2, %z2) : i8[3,4,5]
  return %y
}
)";
  return t;
}

/// QLinearConv (per-channel weights, i32 bias) and QLinearMatMul (per-column
/// b) on 8-bit inputs.
std::string qlinearText(uint32_t seed) {
  std::mt19937 rng(seed);
  std::string t = "func @main(%x: u8[1,4,7,7], %a: i8[5,20]) {\n";
  t += floatConst("xs", "", {0.02f});
  t += intConst("xz", "u8", "", {120});
  t += intConst("w", "i8", "6,4,3,3", randomInts(rng, 6 * 36, -127, 127));
  t += floatConst("ws", "6", randomFloats(rng, 6, 0.002f, 0.01f));
  t += intConst("wz", "i8", "6", {0, 0, 0, 0, 0, 0});
  t += floatConst("ys", "", {0.07f});
  t += intConst("yz", "u8", "", {100});
  t += intConst("bias", "i32", "6", randomInts(rng, 6, -3000, 3000));
  t += floatConst("as", "", {0.03f});
  t += intConst("az", "i8", "", {1});
  t += intConst("b", "i8", "20,6", randomInts(rng, 120, -127, 127));
  t += floatConst("bs", "6", randomFloats(rng, 6, 0.005f, 0.02f));
  t += intConst("bz", "i8", "6", randomInts(rng, 6, -3, 3));
  t += floatConst("ms", "", {0.09f});
  t += intConst("mz", "i8", "", {-7});
  t +=
      R"(  %y = QLinearConv(%x, %xs, %xz, %w, %ws, %wz, %ys, %yz, %bias) {kernel_shape = [3, 3], pads = [1, 1, 1, 1], strides = [2, 2]} : u8[1,6,4,4]
  %m = QLinearMatMul(%a, %as, %az, %b, %bs, %bz, %ms, %mz) : i8[5,6]
  return %y, %m
}
)";
  return t;
}

/// Every node but constants, Q of a function input and DQ to a function
/// output reads and writes integers only.
void checkIntegerOnly(const Function &f) {
  for (const auto &n : f.nodes()) {
    if (n->kind() == OpKind::Constant)
      continue;
    if (n->kind() == OpKind::QuantizeLinear && n->operand(0)->isFunctionInput())
      continue;
    if (n->kind() == OpKind::DequantizeLinear &&
        isFunctionOutput(*n->result(0)))
      continue;
    INFO(n->describe());
    for (const Value *v : n->operands())
      if (v)
        CHECK(!isFloat(v->type().elementType()));
    for (const Value *v : n->results())
      CHECK(!isFloat(v->type().elementType()));
  }
}

Tensor randomInput(std::mt19937 &rng, const std::vector<int64_t> &shape) {
  Tensor t(ElementType::F32, shape);
  std::uniform_real_distribution<float> d(-1, 1);
  for (int64_t i = 0; i < t.numElements(); ++i)
    t.setDouble(i, d(rng));
  return t;
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

/// Compares outputs in quanta: integer outputs directly, float outputs
/// divided by `floatScale`. Returns {largest difference, elements that
/// differ, elements}.
struct Diff {
  double largest = 0;
  int64_t differing = 0, total = 0;
};

Diff quantaDiff(const std::vector<Tensor> &a, const std::vector<Tensor> &b,
                double floatScale) {
  REQUIRE(a.size() == b.size());
  Diff d;
  for (size_t k = 0; k < a.size(); ++k) {
    REQUIRE(a[k].shape() == b[k].shape());
    REQUIRE(a[k].elementType() == b[k].elementType());
    bool fl = isFloat(a[k].elementType());
    for (int64_t i = 0; i < a[k].numElements(); ++i) {
      double x = a[k].getDouble(i), y = b[k].getDouble(i);
      double q = std::abs(x - y) / (fl ? floatScale : 1.0);
      d.largest = std::max(d.largest, q);
      d.differing += x != y;
      ++d.total;
    }
  }
  return d;
}

void checkBitExact(const std::vector<Tensor> &a, const std::vector<Tensor> &b) {
  REQUIRE(a.size() == b.size());
  for (size_t k = 0; k < a.size(); ++k) {
    INFO("output " << k);
    CHECK(a[k].identicalTo(b[k]));
  }
}

/// How far the rewritten graph may be from the float QDQ graph: at most
/// `maxQuanta` per element and `maxDiffering` differing elements in all.
struct Bound {
  double maxQuanta;
  int64_t maxDiffering;
};

/// The checks every graph gets: the pass fires as `expectedStats` says,
/// leaves integers only, agrees with the original within `bound` on four
/// random inputs, and -O3 host code equals the interpreter on the rewritten
/// graph bit for bit.
void checkGraph(
    const std::string &text,
    const std::function<std::vector<Tensor>(std::mt19937 &)> &inputs,
    double floatScale, Bound bound,
    const std::map<std::string, int64_t> &expectedStats) {
  INFO(text);
  std::unique_ptr<Module> before = parseVerified(text);
  std::unique_ptr<Module> after = parseVerified(text);
  std::map<std::string, int64_t> stats =
      runPipeline(*after, "qdq-to-integer,dce");
  for (const auto &[counter, n] : expectedStats) {
    INFO(counter);
    CHECK(stats[counter] == n);
  }
  INFO(toText(*after));
  checkIntegerOnly(after->main());

  std::mt19937 rng(99);
  Diff total;
  for (int run = 0; run < 4; ++run) {
    std::vector<Tensor> in = inputs(rng);
    std::vector<Tensor> ref = Interpreter().run(before->main(), in);
    std::vector<Tensor> got = Interpreter().run(after->main(), in);
    Diff d = quantaDiff(ref, got, floatScale);
    total.largest = std::max(total.largest, d.largest);
    total.differing += d.differing;
    total.total += d.total;

    std::unique_ptr<Module> compiledModule = parseVerified(text);
    CompileOptions options;
    options.name = "qdq";
    options.graphPipeline = defaultGraphPipeline(3);
    auto compiled = CompiledModel::compile(*compiledModule, options, "host");
    checkBitExact(compiled->run(in), got);
    if (run == 0)
      checkIntegerOnly(compiledModule->main());
  }
  // Visible with -s.
  SUCCEED(fmt::format("before vs after the rewrite: {} of {} elements "
                      "differ, by at most {} quanta",
                      total.differing, total.total, total.largest));
  CHECK(total.largest <= bound.maxQuanta + 1e-6);
  CHECK(total.differing <= bound.maxDiffering);
}

/// One quantized layer reading 8-bit function inputs: the rewrite of a
/// single layer is within one quantum of the float QDQ layer.
struct Layer {
  const char *what;
  std::string text;
  std::vector<std::pair<ElementType, std::vector<int64_t>>> inputs;
  std::map<std::string, int64_t> stats;
  int64_t maxDiffering;
};

std::vector<Layer> layers(uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<Layer> out;
  {
    std::string t = "func @main(%x: u8[2,3,10,10]) {\n";
    t += floatConst("xs", "", {2.0f / 255});
    t += intConst("xz", "u8", "", {128});
    t += intConst("w", "i8", "8,3,3,3", randomInts(rng, 8 * 27, -127, 127));
    t += floatConst("ws", "8", randomFloats(rng, 8, 0.005f, 0.02f));
    t += floatConst("b", "8", randomFloats(rng, 8, -0.5f, 0.5f));
    t += floatConst("ys", "", {6.0f / 255});
    t += intConst("yz", "u8", "", {0});
    t += R"(  %xf = DequantizeLinear(%x, %xs, %xz) : f32[2,3,10,10]
  %wf = DequantizeLinear(%w, %ws) {axis = 0} : f32[8,3,3,3]
  %c = Conv(%xf, %wf, %b) {kernel_shape = [3, 3], pads = [1, 1, 1, 1]} : f32[2,8,10,10]
  %r = Relu(%c) : f32[2,8,10,10]
  %y = QuantizeLinear(%r, %ys, %yz) : u8[2,8,10,10]
  return %y
}
)";
    out.push_back({"conv, per-channel weights, bias, Relu",
                   t,
                   {{ElementType::U8, {2, 3, 10, 10}}},
                   {{"Conv rewritten", 1}},
                   16});
  }
  {
    std::string t = "func @main(%x: i8[1,8,6,6]) {\n";
    t += floatConst("xs", "", {0.04f});
    t += intConst("w", "i8", "4,8,3,3", randomInts(rng, 4 * 72, -127, 127));
    t += floatConst("ws", "", {0.003f});
    t += floatConst("b", "1,4,1,1", randomFloats(rng, 4, -0.5f, 0.5f));
    t += floatConst("lo", "", {0});
    t += floatConst("hi", "", {6});
    t += floatConst("ys", "", {6.0f / 255});
    t += intConst("yz", "u8", "", {0});
    t += R"(  %xf = DequantizeLinear(%x, %xs) : f32[1,8,6,6]
  %wf = DequantizeLinear(%w, %ws) : f32[4,8,3,3]
  %c = Conv(%xf, %wf) {kernel_shape = [3, 3]} : f32[1,4,4,4]
  %a = Add(%c, %b) : f32[1,4,4,4]
  %k = Clip(%a, %lo, %hi) : f32[1,4,4,4]
  %y = QuantizeLinear(%k, %ys, %yz) : u8[1,4,4,4]
  return %y
}
)";
    out.push_back({"conv, per-tensor weights, bias Add, Clip(0, 6)",
                   t,
                   {{ElementType::I8, {1, 8, 6, 6}}},
                   {{"Conv rewritten", 1}},
                   2});
  }
  {
    std::string t = "func @main(%a: u8[2,8,6,6], %b: i8[2,8,6,6]) {\n";
    t += floatConst("as", "", {6.0f / 255});
    t += floatConst("bs", "", {0.05f});
    t += floatConst("ys", "", {0.04f});
    t += intConst("yz", "u8", "", {2});
    t += R"(  %af = DequantizeLinear(%a, %as) : f32[2,8,6,6]
  %bf = DequantizeLinear(%b, %bs) : f32[2,8,6,6]
  %s = Add(%af, %bf) : f32[2,8,6,6]
  %r = Relu(%s) : f32[2,8,6,6]
  %y = QuantizeLinear(%r, %ys, %yz) : u8[2,8,6,6]
  return %y
}
)";
    // 0.05 / 0.04 puts many sums on exact ties (b * 1.25 = k + 1/2), where
    // the float reference's own rounding decides; see docs.
    out.push_back(
        {"Add of u8 and i8, Relu",
         t,
         {{ElementType::U8, {2, 8, 6, 6}}, {ElementType::I8, {2, 8, 6, 6}}},
         {{"Add rewritten", 1}},
         24});
  }
  {
    std::string t = "func @main(%x: i8[3,4,16]) {\n";
    t += floatConst("xs", "", {1.0f / 64});
    t += intConst("w", "i8", "16,8", randomInts(rng, 128, -127, 127));
    t += floatConst("ws", "8", randomFloats(rng, 8, 0.01f, 0.03f));
    t += floatConst("b", "8", randomFloats(rng, 8, -1, 1));
    t += floatConst("ys", "", {0.03f});
    t += intConst("yz", "u8", "", {0});
    t += R"(  %xf = DequantizeLinear(%x, %xs) : f32[3,4,16]
  %wf = DequantizeLinear(%w, %ws) {axis = 1} : f32[16,8]
  %m = MatMul(%xf, %wf) : f32[3,4,8]
  %a = Add(%m, %b) : f32[3,4,8]
  %r = Relu(%a) : f32[3,4,8]
  %y = QuantizeLinear(%r, %ys, %yz) : u8[3,4,8]
  return %y
}
)";
    out.push_back({"MatMul, per-column weights, bias Add, Relu",
                   t,
                   {{ElementType::I8, {3, 4, 16}}},
                   {{"MatMul rewritten", 1}},
                   2});
  }
  {
    std::string t = "func @main(%x: u8[4,64]) {\n";
    t += floatConst("xs", "", {6.0f / 255});
    t += intConst("w", "i8", "10,64", randomInts(rng, 640, -127, 127));
    t += floatConst("ws", "10", randomFloats(rng, 10, 0.005f, 0.02f));
    t += floatConst("c", "10", randomFloats(rng, 10, -1, 1));
    t += floatConst("ys", "", {0.25f});
    t += intConst("yz", "i8", "", {3});
    t += R"(  %xf = DequantizeLinear(%x, %xs) : f32[4,64]
  %wf = DequantizeLinear(%w, %ws) {axis = 0} : f32[10,64]
  %g = Gemm(%xf, %wf, %c) {transB = 1} : f32[4,10]
  %y = QuantizeLinear(%g, %ys, %yz) : i8[4,10]
  return %y
}
)";
    out.push_back({"Gemm, transB, per-channel weights, C",
                   t,
                   {{ElementType::U8, {4, 64}}},
                   {{"Gemm rewritten", 1}},
                   2});
  }
  {
    std::string t = "func @main(%x: i8[2,4,6,6]) {\n";
    t += floatConst("s", "", {0.037f});
    t += intConst("z", "i8", "", {-9});
    t += R"(  %xf = DequantizeLinear(%x, %s, %z) : f32[2,4,6,6]
  %r = Relu(%xf) : f32[2,4,6,6]
  %p = MaxPool(%r) {kernel_shape = [3, 3], pads = [1, 1, 1, 1], strides = [2, 2]} : f32[2,4,3,3]
  %f = Flatten(%p) : f32[2,36]
  %t = Transpose(%f) : f32[36,2]
  %y = QuantizeLinear(%t, %s, %z) : i8[36,2]
  return %y
}
)";
    out.push_back({"Relu, MaxPool, Flatten, Transpose",
                   t,
                   {{ElementType::I8, {2, 4, 6, 6}}},
                   {{"pass-through chains moved to 8 bits", 1}},
                   0});
  }
  {
    // A fire module's Concat: inputs with their own scales and zero points
    // (one equal to the output's), requantized to the output's.
    std::string t = "func @main(%a: u8[2,4,5,5], %b: u8[2,6,5,5], "
                    "%c: i8[2,3,5,5]) {\n";
    t += floatConst("as", "", {0.031f});
    t += intConst("az", "u8", "", {7});
    t += floatConst("bs", "", {0.047f});
    t += intConst("bz", "u8", "", {120});
    t += floatConst("cs", "", {0.02f});
    t += floatConst("ys", "", {0.047f});
    t += intConst("yz", "u8", "", {120});
    t += R"(  %af = DequantizeLinear(%a, %as, %az) : f32[2,4,5,5]
  %bf = DequantizeLinear(%b, %bs, %bz) : f32[2,6,5,5]
  %cf = DequantizeLinear(%c, %cs) : f32[2,3,5,5]
  %k = Concat(%af, %bf, %cf) {axis = 1} : f32[2,13,5,5]
  %y = QuantizeLinear(%k, %ys, %yz) : u8[2,13,5,5]
  return %y
}
)";
    out.push_back({"Concat of differently quantized inputs",
                   t,
                   {{ElementType::U8, {2, 4, 5, 5}},
                    {ElementType::U8, {2, 6, 5, 5}},
                    {ElementType::I8, {2, 3, 5, 5}}},
                   {{"Concat moved to 8 bits", 1}},
                   4});
  }
  {
    // Attention's Q x K^T: two activations, K through a Transpose.
    std::string t = "func @main(%a: u8[2,3,5,8], %b: i8[2,3,20,8]) {\n";
    t += floatConst("as", "", {0.02f});
    t += intConst("az", "u8", "", {120});
    t += floatConst("bs", "", {0.03f});
    t += intConst("bz", "i8", "", {-4});
    t += floatConst("ys", "", {0.05f});
    t += intConst("yz", "u8", "", {100});
    t += R"(  %af = DequantizeLinear(%a, %as, %az) : f32[2,3,5,8]
  %bf = DequantizeLinear(%b, %bs, %bz) : f32[2,3,20,8]
  %bt = Transpose(%bf) {perm = [0, 1, 3, 2]} : f32[2,3,8,20]
  %m = MatMul(%af, %bt) : f32[2,3,5,20]
  %y = QuantizeLinear(%m, %ys, %yz) : u8[2,3,5,20]
  return %y
}
)";
    out.push_back(
        {"MatMul of two activations",
         t,
         {{ElementType::U8, {2, 3, 5, 8}}, {ElementType::I8, {2, 3, 20, 8}}},
         {{"MatMul rewritten", 1}},
         8});
  }
  return out;
}

} // namespace

TEST_CASE("qdq-to-integer: each rewritten layer is within one quantum",
          "[qdq]") {
  for (uint32_t seed : {1u, 2u}) {
    for (const Layer &l : layers(seed)) {
      INFO("seed " << seed << ": " << l.what);
      std::vector<std::pair<ElementType, std::vector<int64_t>>> shapes =
          l.inputs;
      checkGraph(
          l.text,
          [&](std::mt19937 &rng) {
            std::vector<Tensor> in;
            for (const auto &[e, shape] : shapes)
              in.push_back(randomInt8(rng, e, shape));
            return in;
          },
          1, Bound{1, l.maxDiffering}, l.stats);
    }
  }
}

TEST_CASE("qdq-to-integer: a QDQ CNN runs on integers", "[qdq]") {
  // Layers differ by one quantum in rare elements (above), and such a
  // difference moves the next layers' sums: end to end the outputs stay
  // within a few quanta, mostly equal.
  for (uint32_t seed : {1u, 2u, 3u}) {
    INFO("seed " << seed);
    checkGraph(cnnText(seed),
               [](std::mt19937 &rng) {
                 return std::vector<Tensor>{randomInput(rng, {2, 3, 12, 12})};
               },
               0.25, Bound{3, 2464 / 20},
               {{"Conv rewritten", 3},
                {"Gemm rewritten", 1},
                {"Add rewritten", 1},
                {"pass-through chains moved to 8 bits", 2}});
  }
}

TEST_CASE("qdq-to-integer: a QDQ MLP runs on integers", "[qdq]") {
  for (uint32_t seed : {4u, 5u}) {
    INFO("seed " << seed);
    checkGraph(mlpText(seed),
               [](std::mt19937 &rng) {
                 return std::vector<Tensor>{randomInput(rng, {3, 4, 16})};
               },
               1, Bound{2, 240 / 20}, {{"MatMul rewritten", 2}});
  }
}

TEST_CASE("qdq-to-integer: QLinearConv and QLinearMatMul rewrite exactly",
          "[qdq]") {
  for (uint32_t seed : {6u, 7u}) {
    INFO("seed " << seed);
    // The float multiplier is represented exactly by the fixed-point one,
    // so only double rounding of a > 53-bit product near a tie could
    // differ: none here.
    checkGraph(qlinearText(seed),
               [](std::mt19937 &rng) {
                 return std::vector<Tensor>{
                     randomInt8(rng, ElementType::U8, {1, 4, 7, 7}),
                     randomInt8(rng, ElementType::I8, {5, 20})};
               },
               1, Bound{0, 0},
               {{"QLinearConv rewritten", 1}, {"QLinearMatMul rewritten", 1}});
  }
}

TEST_CASE("qdq-to-integer leaves float graphs and unsupported patterns alone",
          "[qdq]") {
  // A float conv, and a DQ -> Sigmoid -> Q (no integer form).
  const char *text = R"(func @main(%x: f32[1,1,3,3], %q: u8[4]) {
  %w = Constant() {value = dense<f32[1,1,1,1]>[2]} : f32[1,1,1,1]
  %s = Constant() {value = dense<f32[]>[0.5]} : f32[]
  %c = Conv(%x, %w) {kernel_shape = [1, 1]} : f32[1,1,3,3]
  %d = DequantizeLinear(%q, %s) : f32[4]
  %g = Sigmoid(%d) : f32[4]
  %y = QuantizeLinear(%g, %s) : u8[4]
  return %c, %y
}
)";
  std::unique_ptr<Module> m = parseVerified(text);
  std::string original = toText(*m);
  std::map<std::string, int64_t> stats = runPipeline(*m, "qdq-to-integer");
  CHECK(stats.empty());
  CHECK(toText(*m) == original);
}
