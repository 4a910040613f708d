// The graph `simplify` pass: each rule family rewrites the structure it
// should, leaves alone what it must not touch, and the interpreter computes
// bit-identical outputs before and after on random inputs.
#include "kiln/IR/Parser.h"
#include "kiln/IR/Verifier.h"
#include "kiln/Interpreter/Interpreter.h"
#include "kiln/Transforms/GraphUtils.h"
#include "kiln/Transforms/PassManager.h"

#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>

using namespace kiln;

namespace {

/// Random values over the element type's whole range (floats: a mix of
/// small, large and infinite values) so lossy conversions would show.
Tensor randomTensor(const TensorType &type, std::mt19937 &gen) {
  Tensor t(type.elementType(), type.staticShape());
  ElementType e = type.elementType();
  for (int64_t i = 0; i < t.numElements(); ++i) {
    if (e == ElementType::Bool) {
      t.setInt(i, int64_t(gen() & 1));
    } else if (isFloat(e)) {
      double v = std::uniform_real_distribution<double>(-4, 4)(gen);
      if (gen() % 8 == 0)
        v *= 1e5;
      if (gen() % 32 == 0)
        v = (gen() & 1) ? INFINITY : -INFINITY;
      t.setDouble(i, v);
    } else {
      // setInt wraps, so 64 random bits cover every integer type.
      t.setInt(i, int64_t(uint64_t(gen()) << 32 | gen()));
    }
  }
  return t;
}

struct Outcome {
  std::unique_ptr<Module> module;
  PassStats stats;
  /// Node kinds of the simplified main function after dead-node removal.
  std::multiset<std::string> ops;
};

/// Parses `text`, runs `simplify`, checks the module verifies and computes
/// bit-identical outputs on a few random inputs.
Outcome simplifyAndCompare(const std::string &text) {
  Outcome out;
  out.module = parseModule(text);
  Function &main = out.module->main();
  std::mt19937 gen(1234);
  std::vector<std::vector<Tensor>> inputs, before;
  for (int trial = 0; trial < 4; ++trial) {
    std::vector<Tensor> in;
    for (const Value *v : main.inputs())
      in.push_back(randomTensor(v->type(), gen));
    before.push_back(Interpreter().run(*out.module, in));
    inputs.push_back(std::move(in));
  }
  PassInstrumentation inst;
  inst.verifyEach = true;
  PassManager<Module> pm({}, inst);
  pm.addPipeline("simplify");
  pm.run(*out.module);
  verify(*out.module);
  out.stats = pm.records().at(0).stats;
  for (size_t trial = 0; trial < inputs.size(); ++trial) {
    std::vector<Tensor> after = Interpreter().run(*out.module, inputs[trial]);
    REQUIRE(after.size() == before[trial].size());
    for (size_t i = 0; i < after.size(); ++i) {
      INFO("output " << i << " trial " << trial);
      CHECK(after[i].identicalTo(before[trial][i]));
    }
  }
  removeDeadNodes(main);
  for (const auto &n : main.nodes())
    out.ops.insert(n->opName());
  return out;
}

size_t countOp(const Outcome &o, const std::string &op) {
  return o.ops.count(op);
}

} // namespace

TEST_CASE("simplify pass: identity ops disappear", "[passes]") {
  Outcome o = simplifyAndCompare(R"(
func @main(%x: f32[2,3], %b: bool[2,3]) {
  %id = Identity(%x) : f32[2,3]
  %f = Constant() {value = dense<bool[]>[false]} : bool[]
  %d = Dropout(%id, _, %f) : f32[2,3]
  %d2 = Dropout(%d) : f32[2,3]
  %c = Cast(%d2) {to = 1} : f32[2,3]
  %m = Max(%c) : f32[2,3]
  %mean = Mean(%m) : f32[2,3]
  %cc = Concat(%mean) {axis = 0} : f32[2,3]
  %s = Constant() {value = dense<i64[2]>[2, 3]} : i64[2]
  %r = Reshape(%cc, %s) : f32[2,3]
  %st = Constant() {value = dense<i64[2]>[0, 0]} : i64[2]
  %en = Constant() {value = dense<i64[2]>[9, 3]} : i64[2]
  %sl = Slice(%r, %st, %en) : f32[2,3]
  %z = Constant() {value = dense<i64[4]>[0, 0, 0, 0]} : i64[4]
  %p = Pad(%sl, %z) {mode = "reflect"} : f32[2,3]
  %n1 = Not(%b) : bool[2,3]
  %n2 = Not(%n1) : bool[2,3]
  %dm, %mask = Dropout(%p) : f32[2,3], bool[2,3]
  return %dm, %n2, %mask
}
)");
  Function &f = o.module->main();
  // Only the Dropout whose mask is an output stays.
  CHECK(o.ops == std::multiset<std::string>{"Dropout"});
  CHECK(f.outputs()[1] == f.inputs()[1]);
  CHECK(f.nodes().front()->operand(0) == f.inputs()[0]);
  CHECK(o.stats.get("identity ops removed") == 10);
  CHECK(o.stats.get("repeated ops removed") == 1);
}

TEST_CASE("simplify pass: arithmetic identities respect broadcasting",
          "[passes]") {
  Outcome o = simplifyAndCompare(R"(
func @main(%x: f32[2,3], %v: f32[3], %i: i32[2,3], %j: i64[4]) {
  %one = Constant() {value = dense<f32[]>[1]} : f32[]
  %zero = Constant() {value = dense<f32[3]>[0, 0, 0]} : f32[3]
  %a = Mul(%x, %one) : f32[2,3]
  %b = Mul(%one, %a) : f32[2,3]
  %c = Add(%b, %zero) : f32[2,3]
  %d = Add(%zero, %c) : f32[2,3]
  %e = Sub(%d, %zero) : f32[2,3]
  %f = Div(%e, %one) : f32[2,3]
  %g = Pow(%f, %one) : f32[2,3]
  %n1 = Neg(%g) : f32[2,3]
  %n2 = Neg(%n1) : f32[2,3]
  %r1 = Relu(%n2) : f32[2,3]
  %r2 = Relu(%r1) : f32[2,3]
  %zs = Constant() {value = dense<f32[]>[0]} : f32[]
  %m0 = Mul(%x, %zs) : f32[2,3]
  %ones = Constant() {value = dense<f32[2,3]>[1, 1, 1, 1, 1, 1]} : f32[2,3]
  %grow = Mul(%v, %ones) : f32[2,3]
  %sub0 = Sub(%zero, %x) : f32[2,3]
  %iz = Constant() {value = dense<i32[]>[0]} : i32[]
  %ia = Add(%i, %iz) : i32[2,3]
  %fone = Constant() {value = dense<f32[]>[1]} : f32[]
  %jp = Pow(%j, %fone) : i64[4]
  %in1 = Neg(%i) : i32[2,3]
  %in2 = Neg(%in1) : i32[2,3]
  return %r2, %m0, %grow, %sub0, %ia, %jp, %in2
}
)");
  Function &f = o.module->main();
  CHECK(countOp(o, "Relu") == 1);
  CHECK(countOp(o, "Neg") == 0);
  CHECK(countOp(o, "Add") == 0);
  CHECK(countOp(o, "Div") == 0);
  // x*0, the broadcast that grows %v, 0-x and i64^1.0 (rounds through
  // double) stay.
  CHECK(countOp(o, "Mul") == 2);
  CHECK(countOp(o, "Sub") == 1);
  CHECK(countOp(o, "Pow") == 1);
  CHECK(f.outputs()[0]->producer()->operand(0) == f.inputs()[0]);
  CHECK(f.outputs()[4] == f.inputs()[2]);
  CHECK(f.outputs()[6] == f.inputs()[2]);
  CHECK(o.stats.get("arith identities") == 8);
}

TEST_CASE("simplify pass: cast chains fold only through lossless types",
          "[passes]") {
  Outcome o = simplifyAndCompare(R"(
func @main(%h: f16[8], %b: i8[8], %x: f32[8], %u: bool[8], %w: u16[8]) {
  %c1 = Cast(%h) {to = 1} : f32[8]
  %c2 = Cast(%c1) {to = 11} : f64[8]
  %c3 = Cast(%c1) {to = 10} : f16[8]
  %i1 = Cast(%b) {to = 6} : i32[8]
  %i2 = Cast(%i1) {to = 7} : i64[8]
  %l1 = Cast(%x) {to = 6} : i32[8]
  %l2 = Cast(%l1) {to = 1} : f32[8]
  %l3 = Cast(%x) {to = 10} : f16[8]
  %l4 = Cast(%l3) {to = 1} : f32[8]
  %s1 = Cast(%b) {to = 1} : f32[8]
  %s2 = Cast(%s1) {to = 2} : u8[8]
  %s3 = Cast(%s1) {to = 7} : i64[8]
  %bb1 = Cast(%u) {to = 1} : f32[8]
  %bb2 = Cast(%bb1) {to = 6} : i32[8]
  %w1 = Cast(%w) {to = 6} : i32[8]
  %w2 = Cast(%w1) {to = 4} : u16[8]
  return %c2, %c3, %i2, %l2, %l4, %s2, %s3, %bb2, %w2
}
)");
  Function &f = o.module->main();
  auto castOf = [&](size_t out) -> const Value * {
    const Node *n = f.outputs()[out]->producer();
    return n && n->kind() == OpKind::Cast ? n->operand(0) : nullptr;
  };
  CHECK(castOf(0) == f.inputs()[0]); // f16 -> f32 -> f64
  CHECK(f.outputs()[1] == f.inputs()[0]);
  CHECK(castOf(2) == f.inputs()[1]);                    // i8 -> i32 -> i64
  CHECK(castOf(3)->producer()->kind() == OpKind::Cast); // f32 -> i32 -> f32
  CHECK(castOf(4)->producer()->kind() == OpKind::Cast); // f32 -> f16 -> f32
  // i8 -> f32 -> u8 saturates where i8 -> u8 wraps.
  CHECK(castOf(5)->producer()->kind() == OpKind::Cast);
  CHECK(castOf(6) == f.inputs()[1]); // i8 -> f32 -> i64
  CHECK(castOf(7) == f.inputs()[3]);
  CHECK(f.outputs()[8] == f.inputs()[4]);
  CHECK(o.stats.get("cast chains") == 6);
}

TEST_CASE("simplify pass: reshape chains collapse", "[passes]") {
  Outcome o = simplifyAndCompare(R"(
func @main(%x: f32[2,3,4]) {
  %s1 = Constant() {value = dense<i64[2]>[6, 4]} : i64[2]
  %r1 = Reshape(%x, %s1) : f32[6,4]
  %fl = Flatten(%r1) {axis = 0} : f32[1,24]
  %ax = Constant() {value = dense<i64[1]>[0]} : i64[1]
  %sq = Squeeze(%fl, %ax) : f32[24]
  %un = Unsqueeze(%sq, %ax) : f32[1,24]
  %s2 = Constant() {value = dense<i64[3]>[2, 3, 4]} : i64[3]
  %back = Reshape(%r1, %s2) : f32[2,3,4]
  %other = Relu(%r1) : f32[6,4]
  return %un, %back, %other
}
)");
  Function &f = o.module->main();
  const Node *un = f.outputs()[0]->producer();
  REQUIRE(un->kind() == OpKind::Reshape);
  CHECK(un->operand(0) == f.inputs()[0]);
  CHECK(un->operand(1)->constantValue()->toIntVector() ==
        std::vector<int64_t>{1, 24});
  CHECK(f.outputs()[1] == f.inputs()[0]);
  // The inner Reshape has another user and stays.
  CHECK(countOp(o, "Reshape") == 2);
  CHECK(o.stats.get("reshape chains") >= 2);
}

TEST_CASE("simplify pass: transposes compose", "[passes]") {
  std::mt19937 gen(7);
  std::vector<int64_t> dims = {2, 3, 4, 5};
  auto shapeOf = [&](const std::vector<int64_t> &in,
                     const std::vector<int64_t> &perm) {
    std::vector<int64_t> out;
    for (int64_t p : perm)
      out.push_back(in[size_t(p)]);
    return out;
  };
  auto text = [](const std::vector<int64_t> &v) {
    return fmt::format("{}", fmt::join(v, ","));
  };
  for (int trial = 0; trial < 12; ++trial) {
    std::vector<int64_t> p1 = {0, 1, 2, 3}, p2 = p1;
    std::shuffle(p1.begin(), p1.end(), gen);
    std::shuffle(p2.begin(), p2.end(), gen);
    if (trial == 0) { // An inverse pair cancels.
      p2.assign(4, 0);
      for (size_t i = 0; i < 4; ++i)
        p2[size_t(p1[i])] = int64_t(i);
    }
    std::vector<int64_t> s1 = shapeOf(dims, p1), s2 = shapeOf(s1, p2);
    INFO("p1 " << text(p1) << " p2 " << text(p2));
    Outcome o = simplifyAndCompare(
        fmt::format("func @main(%x: f32[{}]) {{\n"
                    "  %t1 = Transpose(%x) {{perm = [{}]}} : f32[{}]\n"
                    "  %t2 = Transpose(%t1) {{perm = [{}]}} : f32[{}]\n"
                    "  return %t2\n}}\n",
                    text(dims), text(p1), text(s1), text(p2), text(s2)));
    Function &f = o.module->main();
    bool identity =
        s2 == dims && shapeOf(p1, p2) == std::vector<int64_t>{0, 1, 2, 3};
    CHECK(countOp(o, "Transpose") == (identity ? 0 : 1));
    if (!identity)
      CHECK(f.outputs()[0]->producer()->operand(0) == f.inputs()[0]);
    CHECK(o.stats.get("transposes composed") +
              o.stats.get("identity ops removed") >=
          1);
  }
  // Default perms (reversal) cancel; an explicit identity perm is a no-op.
  Outcome o = simplifyAndCompare(R"(
func @main(%x: f32[2,3,4]) {
  %d = Transpose(%x) : f32[4,3,2]
  %d2 = Transpose(%d) : f32[2,3,4]
  %id = Transpose(%d2) {perm = [0, 1, 2]} : f32[2,3,4]
  return %id
}
)");
  CHECK(o.module->main().outputs()[0] == o.module->main().inputs()[0]);
}

TEST_CASE("simplify pass: layout transform pairs", "[passes]") {
  Outcome o = simplifyAndCompare(R"(
func @main(%x: f32[1,16,2,2], %y: f32[1,4,2,2,4]) {
  %a = LayoutTransform(%x) {dst_layout = "NCHW8c", src_layout = "NCHW"} : f32[1,2,2,2,8]
  %b = LayoutTransform(%a) {dst_layout = "NCHW", src_layout = "NCHW8c"} : f32[1,16,2,2]
  %c = LayoutTransform(%a) {dst_layout = "NCHW16c", src_layout = "NCHW8c"} : f32[1,1,2,2,16]
  %q = LayoutTransform(%y) {dst_layout = "NCHW", src_layout = "NCHW4c"} : f32[1,16,2,2]
  %r = LayoutTransform(%q) {dst_layout = "NCHW8c", src_layout = "NCHW"} : f32[1,2,2,2,8]
  return %b, %c, %r
}
)");
  Function &f = o.module->main();
  CHECK(f.outputs()[0] == f.inputs()[0]);
  const Node *c = f.outputs()[1]->producer();
  CHECK(c->operand(0) == f.inputs()[0]);
  CHECK(c->getString("src_layout") == "NCHW");
  CHECK(c->getString("dst_layout") == "NCHW16c");
  // NCHW4c -> NCHW -> NCHW8c becomes one blocked-to-blocked transform
  // (the interpreter comparison checks that it means the same).
  const Node *r = f.outputs()[2]->producer();
  CHECK(r->operand(0) == f.inputs()[1]);
  CHECK(r->getString("src_layout") == "NCHW4c");
  CHECK(r->getString("dst_layout") == "NCHW8c");
  CHECK(countOp(o, "LayoutTransform") == 2);
  CHECK(o.stats.get("layout transforms composed") == 3);
}

TEST_CASE("simplify pass: subgraphs and outer values", "[passes]") {
  Outcome o = simplifyAndCompare(R"(
func @main(%c: bool[], %x: f32[2]) {
  %o = Identity(%x) : f32[2]
  %z = If(%c) {then_branch = func @then() {
    return %o
  }, else_branch = func @else() {
    %i = Identity(%o) : f32[2]
    %n = Neg(%i) : f32[2]
    %n2 = Neg(%n) : f32[2]
    %r = Relu(%n2) : f32[2]
    return %r
  }} : f32[2]
  return %z
}
)");
  Function &f = o.module->main();
  REQUIRE(f.nodes().size() == 1);
  Node &ifNode = *f.nodes().front();
  CHECK(ifNode.getGraph("then_branch").outputs()[0] == f.inputs()[1]);
  Function &els = ifNode.getGraph("else_branch");
  removeDeadNodes(els);
  REQUIRE(els.nodes().size() == 1);
  CHECK(els.nodes().front()->operand(0) == f.inputs()[1]);
}

TEST_CASE("simplify pass: dynamic shapes do not fire", "[passes]") {
  auto m = parseModule(R"(
func @main(%x: f32[N,3]) {
  %a = Identity(%x) : f32[N,3]
  %t = Transpose(%a) {perm = [1, 0]} : f32[3,N]
  %t2 = Transpose(%t) {perm = [1, 0]} : f32[N,3]
  return %t2
}
)");
  PassManager<Module> pm;
  pm.addPipeline("simplify");
  CHECK_FALSE(pm.run(*m));
  CHECK(m->main().numNodes() == 3);
}
