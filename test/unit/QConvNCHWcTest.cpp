//===- QConvNCHWcTest.cpp - layout-nchwc on integer convolutions ----------===//
// ConvInteger -> [Add] -> Requantize chains with random 8-bit data: the
// interpreter's outputs before and after layout-nchwc are bit-identical.
//===----------------------------------------------------------------------===//
#include "kiln/Driver/CompiledModel.h"
#include "kiln/IR/InferContext.h"
#include "kiln/IR/Module.h"
#include "kiln/IR/Verifier.h"
#include "kiln/Interpreter/Interpreter.h"
#include "kiln/Transforms/GraphUtils.h"
#include "kiln/Transforms/PassManager.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <set>

using namespace kiln;

namespace {

Value *add(Function &f, OpKind kind, const std::vector<Value *> &operands,
           const std::map<std::string, Attribute> &attrs = {}) {
  Node *n = f.createNode(kind, operands, {TensorType()});
  for (const auto &[key, value] : attrs)
    n->setAttr(key, value);
  refineResultTypes(*n);
  return n->result();
}

Tensor randomInts(ElementType type, const std::vector<int64_t> &shape,
                  int64_t lo, int64_t hi, std::mt19937 &rng) {
  Tensor t(type, shape);
  std::uniform_int_distribution<int64_t> d(lo, hi);
  for (int64_t i = 0; i < t.numElements(); ++i)
    t.setInt(i, d(rng));
  return t;
}

Value *constant(Function &f, Tensor t) {
  return createConstant(f, f.nodes().end(), std::move(t));
}

enum class Bias { None, PerChannel, PerChannel4D, ScalarFirst };

struct QCase {
  const char *what;
  int64_t c, m, h, w, k, stride;
  std::vector<int64_t> pads;
  bool depthwise;
  ElementType xType;
  int64_t xZp; // no zero-point operand when 0
  Bias bias;
  bool perChannel; // multiplier and shift per output channel
  bool clamp;      // Requantize min/max
  int64_t groups = 1; // a grouped (not depthwise) conv when > 1
};

int64_t lo(ElementType t) { return t == ElementType::U8 ? 0 : -128; }
int64_t hi(ElementType t) { return t == ElementType::U8 ? 255 : 127; }

/// Appends x' = Requantize(ConvInteger(x, w, xZp) [+ bias]) for `qc` to f.
Value *qconv(Function &f, Value *x, const QCase &qc, std::mt19937 &rng) {
  int64_t c = x->type().dim(1).size();
  int64_t group = qc.depthwise ? c : qc.groups;
  Value *w =
      constant(f, randomInts(ElementType::I8, {qc.m, c / group, qc.k, qc.k},
                             -127, 127, rng));
  std::vector<Value *> ops = {x, w};
  ElementType xt = x->type().elementType();
  if (qc.xZp != 0) {
    Tensor z(xt, {});
    z.setInt(0, qc.xZp);
    ops.push_back(constant(f, z));
  }
  Value *acc = add(f, OpKind::ConvInteger, ops,
                   {{"pads", qc.pads},
                    {"strides", std::vector<int64_t>(2, qc.stride)},
                    {"group", group},
                    {"kernel_shape", std::vector<int64_t>{qc.k, qc.k}}});
  switch (qc.bias) {
  case Bias::None:
    break;
  case Bias::PerChannel:
    acc = add(f, OpKind::Add,
              {acc, constant(f, randomInts(ElementType::I32, {qc.m, 1, 1},
                                           -20000, 20000, rng))});
    break;
  case Bias::PerChannel4D:
    acc = add(f, OpKind::Add,
              {acc, constant(f, randomInts(ElementType::I32, {1, qc.m, 1, 1},
                                           -20000, 20000, rng))});
    break;
  case Bias::ScalarFirst:
    acc =
        add(f, OpKind::Add, {constant(f, Tensor::scalar<int32_t>(-1234)), acc});
    break;
  }
  // Shifts that put the typical accumulator (random operands: about
  // sqrt(taps) * 70 * 70) at a few dozen quanta, so outputs vary.
  double taps = double(c / group * qc.k * qc.k);
  int64_t shift = int64_t(std::lround(std::log2(std::sqrt(taps) * 4900 / 40)));
  std::vector<int64_t> pshape =
      qc.perChannel ? std::vector<int64_t>{qc.m} : std::vector<int64_t>{};
  Value *mul =
      constant(f, randomInts(ElementType::I32, pshape, int64_t(1) << 30,
                             (int64_t(1) << 31) - 1, rng));
  Value *sh = constant(
      f, randomInts(ElementType::I8, pshape, shift - 1, shift + 1, rng));
  bool u8 = qc.m % 2 == 0;
  std::map<std::string, Attribute> attrs = {
      {"output_type", std::string(u8 ? "u8" : "i8")},
      {"zero_point", int64_t(u8 ? 100 : -7)}};
  if (qc.clamp) {
    attrs["min"] = int64_t(u8 ? 100 : -7);
    attrs["max"] = int64_t(u8 ? 250 : 120);
  }
  return add(f, OpKind::Requantize, {acc, mul, sh}, attrs);
}

std::unique_ptr<Module> single(const QCase &qc, uint32_t seed) {
  std::mt19937 rng(seed);
  auto m = std::make_unique<Module>();
  Function &f = m->addFunction("main");
  Value *x = f.addInput(
      "x", TensorType(qc.xType, std::vector<int64_t>{2, qc.c, qc.h, qc.w}));
  f.setOutputs({qconv(f, x, qc, rng)});
  verify(*m);
  return m;
}

/// Nodes of `kind` in f and the bodies of its Fused nodes.
size_t countOps(Function &f, OpKind kind) {
  size_t n = 0;
  forEachFunction(f, [&](Function &g) {
    for (const auto &node : g.nodes())
      n += node->kind() == kind;
  });
  return n;
}

PassStats runLayoutPass(Module &m, int vectorBytes) {
  PassConfig config;
  config.vectorBytes = vectorBytes;
  PassInstrumentation inst;
  inst.verifyEach = true;
  PassManager<Module> pm(config, inst);
  pm.addPipeline("layout-nchwc");
  pm.run(m);
  removeDeadNodes(m.main());
  verify(m);
  return pm.records().at(0).stats;
}

std::vector<Tensor> randomInputs(const Function &f, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<Tensor> in;
  for (const Value *v : f.inputs()) {
    ElementType t = v->type().elementType();
    in.push_back(randomInts(t, v->type().staticShape(), lo(t), hi(t), rng));
  }
  return in;
}

void requireIdentical(const std::vector<Tensor> &actual,
                      const std::vector<Tensor> &expected) {
  REQUIRE(actual.size() == expected.size());
  for (size_t i = 0; i < actual.size(); ++i) {
    INFO("output " << i);
    REQUIRE(actual[i].identicalTo(expected[i]));
  }
}

/// How many distinct values `t` holds (outputs that all saturate would
/// prove little).
size_t distinctValues(const Tensor &t) {
  std::set<int64_t> seen;
  for (int64_t i = 0; i < t.numElements(); ++i)
    seen.insert(t.getInt(i));
  return seen.size();
}

const ElementType U8 = ElementType::U8, I8 = ElementType::I8;
const std::vector<int64_t> pad0 = {0, 0, 0, 0}, pad1 = {1, 1, 1, 1};

const std::vector<QCase> cases = {
    {"1x1 u8 zp", 8, 16, 5, 6, 1, 1, pad0, false, U8, 128, Bias::PerChannel,
     true, false},
    {"1x1 i8 no zp", 16, 12, 4, 4, 1, 1, pad0, false, I8, 0, Bias::None, false,
     true},
    {"3x3 pad 1 zp 0", 8, 8, 7, 7, 3, 1, pad1, false, U8, 0, Bias::PerChannel4D,
     true, true},
    {"3x3 pad 1 u8 zp", 12, 10, 6, 7, 3, 1, pad1, false, U8, 77,
     Bias::PerChannel, true, false},
    {"3x3 stride 2 i8 zp", 8, 16, 9, 8, 3, 2, pad1, false, I8, -5,
     Bias::ScalarFirst, false, false},
    {"3x3 asymmetric pads",
     20,
     24,
     6,
     6,
     3,
     2,
     {0, 1, 1, 0},
     false,
     U8,
     9,
     Bias::PerChannel,
     true,
     true},
    {"7x7 stride 2 pad 3 C=3",
     3,
     8,
     15,
     14,
     7,
     2,
     {3, 3, 3, 3},
     false,
     U8,
     128,
     Bias::PerChannel,
     true,
     true},
    {"5x5 C=6 i8 no zp",
     6,
     7,
     8,
     8,
     5,
     1,
     {2, 2, 2, 2},
     false,
     I8,
     0,
     Bias::PerChannel,
     true,
     false},
    {"depthwise 3x3 u8 zp", 8, 8, 7, 7, 3, 1, pad1, true, U8, 3,
     Bias::PerChannel, true, true},
    {"depthwise 3x3 stride 2 i8", 12, 12, 9, 9, 3, 2, pad1, true, I8, 0,
     Bias::ScalarFirst, false, false},
    {"depthwise 5x5 i8 zp",
     6,
     6,
     8,
     8,
     5,
     1,
     {2, 2, 2, 2},
     true,
     I8,
     -3,
     Bias::None,
     true,
     false},
    // Grouped: 4 channels per group (merged into whole vectors with
    // block-diagonal weights), 16 in / 32 out per group, 8 per group
    // strided, and 2 per group (merged into one group).
    {"grouped 3x3 4 per group", 32, 32, 6, 7, 3, 1, pad1, false, U8, 5,
     Bias::PerChannel, true, false, 8},
    {"grouped 1x1 16 per group", 32, 64, 5, 5, 1, 1, pad0, false, I8, 0,
     Bias::None, true, false, 2},
    {"grouped 3x3 stride 2", 24, 24, 9, 8, 3, 2, pad1, false, I8, -3,
     Bias::ScalarFirst, false, true, 3},
    {"grouped 3x3 2 per group", 8, 8, 6, 6, 3, 1, pad1, false, U8, 128,
     Bias::PerChannel, true, false, 4},
};

} // namespace

TEST_CASE("layout-nchwc keeps what integer convolutions compute", "[qconv]") {
  uint32_t seed = 1;
  for (const QCase &qc : cases)
    for (int vectorBytes : {16, 32, 64}) {
      INFO(qc.what << ", vectorBytes " << vectorBytes);
      std::unique_ptr<Module> m = single(qc, ++seed);
      std::vector<Tensor> in = randomInputs(m->main(), seed);
      std::vector<Tensor> expected = Interpreter().run(m->main(), in);
      CHECK(distinctValues(expected[0]) > 10);
      PassStats stats = runLayoutPass(*m, vectorBytes);
      CHECK(stats.get("integer convolutions converted") == 1);
      CHECK(countOps(m->main(), OpKind::ConvInteger) == 0);
      CHECK(countOps(m->main(), OpKind::Requantize) == 0);
      CHECK(countOps(m->main(), OpKind::QConvNCHWc) == 1);
      requireIdentical(Interpreter().run(m->main(), in), expected);
    }
}

TEST_CASE("layout-nchwc packs integer weights and folds the zero point",
          "[qconv]") {
  // C = 3 pads to 4 channels; 8 lanes: ib 4, ob 8.
  std::unique_ptr<Module> m = single(cases[6], 3);
  runLayoutPass(*m, 32);
  const Node *q = nullptr;
  for (const auto &n : m->main().nodes())
    if (n->kind() == OpKind::QConvNCHWc)
      q = n.get();
  REQUIRE(q);
  CHECK(q->operand(0)->type().str() == "u8[2,1,21,20,4]");
  CHECK(q->operand(1)->type().str() == "i8[1,1,7,7,1,8,4]");
  CHECK(q->getInts("pads") == std::vector<int64_t>{0, 0, 0, 0});
  CHECK(q->operand(2)->type().str() == "i32[8]");
  CHECK(q->operand(3)->type().str() == "i32[8]");
  // The fourth input channel's packed weights are 0.
  const Tensor *w = q->operand(1)->constantValue();
  REQUIRE(w);
  for (int64_t i = 3; i < w->numElements(); i += 4)
    CHECK(w->getInt(i) == 0);
}

/// 1x1 (zp 0) -> MaxPool 3x3 -> 3x3 (zp 100, the first's output zero
/// point) -> Clip -> Relu -> depthwise 3x3 (zp -7), on 8-bit tensors.
std::unique_ptr<Module> chain() {
  std::mt19937 rng(42);
  auto m = std::make_unique<Module>();
  Function &f = m->addFunction("main");
  Value *x = f.addInput(
      "x", TensorType(ElementType::U8, std::vector<int64_t>{1, 16, 9, 9}));
  Value *a = qconv(f, x,
                   {"", 16, 16, 0, 0, 1, 1, pad0, false, U8, 0,
                    Bias::PerChannel, true, false},
                   rng);
  Value *p = add(f, OpKind::MaxPool, {a},
                 {{"kernel_shape", std::vector<int64_t>{3, 3}},
                  {"pads", pad1},
                  {"strides", std::vector<int64_t>{2, 2}}});
  Value *b = qconv(f, p,
                   {"", 16, 15, 0, 0, 3, 1, pad1, false, U8, 100,
                    Bias::PerChannel, true, true},
                   rng);
  Value *clipped = add(f, OpKind::Clip,
                       {b, constant(f, Tensor::scalar<int8_t>(-20)),
                        constant(f, Tensor::scalar<int8_t>(90))});
  Value *r = add(f, OpKind::Relu, {clipped});
  Value *c = qconv(
      f, r,
      {"", 15, 15, 0, 0, 3, 2, pad1, true, I8, -7, Bias::None, false, false},
      rng);
  f.setOutputs({c});
  verify(*m);
  return m;
}

TEST_CASE("layout-nchwc runs chains of integer convolutions blocked",
          "[qconv]") {
  for (int vectorBytes : {16, 32, 64}) {
    INFO("vectorBytes " << vectorBytes);
    std::unique_ptr<Module> m = chain();
    Function &f = m->main();
    std::vector<Tensor> in = randomInputs(f, 5);
    std::vector<Tensor> expected = Interpreter().run(f, in);
    CHECK(distinctValues(expected[0]) > 10);
    PassStats stats = runLayoutPass(*m, vectorBytes);
    CHECK(stats.get("integer convolutions converted") == 3);
    CHECK(stats.get("ops moved into blocked layout") == 3);
    CHECK(stats.get("layout transforms cancelled") == 2);
    // One transform in, one out: the second conv's output blocks are the
    // depthwise conv's input blocks.
    CHECK(countOps(f, OpKind::LayoutTransform) == 2);
    requireIdentical(Interpreter().run(f, in), expected);
  }
}

TEST_CASE("layout-nchwc integer chains compile like the interpreter",
          "[qconv]") {
  std::unique_ptr<Module> m = chain();
  std::vector<Tensor> in = randomInputs(m->main(), 6);
  std::vector<Tensor> expected = Interpreter().run(m->main(), in);
  CompileOptions options;
  options.graphPipeline = defaultGraphPipeline(3);
  auto compiled = CompiledModel::compile(*m, options, "host");
  CHECK(countOps(m->main(), OpKind::QConvNCHWc) == 3);
  CHECK(countOps(m->main(), OpKind::LayoutTransform) == 2);
  requireIdentical(compiled->run(in), expected);
}

TEST_CASE("layout-nchwc integer convolutions compile like the interpreter",
          "[qconv]") {
  uint32_t seed = 100;
  for (const QCase &qc : cases) {
    INFO(qc.what);
    std::unique_ptr<Module> m = single(qc, ++seed);
    std::vector<Tensor> in = randomInputs(m->main(), seed);
    std::vector<Tensor> expected = Interpreter().run(m->main(), in);
    CompileOptions options;
    options.graphPipeline = defaultGraphPipeline(3);
    auto compiled = CompiledModel::compile(*m, options, "host");
    CHECK(countOps(m->main(), OpKind::QConvNCHWc) == 1);
    requireIdentical(compiled->run(in), expected);
  }
}

namespace {

/// How many LayoutTransforms in f (and its Fused bodies) go back to NCHW.
size_t unblockingTransforms(Function &f) {
  size_t n = 0;
  forEachFunction(f, [&](Function &g) {
    for (const auto &node : g.nodes())
      n += node->kind() == OpKind::LayoutTransform &&
           node->getString("dst_layout") == "NCHW";
  });
  return n;
}

/// Cast<i32>(v) * scale, as qdq-to-integer writes an Add operand.
Value *scaled(Function &f, Value *v, int32_t scale) {
  Value *c = add(f, OpKind::Cast, {v},
                 {{"to", int64_t(toOnnxDataType(ElementType::I32))}});
  return add(f, OpKind::Mul, {c, constant(f, Tensor::scalar<int32_t>(scale))});
}

/// x -> 1x1 conv (a, u8 zp 100) -> 3x3 conv (b, u8 zp 100); the integer
/// residual Add of qdq-to-integer, Cast(a) * A + Cast(b) * B + offset ->
/// Requantize (min = zero point: a Relu), here with `multiplier` as a
/// per-channel constant of one value; -> 3x3 conv [-> the integer
/// GlobalAveragePool of qdq-to-integer: Cast -> ReduceSum over [2, 3] ->
/// Add(offset) -> Requantize].
std::unique_ptr<Module> residual(bool perChannelUniform, bool pooled = false) {
  std::mt19937 rng(7);
  auto m = std::make_unique<Module>();
  Function &f = m->addFunction("main");
  Value *x = f.addInput(
      "x", TensorType(ElementType::U8, std::vector<int64_t>{1, 16, 7, 7}));
  Value *a = qconv(f, x,
                   {"", 16, 16, 0, 0, 1, 1, pad0, false, U8, 3,
                    Bias::PerChannel, true, false},
                   rng);
  Value *b = qconv(f, a,
                   {"", 16, 16, 0, 0, 3, 1, pad1, false, U8, 100,
                    Bias::PerChannel, true, false},
                   rng);
  const int32_t sa = 1 << 21, sb = 1677722;
  Value *sum = add(f, OpKind::Add, {scaled(f, a, sa), scaled(f, b, sb)});
  sum =
      add(f, OpKind::Add,
          {sum, constant(f, Tensor::scalar<int32_t>(-(100 * sa + 100 * sb)))});
  Tensor mul = perChannelUniform
                   ? Tensor::fromVector<int32_t>(
                         std::vector<int32_t>(16, 1500000000), {16})
                   : Tensor::scalar<int32_t>(1500000000);
  Value *r = add(f, OpKind::Requantize,
                 {sum, constant(f, std::move(mul)),
                  constant(f, Tensor::scalar<int8_t>(21))},
                 {{"output_type", std::string("u8")},
                  {"zero_point", int64_t(10)},
                  {"min", int64_t(10)}});
  Value *c = qconv(f, r,
                   {"", 16, 16, 0, 0, 3, 1, pad1, false, U8, 10,
                    Bias::PerChannel, true, false},
                   rng);
  if (pooled) {
    Value *s = add(f, OpKind::ReduceSum,
                   {add(f, OpKind::Cast, {c},
                        {{"to", int64_t(toOnnxDataType(ElementType::I32))}}),
                    constant(f, Tensor::fromVector<int64_t>({-1, 2}, {2}))});
    s = add(f, OpKind::Add, {s, constant(f, Tensor::scalar<int32_t>(-4900))});
    c = add(f, OpKind::Requantize,
            {s, constant(f, Tensor::scalar<int32_t>(1402911324)),
             constant(f, Tensor::scalar<int8_t>(5))},
            {{"output_type", std::string("i8")}});
  }
  f.setOutputs({c});
  verify(*m);
  return m;
}

/// x -> two 1x1 convs of `m1` and `m2` channels -> Concat along channels ->
/// 3x3 conv (zp 100, both outputs being u8 with zero point 100).
std::unique_ptr<Module> concatenated(int64_t m1, int64_t m2) {
  std::mt19937 rng(9);
  auto m = std::make_unique<Module>();
  Function &f = m->addFunction("main");
  Value *x = f.addInput(
      "x", TensorType(ElementType::U8, std::vector<int64_t>{1, 8, 6, 6}));
  Value *a = qconv(f, x,
                   {"", 8, m1, 0, 0, 1, 1, pad0, false, U8, 0, Bias::PerChannel,
                    true, false},
                   rng);
  Value *b = qconv(f, x,
                   {"", 8, m2, 0, 0, 1, 1, pad0, false, U8, 0, Bias::PerChannel,
                    false, false},
                   rng);
  Value *cat = add(f, OpKind::Concat, {a, b}, {{"axis", int64_t(1)}});
  Value *c = qconv(f, cat,
                   {"", m1 + m2, 12, 0, 0, 3, 1, pad1, false, U8, 100,
                    Bias::PerChannel, true, false},
                   rng);
  f.setOutputs({c});
  verify(*m);
  return m;
}

} // namespace

TEST_CASE("layout-nchwc runs the integer residual Add blocked", "[qconv]") {
  for (bool uniform : {false, true})
    for (int vectorBytes : {16, 32, 64}) {
      INFO("vectorBytes " << vectorBytes << ", per-channel " << uniform);
      // The pooled head only with per-tensor parameters: 5 more ops move.
      std::unique_ptr<Module> m = residual(uniform, !uniform);
      Function &f = m->main();
      std::vector<Tensor> in = randomInputs(f, 11);
      std::vector<Tensor> expected = Interpreter().run(f, in);
      CHECK(distinctValues(expected[0]) > 10);
      PassStats stats = runLayoutPass(*m, vectorBytes);
      CHECK(stats.get("integer convolutions converted") == 3);
      // Cast, Mul twice, Add twice, Requantize.
      CHECK(stats.get("ops moved into blocked layout") == (uniform ? 7 : 11));
      CHECK(countOps(f, OpKind::LayoutTransform) == 2);
      CHECK(unblockingTransforms(f) == 1);
      requireIdentical(Interpreter().run(f, in), expected);
    }
}

TEST_CASE("layout-nchwc runs 8-bit channel Concat blocked", "[qconv]") {
  for (int vectorBytes : {16, 32, 64}) {
    INFO("vectorBytes " << vectorBytes);
    std::unique_ptr<Module> m = concatenated(8, 8);
    Function &f = m->main();
    std::vector<Tensor> in = randomInputs(f, 12);
    std::vector<Tensor> expected = Interpreter().run(f, in);
    CHECK(distinctValues(expected[0]) > 10);
    runLayoutPass(*m, vectorBytes);
    CHECK(countOps(f, OpKind::Concat) == 1);
    CHECK(unblockingTransforms(f) == 1);
    requireIdentical(Interpreter().run(f, in), expected);
  }
  // Blocks of 8 and 4 (16 lanes) do not concatenate as blocks.
  std::unique_ptr<Module> m = concatenated(8, 12);
  std::vector<Tensor> in = randomInputs(m->main(), 13);
  std::vector<Tensor> expected = Interpreter().run(m->main(), in);
  runLayoutPass(*m, 64);
  CHECK(unblockingTransforms(m->main()) == 3);
  requireIdentical(Interpreter().run(m->main(), in), expected);
}

TEST_CASE("layout-nchwc integer residual and Concat compile like the "
          "interpreter",
          "[qconv]") {
  std::vector<std::unique_ptr<Module>> models;
  models.push_back(residual(false));
  models.push_back(residual(true));
  models.push_back(residual(false, true));
  models.push_back(concatenated(8, 8));
  models.push_back(concatenated(8, 12));
  uint32_t seed = 20;
  for (auto &m : models) {
    INFO("model " << seed - 20);
    std::vector<Tensor> in = randomInputs(m->main(), ++seed);
    std::vector<Tensor> expected = Interpreter().run(m->main(), in);
    CompileOptions options;
    options.graphPipeline = defaultGraphPipeline(3);
    auto compiled = CompiledModel::compile(*m, options, "host");
    CHECK(countOps(m->main(), OpKind::QConvNCHWc) == 3);
    CHECK(unblockingTransforms(m->main()) == (seed == 25 ? 3u : 1u));
    requireIdentical(compiled->run(in), expected);
  }
}
