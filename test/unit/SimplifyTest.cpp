// The loop IR simplifier: targeted rules, bounds, and random differential
// tests against the evaluator (simplified and original must agree exactly).
#include "kiln/LoopIR/Bounds.h"
#include "kiln/LoopIR/Builder.h"
#include "kiln/LoopIR/Evaluator.h"
#include "kiln/LoopIR/Simplify.h"

#include <catch2/catch.hpp>

#include <cstring>
#include <limits>
#include <random>

using namespace kiln;
using namespace kiln::loop;

namespace {

Expr i32(int64_t v) { return intImm(DType(ElementType::I32), v); }
Expr f32(double v) { return floatImm(DType(ElementType::F32), v); }

bool isInt(const Expr &e, int64_t v) {
  auto *imm = e.as<IntImmNode>();
  return imm && imm->value == v;
}

} // namespace

TEST_CASE("simplify: constant folding and identities", "[loopir][simplify]") {
  Var x("x"), y("y");
  Var f("f", DType(ElementType::F32));
  CHECK(isInt(simplify((Expr(2) + Expr(3)) * Expr(4)), 20));
  CHECK(isInt(simplify(i32(2147483647) + i32(1)), -2147483648LL));
  CHECK(isInt(simplify(Expr(7) / Expr(0)), 0));
  CHECK(isInt(simplify(floorMod(Expr(-7), Expr(2))), 1));
  CHECK(isInt(simplify(Expr(3) < Expr(5)), 1));
  CHECK(simplify(x + 0).same(x));
  CHECK(simplify(x * 1).same(x));
  CHECK(isInt(simplify(x * 0), 0));
  CHECK(isInt(simplify(x - x), 0));
  CHECK(isInt(simplify((x + y) - (x + y)), 0));
  CHECK(simplify(-(-x)).same(x));
  CHECK(simplify(logicalNot(logicalNot(x < y))).same(simplify(x < y)) == false);
  CHECK(structurallyEqual(simplify(logicalNot(logicalNot(x < y))), x < y));
  CHECK(structurallyEqual(simplify(logicalNot(x < y)), x >= y));
  CHECK(simplify(select(boolImm(true), x, y)).same(x));
  CHECK(simplify(select(x < y, y, y)).same(y));
  CHECK(simplify(min(x, x)).same(x));
  CHECK(simplify(max(f, f)).same(f));
  CHECK(isInt(simplify(cast(ElementType::I8, i32(300))), 44));
  Expr fcExpr = simplify(cast(ElementType::F16, f32(2049)));
  auto *fc = fcExpr.as<FloatImmNode>();
  REQUIRE(fc);
  CHECK(fc->value == 2048);
  // Float identities are only the exact ones: x + 0 stays (x = -0).
  CHECK(simplify(f * 1.0).same(f));
  CHECK(simplify(f - 0.0).same(f));
  CHECK(!simplify(f + 0.0).same(f));
  Expr ffExpr = simplify(f32(1.5) * f32(2));
  auto *ff = ffExpr.as<FloatImmNode>();
  REQUIRE(ff);
  CHECK(ff->value == 3);
  CHECK(structurallyEqual(simplify(logicalAnd(x < y, boolImm(true))), x < y));
  CHECK(isInt(simplify(logicalOr(x < y, boolImm(true))), 1));
}

TEST_CASE("simplify: canonical order and reassociation", "[loopir][simplify]") {
  Var x("x"), y("y");
  CHECK(structurallyEqual(simplify(Expr(3) + x), x + 3));
  CHECK(structurallyEqual(simplify((x + 1) + 2), x + 3));
  CHECK(structurallyEqual(simplify((x - 1) + 1), x));
  CHECK(structurallyEqual(simplify((x * 2) * 3), x * 6));
  CHECK(structurallyEqual(simplify((x + 1) * 4), x * 4 + 4));
  CHECK(structurallyEqual(simplify(x + (y + 2)), (x + y) + 2));
  CHECK(isInt(simplify((x + 5) - (x + 3)), 2));
  CHECK(structurallyEqual(simplify(Expr(2) < x), x > 2));
}

TEST_CASE("simplify: bound-aware rules", "[loopir][simplify]") {
  Var i("i"), j("j"), x("x");
  VarBounds vb{{i.node(), {0, 7}}, {j.node(), {0, 3}}, {x.node(), {0, 1000}}};
  CHECK(simplify((i * 4 + j) / 4, vb).same(i));
  CHECK(simplify((i * 4 + j) % 4, vb).same(j));
  CHECK(simplify(floorDiv(i * 4 + j, Expr(4)), vb).same(i));
  CHECK(simplify(floorMod(i * 4 + j, Expr(4)), vb).same(j));
  CHECK(simplify(floorMod(j + i * 4, Expr(4)), vb).same(j));
  CHECK(structurallyEqual(simplify((i * 8 + j) / 4, vb), i * 2));
  CHECK(structurallyEqual(simplify((x / 2) / 3, vb), x / 6));
  CHECK(isInt(simplify(j / 4, vb), 0));
  CHECK(simplify(j % 4, vb).same(j));
  CHECK(simplify(min(i, Expr(10)), vb).same(i));
  CHECK(simplify(max(i, Expr(0)), vb).same(i));
  CHECK(isInt(simplify(i < 8, vb), 1));
  CHECK(isInt(simplify(i >= 8, vb), 0));
  CHECK(isInt(simplify(i < i + 1, vb), 1));
  CHECK(isInt(simplify(i * 4 + j < 32, vb), 1));
  // Without ranges nothing is assumed: (i*4 + j) / 4 may differ from i.
  CHECK(!simplify((i * 4 + j) / 4).same(i));
  CHECK(!simplify(min(i, Expr(10))).same(i));
  // Truncating division of a possibly negative value is not split.
  VarBounds neg{{i.node(), {-3, 7}}, {j.node(), {0, 3}}};
  CHECK(!simplify((i * 4 + j) / 4, neg).same(i));
  CHECK(simplify(floorDiv(i * 4 + j, Expr(4)), neg).same(i));
}

TEST_CASE("boundsOf: ranges of index expressions", "[loopir][simplify]") {
  Var i("i"), j("j");
  VarBounds vb{{i.node(), {0, 7}}, {j.node(), {-2, 3}}};
  auto b = boundsOf(i * 4 + j, vb);
  REQUIRE(b);
  CHECK(b->min == -2);
  CHECK(b->max == 31);
  b = boundsOf(ramp(i * 8, Expr(1), 8), vb);
  REQUIRE(b);
  CHECK(b->min == 0);
  CHECK(b->max == 63);
  Buffer buf = makeBuffer("buf", ElementType::U8, {4});
  b = boundsOf(cast(ElementType::I32, load(buf, {Expr(0)})) - i32(1));
  REQUIRE(b);
  CHECK(b->min == -1);
  CHECK(b->max == 254);
  b = boundsOf(floorMod(i - 20, Expr(5)), vb);
  REQUIRE(b);
  CHECK(b->min == 0);
  CHECK(b->max == 4);
  CHECK(!boundsOf(Var("free") + 1)); // i64 of unknown range
  // A range that would wrap is not claimed.
  Var k("k", DType(ElementType::I32));
  CHECK(!boundsOf(k * i32(4), {{k.node(), {0, 1 << 30}}}));
  auto lb = loopVarBounds(Expr(2), Expr(5));
  REQUIRE(lb);
  CHECK(lb->min == 2);
  CHECK(lb->max == 6);
  CHECK(!loopVarBounds(Expr(0), Expr(0)));
}

TEST_CASE("simplify: statements", "[loopir][simplify]") {
  Buffer out = makeBuffer("out", ElementType::I64, {8});
  Var i("i"), j("j"), v("v");
  // Extent 0 disappears; extent 1 is substituted.
  Stmt s = makeSeq({makeFor(i, 0, 0, ForKind::Serial, makeStore(out, {i}, i)),
                    makeFor(j, 3, 1, ForKind::Serial, makeStore(out, {j}, j))});
  Stmt r = simplify(s);
  auto *st = r.as<StoreNode>();
  REQUIRE(st);
  CHECK(isInt(st->indices[0], 3));
  CHECK(isInt(st->value, 3));
  // Vectorized/parallel loops of extent > 1 stay; provable ifs are removed.
  Stmt vec = makeFor(i, 0, 4, ForKind::Vectorized,
                     makeIf(i < 4, makeStore(out, {i}, i * 1),
                            makeStore(out, {i}, Expr(0))));
  r = simplify(vec);
  auto *fr = r.as<ForNode>();
  REQUIRE(fr);
  CHECK(fr->forKind == ForKind::Vectorized);
  REQUIRE(fr->body.as<StoreNode>());
  CHECK(fr->body.as<StoreNode>()->value.same(i));
  // Conditions narrow ranges inside the branch.
  Stmt branch = makeFor(i, 0, 8, ForKind::Serial,
                        makeIf(i < 4, makeStore(out, {i}, min(i, Expr(5))),
                               makeStore(out, {i}, max(i, Expr(3)))));
  r = simplify(branch);
  auto *ifn = r.as<ForNode>()->body.as<IfThenElseNode>();
  REQUIRE(ifn);
  CHECK(ifn->thenBody.as<StoreNode>()->value.same(i));
  CHECK(ifn->elseBody.as<StoreNode>()->value.same(i));
  // Lets of constants are substituted; an always-false if with no else goes.
  r = simplify(makeLet(v, Expr(2), makeStore(out, {v}, v * 3)));
  REQUIRE(r.as<StoreNode>());
  CHECK(isInt(r.as<StoreNode>()->value, 6));
  r = simplify(makeIf(Expr(1) > Expr(2), makeStore(out, {Expr(0)}, Expr(1))));
  REQUIRE(r.as<SeqNode>());
  CHECK(r.as<SeqNode>()->stmts.empty());
}

namespace {

// Random integer expressions over loop variables, for differential testing.
class ExprGen {
public:
  ExprGen(uint32_t seed, std::vector<Expr> leaves)
      : rng_(seed), leaves_(std::move(leaves)) {}

  Expr gen(DType t, int depth) {
    std::uniform_int_distribution<int> pick(0, depth <= 0 ? 1 : 17);
    switch (pick(rng_)) {
    case 0: return leaf(t);
    case 1: return constant(t);
    case 2: return gen(t, depth - 1) + gen(t, depth - 1);
    case 3: return gen(t, depth - 1) - gen(t, depth - 1);
    case 4: return gen(t, depth - 1) * constant(t);
    case 5: return gen(t, depth - 1) * gen(t, depth - 1);
    case 6: return gen(t, depth - 1) / constant(t);
    case 7: return gen(t, depth - 1) % constant(t);
    case 8: return floorDiv(gen(t, depth - 1), constant(t));
    case 9: return floorMod(gen(t, depth - 1), constant(t));
    case 10: return min(gen(t, depth - 1), gen(t, depth - 1));
    case 11: return max(gen(t, depth - 1), gen(t, depth - 1));
    case 12:
      return select(cond(t, depth - 1), gen(t, depth - 1), gen(t, depth - 1));
    case 13: return -gen(t, depth - 1);
    case 14: return binary(BinaryOp::BitAnd, gen(t, depth - 1), constant(t));
    case 15: return binary(BinaryOp::Shr, gen(t, depth - 1), constant(t));
    case 16: return binary(BinaryOp::Shl, gen(t, depth - 1), constant(t));
    default:
      return cast(t, gen(randomType(), depth - 1));
    }
  }

  DType randomType() {
    static const ElementType types[] = {ElementType::I64, ElementType::I32,
                                        ElementType::I8, ElementType::U8,
                                        ElementType::U32, ElementType::U16};
    std::uniform_int_distribution<size_t> pick(0, std::size(types) - 1);
    return DType(types[pick(rng_)]);
  }

private:
  Expr cond(DType t, int depth) {
    static const BinaryOp ops[] = {BinaryOp::LT, BinaryOp::LE, BinaryOp::GT,
                                   BinaryOp::GE, BinaryOp::EQ, BinaryOp::NE};
    std::uniform_int_distribution<int> pick(0, 6);
    int k = pick(rng_);
    if (k == 6)
      return logicalNot(cond(t, depth - 1));
    return binary(ops[k], gen(t, depth), gen(t, depth));
  }
  Expr leaf(DType t) {
    std::uniform_int_distribution<size_t> pick(0, leaves_.size() - 1);
    return cast(t, leaves_[pick(rng_)]);
  }
  Expr constant(DType t) {
    static const int64_t values[] = {0, 1, -1, 2, 3, 4, 8, -4, 16, 7, 255, 200,
                                     std::numeric_limits<int32_t>::min(),
                                     std::numeric_limits<int32_t>::max(),
                                     std::numeric_limits<int64_t>::min()};
    std::uniform_int_distribution<size_t> pick(0, std::size(values) - 1);
    return intImm(t, values[pick(rng_)]);
  }

  std::mt19937 rng_;
  std::vector<Expr> leaves_;
};

// Runs f with one zeroed output and one input buffer and returns the output.
Tensor runOut(const PrimFunc &f, ElementType elem, std::vector<int64_t> shape,
              Tensor &input) {
  Tensor out(elem, shape);
  std::vector<uint8_t> ws(size_t(workspaceBytes(f)) + 1);
  evaluatePrimFunc(f, {out.rawData(), input.rawData()}, ws.data(),
                   workspaceBytes(f));
  return out;
}

} // namespace

TEST_CASE("simplify: random expressions keep their values", "[loopir][simplify]") {
  Buffer in = makeBuffer("in", ElementType::I32, {4});
  Tensor input = Tensor::fromVector<int32_t>(
      {5, -9, std::numeric_limits<int32_t>::max(), 0}, {4});
  Var i("i"), j("j"), k("k");
  std::vector<Expr> leaves{i, j, k, load(in, {j}), i * 4 + j};
  int changed = 0;
  for (uint32_t seed = 0; seed < 400; ++seed) {
    ExprGen gen(seed, leaves);
    DType t = gen.randomType();
    Buffer out = makeBuffer("out", t.elem, {8, 4, 3, 2});
    Expr e1 = gen.gen(t, 4), e2 = gen.gen(t, 3);
    // Loop vars: i in [-3, 5), j in [0, 4), k in [0, 3); the if exercises
    // range narrowing in both branches.
    Stmt body = makeSeq({
        makeIf(i < j, makeStore(out, {i + 3, j, k, Expr(0)}, e1),
               makeStore(out, {i + 3, j, k, Expr(0)}, e2)),
        makeStore(out, {i + 3, j, k, Expr(1)}, e1 - e2),
    });
    Stmt s = makeFor(i, -3, 8, ForKind::Serial,
                     makeFor(j, 0, 4, ForKind::Serial,
                             makeFor(k, 0, 3, ForKind::Parallel, body)));
    PrimFunc f{"rand", {out, in}, s};
    PrimFunc g = simplify(f);
    Tensor a = runOut(f, t.elem, out->shape, input);
    Tensor b = runOut(g, t.elem, out->shape, input);
    INFO("seed " << seed);
    REQUIRE(a.identicalTo(b));
    changed += !simplify(e1).same(e1);
  }
  CHECK(changed > 100); // the simplifier did rewrite most of them
}

TEST_CASE("simplify: random float and vector kernels keep their values",
          "[loopir][simplify]") {
  Buffer in = makeBuffer("in", ElementType::F32, {16});
  Buffer out = makeBuffer("out", ElementType::F32, {16});
  Tensor input(ElementType::F32, {16});
  for (int n = 0; n < 16; ++n)
    input.setDouble(n, n % 3 == 0 ? -0.0 : (n - 7) * 0.37);
  Var i("i");
  Expr idx = ramp(i * 4 + 0, Expr(1), 4);
  Expr x = load(in, {idx});
  Expr zero = broadcast(f32(0), 4), one = broadcast(f32(1), 4);
  std::vector<Expr> values{
      x + zero, x * one, x - zero, (x * one + zero) / one, max(x, x),
      select(broadcast(i < 2, 4), x, x + one),
      x * broadcast(f32(2) * f32(0.5), 4),
      cast(ElementType::F32, cast(ElementType::I32, x * broadcast(f32(10), 4))),
  };
  for (size_t n = 0; n < values.size(); ++n) {
    PrimFunc f{"fv", {out, in},
               makeFor(i, 0, 4, ForKind::Serial, makeStore(out, {idx}, values[n]))};
    PrimFunc g = simplify(f);
    INFO("value " << n);
    CHECK(runOut(f, ElementType::F32, {16}, input)
              .identicalTo(runOut(g, ElementType::F32, {16}, input)));
  }
}
