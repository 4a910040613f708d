// Quantization ops: type inference and interpreter kernels, with exact
// numbers for rounding ties, saturation and per-channel parameters.
#include "kiln/IR/InferContext.h"
#include "kiln/IR/Module.h"
#include "kiln/Interpreter/Interpreter.h"

#include <catch2/catch.hpp>

#include <map>
#include <optional>

using namespace kiln;

namespace {
using Attrs = std::map<std::string, Attribute>;

// Builds a one-node graph over inputs (absent operands as nullopt), infers
// its result types and, if `values` is set, runs it.
struct OneNode {
  Module m;
  Node *node = nullptr;
  std::vector<Tensor> inputs;

  OneNode(OpKind kind, const std::vector<std::optional<Tensor>> &ins,
          const Attrs &attrs = {}, size_t numResults = 1) {
    Function &f = m.addFunction("main");
    std::vector<Value *> operands;
    for (size_t i = 0; i < ins.size(); ++i) {
      if (!ins[i]) {
        operands.push_back(nullptr);
        continue;
      }
      operands.push_back(f.addInput("in" + std::to_string(i), ins[i]->type()));
      inputs.push_back(*ins[i]);
    }
    node =
        f.createNode(kind, operands, std::vector<TensorType>(numResults), "q0");
    for (const auto &[name, value] : attrs)
      node->setAttr(name, value);
    refineResultTypes(*node);
    f.setOutputs(node->results());
  }
  std::string type(size_t i = 0) const { return node->result(i)->type().str(); }
  std::vector<Tensor> run() { return Interpreter().run(m.main(), inputs); }
};

Tensor run1(OpKind kind, const std::vector<std::optional<Tensor>> &ins,
            const Attrs &attrs = {}) {
  return OneNode(kind, ins, attrs).run().at(0);
}

template <typename T> Tensor vec(std::vector<T> v, std::vector<int64_t> shape) {
  return Tensor::fromVector<T>(v, std::move(shape));
}
template <typename T> Tensor vec(std::vector<T> v) {
  int64_t n = int64_t(v.size());
  return Tensor::fromVector<T>(v, {n});
}
template <typename T> Tensor scalar(T v) { return Tensor::scalar<T>(v); }

template <typename T> std::vector<T> values(const Tensor &t) {
  return std::vector<T>(t.data<T>(), t.data<T>() + t.numElements());
}
} // namespace

TEST_CASE("QuantizeLinear rounds ties to even and saturates",
          "[kernels][quant]") {
  Tensor ties = run1(OpKind::QuantizeLinear,
                     {vec<float>({0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f}),
                      scalar<float>(1), scalar<int8_t>(0)});
  CHECK(values<int8_t>(ties) == std::vector<int8_t>{0, 2, 2, 0, -2, -2});
  // ONNX's example: u8 with zero point 128 saturates at both ends.
  Tensor u8 =
      run1(OpKind::QuantizeLinear, {vec<float>({0, 2, 3, 1000, -254, -1000}),
                                    scalar<float>(2), scalar<uint8_t>(128)});
  CHECK(values<uint8_t>(u8) == std::vector<uint8_t>{128, 129, 130, 255, 1, 0});
  Tensor i8 =
      run1(OpKind::QuantizeLinear, {vec<float>({300, -300, 127.5f, -128.5f}),
                                    scalar<float>(1), scalar<int8_t>(0)});
  CHECK(values<int8_t>(i8) == std::vector<int8_t>{127, -128, 127, -128});
  // No zero point: u8 with zero point 0.
  OneNode noZp(OpKind::QuantizeLinear,
               {vec<float>({-1, 3.5f}), scalar<float>(1)});
  CHECK(noZp.type() == "u8[2]");
  CHECK(values<uint8_t>(noZp.run()[0]) == std::vector<uint8_t>{0, 4});
  // i32 input.
  CHECK(values<uint8_t>(run1(OpKind::QuantizeLinear,
                             {vec<int32_t>({5, 7}), scalar<float>(2)})) ==
        std::vector<uint8_t>{2, 4});
}

TEST_CASE("QuantizeLinear and DequantizeLinear per axis", "[kernels][quant]") {
  Tensor x = vec<float>({1, 2, 3, 4, 5, 6}, {1, 3, 2});
  Tensor q = run1(OpKind::QuantizeLinear,
                  {x, vec<float>({1, 2, 4}), vec<uint8_t>({0, 1, 2})});
  // Channel 1: 3/2=1.5->2, 4/2=2; channel 2: 5/4=1.25->1, 6/4=1.5->2.
  CHECK(values<uint8_t>(q) == std::vector<uint8_t>{1, 2, 3, 3, 3, 4});
  Tensor qa =
      run1(OpKind::QuantizeLinear,
           {x, vec<float>({1, 10}), vec<uint8_t>({0, 100})}, {{"axis", -1}});
  CHECK(values<uint8_t>(qa) == std::vector<uint8_t>{1, 100, 3, 100, 5, 101});
  Tensor d = run1(OpKind::DequantizeLinear,
                  {q, vec<float>({1, 2, 4}), vec<uint8_t>({0, 1, 2})});
  CHECK(values<float>(d) == std::vector<float>{1, 2, 4, 4, 4, 8});
  CHECK_THROWS_WITH(run1(OpKind::QuantizeLinear, {x, vec<float>({1, 2})}),
                    Catch::Contains("does not match dimension 1 of size 3"));
}

TEST_CASE("DequantizeLinear of i8 and i32", "[kernels][quant]") {
  CHECK(values<float>(run1(OpKind::DequantizeLinear,
                           {vec<int8_t>({-128, 0, 127}), scalar<float>(0.5f),
                            scalar<int8_t>(-1)})) ==
        std::vector<float>{-63.5f, 0.5f, 64});
  CHECK(values<float>(
            run1(OpKind::DequantizeLinear,
                 {vec<int32_t>({-2147483647 - 1, 10}), scalar<float>(2)})) ==
        std::vector<float>{-4294967296.0f, 20});
  CHECK_THROWS_WITH(
      run1(OpKind::DequantizeLinear,
           {vec<int8_t>({1}), scalar<float>(1), scalar<uint8_t>(0)}),
      Catch::Contains("(DequantizeLinear)"));
}

TEST_CASE("DynamicQuantizeLinear", "[kernels][quant]") {
  OneNode n(OpKind::DynamicQuantizeLinear,
            {vec<float>({0, 2, -3, -2.5f, 1.34f, 0.5f})}, {}, 3);
  CHECK(n.type(0) == "u8[6]");
  CHECK(n.type(1) == "f32[]");
  CHECK(n.type(2) == "u8[]");
  std::vector<Tensor> r = n.run();
  CHECK(values<uint8_t>(r[0]) ==
        std::vector<uint8_t>{153, 255, 0, 26, 221, 179});
  CHECK(values<float>(r[1])[0] == 5.0f / 255.0f);
  CHECK(values<uint8_t>(r[2]) == std::vector<uint8_t>{153});
  // All zeros: scale 0 and everything maps to zero point 0.
  std::vector<Tensor> z =
      OneNode(OpKind::DynamicQuantizeLinear, {vec<float>({0, 0})}, {}, 3).run();
  CHECK(values<uint8_t>(z[0]) == std::vector<uint8_t>{0, 0});
  CHECK(values<float>(z[1])[0] == 0);
}

TEST_CASE("MatMulInteger with zero points", "[kernels][quant]") {
  Tensor a = vec<uint8_t>({11, 7, 3, 10, 6, 2, 9, 5, 1, 8, 4, 0}, {4, 3});
  Tensor b = vec<uint8_t>({1, 4, 2, 5, 3, 6}, {3, 2});
  OneNode n(OpKind::MatMulInteger,
            {a, b, scalar<uint8_t>(12), scalar<uint8_t>(0)});
  CHECK(n.type() == "i32[4,2]");
  CHECK(values<int32_t>(n.run()[0]) ==
        std::vector<int32_t>{-38, -83, -44, -98, -50, -113, -56, -128});
  // Per-column zero points of B, batched A, 1-D B.
  Tensor a3 = vec<int8_t>({1, 2, 3, 4, -1, -2, -3, -4}, {2, 2, 2});
  Tensor r = run1(OpKind::MatMulInteger, {a3, vec<int8_t>({1, 2, 3, 4}, {2, 2}),
                                          std::nullopt, vec<int8_t>({1, 2})});
  // B - zp = [[0, 0], [2, 2]].
  CHECK(values<int32_t>(r) == std::vector<int32_t>{4, 4, 8, 8, -4, -4, -8, -8});
  OneNode vecB(OpKind::MatMulInteger, {a3, vec<int8_t>({1, 1})});
  CHECK(vecB.type() == "i32[2,2]");
  CHECK(values<int32_t>(vecB.run()[0]) == std::vector<int32_t>{3, 7, -3, -7});
}

TEST_CASE("QLinearMatMul requantizes", "[kernels][quant]") {
  // ONNX's documented example.
  Tensor a = vec<uint8_t>({208, 236, 0, 238, 3, 214, 255, 29}, {2, 4});
  Tensor b = vec<uint8_t>(
      {152, 51, 244, 60, 26, 255, 0, 127, 246, 127, 254, 247}, {4, 3});
  OneNode n(OpKind::QLinearMatMul,
            {a, vec<float>({0.0066f}), vec<uint8_t>({113}), b,
             vec<float>({0.00705f}), vec<uint8_t>({114}), vec<float>({0.0107f}),
             vec<uint8_t>({118})});
  CHECK(n.type() == "u8[2,3]");
  CHECK(values<uint8_t>(n.run()[0]) ==
        std::vector<uint8_t>{168, 115, 255, 1, 66, 151});
}

TEST_CASE("ConvInteger with and without padding", "[kernels][quant]") {
  Tensor x = vec<uint8_t>({2, 3, 4, 5, 6, 7, 8, 9, 10}, {1, 1, 3, 3});
  Tensor w = vec<uint8_t>({1, 1, 1, 1}, {1, 1, 2, 2});
  OneNode plain(OpKind::ConvInteger, {x, w, scalar<uint8_t>(1)});
  CHECK(plain.type() == "i32[1,1,2,2]");
  CHECK(values<int32_t>(plain.run()[0]) ==
        std::vector<int32_t>{12, 16, 24, 28});
  OneNode padded(OpKind::ConvInteger, {x, w, scalar<uint8_t>(1)},
                 {{"pads", std::vector<int64_t>{1, 1, 1, 1}}});
  CHECK(padded.type() == "i32[1,1,4,4]");
  CHECK(values<int32_t>(padded.run()[0]) ==
        std::vector<int32_t>{1, 3, 5, 3, 5, 12, 16, 9, 11, 24, 28, 15, 7, 15,
                             17, 9});
  // Per-output-channel weight zero points, stride 2, grouped.
  Tensor x2 = vec<int8_t>({1, 2, 3, 4, 10, 20, 30, 40}, {1, 2, 4});
  Tensor w2 = vec<int8_t>({3, 5}, {2, 1, 1});
  Tensor r =
      run1(OpKind::ConvInteger, {x2, w2, std::nullopt, vec<int8_t>({1, 4})},
           {{"group", 2}, {"strides", std::vector<int64_t>{2}}});
  CHECK(values<int32_t>(r) == std::vector<int32_t>{2, 6, 10, 30});
}

TEST_CASE("QLinearConv with per-channel weights and bias", "[kernels][quant]") {
  Tensor x = vec<uint8_t>({10, 20, 30, 40}, {1, 1, 2, 2});
  Tensor w = vec<int8_t>({2, -1}, {2, 1, 1, 1});
  OneNode n(OpKind::QLinearConv,
            {x, scalar<float>(0.5f), scalar<uint8_t>(10), w,
             vec<float>({0.25f, 1.0f}), vec<int8_t>({0, 1}),
             scalar<float>(0.5f), scalar<uint8_t>(100),
             vec<int32_t>({2, -10})});
  CHECK(n.type() == "u8[1,2,2,2]");
  // Channel 0: (x - 10) * 2 + 2 = [2, 22, 42, 62], times 0.25 gives ties
  // [0.5, 5.5, 10.5, 15.5] -> [0, 6, 10, 16]. Channel 1: (x - 10) * -2 - 10.
  CHECK(values<uint8_t>(n.run()[0]) ==
        std::vector<uint8_t>{100, 106, 110, 116, 90, 70, 50, 30});
}

TEST_CASE("quantized conv inference follows Conv's geometry",
          "[infer][quant]") {
  Tensor x = Tensor(ElementType::U8, {1, 1, 5, 5});
  Tensor w = Tensor(ElementType::U8, {4, 1, 3, 3});
  OneNode same(
      OpKind::ConvInteger, {x, w},
      {{"auto_pad", "SAME_UPPER"}, {"strides", std::vector<int64_t>{2, 2}}});
  CHECK(same.type() == "i32[1,4,3,3]");
  CHECK(values<int32_t>(same.run()[0]) == std::vector<int32_t>(36, 0));
  OneNode valid(OpKind::ConvInteger, {x, w}, {{"auto_pad", "VALID"}});
  CHECK(valid.type() == "i32[1,4,3,3]");
  OneNode dilated(OpKind::QLinearConv,
                  {Tensor(ElementType::I8, {2, 1, 7, 7}), scalar<float>(1),
                   scalar<int8_t>(0), Tensor(ElementType::I8, {3, 1, 3, 3}),
                   scalar<float>(1), scalar<int8_t>(0), scalar<float>(1),
                   scalar<int8_t>(0)},
                  {{"pads", std::vector<int64_t>{1, 1, 1, 1}},
                   {"dilations", std::vector<int64_t>{2, 2}}});
  CHECK(dilated.type() == "i8[2,3,5,5]");
  CHECK_THROWS_WITH(
      OneNode(OpKind::ConvInteger, {x, Tensor(ElementType::U8, {4, 2, 3, 3})}),
      Catch::Contains("(ConvInteger)"));
  CHECK_THROWS_WITH(
      OneNode(OpKind::QuantizeLinear, {Tensor(ElementType::F32, {2}),
                                       scalar<float>(1), scalar<int32_t>(0)}),
      Catch::Contains("y_zero_point must be u8 or i8"));
  OneNode mm(OpKind::MatMulInteger, {Tensor(ElementType::I8, {2, 3, 4}),
                                     Tensor(ElementType::U8, {4, 5})});
  CHECK(mm.type() == "i32[2,3,5]");
}
