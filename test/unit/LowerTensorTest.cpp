// Lowering of the data-movement, indexing, sorting and signal ops: each
// single-node graph is run by the interpreter and, lowered to loop IR, by the
// loop IR evaluator (which bounds-checks every access); results must agree.
#include "kiln/IR/InferContext.h"
#include "kiln/IR/Module.h"
#include "kiln/Interpreter/Interpreter.h"
#include "kiln/LoopIR/Evaluator.h"
#include "kiln/LoopIR/Verifier.h"
#include "kiln/Lowering/Lowering.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <random>

using namespace kiln;

namespace {

// An operand: graph input (run-time data) or constant (compile-time value).
struct Arg {
  Tensor value;
  bool constant = false;
};
Arg in(Tensor t) { return {std::move(t), false}; }
Arg cst(Tensor t) { return {std::move(t), true}; }

template <typename T>
Tensor vec(const std::vector<T> &values, std::vector<int64_t> shape = {}) {
  if (shape.empty())
    shape = {int64_t(values.size())};
  return Tensor::fromVector<T>(values, shape);
}

// Random values: floats in [-4, 4] with few ties, integers in [-9, 9]
// (unsigned in [0, 9]), bools at random.
Tensor randomTensor(ElementType e, std::vector<int64_t> shape,
                    unsigned seed = 1) {
  std::mt19937 rng(seed);
  Tensor t(e, shape);
  for (int64_t i = 0; i < t.numElements(); ++i) {
    if (isFloat(e))
      t.setDouble(i, std::uniform_real_distribution<double>(-4, 4)(rng));
    else if (e == ElementType::Bool)
      t.setInt(i, rng() % 2);
    else
      t.setInt(i, int64_t(rng() % 19) - (isSigned(e) ? 9 : 0));
  }
  return t;
}

struct Outcome {
  std::vector<Tensor> expected, actual;
};

Outcome runBoth(OpKind kind, const std::vector<Arg> &args,
                const std::map<std::string, Attribute> &attrs = {},
                size_t numResults = 1, bool interpret = true) {
  Module module;
  Function &f = module.addFunction("main");
  std::vector<Value *> operands;
  std::vector<Tensor> inputs;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i].constant) {
      Node *c = f.createNode(OpKind::Constant, {}, {args[i].value.type()});
      c->setAttr("value", args[i].value);
      operands.push_back(c->result());
    } else {
      operands.push_back(
          f.addInput("x" + std::to_string(i), args[i].value.type()));
      inputs.push_back(args[i].value);
    }
  }
  Node *node = f.createNode(kind, operands,
                            std::vector<TensorType>(numResults, TensorType()),
                            "n0");
  for (const auto &[name, value] : attrs)
    node->setAttr(name, value);
  refineResultTypes(*node);
  f.setOutputs(node->results());
  Outcome o;
  if (interpret)
    o.expected = Interpreter().run(f, inputs);
  loop::Program p = lowerFunction(f, "t");
  loop::verifyProgram(p);
  o.actual = loop::runProgram(p, inputs);
  return o;
}

// Bitwise equality for integer results; floats within a relative 1e-5 (or
// bitwise where `exact`), NaN matching NaN.
void checkSame(const Outcome &o, bool exact = true) {
  REQUIRE(o.actual.size() == o.expected.size());
  for (size_t r = 0; r < o.expected.size(); ++r) {
    const Tensor &e = o.expected[r], &a = o.actual[r];
    INFO("result " << r);
    REQUIRE(a.elementType() == e.elementType());
    REQUIRE(a.shape() == e.shape());
    if (exact || !isFloat(e.elementType())) {
      CHECK(a.identicalTo(e));
      continue;
    }
    for (int64_t i = 0; i < e.numElements(); ++i) {
      double x = e.getDouble(i), y = a.getDouble(i);
      INFO("element " << i << ": expected " << x << ", got " << y);
      if (std::isnan(x))
        CHECK(std::isnan(y));
      else
        CHECK(std::fabs(x - y) <= 1e-5 * std::max(1.0, std::fabs(x)));
    }
  }
}

void same(OpKind kind, const std::vector<Arg> &args,
          const std::map<std::string, Attribute> &attrs = {},
          size_t numResults = 1, bool exact = true) {
  checkSame(runBoth(kind, args, attrs, numResults), exact);
}

const ElementType F32 = ElementType::F32, I64 = ElementType::I64;

} // namespace

TEST_CASE("Lowered reshape-like ops copy the data", "[lower-tensor]") {
  Tensor x = randomTensor(F32, {2, 3, 4});
  same(OpKind::Reshape, {in(x), cst(vec<int64_t>({4, -1}))});
  same(OpKind::Flatten, {in(x)}, {{"axis", 2}});
  same(OpKind::Unsqueeze, {in(x), cst(vec<int64_t>({0, -1}))});
  same(OpKind::Squeeze, {in(randomTensor(ElementType::U8, {2, 1, 3, 1}))});
}

TEST_CASE("Lowered Transpose, Expand, Tile", "[lower-tensor]") {
  Tensor x = randomTensor(ElementType::I32, {2, 3, 4});
  same(OpKind::Transpose, {in(x)});
  same(OpKind::Transpose, {in(x)}, {{"perm", std::vector<int64_t>{1, 2, 0}}});
  same(OpKind::Expand,
       {in(randomTensor(F32, {3, 1})), cst(vec<int64_t>({2, 1, 4}))});
  same(OpKind::Tile,
       {in(randomTensor(ElementType::Bool, {2, 3})), cst(vec<int64_t>({2, 3}))});
}

TEST_CASE("Lowered DepthToSpace and SpaceToDepth", "[lower-tensor]") {
  Tensor x = randomTensor(F32, {1, 8, 2, 3});
  same(OpKind::DepthToSpace, {in(x)}, {{"blocksize", 2}});
  same(OpKind::DepthToSpace, {in(x)}, {{"blocksize", 2}, {"mode", "CRD"}});
  same(OpKind::SpaceToDepth, {in(randomTensor(F32, {2, 3, 4, 6}))},
       {{"blocksize", 2}});
}

TEST_CASE("Lowered Concat and Split", "[lower-tensor]") {
  Tensor a = randomTensor(F32, {2, 3}, 1), b = randomTensor(F32, {2, 1}, 2);
  same(OpKind::Concat, {in(a), in(b), in(a)}, {{"axis", -1}});
  Tensor x = randomTensor(I64, {5, 4});
  same(OpKind::Split, {in(x), cst(vec<int64_t>({2, 3}))}, {}, 2);
  same(OpKind::Split, {in(x)}, {{"axis", 1}}, 2);
}

TEST_CASE("Lowered Slice with negative steps and clamping", "[lower-tensor]") {
  Tensor x = randomTensor(F32, {4, 5});
  constexpr int64_t Min = std::numeric_limits<int64_t>::min();
  same(OpKind::Slice, {in(x), cst(vec<int64_t>({-1, -1})),
                       cst(vec<int64_t>({Min, 0})), cst(vec<int64_t>({0, 1})),
                       cst(vec<int64_t>({-1, -2}))});
  same(OpKind::Slice, {in(x), cst(vec<int64_t>({1})), cst(vec<int64_t>({1000})),
                       cst(vec<int64_t>({-1}))});
}

TEST_CASE("Lowered Pad in every mode, with negative pads", "[lower-tensor]") {
  Tensor x = randomTensor(F32, {3, 4});
  Tensor pads = vec<int64_t>({2, -1, 3, 5});
  for (const char *mode : {"constant", "reflect", "edge", "wrap"}) {
    INFO(mode);
    same(OpKind::Pad, {in(x), cst(pads)}, {{"mode", mode}});
  }
  same(OpKind::Pad, {in(x), cst(vec<int64_t>({1, 2})),
                     in(Tensor::scalar<float>(7.5f)), cst(vec<int64_t>({1}))});
}

TEST_CASE("Lowered gathers match and clamp bad indices", "[lower-tensor]") {
  Tensor data = randomTensor(F32, {3, 4});
  same(OpKind::Gather,
       {in(data), in(vec<int64_t>({2, -1, 0, 1}, {2, 2}))}, {{"axis", 1}});
  same(OpKind::Gather, {in(data), in(Tensor::scalar<int32_t>(-2))});
  same(OpKind::GatherElements,
       {in(data), in(vec<int64_t>({0, 2, -1, 1}, {2, 2}))}, {{"axis", 0}});
  same(OpKind::GatherND, {in(randomTensor(F32, {2, 3, 2})),
                          in(vec<int64_t>({1, 2, 0, -1}, {2, 2}))});
  same(OpKind::GatherND,
       {in(randomTensor(F32, {2, 3, 2})), in(vec<int64_t>({1, 0}, {2, 1}))},
       {{"batch_dims", 1}});
  // The interpreter rejects index 7; generated code clamps it to 3 (the
  // evaluator would throw on an out-of-bounds load).
  Outcome o = runBoth(OpKind::Gather, {in(data), in(vec<int64_t>({7, -9}))},
                      {{"axis", 1}}, 1, /*interpret=*/false);
  Tensor want(F32, {3, 2});
  for (int64_t r = 0; r < 3; ++r) {
    want.data<float>()[r * 2] = data.data<float>()[r * 4 + 3];
    want.data<float>()[r * 2 + 1] = data.data<float>()[r * 4];
  }
  CHECK(o.actual.at(0).identicalTo(want));
  // Out-of-range scatter indices skip their update.
  Outcome s = runBoth(OpKind::ScatterElements,
                      {in(data), in(vec<int64_t>({5}, {1, 1})),
                       in(vec<float>({1}, {1, 1}))},
                      {}, 1, /*interpret=*/false);
  CHECK(s.actual.at(0).identicalTo(data));
}

TEST_CASE("Lowered scatters with every reduction", "[lower-tensor]") {
  Tensor data = randomTensor(F32, {3, 3});
  Tensor idx = vec<int64_t>({1, 0, 2, 0, 2, 1}, {2, 3});
  Tensor upd = randomTensor(F32, {2, 3}, 5);
  for (const char *r : {"none", "add", "mul", "max", "min"}) {
    INFO(r);
    same(OpKind::ScatterElements, {in(data), in(idx), in(upd)},
         {{"reduction", r}});
    same(OpKind::ScatterND,
         {in(data), in(vec<int64_t>({1, -1, 1}, {3, 1})),
          in(randomTensor(F32, {3, 3}, 7))},
         {{"reduction", r}});
  }
  same(OpKind::ScatterElements,
       {in(randomTensor(ElementType::I8, {4})), in(vec<int64_t>({3, 3})),
        in(randomTensor(ElementType::I8, {2}, 3))},
       {{"reduction", "mul"}});
}

TEST_CASE("Lowered Compress and ReverseSequence", "[lower-tensor]") {
  Tensor x = randomTensor(F32, {3, 4});
  same(OpKind::Compress,
       {in(x), cst(vec<bool>({true, false, true, true}))}, {{"axis", 1}});
  same(OpKind::Compress, {in(x), cst(vec<bool>({false, true, true}))});
  same(OpKind::ReverseSequence, {in(x), in(vec<int64_t>({4, 0, 2}))},
       {{"batch_axis", 0}, {"time_axis", 1}});
}

TEST_CASE("Lowered CumSum with a run-time axis", "[lower-tensor]") {
  Tensor x = randomTensor(F32, {3, 4});
  for (int ex = 0; ex < 2; ++ex)
    for (int rev = 0; rev < 2; ++rev) {
      same(OpKind::CumSum, {in(x), in(Tensor::scalar<int64_t>(-1))},
           {{"exclusive", ex}, {"reverse", rev}});
      same(OpKind::CumSum,
           {in(randomTensor(ElementType::I32, {3, 4})),
            cst(Tensor::scalar<int32_t>(0))},
           {{"exclusive", ex}, {"reverse", rev}});
    }
}

TEST_CASE("Lowered TopK, ArgMax, ArgMin and Hardmax keep tie order",
          "[lower-tensor]") {
  // Ties and a NaN: stable order, NaN largest.
  float nan = std::numeric_limits<float>::quiet_NaN();
  Tensor x = vec<float>({3, 1, 3, nan, 2, 2, 2, 1, 0, 5, 5, 1}, {2, 6});
  for (int largest = 0; largest < 2; ++largest)
    same(OpKind::TopK, {in(x), cst(vec<int64_t>({4}))},
         {{"largest", largest}}, 2);
  same(OpKind::TopK, {in(randomTensor(ElementType::I32, {4, 3})),
                      cst(vec<int64_t>({2}))},
       {{"axis", 0}}, 2);
  Tensor y = vec<int64_t>({1, 4, 4, 2, 0, 0}, {2, 3});
  for (int last = 0; last < 2; ++last)
    for (int keep = 0; keep < 2; ++keep) {
      same(OpKind::ArgMax, {in(y)},
           {{"axis", 1}, {"select_last_index", last}, {"keepdims", keep}});
      same(OpKind::ArgMin, {in(y)},
           {{"axis", -1}, {"select_last_index", last}, {"keepdims", keep}});
    }
  same(OpKind::Hardmax, {in(vec<float>({1, 3, 3, 0, -1, -2}, {2, 3}))});
}

TEST_CASE("Lowered Det, DFT, STFT and Einsum", "[lower-tensor]") {
  same(OpKind::Det, {in(randomTensor(F32, {2, 3, 3}))}, {}, 1, false);
  same(OpKind::Det, {in(vec<float>({1, 2, 2, 4}, {2, 2}))});
  Tensor sig = randomTensor(F32, {2, 8, 1});
  same(OpKind::DFT, {in(sig)}, {}, 1, false);
  same(OpKind::DFT, {in(randomTensor(F32, {3, 5, 2})), cst(vec<int64_t>({6}))},
       {{"inverse", 1}, {"onesided", 1}}, 1, false);
  same(OpKind::STFT,
       {in(randomTensor(F32, {1, 16, 1})), cst(Tensor::scalar<int64_t>(4)),
        in(randomTensor(F32, {8}, 3))},
       {}, 1, false);
  same(OpKind::Einsum,
       {in(randomTensor(F32, {2, 3})), in(randomTensor(F32, {3, 4}, 2))},
       {{"equation", "ij,jk->ik"}}, 1, false);
  same(OpKind::Einsum, {in(randomTensor(ElementType::I32, {3, 3}))},
       {{"equation", "ii->"}});
  same(OpKind::Einsum,
       {in(randomTensor(F32, {2, 1, 3})), in(randomTensor(F32, {4, 3}, 2))},
       {{"equation", "...j,kj->...k"}}, 1, false);
}
