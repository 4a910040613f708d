// Interpreter kernels of the elementwise ops: exact results for broadcasting,
// integer wrap-around and division semantics, rounding ties, casts and NaN.
#include "kiln/IR/InferContext.h"
#include "kiln/IR/Module.h"
#include "kiln/Interpreter/Interpreter.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <map>
#include <optional>

using namespace kiln;

namespace {
using Attrs = std::map<std::string, Attribute>;

// Builds a one-node graph (absent operands as nullopt), infers its result
// types and runs it through the interpreter.
std::vector<Tensor> runOp(OpKind kind,
                          const std::vector<std::optional<Tensor>> &inputs,
                          const Attrs &attrs = {}, size_t numResults = 1) {
  Module m;
  Function &f = m.addFunction("main");
  std::vector<Value *> operands;
  std::vector<Tensor> values;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i]) {
      operands.push_back(nullptr);
      continue;
    }
    operands.push_back(f.addInput("in" + std::to_string(i), inputs[i]->type()));
    values.push_back(*inputs[i]);
  }
  Node *node =
      f.createNode(kind, operands, std::vector<TensorType>(numResults), "n0");
  for (const auto &[name, value] : attrs)
    node->setAttr(name, value);
  refineResultTypes(*node);
  f.setOutputs(node->results());
  return Interpreter().run(f, values);
}

Tensor run1(OpKind kind, const std::vector<std::optional<Tensor>> &inputs,
            const Attrs &attrs = {}) {
  return runOp(kind, inputs, attrs).at(0);
}

template <typename T> Tensor vec(std::vector<T> v, std::vector<int64_t> shape) {
  return Tensor::fromVector<T>(v, std::move(shape));
}
template <typename T> Tensor vec(std::vector<T> v) {
  int64_t n = int64_t(v.size());
  return Tensor::fromVector<T>(v, {n});
}

template <typename T> std::vector<T> values(const Tensor &t) {
  return std::vector<T>(t.data<T>(), t.data<T>() + t.numElements());
}

// Bit patterns of a 16-bit float tensor.
template <typename T> std::vector<uint16_t> bits16(const Tensor &t) {
  std::vector<uint16_t> out;
  for (int64_t i = 0; i < t.numElements(); ++i)
    out.push_back(t.data<T>()[i].bits);
  return out;
}

constexpr float NaN = std::numeric_limits<float>::quiet_NaN();
constexpr float Inf = std::numeric_limits<float>::infinity();
} // namespace

TEST_CASE("Add broadcasts numpy-style", "[kernels][elementwise]") {
  Tensor r = run1(OpKind::Add, {vec<float>({1, 2, 3, 4, 5, 6}, {2, 3}),
                                vec<float>({10, 20, 30})});
  CHECK(r.shape() == std::vector<int64_t>{2, 3});
  CHECK(values<float>(r) == std::vector<float>{11, 22, 33, 14, 25, 36});
  // [2,1] x [1,3] -> [2,3]
  Tensor s = run1(OpKind::Sub, {vec<int32_t>({100, 200}, {2, 1}),
                                vec<int32_t>({1, 2, 3}, {1, 3})});
  CHECK(s.shape() == std::vector<int64_t>{2, 3});
  CHECK(values<int32_t>(s) == std::vector<int32_t>{99, 98, 97, 199, 198, 197});
  CHECK_THROWS_WITH(
      run1(OpKind::Add, {vec<float>({1, 2, 3}), vec<float>({1, 2})}),
      Catch::Contains("cannot be broadcast"));
}

TEST_CASE("integer arithmetic wraps", "[kernels][elementwise]") {
  CHECK(values<int8_t>(run1(OpKind::Add, {vec<int8_t>({100, -100}),
                                          vec<int8_t>({100, -100})})) ==
        std::vector<int8_t>{-56, 56});
  CHECK(values<uint8_t>(
            run1(OpKind::Sub, {vec<uint8_t>({0, 5}), vec<uint8_t>({1, 3})})) ==
        std::vector<uint8_t>{255, 2});
  int64_t max = std::numeric_limits<int64_t>::max();
  int64_t min = std::numeric_limits<int64_t>::min();
  CHECK(values<int64_t>(
            run1(OpKind::Add, {vec<int64_t>({max}), vec<int64_t>({1})})) ==
        std::vector<int64_t>{min});
  CHECK(values<uint16_t>(
            run1(OpKind::Mul, {vec<uint16_t>({300}), vec<uint16_t>({300})})) ==
        std::vector<uint16_t>{uint16_t(90000 % 65536)});
  CHECK(values<int8_t>(run1(OpKind::Neg, {vec<int8_t>({-128, 5})})) ==
        std::vector<int8_t>{-128, -5});
  CHECK(values<int8_t>(run1(OpKind::Abs, {vec<int8_t>({-128, -5, 7})})) ==
        std::vector<int8_t>{-128, 5, 7});
}

TEST_CASE("integer Div truncates and rejects zero", "[kernels][elementwise]") {
  CHECK(values<int32_t>(run1(OpKind::Div, {vec<int32_t>({-7, 7, -7, 6}),
                                           vec<int32_t>({2, -2, -2, 3})})) ==
        std::vector<int32_t>{-3, -3, 3, 2});
  int64_t min = std::numeric_limits<int64_t>::min();
  CHECK(values<int64_t>(
            run1(OpKind::Div, {vec<int64_t>({min}), vec<int64_t>({-1})})) ==
        std::vector<int64_t>{min});
  uint64_t big = (uint64_t(1) << 63) + 6;
  CHECK(values<uint64_t>(
            run1(OpKind::Div, {vec<uint64_t>({big}), vec<uint64_t>({2})})) ==
        std::vector<uint64_t>{(uint64_t(1) << 62) + 3});
  CHECK_THROWS_WITH(
      run1(OpKind::Div, {vec<int32_t>({1, 2}), vec<int32_t>({1, 0})}),
      Catch::Contains("node 'n0' (Div)") &&
          Catch::Contains("division by zero"));
  // Floats follow IEEE.
  Tensor f = run1(OpKind::Div, {vec<float>({1, -1, 0}), vec<float>({0, 0, 0})});
  CHECK(values<float>(f)[0] == Inf);
  CHECK(values<float>(f)[1] == -Inf);
  CHECK(std::isnan(values<float>(f)[2]));
}

TEST_CASE("Mod: Python signs with fmod=0, C signs with fmod=1",
          "[kernels][elementwise]") {
  Tensor x = vec<int64_t>({-4, 7, 5, 4, -7, 8});
  Tensor y = vec<int64_t>({2, -3, 8, -2, 3, 5});
  CHECK(values<int64_t>(run1(OpKind::Mod, {x, y})) ==
        std::vector<int64_t>{0, -2, 5, 0, 2, 3});
  CHECK(values<int64_t>(run1(OpKind::Mod, {x, y}, {{"fmod", 1}})) ==
        std::vector<int64_t>{0, 1, 5, 0, -1, 3});
  CHECK(values<int8_t>(run1(
            OpKind::Mod, {vec<int8_t>({-128, -128}), vec<int8_t>({-1, 3})})) ==
        std::vector<int8_t>{0, 1});
  CHECK(values<float>(run1(OpKind::Mod,
                           {vec<float>({-5, 5}), vec<float>({3, -3})},
                           {{"fmod", 1}})) == std::vector<float>{-2, 2});
  CHECK(values<float>(
            run1(OpKind::Mod, {vec<float>({-5, 5}), vec<float>({3, -3})})) ==
        std::vector<float>{1, -1});
  CHECK_THROWS_WITH(run1(OpKind::Mod, {vec<uint8_t>({1}), vec<uint8_t>({0})}),
                    Catch::Contains("modulo by zero"));
}

TEST_CASE("Round ties to even; Sign; rounding ops", "[kernels][elementwise]") {
  Tensor r = run1(OpKind::Round, {vec<float>({0.5f, 1.5f, 2.5f, -0.5f, -1.5f,
                                              -2.5f, 2.4f, 2.6f, -2.6f})});
  CHECK(values<float>(r) ==
        std::vector<float>{0, 2, 2, -0.0f, -2, -2, 2, 3, -3});
  CHECK(std::signbit(values<float>(r)[3]));
  Tensor h = run1(OpKind::Round, {vec<Half>({Half(0.5f), Half(3.5f)})});
  CHECK(float(values<Half>(h)[0]) == 0.0f);
  CHECK(float(values<Half>(h)[1]) == 4.0f);
  Tensor s = run1(OpKind::Sign, {vec<float>({-3, 0, 2, NaN})});
  CHECK(values<float>(s)[0] == -1);
  CHECK(values<float>(s)[1] == 0);
  CHECK(values<float>(s)[2] == 1);
  CHECK(std::isnan(values<float>(s)[3]));
  CHECK(values<int16_t>(run1(OpKind::Sign, {vec<int16_t>({-9, 0, 9})})) ==
        std::vector<int16_t>{-1, 0, 1});
  CHECK(values<double>(run1(OpKind::Floor, {vec<double>({-1.5, 1.5})})) ==
        std::vector<double>{-2, 1});
  CHECK(values<double>(run1(OpKind::Ceil, {vec<double>({-1.5, 1.5})})) ==
        std::vector<double>{-1, 2});
  CHECK_THROWS_WITH(run1(OpKind::Sqrt, {vec<int32_t>({4})}),
                    Catch::Contains("unsupported element type i32"));
}

TEST_CASE("Cast saturates float->int and wraps int->int",
          "[kernels][elementwise]") {
  Tensor x = vec<float>({300, -5, NaN, 1e20f, -1e20f, 2.9f, -2.9f});
  CHECK(values<uint8_t>(run1(OpKind::Cast, {x}, {{"to", 2}})) ==
        std::vector<uint8_t>{255, 0, 0, 255, 0, 2, 0});
  int32_t imax = std::numeric_limits<int32_t>::max();
  int32_t imin = std::numeric_limits<int32_t>::min();
  CHECK(values<int32_t>(run1(OpKind::Cast, {x}, {{"to", 6}})) ==
        std::vector<int32_t>{300, -5, 0, imax, imin, 2, -2});
  CHECK(values<int8_t>(run1(OpKind::Cast, {vec<int32_t>({300, -129, 127})},
                            {{"to", 3}})) == std::vector<int8_t>{44, 127, 127});
  CHECK(values<bool>(run1(OpKind::Cast, {vec<float>({0, 0.5f, NaN, -0.0f})},
                          {{"to", 9}})) ==
        std::vector<bool>{false, true, true, false});
  CHECK(values<double>(run1(OpKind::Cast, {vec<bool>({true, false})},
                            {{"to", 11}})) == std::vector<double>{1, 0});
  uint64_t big = ~uint64_t(0);
  CHECK(values<double>(
            run1(OpKind::Cast, {vec<uint64_t>({big})}, {{"to", 11}})) ==
        std::vector<double>{18446744073709551616.0});
  CHECK_THROWS_WITH(run1(OpKind::Cast, {x}, {{"to", 8}}),
                    Catch::Contains("unsupported target data type 8"));
}

TEST_CASE("Cast to f16 and bf16 rounds to nearest even once",
          "[kernels][elementwise]") {
  // 65504 is the largest half; 65520 is the first value that overflows.
  // 1 + 2^-11 is a tie between 1 and 1 + 2^-10 (even: 1); 1 + 3 * 2^-11 is a
  // tie rounding up to the even 1 + 2^-9. 2^-25 is half the smallest
  // subnormal (ties to 0); 3 * 2^-25 rounds to 2 * 2^-24.
  Tensor x =
      vec<float>({65504.0f, 65520.0f, 1.0f + 0x1p-11f, 1.0f + 3 * 0x1p-11f,
                  0x1p-25f, 3 * 0x1p-25f, -Inf, -0.0f});
  CHECK(bits16<Half>(run1(OpKind::Cast, {x}, {{"to", 10}})) ==
        std::vector<uint16_t>{0x7bff, 0x7c00, 0x3c00, 0x3c02, 0x0000, 0x0002,
                              0xfc00, 0x8000});
  // Just above a tie in f64: a double -> float -> half path would round
  // down to 1.0; the single correct rounding goes up.
  CHECK(
      bits16<Half>(run1(OpKind::Cast, {vec<double>({1.0 + 0x1p-11 + 0x1p-40})},
                        {{"to", 10}})) == std::vector<uint16_t>{0x3c01});
  CHECK(bits16<BFloat16>(run1(
            OpKind::Cast, {vec<float>({1.0f + 0x1p-8f, 1.0f + 3 * 0x1p-8f})},
            {{"to", 16}})) == std::vector<uint16_t>{0x3f80, 0x3f82});
  // 2^25 + 2^17 + 1 is just above a bf16 tie; via float it would be a tie.
  CHECK(bits16<BFloat16>(run1(OpKind::Cast,
                              {vec<int64_t>({(1 << 25) + (1 << 17) + 1})},
                              {{"to", 16}})) == std::vector<uint16_t>{0x4c01});
  Tensor back =
      run1(OpKind::Cast,
           {vec<Half>({Half::fromBits(0x0001), Half::fromBits(0x7bff)})},
           {{"to", 1}});
  CHECK(values<float>(back) == std::vector<float>{0x1p-24f, 65504.0f});
}

TEST_CASE("Pow with mixed base and exponent types", "[kernels][elementwise]") {
  CHECK(values<int32_t>(run1(
            OpKind::Pow, {vec<int32_t>({1, 2, 3}), vec<float>({4, 5, 6})})) ==
        std::vector<int32_t>{1, 32, 729});
  CHECK(values<float>(run1(OpKind::Pow,
                           {vec<float>({1, 2, 3}), vec<int64_t>({4, 5, 6})})) ==
        std::vector<float>{1, 32, 729});
  CHECK(values<int32_t>(
            run1(OpKind::Pow, {vec<int32_t>({2, 2, -1, -1, 1, 3}),
                               vec<int32_t>({31, -1, -3, -2, -5, 4})})) ==
        std::vector<int32_t>{std::numeric_limits<int32_t>::min(), 0, -1, 1, 1,
                             81});
  CHECK(values<float>(run1(
            OpKind::Pow, {vec<float>({4, 9}, {2}), vec<float>({0.5f}, {})})) ==
        std::vector<float>{2, 3});
}

TEST_CASE("BitShift on unsigned types", "[kernels][elementwise]") {
  CHECK(values<uint8_t>(run1(
            OpKind::BitShift,
            {vec<uint8_t>({16, 4, 1, 200, 1}), vec<uint8_t>({1, 2, 3, 1, 8})},
            {{"direction", "LEFT"}})) ==
        std::vector<uint8_t>{32, 16, 8, 144, 0});
  CHECK(values<uint64_t>(
            run1(OpKind::BitShift,
                 {vec<uint64_t>({~uint64_t(0), 8}), vec<uint64_t>({63, 64})},
                 {{"direction", "RIGHT"}})) == std::vector<uint64_t>{1, 0});
  CHECK_THROWS_WITH(run1(OpKind::BitShift, {vec<int8_t>({1}), vec<int8_t>({1})},
                         {{"direction", "LEFT"}}),
                    Catch::Contains("unsupported element type i8"));
}

TEST_CASE("comparisons and logic", "[kernels][elementwise]") {
  uint64_t big = (uint64_t(1) << 63) + 1;
  CHECK(values<bool>(run1(OpKind::Less, {vec<uint64_t>({big, 1}),
                                         vec<uint64_t>({1, big})})) ==
        std::vector<bool>{false, true});
  CHECK(values<bool>(run1(OpKind::Equal,
                          {vec<float>({1, NaN}), vec<float>({1, NaN})})) ==
        std::vector<bool>{true, false});
  CHECK(values<bool>(run1(OpKind::GreaterOrEqual,
                          {vec<int8_t>({-1, 0, 1}), vec<int8_t>({0}, {})})) ==
        std::vector<bool>{false, true, true});
  Tensor a = vec<bool>({true, true, false, false}, {2, 2});
  Tensor b = vec<bool>({true, false}, {2});
  CHECK(values<bool>(run1(OpKind::And, {a, b})) ==
        std::vector<bool>{true, false, false, false});
  CHECK(values<bool>(run1(OpKind::Or, {a, b})) ==
        std::vector<bool>{true, true, true, false});
  CHECK(values<bool>(run1(OpKind::Xor, {a, b})) ==
        std::vector<bool>{false, true, true, false});
  CHECK(values<bool>(run1(OpKind::Not, {b})) == std::vector<bool>{false, true});
  CHECK_THROWS_WITH(run1(OpKind::And, {vec<float>({1}), vec<float>({1})}),
                    Catch::Contains("(And)"));
}

TEST_CASE("variadic Max, Min, Sum, Mean", "[kernels][elementwise]") {
  Tensor mx =
      run1(OpKind::Max, {vec<float>({1, NaN, 3}), vec<float>({2, 2, NaN})});
  CHECK(values<float>(mx)[0] == 2);
  CHECK(std::isnan(values<float>(mx)[1]));
  CHECK(std::isnan(values<float>(mx)[2]));
  uint64_t big = (uint64_t(1) << 63) + 1;
  CHECK(values<uint64_t>(run1(
            OpKind::Max, {vec<uint64_t>({big, 1}), vec<uint64_t>({1, 2})})) ==
        std::vector<uint64_t>{big, 2});
  CHECK(values<int32_t>(
            run1(OpKind::Min, {vec<int32_t>({3, -5, 2}), vec<int32_t>({1}, {}),
                               vec<int32_t>({4, 4, -9})})) ==
        std::vector<int32_t>{1, -5, -9});
  CHECK(values<float>(run1(OpKind::Max, {vec<float>({3, 1})})) ==
        std::vector<float>{3, 1});
  Tensor sum =
      run1(OpKind::Sum, {vec<float>({1, 2, 3, 4}, {2, 2}),
                         vec<float>({10, 20}, {2}), vec<float>({100}, {1, 1})});
  CHECK(sum.shape() == std::vector<int64_t>{2, 2});
  CHECK(values<float>(sum) == std::vector<float>{111, 122, 113, 124});
  Tensor mean = run1(OpKind::Mean, {vec<double>({1, 2}), vec<double>({3, 4}),
                                    vec<double>({5}, {})});
  CHECK(values<double>(mean) == std::vector<double>{3, 11.0 / 3});
}

TEST_CASE("Clip with optional bounds", "[kernels][elementwise]") {
  Tensor x = vec<int8_t>({-128, 0, 127});
  CHECK(values<int8_t>(
            run1(OpKind::Clip, {x, std::nullopt, vec<int8_t>({5}, {})})) ==
        std::vector<int8_t>{-128, 0, 5});
  CHECK(values<int8_t>(run1(OpKind::Clip, {x, vec<int8_t>({-3}, {})})) ==
        std::vector<int8_t>{-3, 0, 127});
  CHECK(values<uint64_t>(
            run1(OpKind::Clip,
                 {vec<uint64_t>({~uint64_t(0), 3}), vec<uint64_t>({4}, {}),
                  vec<uint64_t>({uint64_t(1) << 63}, {})})) ==
        std::vector<uint64_t>{uint64_t(1) << 63, 4});
  // min > max gives max everywhere, as numpy.
  CHECK(values<float>(run1(OpKind::Clip,
                           {vec<float>({-1, 5}), vec<float>({3}, {}),
                            vec<float>({2}, {})})) == std::vector<float>{2, 2});
  CHECK(values<float>(run1(OpKind::Clip, {vec<float>({-1, 5})})) ==
        std::vector<float>{-1, 5});
}

TEST_CASE("activations", "[kernels][elementwise]") {
  CHECK(
      values<float>(run1(OpKind::HardSwish, {vec<float>({-4, -3, 0, 3, 4})})) ==
      std::vector<float>{-0.0f, -0.0f, 0, 3, 4});
  CHECK(values<float>(run1(OpKind::LeakyRelu, {vec<float>({-2, 2})},
                           {{"alpha", 0.5f}})) == std::vector<float>{-1, 2});
  CHECK(values<int32_t>(run1(OpKind::Relu, {vec<int32_t>({-2, 2})})) ==
        std::vector<int32_t>{0, 2});
  CHECK(values<float>(run1(OpKind::ThresholdedRelu, {vec<float>({1, 1.5f})})) ==
        std::vector<float>{0, 1.5f});
  CHECK(values<float>(run1(OpKind::Shrink, {vec<float>({-2, -0.25f, 2})},
                           {{"bias", 1.5f}, {"lambd", 1.0f}})) ==
        std::vector<float>{-0.5f, 0, 0.5f});
  CHECK(values<float>(run1(OpKind::HardSigmoid, {vec<float>({-10, 0, 10})})) ==
        std::vector<float>{0, 0.5f, 1});
  Tensor sp = run1(OpKind::Softplus, {vec<float>({0, 100, -100})});
  CHECK(values<float>(sp)[0] == Approx(std::log(2.0f)));
  CHECK(values<float>(sp)[1] == 100);
  CHECK(values<float>(sp)[2] == Approx(std::exp(-100.0)).margin(1e-40));
  Tensor el = run1(OpKind::Elu, {vec<float>({-1, 1})}, {{"alpha", 2.0f}});
  CHECK(values<float>(el)[0] == Approx(2 * (std::exp(-1.0) - 1)));
  // PRelu: slope [2] broadcasts to x [2, 2].
  CHECK(values<float>(run1(OpKind::PRelu, {vec<float>({-1, -1, 1, -4}, {2, 2}),
                                           vec<float>({0.5f, 2})})) ==
        std::vector<float>{-0.5f, -2, 1, -8});
  CHECK_THROWS_WITH(
      run1(OpKind::PRelu, {vec<float>({1, 2}), vec<float>({1, 2}, {2, 1})}),
      Catch::Contains("(PRelu)"));
}

TEST_CASE("IsNaN, IsInf, Where, Identity", "[kernels][elementwise]") {
  Tensor x = vec<float>({Inf, -Inf, 1, NaN});
  CHECK(values<bool>(run1(OpKind::IsInf, {x})) ==
        std::vector<bool>{true, true, false, false});
  CHECK(values<bool>(run1(OpKind::IsInf, {x}, {{"detect_positive", 0}})) ==
        std::vector<bool>{false, true, false, false});
  CHECK(values<bool>(run1(OpKind::IsInf, {x}, {{"detect_negative", 0}})) ==
        std::vector<bool>{true, false, false, false});
  CHECK(values<bool>(run1(OpKind::IsNaN, {x})) ==
        std::vector<bool>{false, false, false, true});
  Tensor w =
      run1(OpKind::Where, {vec<bool>({true, false}, {2, 1}),
                           vec<int64_t>({1, 2, 3}), vec<int64_t>({-1}, {})});
  CHECK(w.shape() == std::vector<int64_t>{2, 3});
  CHECK(values<int64_t>(w) == std::vector<int64_t>{1, 2, 3, -1, -1, -1});
  Tensor id = run1(OpKind::Identity, {vec<bool>({true, false})});
  CHECK(values<bool>(id) == std::vector<bool>{true, false});
}
