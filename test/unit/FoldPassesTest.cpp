// The fold-constants, fold-shapes, cse and dce passes: what they remove, what
// they must leave, and that the interpreter computes bit-identical outputs
// before and after on random inputs (also on randomly generated graphs).
#include "kiln/Driver/RandomInputs.h"
#include "kiln/IR/InferContext.h"
#include "kiln/IR/Parser.h"
#include "kiln/IR/Verifier.h"
#include "kiln/Interpreter/Interpreter.h"
#include "kiln/Transforms/PassManager.h"

#include <catch2/catch.hpp>

#include <optional>
#include <random>
#include <set>

using namespace kiln;

namespace {

/// Nodes of `f` and its subgraphs, optionally only those of one kind.
size_t countNodes(const Function &f, std::optional<OpKind> kind = {}) {
  size_t n = 0;
  for (const auto &node : f.nodes()) {
    n += !kind || node->kind() == *kind;
    for (const auto &[name, attr] : node->attrs())
      if (attr.kind() == AttrKind::Graph)
        n += countNodes(attr.getGraph(), kind);
  }
  return n;
}

/// Runs `pipeline` on `m` (verifying after each pass) and returns the stats
/// of all passes summed by counter.
PassStats runPasses(Module &m, const std::string &pipeline,
                    PassConfig config = {}) {
  PassInstrumentation inst;
  inst.verifyEach = true;
  PassManager<Module> pm(config, inst);
  pm.addPipeline(pipeline);
  pm.run(m);
  verify(m);
  PassStats total;
  for (const PassRecord &r : pm.records())
    for (const auto &[counter, n] : r.stats.counters())
      total.add(counter, n);
  return total;
}

/// Checks that `after` computes bitwise the same outputs as `before`.
void checkSameOutputs(const Module &before, const Module &after,
                      uint64_t seed = 7) {
  std::vector<Tensor> inputs = makeRandomInputs(before.main(), seed);
  std::vector<Tensor> want = Interpreter().run(before, inputs);
  std::vector<Tensor> got = Interpreter().run(after, inputs);
  REQUIRE(want.size() == got.size());
  for (size_t i = 0; i < want.size(); ++i) {
    INFO("output " << i);
    CHECK(want[i].identicalTo(got[i]));
  }
}

const char *kChainText = R"(
func @main(%x: f32[2,3,4,5]) {
  %s = Shape(%x) : i64[4]
  %i0 = Constant() {value = dense<i64[]>[0]} : i64[]
  %d0 = Gather(%s, %i0) {axis = 0} : i64[]
  %ax = Constant() {value = dense<i64[1]>[0]} : i64[1]
  %u0 = Unsqueeze(%d0, %ax) : i64[1]
  %m1 = Constant() {value = dense<i64[1]>[-1]} : i64[1]
  %cat = Concat(%u0, %m1) {axis = 0} : i64[2]
  %r = Reshape(%x, %cat) : f32[?,?]
  %w = Constant() {value = dense<f32[2]>[0.5, -2]} : f32[2]
  %v = Exp(%w) : f32[2]
  %sh = Constant() {value = dense<i64[2]>[2, 1]} : i64[2]
  %v2 = Reshape(%v, %sh) : f32[2,1]
  %y = Mul(%r, %v2) : f32[2,60]
  %n = Size(%y) : i64[]
  return %y, %n
}
)";

} // namespace

TEST_CASE("fold-shapes collapses a PyTorch shape chain", "[passes]") {
  auto before = parseModule(kChainText);
  auto m = parseModule(kChainText);
  PassStats stats = runPasses(*m, "fold-shapes");
  const Function &f = m->main();
  CHECK(stats.get("shape nodes folded") == 2); // Shape and Size
  CHECK(stats.get("nodes folded") == 3);       // Gather, Unsqueeze, Concat
  CHECK(countNodes(f, OpKind::Shape) == 0);
  CHECK(countNodes(f, OpKind::Gather) == 0);
  CHECK(countNodes(f, OpKind::Exp) == 1); // not shape arithmetic
  CHECK(f.outputs()[0]->type().str() == "f32[2,60]");
  checkSameOutputs(*before, *m);

  runPasses(*m, "fold-constants,dce");
  // x -> Reshape(const) -> Mul(const) and the Size constant.
  CHECK(countNodes(f) == 5);
  CHECK(countNodes(f, OpKind::Constant) == 3);
  CHECK(countNodes(f, OpKind::Exp) == 0);
  checkSameOutputs(*before, *m);
}

TEST_CASE("fold-constants respects the size limit", "[passes]") {
  const char *text = R"(
func @main(%x: f32[8]) {
  %s = Constant() {value = dense<i64[1]>[8]} : i64[1]
  %c = ConstantOfShape(%s) {value = dense<f32[1]>[3]} : f32[8]
  %a = Add(%x, %c) : f32[8]
  %k = Constant() {value = dense<f32[8]>[1, 2, 3, 4, 5, 6, 7, 8]} : f32[8]
  %n = Neg(%k) : f32[8]
  %y = Mul(%a, %n) : f32[8]
  %p = Constant() {value = dense<f32[2,2]>[1, 2, 3, 4]} : f32[2,2]
  %q = MatMul(%p, %p) : f32[2,2]
  return %y, %q
}
)";
  auto before = parseModule(text);
  PassConfig small;
  small.foldLimit = 4;
  auto m = parseModule(text);
  // 8 elements from 1 is growth past the limit; Neg keeps the size; MatMul
  // is too costly on operands past the limit.
  PassStats stats = runPasses(*m, "fold-constants", small);
  CHECK(stats.get("nodes folded") == 1);
  CHECK(countNodes(m->main(), OpKind::ConstantOfShape) == 1);
  CHECK(countNodes(m->main(), OpKind::Neg) == 0);
  CHECK(countNodes(m->main(), OpKind::MatMul) == 1);
  checkSameOutputs(*before, *m);

  stats = runPasses(*m, "fold-constants");
  CHECK(stats.get("nodes folded") == 2);
  CHECK(countNodes(m->main(), OpKind::ConstantOfShape) == 0);
  CHECK(countNodes(m->main(), OpKind::MatMul) == 0);
  checkSameOutputs(*before, *m);
}

TEST_CASE("fold-constants leaves nodes the interpreter rejects", "[passes]") {
  auto m = parseModule(R"(
func @main() {
  %k = Constant() {value = dense<i64[3]>[1, 2, 3]} : i64[3]
  %i = Constant() {value = dense<i64[]>[7]} : i64[]
  %g = Gather(%k, %i) {axis = 0} : i64[]
  %t = Constant() {value = dense<bool[]>[true]} : bool[]
  %r = Constant() {value = dense<f32[]>[0.5]} : f32[]
  %x = Constant() {value = dense<f32[4]>[1, 2, 3, 4]} : f32[4]
  %d = Dropout(%x, %r, %t) : f32[4]
  return %g, %d
}
)");
  // The error surfaces when the model runs; random Dropout is not folded.
  PassStats stats = runPasses(*m, "fold-constants");
  CHECK(stats.get("nodes folded") == 0);
  CHECK(countNodes(m->main(), OpKind::Gather) == 1);
  CHECK(countNodes(m->main(), OpKind::Dropout) == 1);
  CHECK_THROWS_AS(Interpreter().run(*m, {}), Error);
}

TEST_CASE("folding redirects subgraph outputs that name outer values",
          "[passes]") {
  const char *text = R"(
func @main(%c: bool[], %x: f32[2]) {
  %k = Constant() {value = dense<f32[2]>[1, 4]} : f32[2]
  %n = Sqrt(%k) : f32[2]
  %z = If(%c) {then_branch = func @then() {
    return %n
  }, else_branch = func @else() {
    %m = Neg(%n) : f32[2]
    %m2 = Neg(%n) : f32[2]
    %s = Add(%m, %m2) : f32[2]
    return %s
  }} : f32[2]
  %y = Add(%z, %x) : f32[2]
  return %y
}
)";
  auto before = parseModule(text);
  auto m = parseModule(text);
  PassStats stats = runPasses(*m, "cse,fold-constants,dce");
  CHECK(stats.get("nodes eliminated") == 1);
  CHECK(stats.get("nodes folded") == 3); // Sqrt, Neg, Add
  CHECK(countNodes(m->main(), OpKind::Sqrt) == 0);
  // Both branches now return constants; dce kept the one `then` returns.
  CHECK(countNodes(m->main(), OpKind::Constant) == 2);
  auto cond = Tensor::scalar<bool>(true);
  auto x = Tensor::fromVector<float>({1, 2}, {2});
  for (bool which : {true, false}) {
    cond = Tensor::scalar<bool>(which);
    auto want = Interpreter().run(*before, {cond, x});
    auto got = Interpreter().run(*m, {cond, x});
    CHECK(want[0].identicalTo(got[0]));
  }
}

TEST_CASE("cse and dce keep what they must", "[passes]") {
  const char *text = R"(
func @main(%x: f32[2,3], %y: f32[2,3], %unused: f32[1]) {
  %a = Sub(%x, %y) : f32[2,3]
  %b = Sub(%y, %x) : f32[2,3]
  %c = Sub(%x, %y) : f32[2,3]
  %s1 = Softmax(%a) {axis = 0} : f32[2,3]
  %s2 = Softmax(%c) {axis = 1} : f32[2,3]
  %s3 = Softmax(%c) : f32[2,3]
  %s4 = Softmax(%a) {axis = -1} : f32[2,3]
  %k1 = Constant() {value = dense<f32[3]>[1, 2, 3]} : f32[3]
  %k2 = Constant() {value = dense<f32[3]>[1, 2, 3]} : f32[3]
  %k3 = Constant() {value = dense<f32[3]>[1, 2, 4]} : f32[3]
  %p = Add(%s1, %k1) : f32[2,3]
  %q = Add(%s1, %k2) : f32[2,3]
  %r = Add(%s2, %k3) : f32[2,3]
  %dead = Exp(%r) : f32[2,3]
  return %p, %q, %r, %b, %s3, %s4
}
)";
  auto before = parseModule(text);
  auto m = parseModule(text);
  PassStats stats = runPasses(*m, "cse");
  // %c, %s4 (axis -1 is the default), %k2, %q.
  CHECK(stats.get("nodes eliminated") == 4);
  CHECK(countNodes(m->main(), OpKind::Sub) == 2);
  CHECK(countNodes(m->main(), OpKind::Softmax) == 3);
  CHECK(countNodes(m->main(), OpKind::Constant) == 2);
  checkSameOutputs(*before, *m);

  stats = runPasses(*m, "dce");
  CHECK(stats.get("nodes removed") == 1);
  CHECK(m->main().inputs().size() == 3);
  CHECK(countNodes(m->main()) == 9);
  checkSameOutputs(*before, *m);
  // Nothing left to do: both report no change.
  CHECK(runPasses(*m, "cse,dce").counters().empty());
}

namespace {

/// A random graph over f32[2,3] inputs and constants: elementwise ops with
/// operands drawn from a small pool (so duplicates and constant subtrees
/// occur), some outputs, the rest dead.
std::unique_ptr<Module> randomGraph(uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto m = std::make_unique<Module>();
  Function &f = m->addFunction("main");
  TensorType type(ElementType::F32, std::vector<int64_t>{2, 3});
  std::vector<Value *> pool;
  for (int i = 0; i < 2; ++i)
    pool.push_back(f.addInput("x" + std::to_string(i), type));
  for (int i = 0; i < 3; ++i) {
    std::vector<float> v(6);
    for (float &e : v)
      e = float(int(rng() % 7) - 3) * 0.5f;
    Tensor value = Tensor::fromVector<float>(v, {2, 3});
    for (int copies = 1 + int(rng() % 2); copies > 0; --copies) {
      Node *c = f.createNode(OpKind::Constant, {}, {type});
      c->setAttr("value", value);
      pool.push_back(c->result());
    }
  }
  const OpKind binary[] = {OpKind::Add, OpKind::Sub, OpKind::Mul, OpKind::Max};
  const OpKind unary[] = {OpKind::Neg, OpKind::Abs, OpKind::Relu, OpKind::Tanh};
  for (int i = 0; i < 30; ++i) {
    // Recent values are likelier, so chains form.
    auto pick = [&] {
      size_t n = pool.size();
      return pool[rng() % 2 ? n - 1 - rng() % std::min<size_t>(n, 4)
                            : rng() % n];
    };
    Node *node = rng() % 3
                     ? f.createNode(binary[rng() % 4], {pick(), pick()}, {type})
                     : f.createNode(unary[rng() % 4], {pick()}, {type});
    refineResultTypes(*node);
    pool.push_back(node->result());
  }
  std::vector<Value *> outs;
  for (size_t i = pool.size() - 1; outs.size() < 3; i -= 1 + rng() % 5)
    outs.push_back(pool[i]);
  f.setOutputs(outs);
  verify(*m);
  return m;
}

/// Nodes reachable backwards from the outputs (what dce must keep).
size_t liveNodes(const Function &f) {
  std::set<const Node *> live;
  std::vector<const Value *> work(f.outputs().begin(), f.outputs().end());
  while (!work.empty()) {
    const Value *v = work.back();
    work.pop_back();
    if (!v->producer() || !live.insert(v->producer()).second)
      continue;
    for (const Value *o : v->producer()->operands())
      if (o)
        work.push_back(o);
  }
  return live.size();
}

} // namespace

TEST_CASE("graph passes on random graphs keep outputs identical", "[passes]") {
  PassStats totals;
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    INFO("seed " << seed);
    auto before = randomGraph(seed);
    for (const char *pipeline : {"dce", "cse", "fold-constants",
                                 "fold-shapes,fold-constants,cse,dce"}) {
      INFO("pipeline " << pipeline);
      auto m = randomGraph(seed);
      size_t live = liveNodes(m->main());
      size_t total = countNodes(m->main());
      PassStats stats = runPasses(*m, pipeline);
      for (const auto &[counter, n] : stats.counters())
        totals.add(counter, n);
      checkSameOutputs(*before, *m, seed);
      const Function &f = m->main();
      if (std::string(pipeline) == "dce") {
        CHECK(countNodes(f) == live);
        CHECK(stats.get("nodes removed") == int64_t(total - live));
      }
      if (std::string(pipeline) == "cse") {
        // No two nodes are left with the same op and operands.
        std::set<std::pair<OpKind, std::vector<Value *>>> seen;
        for (const auto &n : f.nodes())
          if (n->kind() != OpKind::Constant)
            CHECK(seen.insert({n->kind(), n->operands()}).second);
        CHECK(countNodes(f) + size_t(stats.get("nodes eliminated")) == total);
      }
      if (std::string(pipeline) != "dce" && std::string(pipeline) != "cse") {
        // No node with only constant operands survives folding.
        for (const auto &n : f.nodes()) {
          bool allConstant = n->kind() != OpKind::Constant;
          for (const Value *o : n->operands())
            allConstant &= o->constantValue() != nullptr;
          CHECK_FALSE(allConstant);
        }
      }
    }
  }
  // The generator does produce work for every pass.
  CHECK(totals.get("nodes removed") > 40);
  CHECK(totals.get("nodes eliminated") > 40);
  CHECK(totals.get("nodes folded") > 40);
}
