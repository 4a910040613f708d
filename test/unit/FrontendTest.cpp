// ONNX import (models written in ONNX's text syntax), opset upgrades,
// function inlining, diagnostics for bad models, and tensor files.
#include "kiln/Frontend/OnnxImporter.h"
#include "kiln/Frontend/TensorFile.h"
#include "kiln/IR/Verifier.h"
#include "kiln/Interpreter/Interpreter.h"

#include <onnx/onnx_pb.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <limits>
#include <unistd.h>

using namespace kiln;
namespace fs = std::filesystem;

namespace {

std::vector<const Node *> nodesOf(const Function &f, OpKind kind) {
  std::vector<const Node *> out;
  for (const auto &n : f.nodes())
    if (n->kind() == kind)
      out.push_back(n.get());
  return out;
}

std::vector<float> floats(const Tensor &t) {
  std::vector<float> v;
  for (double d : t.toDoubleVector())
    v.push_back(float(d));
  return v;
}

// A fresh, empty directory for files a test writes.
fs::path scratchDir(const std::string &name) {
  fs::path dir = fs::temp_directory_path() /
                 ("kiln-frontend-test-" + std::to_string(::getpid())) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string serialize(const onnx::ModelProto &m) {
  std::string bytes;
  m.SerializeToString(&bytes);
  return bytes;
}

// A one-node model y = Add(x, w) with w an initializer, for the binary and
// external-data tests.
onnx::ModelProto addModel() {
  onnx::ModelProto m;
  m.set_ir_version(8);
  auto *opset = m.add_opset_import();
  opset->set_domain("");
  opset->set_version(17);
  auto *g = m.mutable_graph();
  g->set_name("add");
  auto *n = g->add_node();
  n->set_op_type("Add");
  n->set_name("add");
  n->add_input("x");
  n->add_input("w");
  n->add_output("y");
  for (const char *name : {"x", "y"}) {
    auto *vi = name[0] == 'x' ? g->add_input() : g->add_output();
    vi->set_name(name);
    auto *tt = vi->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(onnx::TensorProto::FLOAT);
    tt->mutable_shape()->add_dim()->set_dim_value(2);
  }
  auto *w = g->add_initializer();
  w->set_name("w");
  w->set_data_type(onnx::TensorProto::FLOAT);
  w->add_dims(2);
  w->add_float_data(10);
  w->add_float_data(20);
  return m;
}

} // namespace

TEST_CASE("initializers become constants at the top of main", "[frontend]") {
  auto m = importOnnxText(R"(
    <ir_version: 8, opset_import: ["" : 17]>
    agraph (float[2,3] X, float[3] W = {1.0, 2.0, 3.0}) => (float[2,3] Y) {
      Y = Add(X, W)
    })");
  const Function &f = m->main();
  // W is both input and initializer: an overridable default, imported as a
  // constant, so the only function input is X.
  REQUIRE(f.inputs().size() == 1);
  CHECK(f.inputs()[0]->name() == "X");
  const Node &first = *f.nodes().front();
  REQUIRE(first.kind() == OpKind::Constant);
  CHECK(first.result()->name() == "W");
  CHECK(floats(first.getTensor("value")) == std::vector<float>{1, 2, 3});
  REQUIRE(f.outputs().size() == 1);
  CHECK(f.outputs()[0]->type().str() == "f32[2,3]");
  CHECK(m->metadata().at("opset") == "17");

  Tensor x = Tensor::fromVector<float>({0, 1, 2, 3, 4, 5}, {2, 3});
  auto y = Interpreter().run(*m, {x});
  CHECK(floats(y[0]) == std::vector<float>{1, 3, 5, 4, 6, 8});
}

TEST_CASE("Squeeze of opset 11 takes its axes as an input", "[frontend]") {
  auto m = importOnnxText(R"(
    <ir_version: 6, opset_import: ["" : 11]>
    agraph (float[2,1,3] X) => (float[2,3] Y) {
      Y = Squeeze <axes = [1]> (X)
    })");
  auto squeezes = nodesOf(m->main(), OpKind::Squeeze);
  REQUIRE(squeezes.size() == 1);
  const Node &sq = *squeezes[0];
  CHECK(sq.attrs().empty());
  REQUIRE(sq.numOperands() == 2);
  const Tensor *axes = sq.operand(1)->constantValue();
  REQUIRE(axes);
  CHECK(axes->elementType() == ElementType::I64);
  CHECK(axes->toIntVector() == std::vector<int64_t>{1});
  CHECK(sq.result()->type().str() == "f32[2,3]");
}

TEST_CASE("ReduceMean of opset 13 takes its axes as an input", "[frontend]") {
  auto m = importOnnxText(R"(
    <ir_version: 7, opset_import: ["" : 13]>
    agraph (float[2,3] X) => (float[2] Y) {
      Y = ReduceMean <axes = [1], keepdims = 0> (X)
    })");
  auto reds = nodesOf(m->main(), OpKind::ReduceMean);
  REQUIRE(reds.size() == 1);
  CHECK(!reds[0]->hasAttr("axes"));
  CHECK(reds[0]->getInt("keepdims") == 0);
  REQUIRE(reds[0]->numOperands() == 2);
  CHECK(reds[0]->operand(1)->constantValue()->toIntVector() ==
        std::vector<int64_t>{1});
  CHECK(reds[0]->result()->type().str() == "f32[2]");
  auto y = Interpreter().run(
      *m, {Tensor::fromVector<float>({1, 2, 3, 4, 5, 6}, {2, 3})});
  CHECK(floats(y[0]) == std::vector<float>{2, 5});
}

TEST_CASE("old-opset attributes that became inputs", "[frontend]") {
  auto m = importOnnxText(R"(
    <ir_version: 3, opset_import: ["" : 9]>
    agraph (float[2,4] X) => (float[2,2] S, float[2,6] P, float[2,4] C,
                              float[2,2] V, int64[2,2] I) {
      S = Slice <starts = [1], ends = [3], axes = [1]> (X)
      P = Pad <pads = [0, 1, 0, 1], value = 7.0> (X)
      C = Clip <min = -1.0, max = 1.0> (X)
      V, I = TopK <k = 2> (X)
    })");
  const Function &f = m->main();
  CHECK(nodesOf(f, OpKind::Slice)[0]->numOperands() == 4);
  CHECK(nodesOf(f, OpKind::Pad)[0]->numOperands() == 3);
  CHECK(nodesOf(f, OpKind::Clip)[0]->numOperands() == 3);
  CHECK(
      nodesOf(f, OpKind::TopK)[0]->operand(1)->constantValue()->toIntVector() ==
      std::vector<int64_t>{2});
  auto out = Interpreter().run(
      *m,
      {Tensor::fromVector<float>({-2, -0.5f, 0.5f, 2, 4, 3, 2, 1}, {2, 4})});
  CHECK(floats(out[0]) == std::vector<float>{-0.5f, 0.5f, 3, 2});
  CHECK(floats(out[1]) ==
        std::vector<float>{7, -2, -0.5f, 0.5f, 2, 7, 7, 4, 3, 2, 1, 7});
  CHECK(floats(out[2]) == std::vector<float>{-1, -0.5f, 0.5f, 1, 1, 1, 1, 1});
  CHECK(floats(out[3]) == std::vector<float>{2, 0.5f, 4, 3});
}

TEST_CASE("deprecated and legacy op forms are rewritten", "[frontend]") {
  // Upsample (opset 9) becomes Resize with Upsample's coordinate mapping.
  auto up = importOnnxText(R"(
    <ir_version: 4, opset_import: ["" : 9]>
    agraph (float[1,1,2,2] X) => (float[1,1,4,4] Y) {
      S = Constant <value = float[4] {1.0, 1.0, 2.0, 2.0}> ()
      Y = Upsample <mode = "nearest"> (X, S)
    })");
  auto resizes = nodesOf(up->main(), OpKind::Resize);
  REQUIRE(resizes.size() == 1);
  CHECK(resizes[0]->getString("coordinate_transformation_mode") ==
        "asymmetric");
  CHECK(resizes[0]->getString("nearest_mode") == "floor");
  CHECK(!resizes[0]->hasOperand(1)); // no roi
  auto y = Interpreter().run(
      *up, {Tensor::fromVector<float>({1, 2, 3, 4}, {1, 1, 2, 2})});
  CHECK(floats(y[0]) ==
        std::vector<float>{1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4});

  auto scatter = importOnnxText(R"(
    <ir_version: 5, opset_import: ["" : 10]>
    agraph (float[3] X, int64[1] I, float[1] U) => (float[3] Y) {
      Y = Scatter <axis = 0> (X, I, U)
    })");
  CHECK(nodesOf(scatter->main(), OpKind::ScatterElements).size() == 1);

  // Opset 6: inference-mode BatchNormalization and Dropout lose their
  // training attributes and unused training outputs.
  auto bn = importOnnxText(R"(
    <ir_version: 3, opset_import: ["" : 6]>
    agraph (float[1,2,1,1] X) => (float[1,2,1,1] Z) {
      s = Constant <value = float[2] {1.0, 2.0}> ()
      b = Constant <value = float[2] {0.0, 1.0}> ()
      m = Constant <value = float[2] {0.0, 0.0}> ()
      v = Constant <value = float[2] {1.0, 1.0}> ()
      Y, mean, var = BatchNormalization <is_test = 1, spatial = 1,
                                        epsilon = 0.0> (X, s, b, m, v)
      Z, mask = Dropout <is_test = 1, ratio = 0.3> (Y)
    })");
  auto bns = nodesOf(bn->main(), OpKind::BatchNormalization);
  REQUIRE(bns.size() == 1);
  CHECK(bns[0]->numResults() == 1);
  CHECK(!bns[0]->hasAttr("is_test"));
  auto drops = nodesOf(bn->main(), OpKind::Dropout);
  REQUIRE(drops.size() == 1);
  CHECK(drops[0]->attrs().empty());
  auto z =
      Interpreter().run(*bn, {Tensor::fromVector<float>({3, 4}, {1, 2, 1, 1})});
  CHECK(floats(z[0]) == std::vector<float>{3, 9});

  // Opset 1 named Cast's target type; opset 3 defaulted Concat's axis to 1.
  auto cast = importOnnxText(R"(
    <ir_version: 3, opset_import: ["" : 3]>
    agraph (float[2,1] X) => (double[2,2] Y) {
      C = Concat (X, X)
      Y = Cast <to = "DOUBLE"> (C)
    })");
  CHECK(nodesOf(cast->main(), OpKind::Concat)[0]->getInt("axis") == 1);
  CHECK(nodesOf(cast->main(), OpKind::Cast)[0]->getInt("to") == 11);
  CHECK(cast->main().outputs()[0]->type().str() == "f64[2,2]");

  // Clip 6 to 10 defaulted to the float range.
  auto clip = importOnnxText(R"(
    <ir_version: 3, opset_import: ["" : 6]>
    agraph (float[2] X) => (float[2] Y) { Y = Clip <min = 0.0> (X) })");
  const Node &c = *nodesOf(clip->main(), OpKind::Clip)[0];
  REQUIRE(c.numOperands() == 3);
  CHECK(c.operand(2)->constantValue()->getDouble(0) ==
        double(std::numeric_limits<float>::max()));
}

TEST_CASE("Softmax before opset 13 flattens at its axis", "[frontend]") {
  auto m = importOnnxText(R"(
    <ir_version: 6, opset_import: ["" : 11]>
    agraph (float[1,2,2] X) => (float[1,2,2] Y) {
      Y = Softmax (X)
    })");
  const Function &f = m->main();
  CHECK(nodesOf(f, OpKind::Flatten).size() == 1);
  CHECK(nodesOf(f, OpKind::Reshape).size() == 1);
  CHECK(f.outputs()[0]->type().str() == "f32[1,2,2]");
  // Axis 1 of a rank-3 input: one softmax over all four elements.
  auto y = Interpreter().run(
      *m, {Tensor::fromVector<float>({0, 0, 0, 0}, {1, 2, 2})});
  CHECK(floats(y[0]) == std::vector<float>{0.25f, 0.25f, 0.25f, 0.25f});

  // On the last axis the opset-13 op is already equivalent.
  auto last = importOnnxText(R"(
    <ir_version: 6, opset_import: ["" : 11]>
    agraph (float[2,3] X) => (float[2,3] Y) { Y = LogSoftmax (X) })");
  CHECK(last->main().numNodes() == 1);
  CHECK(nodesOf(last->main(), OpKind::LogSoftmax)[0]->getInt("axis") == 1);
}

TEST_CASE("legacy broadcasting of opset 6 with an axis", "[frontend]") {
  auto m = importOnnxText(R"(
    <ir_version: 3, opset_import: ["" : 6]>
    agraph (float[2,3,2] A, float[3] B) => (float[2,3,2] Y) {
      Y = Add <broadcast = 1, axis = 1> (A, B)
    })");
  auto add = nodesOf(m->main(), OpKind::Add);
  REQUIRE(add.size() == 1);
  CHECK(add[0]->attrs().empty());
  CHECK(add[0]->operand(1)->type().str() == "f32[3,1]");
  std::vector<float> a(12, 0.0f);
  auto y = Interpreter().run(*m, {Tensor::fromVector<float>(a, {2, 3, 2}),
                                  Tensor::fromVector<float>({1, 2, 3}, {3})});
  CHECK(floats(y[0]) == std::vector<float>{1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3});
}

TEST_CASE("If branches capture values of the enclosing graph", "[frontend]") {
  auto m = importOnnxText(R"(
    <ir_version: 8, opset_import: ["" : 17]>
    agraph (bool c, float[2] X) => (float[2] Y) {
      Y = If (c) <
        then_branch = thenG () => (float[2] t) { t = Add(X, X) },
        else_branch = elseG () => (float[2] e) { e = Neg(X) }>
    })");
  const Function &f = m->main();
  auto ifs = nodesOf(f, OpKind::If);
  REQUIRE(ifs.size() == 1);
  const Function &thenF = ifs[0]->getGraph("then_branch");
  CHECK(thenF.parentScope() == &f);
  const Node &add = *thenF.nodes().front();
  CHECK(add.operand(0) == f.inputs()[1]); // the outer X itself
  CHECK(ifs[0]->result()->type().str() == "f32[2]");

  Tensor x = Tensor::fromVector<float>({1, -2}, {2});
  CHECK(floats(Interpreter().run(*m, {Tensor::scalar<bool>(true), x})[0]) ==
        std::vector<float>{2, -4});
  CHECK(floats(Interpreter().run(*m, {Tensor::scalar<bool>(false), x})[0]) ==
        std::vector<float>{-1, 2});
}

TEST_CASE("ops without a Kiln entry are inlined from function bodies",
          "[frontend]") {
  // CastLike has no Kiln op; ONNX builds its body (a Cast) from the types.
  auto m = importOnnxText(R"(
    <ir_version: 8, opset_import: ["" : 15]>
    agraph (float[2] X, double[1] L) => (double[2] Y) {
      Y = CastLike (X, L)
    })");
  auto casts = nodesOf(m->main(), OpKind::Cast);
  REQUIRE(casts.size() == 1);
  CHECK(casts[0]->getInt("to") == 11); // double
  CHECK(m->main().outputs()[0]->name() == "Y");
  CHECK(m->main().outputs()[0]->type().str() == "f64[2]");

  // Model-local functions expand too, with attribute references bound.
  auto local = importOnnxText(R"(
    <ir_version: 8, opset_import: ["" : 17, "local" : 1]>
    agraph (float[2] X) => (float[2] Y) {
      Y = local.scale <alpha: float = 3.0> (X)
    }
    <domain: "local", opset_import: ["" : 17]>
    scale <alpha> (x) => (y) {
      a = Constant <value_float: float = @alpha> ()
      y = Mul(x, a)
    })");
  CHECK(nodesOf(local->main(), OpKind::Mul).size() == 1);
  auto y = Interpreter().run(*local, {Tensor::fromVector<float>({1, 2}, {2})});
  CHECK(floats(y[0]) == std::vector<float>{3, 6});
}

TEST_CASE("all unsupported operators are listed in one error", "[frontend]") {
  std::string text = R"(
    <ir_version: 8, opset_import: ["" : 17, "com.example" : 1]>
    agraph (float[2] X) => (float[2] Y, float[2] Z, float[2] W) {
      Y = RandomUniformLike (X)
      Z = com.example.Foo (X)
      W = Relu (X)
    })";
  try {
    importOnnxText(text);
    FAIL("import should fail");
  } catch (const Error &e) {
    std::string msg = e.what();
    CHECK(msg ==
          "unsupported ONNX operator 'RandomUniformLike' (opset 17) in node "
          "'Y'\nerror: unsupported ONNX operator 'com.example.Foo' (opset 1) "
          "in node 'Z'");
  }
}

TEST_CASE("pinned input shapes make symbolic dims static", "[frontend]") {
  std::string text = R"(
    <ir_version: 8, opset_import: ["" : 17]>
    agraph (float[N,3] X, float[N] B) => (float[N,3] Y) {
      Y = Relu (X)
    })";
  ImportOptions options;
  options.inputShapes["X"] = {4, -1};
  auto m = importOnnxText(text, options);
  CHECK(m->main().inputs()[0]->type().str() == "f32[4,3]");
  CHECK(m->main().inputs()[1]->type().str() == "f32[4]"); // same symbol N
  CHECK(m->main().outputs()[0]->type().str() == "f32[4,3]");

  options.inputShapes = {{"nope", {1}}};
  CHECK_THROWS_WITH(importOnnxText(text, options),
                    Catch::Contains("no such input"));
  options.inputShapes = {{"X", {4, 5}}};
  CHECK_THROWS_WITH(importOnnxText(text, options),
                    Catch::Contains("dimension 1 is 3 in the model, not 5"));
}

TEST_CASE("a real ONNX test model imports with inferred types", "[frontend]") {
  std::string path = "/usr/share/libonnx-testdata/data/node/"
                     "test_conv_with_strides_padding/model.onnx";
  if (!fs::exists(path))
    return; // libonnx-testdata not installed
  auto m = importOnnxFile(path);
  auto convs = nodesOf(m->main(), OpKind::Conv);
  REQUIRE(convs.size() == 1);
  CHECK(convs[0]->getInts("strides") == std::vector<int64_t>{2, 2});
  CHECK(convs[0]->result()->type().str() == "f32[1,1,4,3]");
  CHECK(m->main().inputs()[0]->type().str() == "f32[1,1,7,5]");
  CHECK_NOTHROW(verify(*m));

  std::string data = "/usr/share/libonnx-testdata/data/";
  // Opset 11 Loop: the body's Unsqueeze takes its axes as an input and the
  // scan output's length comes from the constant trip count's data.
  auto loop = importOnnxFile(data + "node/test_loop11/model.onnx");
  REQUIRE(loop->main().outputs().size() == 2);
  CHECK(loop->main().outputs()[0]->type().str() == "f32[1]");
  CHECK(loop->main().outputs()[1]->type().elementType() == ElementType::F32);
  const Function &body =
      nodesOf(loop->main(), OpKind::Loop)[0]->getGraph("body");
  CHECK(body.parentScope() == &loop->main());
  for (const Node *u : nodesOf(body, OpKind::Unsqueeze))
    CHECK(u->numOperands() == 2);

  // Opset 8 Scan with its batch axis, opset 6 BatchNormalization.
  auto scan = importOnnxFile(data + "node/test_scan_sum/model.onnx");
  CHECK(nodesOf(scan->main(), OpKind::Scan).size() == 1);
  CHECK(scan->main().outputs()[1]->type().str() == "f32[1,3,2]");
  auto bn = importOnnxFile(
      data + "pytorch-converted/test_BatchNorm2d_eval/model.onnx");
  auto bns = nodesOf(bn->main(), OpKind::BatchNormalization);
  REQUIRE(bns.size() == 1);
  CHECK(bns[0]->numResults() == 1);
  CHECK(bn->main().outputs()[0]->type().str() == "f32[2,3,6,6]");
}

TEST_CASE("nodes out of topological order are sorted", "[frontend]") {
  auto m = importOnnxText(R"(<ir_version: 8, opset_import: ["" : 17]>
    g (float[2] x) => (float[2] y) { y = Neg(a)  a = Relu(x) })");
  const auto &nodes = m->main().nodes();
  REQUIRE(nodes.size() == 2);
  CHECK(nodes.front()->kind() == OpKind::Relu);
  CHECK(nodes.back()->kind() == OpKind::Neg);
  auto y = Interpreter().run(*m, {Tensor::fromVector<float>({-1, 2}, {2})});
  CHECK(floats(y[0]) == std::vector<float>{0, -2});
}

TEST_CASE("malformed models are rejected with a diagnostic", "[frontend]") {
  auto rejects = [](const std::string &text, const std::string &what) {
    CHECK_THROWS_WITH(importOnnxText(text), Catch::Contains(what));
  };
  rejects(R"(<ir_version: 8, opset_import: ["" : 17]>
    g (float[2] x) => (float[2] b) { a = Add(x, b)  b = Relu(a) })",
          "cycle");
  rejects(R"(<ir_version: 8, opset_import: ["" : 17]>
    g (float[2] x) => (float[2] y) { y = Relu(nowhere) })",
          "input 'nowhere' is not defined");
  rejects(R"(<ir_version: 8, opset_import: ["" : 17]>
    g (float[2] x) => (float[2] y) { y = Relu(x)  y = Neg(x) })",
          "value 'y' is defined more than once");
  rejects(R"(<ir_version: 8, opset_import: ["" : 17]>
    g (float[1,1,2,2] x, float[1,1,1,1] w) => (float[1,1,2,2] y) {
      y = Conv <group: float = 1.0> (x, w) })",
          "attribute 'group' must be int, not float");
  rejects(R"(<ir_version: 8, opset_import: ["" : 17]>
    g (float[2] a, float[2] b) => (float[4] y) { y = Concat(a, b) })",
          "missing required attribute 'axis'");
  rejects(R"(<ir_version: 8, opset_import: ["" : 17]>
    g (float[2] x, float[3] w = {1.0, 2.0}) => (float[3] y) { y = Relu(w) })",
          "float_data has 2 values, but shape [3] needs 3");
  rejects(R"(<ir_version: 8, opset_import: ["" : 17]>
    g (string[2] x) => (string[2] y) { y = Identity(x) })",
          "string tensors are not supported");
  rejects(R"(<ir_version: 8, opset_import: ["" : 1000]>
    g (float[2] x) => (float[2] y) { y = Relu(x) })",
          "unsupported ONNX opset 1000");
  rejects("this is not onnx", "cannot parse ONNX text");
  rejects(R"(<ir_version: 8, opset_import: ["" : 17]> g () => () { })",
          "the graph has no outputs");
  rejects(R"(<ir_version: 8, opset_import: ["" : 17, "local" : 1]>
    g (float[2] x) => (float[2] y) { y = local.f(x) }
    <domain: "local", opset_import: ["" : 17, "local" : 1]>
    f (a) => (b) { b = local.f(a) })",
          "model function 'f' calls itself");

  CHECK_THROWS_WITH(importOnnxFile("/nonexistent/model.onnx"),
                    Catch::Contains("no such file"));
  std::string bytes = serialize(addModel());
  CHECK_THROWS_WITH(importOnnxBytes(bytes.substr(0, bytes.size() / 2), "."),
                    Catch::Contains("cannot parse ONNX model"));

  onnx::ModelProto badCount = addModel();
  badCount.mutable_graph()->mutable_initializer(0)->add_float_data(30);
  CHECK_THROWS_WITH(importOnnxBytes(serialize(badCount), "."),
                    Catch::Contains("float_data has 3 values, but shape [2] "
                                    "needs 2"));
  onnx::ModelProto seq = addModel();
  auto *xType = seq.mutable_graph()->mutable_input(0)->mutable_type();
  onnx::TypeProto elem = *xType;
  *xType->mutable_sequence_type()->mutable_elem_type() = elem;
  CHECK_THROWS_WITH(importOnnxBytes(serialize(seq), "."),
                    Catch::Contains("unsupported type seq(tensor(float)) of "
                                    "input 'x'"));
  onnx::ModelProto huge = addModel();
  huge.mutable_graph()->mutable_initializer(0)->set_dims(0, int64_t(1) << 62);
  CHECK_THROWS_AS(importOnnxBytes(serialize(huge), "."), Error);
  onnx::ModelProto negative = addModel();
  negative.mutable_graph()->mutable_initializer(0)->set_dims(0, -2);
  CHECK_THROWS_WITH(importOnnxBytes(serialize(negative), "."),
                    Catch::Contains("negative dimension"));
}

TEST_CASE("initializers may live in external data files", "[frontend]") {
  fs::path dir = scratchDir("external");
  {
    std::ofstream out(dir / "weights.bin", std::ios::binary);
    float pad = 0, w[2] = {10, 20};
    out.write(reinterpret_cast<char *>(&pad), sizeof pad);
    out.write(reinterpret_cast<char *>(w), sizeof w);
  }
  auto withLocation = [](const std::string &location, int offset) {
    onnx::ModelProto m = addModel();
    auto *w = m.mutable_graph()->mutable_initializer(0);
    w->clear_float_data();
    w->set_data_location(onnx::TensorProto::EXTERNAL);
    auto *kv = w->add_external_data();
    kv->set_key("location");
    kv->set_value(location);
    kv = w->add_external_data();
    kv->set_key("offset");
    kv->set_value(std::to_string(offset));
    return serialize(m);
  };
  auto m = importOnnxBytes(withLocation("weights.bin", 4), dir.string());
  auto y = Interpreter().run(*m, {Tensor::fromVector<float>({1, 2}, {2})});
  CHECK(floats(y[0]) == std::vector<float>{11, 22});

  CHECK_THROWS_WITH(
      importOnnxBytes(withLocation("missing.bin", 0), dir.string()),
      Catch::Contains("not found"));
  CHECK_THROWS_WITH(
      importOnnxBytes(withLocation("weights.bin", 8), dir.string()),
      Catch::Contains("outside file"));
  CHECK_THROWS_WITH(importOnnxBytes(withLocation("../weights.bin", 0),
                                    (dir / "sub").string()),
                    Catch::Contains("escapes the model directory"));
}

TEST_CASE("npy files round-trip", "[frontend]") {
  fs::path dir = scratchDir("npy");
  std::vector<Tensor> tensors = {
      Tensor::fromVector<float>({1.5f, -2, 3, 4, 5, 6}, {2, 3}),
      Tensor::fromVector<int64_t>({-1, 1LL << 40}, {2}),
      Tensor::fromVector<bool>({true, false, true}, {3, 1}),
      Tensor::fromVector<Half>({Half(0.5f)}, {}),
      Tensor::fromVector<uint8_t>({}, {0, 4}),
  };
  for (size_t i = 0; i < tensors.size(); ++i) {
    std::string path = (dir / ("t" + std::to_string(i) + ".npy")).string();
    writeNpyFile(path, tensors[i]);
    Tensor back = readTensorFile(path);
    CHECK(back.identicalTo(tensors[i]));
  }
  // Files as numpy itself writes them.
  auto npy = [&](const std::string &name, const std::string &dict,
                 const std::vector<int32_t> &data) {
    std::string header = dict;
    header.append((64 - (10 + header.size() + 1) % 64) % 64, ' ');
    header += '\n';
    std::string file("\x93NUMPY\x01\x00", 8);
    file += char(header.size());
    file += char(0);
    file += header;
    file.append(reinterpret_cast<const char *>(data.data()),
                data.size() * sizeof(int32_t));
    std::ofstream(dir / name, std::ios::binary) << file;
    return (dir / name).string();
  };
  Tensor t = readNpyFile(npy("np.npy",
                             "{'descr': '<i4', 'fortran_order': False, "
                             "'shape': (3,), }",
                             {7, -8, 9}));
  CHECK(t.type().str() == "i32[3]");
  CHECK(t.toIntVector() == std::vector<int64_t>{7, -8, 9});
  CHECK_THROWS_WITH(readNpyFile(npy("big.npy",
                                    "{'descr': '>i4', 'fortran_order': False, "
                                    "'shape': (3,), }",
                                    {7, -8, 9})),
                    Catch::Contains("big-endian"));
  CHECK_THROWS_WITH(readNpyFile(npy("f.npy",
                                    "{'descr': '<i4', 'fortran_order': True, "
                                    "'shape': (2, 2), }",
                                    {1, 2, 3, 4})),
                    Catch::Contains("Fortran"));
  CHECK_THROWS_WITH(readNpyFile(npy("short.npy",
                                    "{'descr': '<i4', 'fortran_order': False, "
                                    "'shape': (2, 2), }",
                                    {1, 2, 3})),
                    Catch::Contains("needs 16"));
  CHECK_THROWS_WITH(readNpyFile((dir / "none.npy").string()),
                    Catch::Contains("no such file"));
}

TEST_CASE("TensorProto files round-trip and decode typed fields",
          "[frontend]") {
  fs::path dir = scratchDir("pb");
  Tensor t = Tensor::fromVector<int16_t>({-3, 0, 3, 300}, {2, 2});
  std::string path = (dir / "t.pb").string();
  writeTensorProtoFile(path, t);
  CHECK(readTensorFile(path).identicalTo(t));

  onnx::TensorProto p;
  p.set_data_type(onnx::TensorProto::FLOAT16);
  p.add_dims(2);
  p.add_int32_data(0x3c00); // 1.0
  p.add_int32_data(0xc000); // -2.0
  std::string bytes;
  p.SerializeToString(&bytes);
  Tensor h = tensorFromProtoBytes(bytes, ".");
  CHECK(h.elementType() == ElementType::F16);
  CHECK(h.toDoubleVector() == std::vector<double>{1.0, -2.0});

  p.Clear();
  p.set_data_type(onnx::TensorProto::UINT64);
  p.add_dims(1);
  p.add_uint64_data(uint64_t(1) << 63);
  p.SerializeToString(&bytes);
  CHECK(tensorFromProtoBytes(bytes, ".").data<uint64_t>()[0] == uint64_t(1)
                                                                    << 63);

  p.Clear();
  p.set_data_type(onnx::TensorProto::STRING);
  p.add_dims(1);
  p.add_string_data("hello");
  p.SerializeToString(&bytes);
  CHECK_THROWS_WITH(tensorFromProtoBytes(bytes, "."),
                    Catch::Contains("string tensors are not supported"));
  CHECK_THROWS_WITH(tensorFromProtoBytes("\xff\xff\xff", "."),
                    Catch::Contains("cannot parse TensorProto"));
}
