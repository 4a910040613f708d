//===- DifferentialTest.cpp - compiled vs interpreted, op by op -----------===//
// Every op family compiled for the host (JIT) and compared with the
// reference interpreter on seeded random inputs of several shapes: odd sizes
// that do not divide any vector width, broadcasting and size-1 dimensions.
//===----------------------------------------------------------------------===//

#include "LoweringHarness.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>

using namespace kiln;

namespace {

std::string dims(const std::vector<int64_t> &shape) {
  std::string s;
  for (int64_t d : shape)
    s += (s.empty() ? "" : ",") + std::to_string(d);
  return s;
}

std::vector<int64_t> broadcast(std::vector<int64_t> a,
                               std::vector<int64_t> b) {
  if (a.size() < b.size())
    std::swap(a, b);
  b.insert(b.begin(), a.size() - b.size(), 1);
  for (size_t i = 0; i < a.size(); ++i)
    a[i] = std::max(a[i], b[i]);
  return a;
}

/// A one-node model `y = Op(x, w)` in ONNX text; the result has the
/// broadcast shape unless `outShape` is given.
std::string binaryModel(const std::string &op, const std::vector<int64_t> &a,
                        const std::vector<int64_t> &b, const std::string &out,
                        const std::string &type = "float",
                        std::vector<int64_t> outShape = {}) {
  if (outShape.empty())
    outShape = broadcast(a, b);
  return fmt::format(R"(<ir_version: 8, opset_import: ["" : 17]>
g ({0}[{1}] x, {0}[{2}] w) => ({3}[{5}] y) {{ y = {4}(x, w) }})",
                     type, dims(a), dims(b), out, op, dims(outShape));
}

/// y = Op(x); y has x's shape unless `outShape` is given.
std::string unaryModel(const std::string &op, const std::vector<int64_t> &a,
                       const std::string &attrs = "",
                       const std::string &type = "float",
                       const std::vector<int64_t> *outShape = nullptr) {
  return fmt::format(R"(<ir_version: 8, opset_import: ["" : 17]>
g ({0}[{1}] x) => ({0}[{4}] y) {{ y = {2}{3}(x) }})",
                     type, dims(a), op, attrs, dims(outShape ? *outShape : a));
}

const std::vector<std::pair<std::vector<int64_t>, std::vector<int64_t>>>
    kBroadcastShapes = {
        {{7}, {7}},           {{33}, {1}},         {{3, 13}, {13}},
        {{2, 1, 17}, {5, 1}}, {{1}, {4, 9}},        {{4, 16}, {4, 16}},
        {{2, 3, 5, 7}, {3, 1, 7}},
};

} // namespace

TEST_CASE("binary elementwise ops compiled match the interpreter",
          "[differential]") {
  for (const char *op : {"Add", "Sub", "Mul", "Div", "Max", "Min", "Pow",
                         "PRelu"}) {
    for (const auto &[a, b] : kBroadcastShapes) {
      if (std::string(op) == "PRelu" && broadcast(a, b) != a)
        continue;
      INFO(op << " " << dims(a) << " with " << dims(b));
      CHECK(compareCompiledWithInterpreter(binaryModel(op, a, b, "float"),
                                           "host", 7) == "");
    }
  }
  for (const char *op : {"Less", "Greater", "Equal"}) {
    for (const auto &[a, b] : kBroadcastShapes) {
      INFO(op << " " << dims(a) << " with " << dims(b));
      CHECK(compareCompiledWithInterpreter(binaryModel(op, a, b, "bool"),
                                           "host", 3) == "");
    }
  }
  for (const char *op : {"Add", "Mul", "Sub", "Div", "Mod"}) {
    INFO(op << " on int32");
    CHECK(compareCompiledWithInterpreter(
              binaryModel(op, {3, 11}, {11}, "int32", "int32"), "host", 5) ==
          "");
  }
}

TEST_CASE("unary and activation ops compiled match the interpreter",
          "[differential]") {
  for (const char *op :
       {"Abs", "Neg", "Exp", "Tanh", "Sigmoid", "Relu", "Sqrt", "Floor",
        "Ceil", "Round", "Erf", "Softplus", "Sin", "Cos", "Reciprocal",
        "HardSwish", "Softsign", "Sign"}) {
    for (const auto &shape : std::vector<std::vector<int64_t>>{
             {1}, {7}, {5, 13}, {2, 3, 33}}) {
      INFO(op << " " << dims(shape));
      CHECK(compareCompiledWithInterpreter(unaryModel(op, shape), "host",
                                           11) == "");
    }
  }
  CHECK(compareCompiledWithInterpreter(
            unaryModel("LeakyRelu", {3, 17}, "<alpha: float = 0.2>"), "host",
            1) == "");
  CHECK(compareCompiledWithInterpreter(
            unaryModel("Elu", {3, 17}, "<alpha: float = 0.7>"), "host", 1) ==
        "");
}

TEST_CASE("reductions, softmax and normalization compiled match the "
          "interpreter",
          "[differential]") {
  for (const auto &shape : std::vector<std::vector<int64_t>>{
           {7}, {3, 13}, {2, 5, 9}}) {
    for (const char *op : {"Softmax", "LogSoftmax"}) {
      INFO(op << " " << dims(shape));
      CHECK(compareCompiledWithInterpreter(unaryModel(op, shape), "host",
                                           2) == "");
    }
    for (const char *op : {"ReduceSum", "ReduceMax", "ReduceMean",
                           "ReduceL2", "ReduceLogSumExp"}) {
      INFO(op << " " << dims(shape));
      std::vector<int64_t> scalar;
      CHECK(compareCompiledWithInterpreter(
                unaryModel(op, shape, "<keepdims: int = 0>", "float",
                           &scalar),
                "host", 2) == "");
    }
  }
}

TEST_CASE("matmul, gemm, conv and pooling compiled match the interpreter",
          "[differential]") {
  for (auto [m, k, n] : std::vector<std::array<int64_t, 3>>{
           {1, 1, 1}, {3, 5, 7}, {17, 9, 33}, {8, 16, 8}}) {
    INFO("MatMul " << m << "x" << k << "x" << n);
    CHECK(compareCompiledWithInterpreter(
              binaryModel("MatMul", {m, k}, {k, n}, "float", "float",
                          {m, n}),
              "host", 4) ==
          "");
  }
  CHECK(compareCompiledWithInterpreter(
            binaryModel("MatMul", {2, 3, 5, 7}, {7, 6}, "float", "float",
                        {2, 3, 5, 6}),
            "host", 4) == "");
  const char *conv = R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[1,3,11,13] x, float[5,3,3,3] w, float[5] b) => (float[1,5,6,13] y) {
  y = Conv<pads: ints = [1, 1, 1, 1], strides: ints = [2, 1]>(x, w, b)
})";
  CHECK(compareCompiledWithInterpreter(conv, "host", 9) == "");
  const char *depthwise = R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[1,6,9,7] x, float[6,1,3,3] w) => (float[1,6,9,7] y) {
  y = Conv<group: int = 6, pads: ints = [1, 1, 1, 1]>(x, w)
})";
  CHECK(compareCompiledWithInterpreter(depthwise, "host", 9) == "");
  const char *pool = R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2,3,9,11] x) => (float[2,3,5,6] y, float[2,3,8,9] z) {
  y = MaxPool<kernel_shape: ints = [3, 3], strides: ints = [2, 2], pads: ints = [1, 1, 1, 1]>(x)
  z = AveragePool<kernel_shape: ints = [2, 3]>(x)
})";
  CHECK(compareCompiledWithInterpreter(pool, "host", 9) == "");
  const char *gemm = R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[5,7] a, float[9,7] b, float[9] c) => (float[5,9] y) {
  y = Gemm<transB: int = 1, alpha: float = 0.5, beta: float = 2.0>(a, b, c)
})";
  CHECK(compareCompiledWithInterpreter(gemm, "host", 9) == "");
}

TEST_CASE("data movement compiled matches the interpreter",
          "[differential]") {
  const char *model = R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2,3,5] x, float[2,4,5] z) => (float[5,2,3] t, float[2,7,5] c, float[6,5] r, float[2,4,3] s) {
  t = Transpose<perm: ints = [2, 0, 1]>(x)
  c = Concat<axis: int = 1>(x, z)
  shape = Constant<value: tensor = int64[2] {6, 5}>()
  r = Reshape(x, shape)
  starts = Constant<value: tensor = int64[1] {1}>()
  ends = Constant<value: tensor = int64[1] {4}>()
  axes = Constant<value: tensor = int64[1] {2}>()
  s = Slice(z, starts, ends, axes)
})";
  CHECK(compareCompiledWithInterpreter(model, "host", 5) == "");
}
