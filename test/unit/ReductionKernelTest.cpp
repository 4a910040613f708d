// Type inference and interpreter kernels of the ops in IR/ops/Reduction.def
// (reductions, arg-reductions, the softmax family, CumSum, TopK), checked
// against hand-computed ONNX results.
#include "kiln/IR/InferContext.h"
#include "kiln/IR/Module.h"
#include "kiln/Interpreter/Interpreter.h"

#include "SingleNodeGraph.h"

#include <catch2/catch.hpp>

#include <cmath>

using namespace kiln;

namespace {

using OneNode = SingleNodeGraph;

template <typename T>
Tensor vec(const std::vector<T> &values, std::vector<int64_t> shape = {}) {
  if (shape.empty())
    shape = {int64_t(values.size())};
  return Tensor::fromVector<T>(values, shape);
}

std::vector<double> doubles(const Tensor &t) { return t.toDoubleVector(); }

void checkClose(const Tensor &t, const std::vector<double> &expected,
                double tol = 1e-5) {
  std::vector<double> got = t.toDoubleVector();
  REQUIRE(got.size() == expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("element " << i);
    CHECK(got[i] == Approx(expected[i]).margin(tol));
  }
}

const Tensor M22 = Tensor::fromVector<float>({1, 2, 3, 4}, {2, 2});

} // namespace

TEST_CASE("ReduceSum honours axes, keepdims and noop_with_empty_axes",
          "[reduce]") {
  Tensor axes = vec<int64_t>({1});
  OneNode keep(OpKind::ReduceSum, {&M22, &axes});
  CHECK(keep.type() == "f32[2,1]");
  CHECK(doubles(keep.run()[0]) == std::vector<double>{3, 7});

  OneNode drop(OpKind::ReduceSum, {&M22, &axes}, {{"keepdims", 0}});
  CHECK(drop.type() == "f32[2]");
  CHECK(doubles(drop.run()[0]) == std::vector<double>{3, 7});

  OneNode all(OpKind::ReduceSum, {&M22});
  CHECK(all.type() == "f32[1,1]");
  CHECK(doubles(all.run()[0]) == std::vector<double>{10});

  Tensor empty = vec<int64_t>({}, {0});
  OneNode noop(OpKind::ReduceSum, {&M22, &empty},
               {{"noop_with_empty_axes", 1}});
  CHECK(noop.type() == "f32[2,2]");
  CHECK(doubles(noop.run()[0]) == std::vector<double>{1, 2, 3, 4});

  Tensor negative = vec<int64_t>({-2});
  OneNode neg(OpKind::ReduceSum, {&M22, &negative}, {{"keepdims", 0}});
  CHECK(doubles(neg.run()[0]) == std::vector<double>{4, 6});
}

TEST_CASE("every reduction computes its formula", "[reduce]") {
  Tensor axes = vec<int64_t>({0});
  auto reduce = [&](OpKind kind, const Tensor &x) {
    OneNode g(kind, {&x, &axes}, {{"keepdims", 0}});
    return g.run()[0];
  };
  Tensor x = Tensor::fromVector<float>({1, -2, 3, 4}, {2, 2});
  checkClose(reduce(OpKind::ReduceMean, x), {2, 1});
  checkClose(reduce(OpKind::ReduceMax, x), {3, 4});
  checkClose(reduce(OpKind::ReduceMin, x), {1, -2});
  checkClose(reduce(OpKind::ReduceProd, x), {3, -8});
  checkClose(reduce(OpKind::ReduceL1, x), {4, 6});
  checkClose(reduce(OpKind::ReduceL2, x), {std::sqrt(10.0), std::sqrt(20.0)});
  checkClose(reduce(OpKind::ReduceSumSquare, x), {10, 20});
  checkClose(reduce(OpKind::ReduceLogSum, M22), {std::log(4.0), std::log(6.0)});
  // Stable: exp(1000) overflows, the result does not.
  Tensor big = Tensor::fromVector<float>({1000, 1000}, {2, 1});
  checkClose(reduce(OpKind::ReduceLogSumExp, big), {1000 + std::log(2.0)},
             1e-3);
}

TEST_CASE("integer reductions are exact", "[reduce]") {
  Tensor x = Tensor::fromVector<int64_t>(
      {int64_t(1) << 60, 3, (int64_t(1) << 60) + 1, -7}, {2, 2});
  Tensor axes = vec<int64_t>({0});
  OneNode max(OpKind::ReduceMax, {&x, &axes}, {{"keepdims", 0}});
  CHECK(max.type() == "i64[2]");
  CHECK(max.run()[0].toIntVector() ==
        std::vector<int64_t>{(int64_t(1) << 60) + 1, 3});
  Tensor i32 = Tensor::fromVector<int32_t>({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor ax1 = vec<int64_t>({1});
  OneNode sum(OpKind::ReduceSum, {&i32, &ax1});
  CHECK(sum.run()[0].toIntVector() == std::vector<int64_t>{6, 15});
  OneNode mean(OpKind::ReduceMean, {&i32, &ax1});
  CHECK(mean.run()[0].toIntVector() == std::vector<int64_t>{2, 5});
}

TEST_CASE("reduction inference reports bad axes", "[reduce]") {
  Tensor axes = vec<int64_t>({2});
  CHECK_THROWS_WITH(OneNode(OpKind::ReduceSum, {&M22, &axes}),
                    Catch::Contains("axis 2 is out of range for rank 2"));
  Tensor twice = vec<int64_t>({0, -2});
  CHECK_THROWS_WITH(OneNode(OpKind::ReduceMax, {&M22, &twice}),
                    Catch::Contains("repeated"));
}

TEST_CASE("reductions with unknown axes keep what is derivable", "[reduce]") {
  Module m;
  Function &f = m.addFunction("main");
  Value *x = f.addInput(
      "x", TensorType(ElementType::F32, {Dim::symbol("N"), Dim(3), Dim(4)}));
  Value *axes = f.addInput("axes", TensorType(ElementType::I64, {Dim(2)}));
  Node *keep = f.createNode(OpKind::ReduceSum, {x, axes}, {TensorType()});
  refineResultTypes(*keep);
  CHECK(keep->result()->type().str() == "f32[?,?,?]");
  Node *drop = f.createNode(OpKind::ReduceSum, {x, axes}, {TensorType()});
  drop->setAttr("keepdims", 0);
  refineResultTypes(*drop);
  CHECK(drop->result()->type().str() == "f32[?]");
  Node *known = f.createNode(OpKind::ReduceMean, {x}, {TensorType()});
  known->setAttr("keepdims", 0);
  refineResultTypes(*known);
  CHECK(known->result()->type().str() == "f32[]");
}

TEST_CASE("ArgMax and ArgMin pick the first or last extreme", "[reduce]") {
  Tensor x = Tensor::fromVector<float>({1, 3, 3, 2, 0, 5, 5, -1}, {2, 4});
  OneNode first(OpKind::ArgMax, {&x}, {{"axis", 1}});
  CHECK(first.type() == "i64[2,1]");
  CHECK(first.run()[0].toIntVector() == std::vector<int64_t>{1, 1});
  OneNode last(OpKind::ArgMax, {&x},
               {{"axis", 1}, {"select_last_index", 1}, {"keepdims", 0}});
  CHECK(last.type() == "i64[2]");
  CHECK(last.run()[0].toIntVector() == std::vector<int64_t>{2, 2});
  OneNode argmin(OpKind::ArgMin, {&x}, {{"axis", 0}});
  CHECK(argmin.run()[0].toIntVector() == std::vector<int64_t>{1, 0, 0, 1});
  Tensor i8 = Tensor::fromVector<int8_t>({-5, 7, 7}, {3});
  OneNode ints(OpKind::ArgMin, {&i8}, {{"keepdims", 0}});
  CHECK(ints.run()[0].toIntVector() == std::vector<int64_t>{0});
}

TEST_CASE("Softmax, LogSoftmax and Hardmax work on any axis", "[softmax]") {
  OneNode soft(OpKind::Softmax, {&M22}, {{"axis", 0}});
  double e2 = std::exp(2.0);
  checkClose(soft.run()[0],
             {1 / (1 + e2), 1 / (1 + e2), e2 / (1 + e2), e2 / (1 + e2)});
  // Large inputs stay finite.
  Tensor big = Tensor::fromVector<float>({1000, 1001}, {1, 2});
  OneNode stable(OpKind::Softmax, {&big});
  double e1 = std::exp(1.0);
  checkClose(stable.run()[0], {1 / (1 + e1), e1 / (1 + e1)});
  OneNode logSoft(OpKind::LogSoftmax, {&big});
  checkClose(logSoft.run()[0], {-std::log(1 + e1), 1 - std::log(1 + e1)}, 1e-4);
  Tensor tie = Tensor::fromVector<float>({2, 5, 5, 1}, {2, 2});
  OneNode hard(OpKind::Hardmax, {&tie}, {{"axis", -1}});
  CHECK(doubles(hard.run()[0]) == std::vector<double>{0, 1, 1, 0});
  OneNode hard0(OpKind::Hardmax, {&tie}, {{"axis", 0}});
  CHECK(doubles(hard0.run()[0]) == std::vector<double>{0, 1, 1, 0});
  CHECK_THROWS_WITH(OneNode(OpKind::Softmax, {&M22}, {{"axis", 2}}),
                    Catch::Contains("axis 2 is out of range"));
}

TEST_CASE("CumSum supports exclusive and reverse", "[cumsum]") {
  Tensor x = vec<float>({1, 2, 3});
  Tensor axis = Tensor::scalar<int32_t>(0);
  auto run = [&](int exclusive, int reverse) {
    OneNode g(OpKind::CumSum, {&x, &axis},
              {{"exclusive", exclusive}, {"reverse", reverse}});
    return doubles(g.run()[0]);
  };
  CHECK(run(0, 0) == std::vector<double>{1, 3, 6});
  CHECK(run(1, 0) == std::vector<double>{0, 1, 3});
  CHECK(run(0, 1) == std::vector<double>{6, 5, 3});
  CHECK(run(1, 1) == std::vector<double>{5, 3, 0});
  Tensor m = Tensor::fromVector<int64_t>({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor ax = vec<int64_t>({-1});
  OneNode rows(OpKind::CumSum, {&m, &ax});
  CHECK(rows.run()[0].toIntVector() == std::vector<int64_t>{1, 3, 6, 4, 9, 15});
}

TEST_CASE("TopK breaks ties by the lower index", "[topk]") {
  Tensor x = Tensor::fromVector<float>({3, 1, 3, 2, 9, 9, 0, 9}, {2, 4});
  Tensor k = vec<int64_t>({2});
  OneNode largest(OpKind::TopK, {&x, &k}, {}, 2);
  CHECK(largest.type(0) == "f32[2,2]");
  CHECK(largest.type(1) == "i64[2,2]");
  std::vector<Tensor> r = largest.run();
  CHECK(doubles(r[0]) == std::vector<double>{3, 3, 9, 9});
  CHECK(r[1].toIntVector() == std::vector<int64_t>{0, 2, 0, 1});
  OneNode smallest(OpKind::TopK, {&x, &k}, {{"largest", 0}}, 2);
  r = smallest.run();
  CHECK(doubles(r[0]) == std::vector<double>{1, 2, 0, 9});
  CHECK(r[1].toIntVector() == std::vector<int64_t>{1, 3, 2, 0});
  OneNode axis0(OpKind::TopK, {&x, &k}, {{"axis", 0}}, 2);
  r = axis0.run();
  CHECK(doubles(r[0]) == std::vector<double>{9, 9, 3, 9, 3, 1, 0, 2});
  CHECK(r[1].toIntVector() == std::vector<int64_t>{1, 1, 0, 1, 0, 0, 1, 0});
  Tensor tooMany = vec<int64_t>({5});
  CHECK_THROWS_WITH(OneNode(OpKind::TopK, {&x, &tooMany}, {}, 2),
                    Catch::Contains("k = 5 exceeds the size 4"));
}
