//===- QuantizeAddConcatTest.cpp - quantized residual Adds and Concats ----===//
// The post-training quantizer on a residual block (Add -> Relu) and on
// branch Concats: everything runs on integers, accurately and bit-exactly.
//===----------------------------------------------------------------------===//
#include "PassTestUtils.h"
#include "kiln/Driver/CompiledModel.h"
#include "kiln/IR/Module.h"
#include "kiln/IR/Parser.h"
#include "kiln/IR/Printer.h"
#include "kiln/IR/Verifier.h"
#include "kiln/Interpreter/Interpreter.h"
#include "kiln/Quantization/Quantizer.h"
#include "kiln/Transforms/GraphUtils.h"
#include "kiln/Transforms/PassManager.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cmath>
#include <functional>
#include <random>

using namespace kiln;
using kiln::test::relativeL2;
using kiln::test::runPipeline;

namespace {

std::vector<float> uniform(std::mt19937 &rng, size_t n, float lo, float hi) {
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (float &e : v)
    e = d(rng);
  return v;
}

std::string floatList(const std::vector<float> &v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i)
    s += fmt::format("{}{}", i ? ", " : "", v[i]);
  return s;
}

/// `%name = Constant()` of shape `dims` with values uniform in [-mag, mag].
std::string weight(std::mt19937 &rng, const std::string &name,
                   const std::vector<int64_t> &dims, float mag) {
  size_t n = 1;
  std::string shape;
  for (size_t i = 0; i < dims.size(); ++i) {
    n *= size_t(dims[i]);
    shape += fmt::format("{}{}", i ? "," : "", dims[i]);
  }
  return fmt::format(
      "  %{} = Constant() {{value = dense<f32[{}]>[{}]}} : f32[{}]\n", name,
      shape, floatList(uniform(rng, n, -mag, mag)), shape);
}

/// conv3x3 -> Relu (%r1) -> conv1x1 (%c2) -> Add(%c2, %r1) -> Relu -> conv1x1:
/// %r1 feeds both a Conv and the residual Add. With `floatUser`, a Sigmoid
/// (never quantized) also reads the Add's Relu, as a second output.
std::string residualNet(bool floatUser) {
  std::mt19937 rng(7);
  std::string t = "func @main(%x: f32[1,4,6,6]) {\n";
  t += weight(rng, "w1", {8, 4, 3, 3}, 0.3f);
  t += weight(rng, "b1", {8}, 0.1f);
  t += weight(rng, "w2", {8, 8, 1, 1}, 1.5f); // a larger scale than %r1's
  t += weight(rng, "b2", {8}, 0.2f);
  t += weight(rng, "w3", {5, 8, 1, 1}, 0.5f);
  t += R"(  %c1 = Conv(%x, %w1, %b1) {kernel_shape = [3, 3], pads = [1, 1, 1, 1]} : f32[1,8,6,6] loc("conv1")
  %r1 = Relu(%c1) : f32[1,8,6,6] loc("relu1")
  %c2 = Conv(%r1, %w2, %b2) {kernel_shape = [1, 1]} : f32[1,8,6,6] loc("conv2")
  %s = Add(%c2, %r1) : f32[1,8,6,6] loc("add")
  %r2 = Relu(%s) : f32[1,8,6,6] loc("relu2")
  %y = Conv(%r2, %w3) {kernel_shape = [1, 1]} : f32[1,5,6,6] loc("conv3")
)";
  if (floatUser)
    t += "  %g = Sigmoid(%r2) : f32[1,8,6,6] loc(\"sigmoid\")\n"
         "  return %y, %g\n}\n";
  else
    t += "  return %y\n}\n";
  return t;
}

/// conv3x3 -> Relu -> {conv1x1 -> Relu, conv3x3 -> Relu} with different
/// ranges -> Concat along `axis` -> conv1x1 (a fire module).
std::string concatNet(int64_t axis) {
  std::mt19937 rng(9);
  std::string t = "func @main(%x: f32[1,4,6,6]) {\n";
  t += weight(rng, "w1", {6, 4, 3, 3}, 0.3f);
  t += weight(rng, "wa", {8, 6, 1, 1}, 0.3f);
  t += weight(rng, "ba", {8}, 0.1f);
  t += weight(rng, "wb", {8, 6, 3, 3}, 0.8f); // ~5x the range of %a
  t += weight(rng, "w3", {5, 8, 1, 1}, 0.5f);
  std::string cat = axis == 1 ? "1,16,6,6" : "1,8,12,6";
  t += fmt::format(
      R"(  %c1 = Conv(%x, %w1) {{kernel_shape = [3, 3], pads = [1, 1, 1, 1]}} : f32[1,6,6,6]
  %r1 = Relu(%c1) : f32[1,6,6,6]
  %ca = Conv(%r1, %wa, %ba) {{kernel_shape = [1, 1]}} : f32[1,8,6,6]
  %a = Relu(%ca) : f32[1,8,6,6]
  %cb = Conv(%r1, %wb) {{kernel_shape = [3, 3], pads = [1, 1, 1, 1]}} : f32[1,8,6,6]
  %b = Relu(%cb) : f32[1,8,6,6]
  %cat = Concat(%a, %b) {{axis = {}}} : f32[{}] loc("concat")
)",
      axis, cat);
  if (axis == 1) {
    t += weight(rng, "w3b", {5, 16, 1, 1}, 0.5f);
    t += "  %y = Conv(%cat, %w3b) {kernel_shape = [1, 1]} : f32[1,5,6,6]\n";
  } else {
    t += "  %y = Conv(%cat, %w3) {kernel_shape = [1, 1]} : f32[1,5,12,6]\n";
  }
  t += "  return %y\n}\n";
  return t;
}

Tensor netInput(std::mt19937 &rng) {
  return Tensor::fromVector<float>(uniform(rng, 4 * 36, -1, 1), {1, 4, 6, 6});
}

/// Calls `fn` on every node of f and of the graphs nested in its nodes
/// (Fused bodies).
void forEachNode(const Function &f, const std::function<void(const Node &)> &fn) {
  for (const auto &n : f.nodes()) {
    fn(*n);
    for (const auto &[name, attr] : n->attrs())
      if (attr.kind() == AttrKind::Graph)
        forEachNode(attr.getGraph(), fn);
  }
}

/// Float Add/Concat and DequantizeLinear nodes, except DQs that produce a
/// function output (the float view of an integer result).
std::vector<std::string> floatLeftovers(const Function &f) {
  std::vector<std::string> out;
  forEachNode(f, [&](const Node &n) {
    bool f32 = n.numResults() == 1 &&
               n.result(0)->type().elementType() == ElementType::F32;
    if ((n.kind() == OpKind::Add || n.kind() == OpKind::Concat) && f32)
      out.push_back(std::string(n.opName()) + " " + n.result(0)->name());
    if (n.kind() == OpKind::DequantizeLinear && !isFunctionOutput(*n.result(0)))
      out.push_back("DequantizeLinear " + n.result(0)->name());
  });
  return out;
}

struct Quantized {
  std::unique_ptr<Module> ref;     // float
  std::unique_ptr<Module> qdq;     // the quantizer's QDQ graph
  std::unique_ptr<Module> integer; // qdq after qdq-to-integer
  std::vector<Tensor> eval;
  QuantizeSummary summary;
  std::map<std::string, int64_t> counters;
  CalibrationStats stats;
};

Quantized quantize(const std::string &text, ElementType act,
                   const std::vector<std::string> &keepFloat = {}) {
  Quantized q;
  q.ref = parseModule(text);
  std::mt19937 rng(31);
  for (int i = 0; i < 8; ++i)
    calibrateOnSample(q.ref->main(), {netInput(rng)}, q.stats);
  for (int i = 0; i < 4; ++i)
    q.eval.push_back(netInput(rng));
  QuantizeOptions o;
  o.activationType = act;
  o.keepFloat = keepFloat;
  q.qdq = parseModule(text);
  q.summary = quantizeFunction(q.qdq->main(), q.stats, o);
  verify(*q.qdq);
  q.integer = parseModule(text);
  quantizeFunction(q.integer->main(), q.stats, o);
  q.counters = runPipeline(*q.integer, "qdq-to-integer,dce");
  return q;
}

/// Worst relative L2 of output `k` of the integer graph vs the float one.
double worstError(Quantized &q, size_t k = 0) {
  double worst = 0;
  for (const Tensor &x : q.eval)
    worst = std::max(
        worst, relativeL2(Interpreter().run(q.integer->main(), {x}).at(k),
                          Interpreter().run(q.ref->main(), {x}).at(k)));
  return worst;
}

/// Compiles the QDQ graph at -O3: no float Add/Concat/DQ is left inside, and
/// every output equals the interpreter's on the integer graph bit for bit.
void checkCompiled(Quantized &q, const std::string &name) {
  std::unique_ptr<Module> o3 = parseModule(toText(*q.qdq));
  runPipeline(*o3, defaultGraphPipeline(3));
  CHECK(floatLeftovers(o3->main()).empty());
  for (const std::string &s : floatLeftovers(o3->main()))
    UNSCOPED_INFO("left in float after -O3: " << s);

  std::unique_ptr<Module> m = parseModule(toText(*q.qdq));
  CompileOptions options;
  options.name = name;
  options.graphPipeline = defaultGraphPipeline(3);
  auto compiled = CompiledModel::compile(*m, options, "host");
  for (const Tensor &x : q.eval) {
    std::vector<Tensor> got = compiled->run({x});
    std::vector<Tensor> want = Interpreter().run(q.integer->main(), {x});
    REQUIRE(got.size() == want.size());
    for (size_t k = 0; k < got.size(); ++k)
      CHECK(got[k].identicalTo(want[k]));
  }
}

/// The QuantizeLinear reading `v` (directly or through the Identity that
/// fences a value kept in float), or null.
const Node *quantizeOf(const Function &f, const std::string &v) {
  for (const auto &n : f.nodes()) {
    if (n->kind() != OpKind::QuantizeLinear)
      continue;
    const Value *in = n->operand(0);
    if (in->producer() && in->producer()->kind() == OpKind::Identity)
      in = in->producer()->operand(0);
    if (in->name() == v)
      return n.get();
  }
  return nullptr;
}

} // namespace

TEST_CASE("a residual Add -> Relu is quantized and runs on integers",
          "[ptq]") {
  for (ElementType act : {ElementType::U8, ElementType::I8}) {
    INFO("activations " << toString(act));
    Quantized q = quantize(residualNet(false), act);
    CHECK(q.summary.quantizedOps == 4); // 3 Convs and the Add
    CHECK(q.summary.fusedActivations == 2);
    // The Add reads its operands through DQs (%r1 has one per consumer: the
    // Conv and the Add); its Relu is folded: the Q follows it.
    const Function &f = q.qdq->main();
    for (const auto &n : f.nodes())
      if (n->kind() == OpKind::Add) {
        CHECK(n->operand(0)->producer()->kind() == OpKind::DequantizeLinear);
        CHECK(n->operand(1)->producer()->kind() == OpKind::DequantizeLinear);
      }
    CHECK(quantizeOf(f, "r2"));
    CHECK_FALSE(quantizeOf(f, "s"));
    CHECK(q.counters["Add rewritten"] == 1);
    CHECK(q.counters["Conv rewritten"] == 3);
    CHECK(floatLeftovers(q.integer->main()).empty());
    double err = worstError(q);
    SUCCEED(fmt::format("{} residual net: relative L2 {:.4f}", toString(act),
                        err));
    CHECK(err < 0.05);
    checkCompiled(q, "residual");
  }
}

TEST_CASE("a float consumer of a quantized Add reads it dequantized", "[ptq]") {
  Quantized q = quantize(residualNet(true), ElementType::U8);
  CHECK(q.counters["Add rewritten"] == 1);
  const Function &f = q.integer->main();
  for (const auto &n : f.nodes())
    if (n->kind() == OpKind::Sigmoid)
      CHECK(n->operand(0)->producer()->kind() == OpKind::DequantizeLinear);
  CHECK(worstError(q, 0) < 0.05);
  CHECK(worstError(q, 1) < 0.05);
  {
    std::unique_ptr<Module> m = parseModule(toText(*q.qdq));
    CompileOptions options;
    options.name = "residual_float_user";
    options.graphPipeline = defaultGraphPipeline(3);
    auto compiled = CompiledModel::compile(*m, options, "host");
    for (const Tensor &x : q.eval) {
      std::vector<Tensor> got = compiled->run({x});
      std::vector<Tensor> want = Interpreter().run(q.integer->main(), {x});
      CHECK(got.at(0).identicalTo(want.at(0)));
      // The Sigmoid is float code: compiled and interpreted may round
      // differently in the last place.
      for (int64_t i = 0; i < want.at(1).numElements(); ++i)
        CHECK(got.at(1).getDouble(i) ==
              Approx(want.at(1).getDouble(i)).epsilon(1e-5));
    }
  }
}

TEST_CASE("--keep-float on an Add leaves it float", "[ptq]") {
  for (std::string keep : {"add", "Add"}) {
    Quantized q = quantize(residualNet(false), ElementType::U8, {keep});
    CHECK(q.summary.quantizedOps == 3);
    CHECK(q.summary.keptFloat == 1);
    CHECK(q.counters["Add rewritten"] == 0);
    bool floatAdd = false;
    for (const auto &n : q.integer->main().nodes())
      floatAdd |= n->kind() == OpKind::Add &&
                  n->result(0)->type().elementType() == ElementType::F32;
    CHECK(floatAdd);
    CHECK(worstError(q) < 0.05);
  }
}

TEST_CASE("a Concat of differently scaled branches is an 8-bit pass-through",
          "[ptq]") {
  for (int64_t axis : {1, 2}) {
    for (ElementType act : {ElementType::U8, ElementType::I8}) {
      INFO("axis " << axis << ", activations " << toString(act));
      Quantized q = quantize(concatNet(axis), act);
      // Both branches and the Concat share one set of parameters: the same
      // scale and zero-point constants, from the union of their ranges.
      const Function &f = q.qdq->main();
      const Node *qa = quantizeOf(f, "a"), *qb = quantizeOf(f, "b"),
                 *qc = quantizeOf(f, "cat");
      REQUIRE(qa);
      REQUIRE(qb);
      REQUIRE(qc);
      CHECK(qa->operand(1) == qc->operand(1));
      CHECK(qb->operand(1) == qc->operand(1));
      CHECK(qa->operand(2) == qc->operand(2));
      CHECK(qb->operand(2) == qc->operand(2));
      ActivationParams a =
          activationParams(chooseRange(q.stats.at("a"), CalibrationMethod::MinMax),
                           act);
      ActivationParams b =
          activationParams(chooseRange(q.stats.at("b"), CalibrationMethod::MinMax),
                           act);
      float shared = qc->operand(1)->constantValue()->data<float>()[0];
      CHECK(shared == std::max(a.scale, b.scale));
      CHECK(a.scale != b.scale);
      CHECK(q.counters["Concat moved to 8 bits"] == 1);
      CHECK(q.counters["Conv rewritten"] == 4);
      CHECK(floatLeftovers(q.integer->main()).empty());
      double err = worstError(q);
      SUCCEED(fmt::format("axis {} {}: relative L2 {:.4f}", axis,
                          toString(act), err));
      CHECK(err < 0.05);
      checkCompiled(q, "concat");
    }
  }
}

TEST_CASE("--keep-float on a Concat keeps its branches' own parameters",
          "[ptq]") {
  Quantized q = quantize(concatNet(1), ElementType::U8, {"concat"});
  CHECK(q.summary.keptFloat == 1);
  CHECK(q.counters["Concat moved to 8 bits"] == 0);
  const Function &f = q.qdq->main();
  const Node *qa = quantizeOf(f, "a"), *qb = quantizeOf(f, "b");
  REQUIRE(qa);
  REQUIRE(qb);
  CHECK(qa->operand(1) != qb->operand(1));
  CHECK_FALSE(quantizeOf(f, "cat") == nullptr); // Q for the next Conv
  bool floatConcat = false;
  for (const auto &n : q.integer->main().nodes())
    floatConcat |= n->kind() == OpKind::Concat &&
                   n->result(0)->type().elementType() == ElementType::F32;
  CHECK(floatConcat);
  CHECK(worstError(q) < 0.05);
}

TEST_CASE("a MatMul's bias Add is folded into it; the residual Add stays "
          "float",
          "[ptq]") {
  // Two torch.nn.Linear layers on a 3-D input (MatMul + Add each), a Relu
  // between them and a residual Add of the block's input, as in a
  // transformer's FFN.
  std::mt19937 rng(5);
  std::string t = "func @main(%x: f32[1,6,8]) {\n";
  t += weight(rng, "w1", {8, 8}, 0.5f);
  t += weight(rng, "b1", {8}, 0.3f);
  t += weight(rng, "w2", {8, 8}, 0.5f);
  t += weight(rng, "b2", {1, 1, 8}, 0.3f);
  t += R"(  %m1 = MatMul(%x, %w1) : f32[1,6,8] loc("mm1")
  %h = Add(%m1, %b1) : f32[1,6,8] loc("bias1")
  %r = Relu(%h) : f32[1,6,8] loc("relu1")
  %m2 = MatMul(%r, %w2) : f32[1,6,8] loc("mm2")
  %o = Add(%b2, %m2) : f32[1,6,8] loc("bias2")
  %s = Add(%o, %x) : f32[1,6,8] loc("residual")
  return %s
}
)";
  auto input = [&] {
    return Tensor::fromVector<float>(uniform(rng, 48, -1, 1), {1, 6, 8});
  };
  std::unique_ptr<Module> ref = parseModule(t);
  CalibrationStats stats;
  for (int i = 0; i < 8; ++i)
    calibrateOnSample(ref->main(), {input()}, stats);
  std::unique_ptr<Module> qdq = parseModule(t);
  QuantizeSummary summary = quantizeFunction(qdq->main(), stats, {});
  verify(*qdq);
  CHECK(summary.quantizedOps == 2);
  CHECK(summary.fusedActivations == 1);
  // Q after the bias Add (and its Relu), none on the MatMuls' results.
  const Function &f = qdq->main();
  CHECK(quantizeOf(f, "r"));
  CHECK(quantizeOf(f, "o"));
  CHECK_FALSE(quantizeOf(f, "m1"));
  CHECK_FALSE(quantizeOf(f, "m2"));
  CHECK_FALSE(quantizeOf(f, "s"));

  std::unique_ptr<Module> integer = parseModule(toText(*qdq));
  auto counters = runPipeline(*integer, "qdq-to-integer,dce");
  CHECK(counters["MatMul rewritten"] == 2);
  CHECK(counters["Add rewritten"] == 0);
  // Only the residual Add is float.
  std::vector<std::string> leftovers;
  for (const auto &n : integer->main().nodes())
    if (n->kind() == OpKind::Add &&
        n->result(0)->type().elementType() == ElementType::F32)
      leftovers.push_back(n->result(0)->name());
  CHECK(leftovers == std::vector<std::string>{"s"});

  std::unique_ptr<Module> m = parseModule(toText(*qdq));
  CompileOptions options;
  options.name = "linear_bias";
  options.graphPipeline = defaultGraphPipeline(3);
  auto compiled = CompiledModel::compile(*m, options, "host");
  for (int i = 0; i < 4; ++i) {
    Tensor x = input();
    Tensor want = Interpreter().run(integer->main(), {x}).at(0);
    CHECK(relativeL2(want, Interpreter().run(ref->main(), {x}).at(0)) < 0.05);
    // The residual Add is float code: the last place may differ.
    Tensor got = compiled->run({x}).at(0);
    for (int64_t e = 0; e < want.numElements(); ++e)
      CHECK(got.getDouble(e) == Approx(want.getDouble(e)).epsilon(1e-5));
  }
}
