// The fusion pass: which chains become Fused nodes, how many, and that the
// fused graph computes exactly what the original did (the interpreter runs
// Fused bodies).
#include "kiln/Driver/RandomInputs.h"
#include "kiln/IR/Parser.h"
#include "kiln/IR/Verifier.h"
#include "kiln/Interpreter/Interpreter.h"
#include "kiln/Transforms/Pass.h"

#include <catch2/catch.hpp>

using namespace kiln;

namespace {

struct FuseResult {
  PassStats stats;
  bool changed = false;
  /// Node kinds of main in order, Fused nodes as "Fused(member,...)".
  std::vector<std::string> kinds;
};

std::string describeNode(const Node &n) {
  if (n.kind() != OpKind::Fused)
    return n.opName();
  std::string s = "Fused(";
  const Function &body = n.getGraph("body");
  bool firstMember = true;
  for (const auto &m : body.nodes()) {
    if (m->kind() == OpKind::Constant)
      continue;
    s += (firstMember ? "" : ",") + std::string(m->opName());
    firstMember = false;
  }
  return s + ")";
}

/// Runs "fuse" on `text`, checks the result verifies and computes the same
/// outputs as the original on random inputs, and describes the new graph.
FuseResult fuseAndCompare(const std::string &text) {
  auto original = parseModule(text);
  auto module = parseModule(text);
  auto pass = PassRegistry<Module>::instance().find("fuse")->create();
  FuseResult result;
  result.changed = pass->run(*module, PassConfig(), result.stats);
  verify(*module);
  for (const auto &n : module->main().nodes())
    result.kinds.push_back(describeNode(*n));

  std::vector<Tensor> inputs = makeRandomInputs(original->main(), 7);
  std::vector<Tensor> expected = Interpreter().run(*original, inputs);
  std::vector<Tensor> actual = Interpreter().run(*module, inputs);
  REQUIRE(expected.size() == actual.size());
  for (size_t i = 0; i < expected.size(); ++i)
    CHECK(actual[i].identicalTo(expected[i]));
  return result;
}

using Kinds = std::vector<std::string>;

} // namespace

TEST_CASE("fuse: conv takes a relu epilogue", "[fuse]") {
  auto r = fuseAndCompare(R"(
func @main(%x: f32[1,2,4,4], %w: f32[3,2,1,1]) {
  %c = Conv(%x, %w) {kernel_shape = [1, 1]} : f32[1,3,4,4] loc("conv1")
  %r = Relu(%c) : f32[1,3,4,4]
  return %r
})");
  CHECK(r.changed);
  CHECK(r.kinds == Kinds{"Fused(Conv,Relu)"});
  CHECK(r.stats.get("groups fused") == 1);
  CHECK(r.stats.get("nodes fused") == 2);
}

TEST_CASE("fuse: the Fused node keeps names and takes weights as operands",
          "[fuse]") {
  auto module = parseModule(R"(
func @main(%x: f32[1,2,4,4], %w: f32[3,2,1,1], %b: f32[1,3,4,4]) {
  %k = Constant() {value = dense<f32[3,1,1]>[1, 2, 3]} : f32[3,1,1]
  %c = Conv(%x, %w) {kernel_shape = [1, 1]} : f32[1,3,4,4] loc("conv1")
  %s = Mul(%c, %k) : f32[1,3,4,4]
  %a = Add(%s, %b) : f32[1,3,4,4]
  %r = Relu(%a) : f32[1,3,4,4]
  return %r
})");
  PassStats stats;
  PassRegistry<Module>::instance().find("fuse")->create()->run(
      *module, PassConfig(), stats);
  verify(*module);
  Function &f = module->main();
  // The small constant moved into the body.
  REQUIRE(f.numNodes() == 1);
  Node &fused = *f.nodes().back();
  REQUIRE(fused.kind() == OpKind::Fused);
  CHECK(fused.name() == "conv1");
  CHECK(fused.result()->name() == "r");
  CHECK(f.outputs()[0] == fused.result());
  REQUIRE(fused.numOperands() == 3);
  CHECK(fused.operand(0)->name() == "x");
  CHECK(fused.operand(1)->name() == "w");
  CHECK(fused.operand(2)->name() == "b");
  const Function &body = fused.getGraph("body");
  CHECK(body.parentScope() == &f);
  REQUIRE(body.inputs().size() == 3);
  CHECK(body.inputs()[2]->name() == "b");
  REQUIRE(body.numNodes() == 5);
  CHECK(body.nodes().front()->kind() == OpKind::Constant);
  CHECK(body.outputs()[0]->name() == "r");
  CHECK(stats.get("nodes fused") == 4);
}

TEST_CASE("fuse: residual add and relu join the conv", "[fuse]") {
  auto r = fuseAndCompare(R"(
func @main(%x: f32[1,2,4,4], %w: f32[3,2,3,3], %res: f32[1,3,4,4]) {
  %c = Conv(%x, %w) {kernel_shape = [3, 3], pads = [1, 1, 1, 1]} : f32[1,3,4,4]
  %a = Add(%c, %res) : f32[1,3,4,4]
  %r = Relu(%a) : f32[1,3,4,4]
  return %r
})");
  CHECK(r.kinds == Kinds{"Fused(Conv,Add,Relu)"});
}

TEST_CASE("fuse: a result with two users ends the group", "[fuse]") {
  auto r = fuseAndCompare(R"(
func @main(%x: f32[1,2,4,4], %w: f32[3,2,1,1]) {
  %c = Conv(%x, %w) {kernel_shape = [1, 1]} : f32[1,3,4,4]
  %r = Relu(%c) : f32[1,3,4,4]
  %s = Sigmoid(%c) : f32[1,3,4,4]
  %a = Add(%r, %s) : f32[1,3,4,4]
  %e = Exp(%a) : f32[1,3,4,4]
  return %e
})");
  CHECK(r.kinds == Kinds{"Conv", "Sigmoid", "Fused(Relu,Add,Exp)"});
}

TEST_CASE("fuse: a function output ends the group", "[fuse]") {
  auto r = fuseAndCompare(R"(
func @main(%x: f32[1,2,4,4], %w: f32[3,2,1,1]) {
  %c = Conv(%x, %w) {kernel_shape = [1, 1]} : f32[1,3,4,4]
  %r = Relu(%c) : f32[1,3,4,4]
  %e = Exp(%r) : f32[1,3,4,4]
  return %r, %e
})");
  CHECK(r.kinds == Kinds{"Fused(Conv,Relu)", "Exp"});
}

TEST_CASE("fuse: elementwise prologue folds into a reduction", "[fuse]") {
  auto r = fuseAndCompare(R"(
func @main(%x: f32[2,5,3]) {
  %axes = Constant() {value = dense<i64[1]>[1]} : i64[1]
  %r = Relu(%x) : f32[2,5,3]
  %e = Exp(%r) : f32[2,5,3]
  %s = ReduceSum(%e, %axes) {keepdims = 0} : f32[2,3]
  %l = Log(%s) : f32[2,3]
  return %l
})");
  CHECK(r.kinds == Kinds{"Fused(Relu,Exp,ReduceSum,Log)"});
}

TEST_CASE("fuse: a reshape follows a global pool", "[fuse]") {
  auto r = fuseAndCompare(R"(
func @main(%x: f32[1,8,4,4]) {
  %g = GlobalAveragePool(%x) : f32[1,8,1,1]
  %f = Flatten(%g) {axis = 1} : f32[1,8]
  return %f
})");
  CHECK(r.kinds == Kinds{"Fused(GlobalAveragePool,Flatten)"});
}

TEST_CASE("fuse: never two anchors, never a prologue into a conv or pool",
          "[fuse]") {
  auto r = fuseAndCompare(R"(
func @main(%x: f32[1,2,6,6], %w1: f32[2,2,1,1], %w2: f32[2,2,1,1]) {
  %n = Neg(%x) : f32[1,2,6,6]
  %c1 = Conv(%n, %w1) {kernel_shape = [1, 1]} : f32[1,2,6,6]
  %c2 = Conv(%c1, %w2) {kernel_shape = [1, 1]} : f32[1,2,6,6]
  %p = MaxPool(%c2) {kernel_shape = [2, 2], strides = [2, 2]} : f32[1,2,3,3]
  %s = Sigmoid(%p) : f32[1,2,3,3]
  return %s
})");
  CHECK(r.kinds == Kinds{"Neg", "Conv", "Conv", "Fused(MaxPool,Sigmoid)"});
}

TEST_CASE("fuse: broadcasting that grows the tail is not fused", "[fuse]") {
  auto r = fuseAndCompare(R"(
func @main(%x: f32[1,8,4,4]) {
  %g = GlobalAveragePool(%x) : f32[1,8,1,1]
  %a = Add(%g, %x) : f32[1,8,4,4]
  %b = Relu(%a) : f32[1,8,4,4]
  return %b
})");
  CHECK(r.kinds == Kinds{"GlobalAveragePool", "Fused(Add,Relu)"});
}

TEST_CASE("fuse: broadcasting a smaller operand into the tail is fused",
          "[fuse]") {
  auto r = fuseAndCompare(R"(
func @main(%x: f32[1,8,4,4], %bias: f32[1,8,1,1]) {
  %r = Relu(%x) : f32[1,8,4,4]
  %a = Add(%r, %bias) : f32[1,8,4,4]
  return %a
})");
  CHECK(r.kinds == Kinds{"Fused(Relu,Add)"});
}

TEST_CASE("fuse: MaxPool with used indices and dynamic shapes stay alone",
          "[fuse]") {
  auto r = fuseAndCompare(R"(
func @main(%x: f32[1,2,4,4]) {
  %p, %i = MaxPool(%x) {kernel_shape = [2, 2], strides = [2, 2]} : f32[1,2,2,2], i64[1,2,2,2]
  %s = Sigmoid(%p) : f32[1,2,2,2]
  return %s, %i
})");
  CHECK(r.kinds == Kinds{"MaxPool", "Sigmoid"});
  CHECK(!r.changed);

  auto module = parseModule(R"(
func @main(%x: f32[N,4]) {
  %r = Relu(%x) : f32[N,4]
  %e = Exp(%r) : f32[N,4]
  return %e
})");
  PassStats stats;
  CHECK(!PassRegistry<Module>::instance().find("fuse")->create()->run(
      *module, PassConfig(), stats));
  CHECK(module->main().numNodes() == 2);
}

TEST_CASE("fuse: a ResNet basic block gives two groups", "[fuse]") {
  auto r = fuseAndCompare(R"(
func @main(%x: f32[1,4,5,5], %w1: f32[4,4,3,3], %b1: f32[4], %w2: f32[4,4,3,3]) {
  %c1 = Conv(%x, %w1, %b1) {kernel_shape = [3, 3], pads = [1, 1, 1, 1]} : f32[1,4,5,5] loc("conv1")
  %r1 = Relu(%c1) : f32[1,4,5,5]
  %c2 = Conv(%r1, %w2) {kernel_shape = [3, 3], pads = [1, 1, 1, 1]} : f32[1,4,5,5] loc("conv2")
  %a = Add(%c2, %x) : f32[1,4,5,5]
  %r2 = Relu(%a) : f32[1,4,5,5]
  return %r2
})");
  CHECK(r.kinds == Kinds{"Fused(Conv,Relu)", "Fused(Conv,Add,Relu)"});
  CHECK(r.stats.get("groups fused") == 2);
  CHECK(r.stats.get("nodes fused") == 5);
}

TEST_CASE("fuse: large constants stay outside the body as operands", "[fuse]") {
  std::string values;
  for (int i = 0; i < 4100; ++i)
    values += (i ? ", " : "") + std::to_string(i % 7);
  std::string text = R"(
func @main(%x: f32[4100]) {
  %k = Constant() {value = dense<f32[4100]>[)" +
                     values + R"(]} : f32[4100]
  %r = Relu(%x) : f32[4100]
  %a = Add(%r, %k) : f32[4100]
  return %a
})";
  auto r = fuseAndCompare(text);
  CHECK(r.kinds == Kinds{"Constant", "Fused(Relu,Add)"});
}

TEST_CASE("fuse: injective ops start groups and follow elementwise chains",
          "[fuse]") {
  auto r = fuseAndCompare(R"(
func @main(%x: f32[1,2,3,4], %y: f32[1,2,3,4]) {
  %st = Constant() {value = dense<i64[1]>[1]} : i64[1]
  %en = Constant() {value = dense<i64[1]>[3]} : i64[1]
  %ax = Constant() {value = dense<i64[1]>[3]} : i64[1]
  %c = Concat(%x, %y) {axis = 1} : f32[1,4,3,4]
  %e = Exp(%c) : f32[1,4,3,4]
  %t = Transpose(%e) {perm = [0, 2, 3, 1]} : f32[1,3,4,4]
  %s = Slice(%x, %st, %en, %ax) : f32[1,2,3,2]
  %n = Neg(%s) : f32[1,2,3,2]
  %l = LayoutTransform(%n) {dst_layout = "NCHW2c", src_layout = "NCHW"} : f32[1,1,3,2,2]
  %sh = Shape(%x) : i64[4]
  %d = Reshape(%y, %sh) : f32[1,2,3,4]
  %m = Neg(%d) : f32[1,2,3,4]
  return %t, %l, %m
})");
  // A Reshape whose shape is not a constant is opaque.
  CHECK(r.kinds == Kinds{"Fused(Concat,Exp,Transpose)",
                         "Fused(Slice,Neg,LayoutTransform)", "Shape", "Reshape",
                         "Neg"});
}
