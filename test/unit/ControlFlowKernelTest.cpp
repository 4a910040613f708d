// Type inference and interpreter kernels of If, Loop and Scan (bodies built
// as Functions that read outer values) and of the recurrent layers, checked
// against hand-computed ONNX results.
#include "kiln/IR/InferContext.h"
#include "kiln/IR/Module.h"
#include "kiln/IR/Verifier.h"
#include "kiln/Interpreter/Interpreter.h"

#include <catch2/catch.hpp>

#include <cmath>

using namespace kiln;

namespace {

TensorType f32(std::vector<int64_t> shape) {
  return TensorType(ElementType::F32, shape);
}
const TensorType BoolScalar(ElementType::Bool, std::vector<int64_t>{});
const TensorType I64Scalar(ElementType::I64, std::vector<int64_t>{});

Node *constant(Function &f, const Tensor &t) {
  Node *c = f.createNode(OpKind::Constant, {}, {t.type()});
  c->setAttr("value", t);
  return c;
}

Node *binary(Function &f, OpKind kind, Value *a, Value *b) {
  Node *n = f.createNode(kind, {a, b}, {TensorType()});
  refineResultTypes(*n);
  return n;
}

std::vector<float> floats(const Tensor &t) {
  std::vector<float> v(t.data<float>(), t.data<float>() + t.numElements());
  return v;
}

} // namespace

TEST_CASE("If runs the selected branch, which reads outer values",
          "[kernels][controlflow]") {
  Module m;
  Function &f = m.addFunction("main");
  Value *cond = f.addInput("cond", BoolScalar);
  Value *x = f.addInput("x", f32({2}));
  auto thenF = std::make_shared<Function>("then", &f);
  thenF->setOutputs({binary(*thenF, OpKind::Add, x, x)->result()});
  auto elseF = std::make_shared<Function>("else", &f);
  elseF->setOutputs({binary(*elseF, OpKind::Mul, x, x)->result()});
  Node *n = f.createNode(OpKind::If, {cond}, {TensorType()}, "if0");
  n->setAttr("then_branch", thenF);
  n->setAttr("else_branch", elseF);
  refineResultTypes(*n);
  CHECK(n->result()->type().str() == "f32[2]");
  f.setOutputs({n->result()});
  REQUIRE_NOTHROW(verify(m));

  Tensor xs = Tensor::fromVector<float>({3, -4}, {2});
  auto yes = Interpreter().run(f, {Tensor::scalar<bool>(true), xs});
  CHECK(floats(yes[0]) == std::vector<float>{6, -8});
  auto no = Interpreter().run(f, {Tensor::scalar<bool>(false), xs});
  CHECK(floats(no[0]) == std::vector<float>{9, 16});
}

TEST_CASE("If merges disagreeing branch shapes to unknown dims",
          "[kernels][controlflow]") {
  Module m;
  Function &f = m.addFunction("main");
  Value *cond = f.addInput("cond", BoolScalar);
  auto thenF = std::make_shared<Function>("then", &f);
  thenF->setOutputs(
      {constant(*thenF, Tensor::fromVector<float>({1, 2}, {2}))->result()});
  auto elseF = std::make_shared<Function>("else", &f);
  elseF->setOutputs(
      {constant(*elseF, Tensor::fromVector<float>({1, 2, 3}, {3}))->result()});
  Node *n = f.createNode(OpKind::If, {cond}, {TensorType()}, "if0");
  n->setAttr("then_branch", thenF);
  n->setAttr("else_branch", elseF);
  refineResultTypes(*n);
  CHECK(n->result()->type().str() == "f32[?]");
  f.setOutputs({n->result()});
  auto out = Interpreter().run(f, {Tensor::scalar<bool>(false)});
  CHECK(floats(out[0]) == std::vector<float>{1, 2, 3});
}

namespace {

// Loop(M, cond, v) whose body adds the outer value `step` to v, stops when
// the iteration number reaches `stopAt` and scans v and the iteration number.
struct CountingLoop {
  Module m;
  Function *f;
  Node *loop;

  CountingLoop(bool withCond, int64_t stopAt) {
    f = &m.addFunction("main");
    Value *tripCount = f->addInput("M", I64Scalar);
    Value *cond = withCond ? f->addInput("cond", BoolScalar) : nullptr;
    Value *v0 = f->addInput("v0", f32({1}));
    Value *step = f->addInput("step", f32({1}));
    auto body = std::make_shared<Function>("body", f);
    Value *iter = body->addInput("i", I64Scalar);
    body->addInput("cond_in", BoolScalar);
    Value *v = body->addInput("v", f32({1}));
    Value *limit =
        constant(*body, Tensor::scalar<int64_t>(stopAt - 1))->result();
    Value *condOut = binary(*body, OpKind::Less, iter, limit)->result();
    Value *vOut = binary(*body, OpKind::Add, v, step)->result();
    body->setOutputs({condOut, vOut, vOut, iter});
    loop = f->createNode(OpKind::Loop, {tripCount, cond, v0},
                         {TensorType(), TensorType(), TensorType()}, "loop0");
    loop->setAttr("body", body);
    refineResultTypes(*loop);
    f->setOutputs(loop->results());
  }
};

} // namespace

TEST_CASE("Loop carries values, scans outputs and honors M and cond",
          "[kernels][controlflow]") {
  Tensor v0 = Tensor::fromVector<float>({10}, {1});
  Tensor step = Tensor::fromVector<float>({2}, {1});

  SECTION("trip count only: the body's condition is ignored") {
    CountingLoop l(/*withCond=*/false, /*stopAt=*/1);
    CHECK(l.loop->result(0)->type().str() == "f32[1]");
    CHECK(l.loop->result(1)->type().str() == "f32[?,1]");
    CHECK(l.loop->result(2)->type().str() == "i64[?]");
    REQUIRE_NOTHROW(verify(l.m));
    auto out = Interpreter().run(*l.f, {Tensor::scalar<int64_t>(3), v0, step});
    CHECK(floats(out[0]) == std::vector<float>{16});
    CHECK(out[1].shape() == std::vector<int64_t>{3, 1});
    CHECK(floats(out[1]) == std::vector<float>{12, 14, 16});
    CHECK(out[2].toIntVector() == std::vector<int64_t>{0, 1, 2});
  }
  SECTION("the condition ends the loop before M") {
    CountingLoop l(/*withCond=*/true, /*stopAt=*/2);
    auto out = Interpreter().run(*l.f, {Tensor::scalar<int64_t>(100),
                                        Tensor::scalar<bool>(true), v0, step});
    CHECK(floats(out[0]) == std::vector<float>{14});
    CHECK(floats(out[1]) == std::vector<float>{12, 14});
    CHECK(out[2].toIntVector() == std::vector<int64_t>{0, 1});
  }
  SECTION("zero iterations keep the initial value and scan nothing") {
    CountingLoop l(/*withCond=*/true, /*stopAt=*/5);
    auto out = Interpreter().run(*l.f, {Tensor::scalar<int64_t>(0),
                                        Tensor::scalar<bool>(true), v0, step});
    CHECK(floats(out[0]) == std::vector<float>{10});
    CHECK(out[1].shape() == std::vector<int64_t>{0, 1});
    CHECK(out[2].shape() == std::vector<int64_t>{0});
  }
  SECTION("a false initial condition runs no iteration") {
    CountingLoop l(/*withCond=*/true, /*stopAt=*/5);
    auto out = Interpreter().run(*l.f, {Tensor::scalar<int64_t>(9),
                                        Tensor::scalar<bool>(false), v0, step});
    CHECK(floats(out[0]) == std::vector<float>{10});
  }
}

TEST_CASE("Loop without M and cond is rejected, not run forever",
          "[kernels][controlflow]") {
  Module m;
  Function &f = m.addFunction("main");
  Value *v0 = f.addInput("v0", f32({1}));
  auto body = std::make_shared<Function>("body", &f);
  body->addInput("i", I64Scalar);
  Value *c = body->addInput("c", BoolScalar);
  Value *v = body->addInput("v", f32({1}));
  body->setOutputs({c, v});
  Node *loop = f.createNode(OpKind::Loop, {nullptr, nullptr, v0},
                            {TensorType()}, "forever");
  loop->setAttr("body", body);
  refineResultTypes(*loop);
  f.setOutputs(loop->results());
  CHECK_THROWS_WITH(Interpreter().run(f, {Tensor::fromVector<float>({1}, {1})}),
                    Catch::Contains("never terminates"));
}

namespace {

// Scan(s, x) with body (s, xi) -> (s + xi + bias, s + xi + bias), where
// bias is an outer value.
struct SumScan {
  Module m;
  Function *f;
  Node *scan;

  explicit SumScan(const std::map<std::string, Attribute> &attrs) {
    f = &m.addFunction("main");
    Value *s0 = f->addInput("s0", f32({2}));
    Value *x = f->addInput("x", f32({3, 2}));
    Value *bias = f->addInput("bias", f32({2}));
    auto body = std::make_shared<Function>("body", f);
    Value *s = body->addInput("s", f32({2}));
    Value *xi = body->addInput("xi", f32({2}));
    Value *sum = binary(*body, OpKind::Add, s, xi)->result();
    Value *next = binary(*body, OpKind::Add, sum, bias)->result();
    body->setOutputs({next, next});
    scan = f->createNode(OpKind::Scan, {s0, x}, {TensorType(), TensorType()},
                         "scan0");
    scan->setAttr("body", body);
    scan->setAttr("num_scan_inputs", int64_t(1));
    for (const auto &[name, value] : attrs)
      scan->setAttr(name, value);
    refineResultTypes(*scan);
    f->setOutputs(scan->results());
  }

  std::vector<Tensor> run() {
    return Interpreter().run(
        *f, {Tensor::fromVector<float>({0, 0}, {2}),
             Tensor::fromVector<float>({1, 2, 3, 4, 5, 6}, {3, 2}),
             Tensor::fromVector<float>({100, 0}, {2})});
  }
};

} // namespace

TEST_CASE("Scan accumulates state and stacks scan outputs",
          "[kernels][controlflow]") {
  SECTION("forward, axis 0") {
    SumScan s({});
    CHECK(s.scan->result(0)->type().str() == "f32[2]");
    CHECK(s.scan->result(1)->type().str() == "f32[3,2]");
    REQUIRE_NOTHROW(verify(s.m));
    auto out = s.run();
    CHECK(floats(out[0]) == std::vector<float>{309, 12});
    CHECK(floats(out[1]) == std::vector<float>{101, 2, 204, 6, 309, 12});
  }
  SECTION("reversed input, reversed output along axis 1") {
    SumScan s({{"scan_input_directions", std::vector<int64_t>{1}},
               {"scan_output_directions", std::vector<int64_t>{1}},
               {"scan_output_axes", std::vector<int64_t>{-1}}});
    CHECK(s.scan->result(1)->type().str() == "f32[2,3]");
    auto out = s.run();
    CHECK(floats(out[0]) == std::vector<float>{309, 12});
    // Steps see x rows 2, 1, 0: partial sums (105,6), (208,10), (309,12);
    // the output order is reversed and laid out along axis 1.
    CHECK(floats(out[1]) == std::vector<float>{309, 208, 105, 12, 10, 6});
  }
  SECTION("scan input along axis 1") {
    SumScan s({{"scan_input_axes", std::vector<int64_t>{1}}});
    // x is [3,2] scanned along axis 1: two steps over columns of length 3,
    // which does not match the [2] state.
    CHECK_THROWS(s.run());
  }
}

namespace {

// One recurrent node over constant operands (null = absent).
std::vector<Tensor> runRecurrent(OpKind kind,
                                 const std::vector<const Tensor *> &operands,
                                 const std::map<std::string, Attribute> &attrs,
                                 size_t numResults) {
  Module m;
  Function &f = m.addFunction("main");
  std::vector<Value *> values;
  for (const Tensor *t : operands)
    values.push_back(t ? constant(f, *t)->result() : nullptr);
  Node *n = f.createNode(
      kind, values, std::vector<TensorType>(numResults, TensorType()), "rnn0");
  for (const auto &[name, value] : attrs)
    n->setAttr(name, value);
  refineResultTypes(*n);
  f.setOutputs(n->results());
  verify(m);
  return Interpreter().run(f, {});
}

} // namespace

TEST_CASE("RNN steps h = tanh(W x + R h + Wb + Rb)", "[kernels][recurrent]") {
  Tensor x = Tensor::fromVector<float>({1, 2, 0, 1}, {2, 1, 2});
  Tensor w = Tensor::fromVector<float>({0.5f, -0.25f}, {1, 1, 2});
  Tensor r = Tensor::fromVector<float>({0.5f}, {1, 1, 1});
  Tensor b = Tensor::fromVector<float>({0.1f, 0.2f}, {1, 2});
  Tensor h0 = Tensor::fromVector<float>({1}, {1, 1, 1});
  double bias = double(0.1f) + double(0.2f);
  double h1 = std::tanh(0.5 - 0.5 + 0.5 + bias);
  double h2 = std::tanh(-0.25 + 0.5 * h1 + bias);

  auto out = runRecurrent(OpKind::RNN, {&x, &w, &r, &b, nullptr, &h0},
                          {{"hidden_size", int64_t(1)}}, 2);
  REQUIRE(out[0].shape() == std::vector<int64_t>{2, 1, 1, 1});
  REQUIRE(out[1].shape() == std::vector<int64_t>{1, 1, 1});
  CHECK(out[0].data<float>()[0] == Approx(h1));
  CHECK(out[0].data<float>()[1] == Approx(h2));
  CHECK(out[1].data<float>()[0] == Approx(h2));

  SECTION("reverse direction starts at the last step") {
    auto rev = runRecurrent(OpKind::RNN, {&x, &w, &r, &b, nullptr, &h0},
                            {{"direction", "reverse"}}, 2);
    double r1 = std::tanh(-0.25 + 0.5 + bias);
    double r0 = std::tanh(0.5 - 0.5 + 0.5 * r1 + bias);
    CHECK(rev[0].data<float>()[1] == Approx(r1));
    CHECK(rev[0].data<float>()[0] == Approx(r0));
    CHECK(rev[1].data<float>()[0] == Approx(r0));
  }
  SECTION("sequence_lens stops a batch entry early and zero-fills Y") {
    Tensor lens = Tensor::fromVector<int32_t>({1}, {1});
    auto s = runRecurrent(OpKind::RNN, {&x, &w, &r, &b, &lens, &h0}, {}, 2);
    CHECK(s[0].data<float>()[0] == Approx(h1));
    CHECK(s[0].data<float>()[1] == 0.0f);
    CHECK(s[1].data<float>()[0] == Approx(h1));
  }
  SECTION("a wrongly shaped R is an error, not a crash") {
    Tensor bad = Tensor::fromVector<float>({1, 2}, {1, 1, 2});
    CHECK_THROWS_WITH(runRecurrent(OpKind::RNN, {&x, &w, &bad}, {}, 2),
                      Catch::Contains("R has shape"));
  }
}

TEST_CASE("GRU and LSTM steps match hand computation", "[kernels][recurrent]") {
  // One step, input size 1, hidden size 1, all weights 1 or given below.
  Tensor x = Tensor::fromVector<float>({0.5f}, {1, 1, 1});
  auto sig = [](double v) { return 1 / (1 + std::exp(-v)); };

  SECTION("GRU, linear_before_reset 0 and 1") {
    Tensor w = Tensor::fromVector<float>({1, 2, 3}, {1, 3, 1}); // z r h
    Tensor r = Tensor::fromVector<float>({0.5f, 0.25f, 2}, {1, 3, 1});
    Tensor h0 = Tensor::fromVector<float>({0.5f}, {1, 1, 1});
    double z = sig(0.5 + 0.25), rg = sig(1.0 + 0.125);
    double hA = std::tanh(1.5 + 2 * (rg * 0.5));
    auto a =
        runRecurrent(OpKind::GRU, {&x, &w, &r, nullptr, nullptr, &h0}, {}, 2);
    CHECK(a[1].data<float>()[0] == Approx((1 - z) * hA + z * 0.5));
    Tensor b = Tensor::fromVector<float>({0, 0, 0, 0, 0, 1}, {1, 6});
    double hB = std::tanh(1.5 + rg * (2 * 0.5 + 1));
    auto lb = runRecurrent(OpKind::GRU, {&x, &w, &r, &b, nullptr, &h0},
                           {{"linear_before_reset", int64_t(1)}}, 2);
    CHECK(lb[1].data<float>()[0] == Approx((1 - z) * hB + z * 0.5));
  }
  SECTION("LSTM with peepholes") {
    Tensor w = Tensor::fromVector<float>({1, 2, 3, 4}, {1, 4, 1}); // i o f c
    Tensor r = Tensor::fromVector<float>({0, 0, 0, 0}, {1, 4, 1});
    Tensor h0 = Tensor::fromVector<float>({0}, {1, 1, 1});
    Tensor c0 = Tensor::fromVector<float>({1}, {1, 1, 1});
    Tensor p = Tensor::fromVector<float>({0.5f, 0.25f, 1}, {1, 3}); // i o f
    double i = sig(0.5 + 0.5), f = sig(1.5 + 1), c = std::tanh(2.0);
    double cNew = f * 1 + i * c;
    double o = sig(1.0 + 0.25 * cNew);
    auto out = runRecurrent(
        OpKind::LSTM, {&x, &w, &r, nullptr, nullptr, &h0, &c0, &p}, {}, 3);
    CHECK(out[1].data<float>()[0] == Approx(o * std::tanh(cNew)));
    CHECK(out[2].data<float>()[0] == Approx(cNew));
  }
}
