// Lowering of the elementwise, quantization, generator, resampling and loss
// ops: a single-node graph runs in the interpreter and, lowered to loop IR,
// in the loop IR evaluator (which bounds-checks every access); they agree.
#include "kiln/IR/InferContext.h"
#include "kiln/IR/Module.h"
#include "kiln/Interpreter/Interpreter.h"
#include "kiln/LoopIR/Evaluator.h"
#include "kiln/Lowering/Lowering.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <map>

using namespace kiln;

namespace {

using Attrs = std::map<std::string, Attribute>;

// An operand: run-time data (a graph input) or a compile-time constant.
struct Operand {
  Tensor value;
  bool constant = false;
  bool absent = false;
};
Operand data(Tensor t) { return {std::move(t), false, false}; }
Operand constant(Tensor t) { return {std::move(t), true, false}; }
Operand absent() { return {Tensor(), false, true}; }

template <typename T>
Tensor tensor(const std::vector<T> &values, std::vector<int64_t> shape = {}) {
  if (shape.empty())
    shape = {int64_t(values.size())};
  return Tensor::fromVector<T>(values, shape);
}

// Runs op(operands) both ways; returns {interpreter, lowered} results.
std::pair<std::vector<Tensor>, std::vector<Tensor>>
runBoth(OpKind kind, const std::vector<Operand> &operands,
        const Attrs &attrs = {}, size_t numResults = 1) {
  Module module;
  Function &f = module.addFunction("main");
  std::vector<Value *> values;
  std::vector<Tensor> inputs;
  for (size_t i = 0; i < operands.size(); ++i) {
    const Operand &o = operands[i];
    if (o.absent) {
      values.push_back(nullptr);
    } else if (o.constant) {
      Node *c = f.createNode(OpKind::Constant, {}, {o.value.type()});
      c->setAttr("value", std::make_shared<const Tensor>(o.value));
      values.push_back(c->result());
    } else {
      values.push_back(f.addInput("x" + std::to_string(i), o.value.type()));
      inputs.push_back(o.value);
    }
  }
  Node *node = f.createNode(kind, values,
                            std::vector<TensorType>(numResults), "n0");
  for (const auto &[name, value] : attrs)
    node->setAttr(name, value);
  refineResultTypes(*node);
  f.setOutputs(node->results());
  std::vector<Tensor> expected = Interpreter().run(f, inputs);
  prepareForLowering(f);
  loop::Program program = lowerFunction(f, "test");
  std::vector<Tensor> actual = loop::runProgram(program, inputs);
  return {expected, actual};
}

// Same type and shape; floats agree to a relative 1e-5 (NaN with NaN),
// everything else bit for bit.
void checkSame(const Tensor &expected, const Tensor &actual) {
  REQUIRE(actual.type().str() == expected.type().str());
  if (!isFloat(expected.elementType())) {
    CHECK(actual.identicalTo(expected));
    return;
  }
  for (int64_t i = 0; i < expected.numElements(); ++i) {
    double e = expected.getDouble(i), a = actual.getDouble(i);
    INFO("element " << i << ": expected " << e << ", got " << a);
    if (std::isnan(e))
      CHECK(std::isnan(a));
    else if (std::isinf(e))
      CHECK(a == e);
    else
      CHECK(std::fabs(a - e) <= 1e-5 * std::max(1.0, std::fabs(e)));
  }
}

void checkOp(OpKind kind, const std::vector<Operand> &operands,
             const Attrs &attrs = {}, size_t numResults = 1) {
  auto [expected, actual] = runBoth(kind, operands, attrs, numResults);
  REQUIRE(actual.size() == expected.size());
  for (size_t i = 0; i < expected.size(); ++i)
    checkSame(expected[i], actual[i]);
}

const double NaN = std::numeric_limits<double>::quiet_NaN();
const double Inf = std::numeric_limits<double>::infinity();

Tensor floats(ElementType e, const std::vector<double> &v,
              std::vector<int64_t> shape = {}) {
  return tensor<double>(v, shape.empty() ? std::vector<int64_t>{int64_t(
                                               v.size())}
                                         : shape)
      .castTo(e);
}

} // namespace

TEST_CASE("lowered unary math matches the interpreter", "[lower-ew]") {
  std::vector<double> v = {-2.5, -1, -0.5, -0.0, 0, 0.25, 0.5, 1.5, 2.5, 7,
                           NaN,  Inf};
  for (ElementType e : {ElementType::F32, ElementType::F64, ElementType::F16}) {
    Tensor x = floats(e, v);
    for (OpKind k :
         {OpKind::Abs, OpKind::Neg, OpKind::Sign, OpKind::Ceil, OpKind::Floor,
          OpKind::Round, OpKind::Exp, OpKind::Sin, OpKind::Tanh, OpKind::Erf,
          OpKind::Sigmoid, OpKind::Relu, OpKind::Softplus, OpKind::Softsign,
          OpKind::HardSwish, OpKind::Elu, OpKind::Celu, OpKind::Selu,
          OpKind::LeakyRelu, OpKind::HardSigmoid, OpKind::ThresholdedRelu,
          OpKind::Shrink, OpKind::IsNaN, OpKind::IsInf, OpKind::Reciprocal}) {
      INFO(getOpInfo(k).name << " on " << toString(e));
      checkOp(k, {data(x)});
    }
  }
  // Integer variants wrap: Abs/Neg of INT8_MIN stay INT8_MIN.
  Tensor i8 = tensor<int8_t>({-128, -7, 0, 5, 127});
  for (OpKind k : {OpKind::Abs, OpKind::Neg, OpKind::Sign, OpKind::Relu,
                   OpKind::Shrink, OpKind::Identity})
    checkOp(k, {data(i8)});
  checkOp(OpKind::Sign, {data(tensor<uint16_t>({0, 3, 65535}))});
  checkOp(OpKind::Not, {data(tensor<bool>({true, false}))});
  checkOp(OpKind::IsInf, {data(floats(ElementType::F32, v))},
          {{"detect_positive", int64_t(0)}});
}

TEST_CASE("lowered Softplus is accurate for large and tiny inputs",
          "[lower-ew]") {
  auto [expected, actual] =
      runBoth(OpKind::Softplus, {data(tensor<double>({-40, -1e-3, 1e-9, 50}))});
  // log1p(exp(-40)) is about 4.25e-18: a relative check, not just absolute.
  CHECK(actual[0].getDouble(0) == Approx(expected[0].getDouble(0)).epsilon(1e-12));
  CHECK(actual[0].getDouble(3) == 50.0);
}

TEST_CASE("lowered binary ops broadcast and wrap like the interpreter",
          "[lower-ew]") {
  Tensor a = floats(ElementType::F32, {-3.5, -1, 0, 2, 5.5, 7}, {2, 3});
  Tensor b = floats(ElementType::F32, {2, -0.5, 3});
  for (OpKind k : {OpKind::Add, OpKind::Sub, OpKind::Mul, OpKind::Div,
                   OpKind::Pow, OpKind::Equal, OpKind::Less,
                   OpKind::GreaterOrEqual, OpKind::PRelu})
    checkOp(k, {data(a), data(b)});
  checkOp(OpKind::Mod, {data(a), data(b)}, {{"fmod", int64_t(1)}});
  checkOp(OpKind::Mod, {data(a), data(b)});

  Tensor ia = tensor<int32_t>({-7, 7, -7, 7, INT32_MIN, 9}, {2, 3});
  Tensor ib = tensor<int32_t>({3, -3, -1});
  for (OpKind k : {OpKind::Add, OpKind::Mul, OpKind::Div, OpKind::Mod,
                   OpKind::Less, OpKind::Pow})
    checkOp(k, {data(ia), data(ib)});
  // u8 arithmetic wraps; comparisons are unsigned.
  Tensor ua = tensor<uint8_t>({250, 3, 128});
  Tensor ub = tensor<uint8_t>({10, 200, 2});
  for (OpKind k : {OpKind::Add, OpKind::Sub, OpKind::Mul, OpKind::Div,
                   OpKind::Greater, OpKind::Mod})
    checkOp(k, {data(ua), data(ub)});
  checkOp(OpKind::BitShift, {data(ua), data(tensor<uint8_t>({1, 7, 9}))},
          {{"direction", "LEFT"}});
  checkOp(OpKind::BitShift, {data(ua), data(tensor<uint8_t>({1, 7, 9}))},
          {{"direction", "RIGHT"}});
  Tensor ba = tensor<bool>({true, true, false, false});
  Tensor bb = tensor<bool>({true, false, true, false});
  for (OpKind k : {OpKind::And, OpKind::Or, OpKind::Xor, OpKind::Equal})
    checkOp(k, {data(ba), data(bb)});
}

TEST_CASE("lowered integer Pow squares and multiplies with wrap-around",
          "[lower-ew]") {
  Tensor base = tensor<int64_t>({2, -3, 1, -1, -1, 5, 3});
  Tensor exp = tensor<int64_t>({10, 3, -5, -3, -4, -1, 41});
  auto [expected, actual] = runBoth(OpKind::Pow, {data(base), data(exp)});
  CHECK(actual[0].identicalTo(expected[0]));
  CHECK(actual[0].getInt(0) == 1024);
  CHECK(actual[0].getInt(1) == -27);
  CHECK(actual[0].getInt(3) == -1);
  CHECK(actual[0].getInt(5) == 0);
  // Integer base, float exponent: computed in f64 and truncated.
  checkOp(OpKind::Pow, {data(tensor<int32_t>({2, 9, -8})),
                        data(tensor<float>({0.5f, 0.5f, 2.0f}))});
}

TEST_CASE("lowered variadic ops, Where, Clip and Cast", "[lower-ew]") {
  Tensor a = floats(ElementType::F32, {1, NaN, -2, 4}, {2, 2});
  Tensor b = floats(ElementType::F32, {3, 0});
  Tensor c = floats(ElementType::F32, {-1});
  for (OpKind k : {OpKind::Max, OpKind::Min, OpKind::Sum, OpKind::Mean})
    checkOp(k, {data(a), data(b), data(c)});
  checkOp(OpKind::Max, {data(tensor<uint32_t>({1, 4000000000u})),
                        data(tensor<uint32_t>({7}))});
  checkOp(OpKind::Where, {data(tensor<bool>({true, false})),
                          data(tensor<int64_t>({1, 2, 3, 4}, {2, 2})),
                          data(tensor<int64_t>({-5}))});
  checkOp(OpKind::Clip, {data(tensor<int8_t>({-128, -3, 0, 9, 127})),
                         data(tensor<int8_t>({-4}, {})), absent()});
  checkOp(OpKind::Clip, {data(floats(ElementType::F32, {-3, 0.5, 9, NaN})),
                         data(floats(ElementType::F32, {-1}, {})),
                         data(floats(ElementType::F32, {2}, {}))});
  // Cast: float -> int truncates and saturates, NaN -> 0, -> bool is != 0.
  Tensor f = floats(ElementType::F64, {-1e20, -2.7, -0.5, 0.5, 2.7, 300, 1e20,
                                       NaN});
  for (ElementType to :
       {ElementType::I8, ElementType::U8, ElementType::I32, ElementType::U64,
        ElementType::I64, ElementType::Bool, ElementType::F16,
        ElementType::BF16, ElementType::F32}) {
    INFO("cast f64 to " << toString(to));
    checkOp(OpKind::Cast, {data(f)}, {{"to", int64_t(toOnnxDataType(to))}});
  }
  checkOp(OpKind::Cast, {data(tensor<int32_t>({-1, 300, 70000}))},
          {{"to", int64_t(toOnnxDataType(ElementType::U8))}});
  checkOp(OpKind::Cast, {data(tensor<int16_t>({-1, 2}))},
          {{"to", int64_t(toOnnxDataType(ElementType::U64))}});
}

TEST_CASE("lowered quantization ops", "[lower-ew]") {
  Tensor x = floats(ElementType::F32, {-300, -1.5, -0.5, 0.5, 1.5, 2.5, 300,
                                       NaN},
                    {2, 4});
  checkOp(OpKind::QuantizeLinear,
          {data(x), data(tensor<float>({0.5f}, {})),
           data(tensor<uint8_t>({128}, {}))});
  checkOp(OpKind::QuantizeLinear,
          {data(x), data(tensor<float>({0.5f, 2.0f})),
           data(tensor<int8_t>({1, -3}))},
          {{"axis", int64_t(0)}});
  checkOp(OpKind::DequantizeLinear,
          {data(tensor<int8_t>({-128, -1, 0, 127}, {2, 2})),
           data(tensor<float>({0.25f, 2.0f})),
           data(tensor<int8_t>({3, -2}))},
          {{"axis", int64_t(1)}});
  checkOp(OpKind::DynamicQuantizeLinear,
          {data(floats(ElementType::F32, {-1, 0.3, 2.5, 7}))}, {}, 3);
  checkOp(OpKind::DynamicQuantizeLinear,
          {data(floats(ElementType::F32, {0, 0, 0}))}, {}, 3);
}

TEST_CASE("lowered generators", "[lower-ew]") {
  Tensor x = floats(ElementType::F32, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12},
                    {3, 4});
  checkOp(OpKind::Trilu, {data(x)});
  checkOp(OpKind::Trilu, {data(x), data(tensor<int64_t>({-1}, {}))},
          {{"upper", int64_t(0)}});
  checkOp(OpKind::EyeLike, {data(x)}, {{"k", int64_t(1)}});
  checkOp(OpKind::OneHot,
          {data(tensor<int64_t>({0, -1, 5, 2})),
           constant(tensor<int64_t>({3}, {})),
           data(tensor<float>({-2, 7}))},
          {{"axis", int64_t(0)}});
  // Range's length needs constant operands; only results past the folding
  // limit (1 << 16 elements) are lowered rather than folded.
  checkOp(OpKind::Range, {constant(tensor<float>({0.5f}, {})),
                          constant(tensor<float>({105000.5f}, {})),
                          constant(tensor<float>({1.5f}, {}))});
  checkOp(OpKind::Range, {constant(tensor<int32_t>({100}, {})),
                          constant(tensor<int32_t>({-300000}, {})),
                          constant(tensor<int32_t>({-3}, {}))});
  for (OpKind k :
       {OpKind::HannWindow, OpKind::HammingWindow, OpKind::BlackmanWindow})
    checkOp(k, {constant(tensor<int32_t>({10}, {}))},
            {{"periodic", int64_t(0)}});
  auto [expected, actual] =
      runBoth(OpKind::Dropout,
              {data(x), constant(tensor<float>({0.4f}, {})),
               constant(tensor<bool>({true}, {}))},
              {{"seed", int64_t(3)}}, 2);
  checkSame(expected[0], actual[0]);
  CHECK(actual[1].identicalTo(expected[1]));
  checkOp(OpKind::Dropout, {data(x)}, {}, 2);
}

TEST_CASE("lowered Resize, GridSample and RoiAlign", "[lower-ew]") {
  Tensor x = floats(ElementType::F32,
                    {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
                    {1, 1, 4, 4});
  Tensor scales = tensor<float>({1, 1, 0.6f, 1.7f});
  for (const char *mode : {"nearest", "linear", "cubic"})
    for (const char *ctm :
         {"half_pixel", "align_corners", "asymmetric", "pytorch_half_pixel"}) {
      INFO(mode << " " << ctm);
      checkOp(OpKind::Resize, {data(x), absent(), constant(scales)},
              {{"mode", mode}, {"coordinate_transformation_mode", ctm}});
    }
  checkOp(OpKind::Resize,
          {data(x), constant(tensor<float>({0, 0, 0.4f, 0.6f, 1, 1, 0.6f,
                                            1.2f})),
           absent(), constant(tensor<int64_t>({1, 1, 3, 3}))},
          {{"mode", "linear"},
           {"coordinate_transformation_mode", "tf_crop_and_resize"},
           {"extrapolation_value", 10.0f}});
  Tensor grid = floats(ElementType::F32,
                       {-1.2, -1, -0.3, 0.2, 0.5, 0.9, 1.3, -0.6, 0, 0, 2, 7},
                       {1, 2, 3, 2});
  for (const char *mode : {"nearest", "bilinear", "bicubic"})
    for (const char *pad : {"zeros", "border", "reflection"})
      for (int64_t align : {0, 1}) {
        INFO(mode << " " << pad << " " << align);
        checkOp(OpKind::GridSample, {data(x), data(grid)},
                {{"mode", mode}, {"padding_mode", pad},
                 {"align_corners", align}});
      }
  Tensor rois = tensor<float>({0, 0, 3, 3, 0.5f, 1, 2.5f, 6}, {2, 4});
  for (const char *mode : {"avg", "max"})
    checkOp(OpKind::RoiAlign,
            {data(x), data(rois), data(tensor<int64_t>({0, 0}))},
            {{"mode", mode}, {"output_height", int64_t(2)},
             {"output_width", int64_t(3)}, {"spatial_scale", 0.8f}});
}

TEST_CASE("lowered losses", "[lower-ew]") {
  Tensor x = floats(ElementType::F32,
                    {0.1, -1, 2, 0.5, 3, -2, 1, 1, 0, 0.7, -0.3, 2.2},
                    {2, 3, 2});
  Tensor target = tensor<int64_t>({0, 2, 1, 1}, {2, 2});
  Tensor weight = tensor<float>({0.2f, 1.0f, 3.0f});
  for (const char *red : {"none", "sum", "mean"}) {
    INFO(red);
    checkOp(OpKind::NegativeLogLikelihoodLoss, {data(x), data(target)},
            {{"reduction", red}});
    checkOp(OpKind::NegativeLogLikelihoodLoss,
            {data(x), data(target), data(weight)},
            {{"reduction", red}, {"ignore_index", int64_t(1)}});
    checkOp(OpKind::SoftmaxCrossEntropyLoss,
            {data(x), data(target), data(weight)}, {{"reduction", red}}, 2);
  }
}
