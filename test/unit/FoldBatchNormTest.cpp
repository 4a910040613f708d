// The fold-batchnorm pass: random Conv/Gemm/MatMul graphs followed by
// BatchNormalization or per-channel Mul/Div/Add/Sub compute the same after
// folding, and the folded nodes are gone; cases that must not fold stay.
#include "kiln/IR/InferContext.h"
#include "kiln/IR/Module.h"
#include "kiln/IR/Parser.h"
#include "kiln/IR/Verifier.h"
#include "kiln/Interpreter/Interpreter.h"
#include "kiln/Transforms/PassManager.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <random>

using namespace kiln;

namespace {

struct GraphBuilder {
  Module module;
  Function *f = &module.addFunction("main");
  std::mt19937 rng{42};
  std::vector<Tensor> inputs;

  Tensor random(std::vector<int64_t> shape, double lo = -1, double hi = 1) {
    Tensor t(ElementType::F32, std::move(shape));
    std::uniform_real_distribution<double> dist(lo, hi);
    for (int64_t i = 0; i < t.numElements(); ++i)
      t.setDouble(i, dist(rng));
    return t;
  }
  Value *input(std::vector<int64_t> shape) {
    inputs.push_back(random(shape));
    return f->addInput("in" + std::to_string(inputs.size()),
                       TensorType(ElementType::F32, shape));
  }
  Value *constant(Tensor t) {
    Node *c = f->createNode(OpKind::Constant, {}, {t.type()});
    c->setAttr("value", std::move(t));
    return c->result();
  }
  Value *randomConstant(std::vector<int64_t> shape, double lo = -1,
                        double hi = 1) {
    return constant(random(std::move(shape), lo, hi));
  }
  Value *op(OpKind kind, const std::vector<Value *> &operands,
            const std::map<std::string, Attribute> &attrs = {}) {
    Node *n = f->createNode(kind, operands, {TensorType()});
    for (const auto &[name, value] : attrs)
      n->setAttr(name, value);
    refineResultTypes(*n);
    return n->result();
  }
  Value *batchNorm(Value *x, int64_t c) {
    return op(OpKind::BatchNormalization,
              {x, randomConstant({c}, 0.5, 2), randomConstant({c}),
               randomConstant({c}), randomConstant({c}, 0.1, 3)},
              {{"epsilon", 1e-3f}});
  }

  size_t count(OpKind kind) const {
    size_t n = 0;
    for (const auto &node : f->nodes())
      n += node->kind() == kind;
    return n;
  }

  /// Runs the pass and checks the outputs against the original graph's;
  /// returns the pass's statistics.
  PassStats foldAndCompare() {
    verify(module);
    std::vector<Tensor> before = Interpreter().run(*f, inputs);
    PassInstrumentation inst;
    inst.verifyEach = true;
    PassManager<Module> pm({}, inst);
    pm.addPipeline("fold-batchnorm");
    pm.run(module);
    verify(module);
    std::vector<Tensor> after = Interpreter().run(*f, inputs);
    REQUIRE(before.size() == after.size());
    for (size_t o = 0; o < before.size(); ++o) {
      REQUIRE(before[o].shape() == after[o].shape());
      for (int64_t i = 0; i < before[o].numElements(); ++i) {
        double b = before[o].getDouble(i), a = after[o].getDouble(i);
        if (a == b || (std::isnan(a) && std::isnan(b)))
          continue;
        INFO("output " << o << " element " << i << ": " << b << " vs " << a);
        CHECK(std::abs(a - b) <= 1e-5 * std::max(1.0, std::abs(b)));
      }
    }
    return pm.records().at(0).stats;
  }
};

} // namespace

TEST_CASE("fold-batchnorm: Conv -> BatchNormalization", "[passes]") {
  for (int64_t group : {1, 2})
    for (bool bias : {false, true}) {
      GraphBuilder g;
      Value *x = g.input({2, 4, 5, 5});
      std::vector<Value *> ops = {x, g.randomConstant({6, 4 / group, 3, 3})};
      if (bias)
        ops.push_back(g.randomConstant({6}));
      Value *y = g.op(OpKind::Conv, ops,
                      {{"kernel_shape", std::vector<int64_t>{3, 3}},
                       {"pads", std::vector<int64_t>{1, 1, 1, 1}},
                       {"group", int64_t(group)}});
      Value *z = g.batchNorm(y, 6);
      g.f->setOutputs({g.op(OpKind::Relu, {z})});
      PassStats stats = g.foldAndCompare();
      CHECK(stats.get("batchnorms folded") == 1);
      CHECK(g.count(OpKind::BatchNormalization) == 0);
      CHECK(g.count(OpKind::Conv) == 1);
    }
}

TEST_CASE("fold-batchnorm: Conv -> Mul -> Add -> Sub -> Div chains",
          "[passes]") {
  GraphBuilder g;
  Value *x = g.input({1, 3, 6, 6});
  Value *y = g.op(OpKind::Conv, {x, g.randomConstant({4, 3, 3, 3})},
                  {{"kernel_shape", std::vector<int64_t>{3, 3}},
                   {"pads", std::vector<int64_t>{1, 1, 1, 1}}});
  y = g.op(OpKind::Mul, {g.randomConstant({4, 1, 1}), y});
  y = g.op(OpKind::Add, {y, g.randomConstant({1, 4, 1, 1})});
  y = g.op(OpKind::Sub, {y, g.randomConstant({})});
  y = g.op(OpKind::Sub, {g.randomConstant({4, 1, 1}), y});
  y = g.op(OpKind::Div, {y, g.randomConstant({1, 4, 1, 1}, 0.5, 2)});
  y = g.batchNorm(y, 4);
  g.f->setOutputs({y});
  std::string outName = y->name();
  PassStats stats = g.foldAndCompare();
  CHECK(stats.get("scales folded") == 2);
  CHECK(stats.get("biases folded") == 3);
  CHECK(stats.get("batchnorms folded") == 1);
  for (OpKind k : {OpKind::Mul, OpKind::Add, OpKind::Sub, OpKind::Div,
                   OpKind::BatchNormalization})
    CHECK(g.count(k) == 0);
  CHECK(g.f->outputs()[0]->producer()->kind() == OpKind::Conv);
  // The function output keeps its name.
  CHECK(g.f->outputs()[0]->name() == outName);
}

TEST_CASE("fold-batchnorm: Gemm -> Mul/Add", "[passes]") {
  struct Case {
    int cShape; // 0: no C, 1: [N], 2: [M, N], 3: [M, 1]
    bool transB;
  };
  for (Case c : {Case{0, false}, Case{1, true}, Case{2, false},
                 Case{3, true}}) {
    GraphBuilder g;
    Value *a = g.input({3, 5});
    Value *b = g.randomConstant(c.transB ? std::vector<int64_t>{4, 5}
                                         : std::vector<int64_t>{5, 4});
    std::vector<Value *> ops = {a, b};
    if (c.cShape == 1)
      ops.push_back(g.randomConstant({4}));
    if (c.cShape == 2)
      ops.push_back(g.randomConstant({3, 4}));
    if (c.cShape == 3)
      ops.push_back(g.randomConstant({3, 1}));
    Value *y = g.op(OpKind::Gemm, ops,
                    {{"alpha", 0.5f},
                     {"beta", 2.0f},
                     {"transB", int64_t(c.transB)}});
    y = g.op(OpKind::Mul, {y, g.randomConstant({4})});
    y = g.op(OpKind::Add, {g.randomConstant({1, 4}), y});
    y = g.batchNorm(y, 4);
    g.f->setOutputs({y});
    PassStats stats = g.foldAndCompare();
    CHECK(stats.get("scales folded") == 1);
    CHECK(stats.get("biases folded") == 1);
    CHECK(stats.get("batchnorms folded") == 1);
    CHECK(g.count(OpKind::Mul) == 0);
    CHECK(g.count(OpKind::Add) == 0);
    CHECK(g.count(OpKind::BatchNormalization) == 0);
  }
}

TEST_CASE("fold-batchnorm: MatMul -> Mul/Add", "[passes]") {
  SECTION("2-D input becomes a Gemm") {
    GraphBuilder g;
    Value *y = g.op(OpKind::MatMul, {g.input({3, 5}), g.randomConstant({5, 4})});
    y = g.op(OpKind::Mul, {y, g.randomConstant({1, 4})});
    y = g.op(OpKind::Add, {y, g.randomConstant({4})});
    g.f->setOutputs({g.op(OpKind::Relu, {y})});
    PassStats stats = g.foldAndCompare();
    CHECK(stats.get("scales folded") == 1);
    CHECK(stats.get("biases folded") == 1);
    CHECK(g.count(OpKind::MatMul) == 0);
    CHECK(g.count(OpKind::Gemm) == 1);
    CHECK(g.count(OpKind::Add) == 0);
  }
  SECTION("3-D input folds the scale and keeps the Add") {
    GraphBuilder g;
    Value *y =
        g.op(OpKind::MatMul, {g.input({2, 3, 5}), g.randomConstant({5, 4})});
    y = g.op(OpKind::Mul, {y, g.randomConstant({4})});
    y = g.op(OpKind::Add, {y, g.randomConstant({4})});
    g.f->setOutputs({y});
    PassStats stats = g.foldAndCompare();
    CHECK(stats.get("scales folded") == 1);
    CHECK(stats.get("biases folded") == 0);
    CHECK(g.count(OpKind::MatMul) == 1);
    CHECK(g.count(OpKind::Mul) == 0);
    CHECK(g.count(OpKind::Add) == 1);
  }
}

TEST_CASE("fold-batchnorm: cases that must not fold", "[passes]") {
  auto conv = [](GraphBuilder &g) {
    return g.op(OpKind::Conv,
                {g.input({1, 2, 4, 4}), g.randomConstant({3, 2, 1, 1})},
                {{"kernel_shape", std::vector<int64_t>{1, 1}}});
  };
  SECTION("the conv result has another user") {
    // Not folded into the conv; decomposed into Mul + Add instead.
    GraphBuilder g;
    Value *y = conv(g);
    g.f->setOutputs({g.batchNorm(y, 3), g.op(OpKind::Relu, {y})});
    PassStats stats = g.foldAndCompare();
    CHECK(stats.get("batchnorms folded") == 0);
    CHECK(stats.get("batchnorms decomposed") == 1);
    CHECK(g.count(OpKind::BatchNormalization) == 0);
    CHECK(g.count(OpKind::Mul) == 1);
    CHECK(g.count(OpKind::Add) == 1);
  }
  SECTION("the conv result is a function output") {
    GraphBuilder g;
    Value *y = conv(g);
    g.f->setOutputs({g.op(OpKind::Mul, {y, g.randomConstant({3, 1, 1})}), y});
    CHECK(g.foldAndCompare().counters().empty());
  }
  SECTION("a scale that varies along a spatial dim") {
    GraphBuilder g;
    g.f->setOutputs({g.op(OpKind::Mul, {conv(g), g.randomConstant({1, 4})})});
    CHECK(g.foldAndCompare().counters().empty());
  }
  SECTION("division by a zero or a non-constant divisor") {
    GraphBuilder g;
    Value *y = g.op(OpKind::Div, {conv(g), g.constant(Tensor::fromVector<float>(
                                               {1, 0, 2}, {3, 1, 1}))});
    g.f->setOutputs({g.op(OpKind::Div, {g.randomConstant({3, 1, 1}), y})});
    CHECK(g.foldAndCompare().counters().empty());
  }
  SECTION("training-mode BatchNormalization") {
    GraphBuilder g;
    Value *y = g.batchNorm(conv(g), 3);
    y->producer()->setAttr("training_mode", int64_t(1));
    g.f->setOutputs({y});
    CHECK(g.foldAndCompare().counters().empty());
  }
}
