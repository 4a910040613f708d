// Lowering of the NN ops (conv, matmul, pooling, normalization, reductions,
// softmax, recurrent and quantized ops): each single-node graph runs in the
// interpreter and, lowered to loop IR, in the bounds-checking loop IR
// evaluator; results must agree (floats within f32 accumulation error).
#include "kiln/IR/InferContext.h"
#include "kiln/IR/Module.h"
#include "kiln/Interpreter/Interpreter.h"
#include "kiln/LoopIR/Evaluator.h"
#include "kiln/Lowering/Lowering.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <random>

using namespace kiln;

namespace {

using Attrs = std::map<std::string, Attribute>;
using Ints = std::vector<int64_t>;

// An operand: graph input (run-time data), constant, or absent.
struct Arg {
  Tensor value;
  bool constant = false;
  bool absent = false;
};
Arg in(Tensor t) { return {std::move(t), false, false}; }
Arg cst(Tensor t) { return {std::move(t), true, false}; }
Arg none() { return {Tensor(), false, true}; }

template <typename T> Tensor vec(const std::vector<T> &values, Ints shape = {}) {
  if (shape.empty())
    shape = {int64_t(values.size())};
  return Tensor::fromVector<T>(values, shape);
}

// Floats uniform in [lo, hi]; integers in [lo, hi].
Tensor rnd(ElementType e, Ints shape, unsigned seed = 1, double lo = -2,
           double hi = 2) {
  std::mt19937 rng(seed);
  Tensor t(e, shape);
  for (int64_t i = 0; i < t.numElements(); ++i) {
    if (isFloat(e))
      t.setDouble(i, std::uniform_real_distribution<double>(lo, hi)(rng));
    else
      t.setInt(i, std::uniform_int_distribution<int64_t>(int64_t(lo),
                                                          int64_t(hi))(rng));
  }
  return t;
}

const ElementType F32 = ElementType::F32, I32 = ElementType::I32,
                  U8 = ElementType::U8, I8 = ElementType::I8;

// Runs both paths; `used` limits the results kept as graph outputs (others
// stay unused, so the lowering must not write them).
void same(OpKind kind, const std::vector<Arg> &args, const Attrs &attrs = {},
          size_t numResults = 1, std::vector<size_t> used = {},
          double tol = 1e-4) {
  Module module;
  Function &f = module.addFunction("main");
  std::vector<Value *> operands;
  std::vector<Tensor> inputs;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i].absent) {
      operands.push_back(nullptr);
    } else if (args[i].constant) {
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
  if (used.empty())
    for (size_t i = 0; i < numResults; ++i)
      used.push_back(i);
  std::vector<Value *> outs;
  for (size_t i : used)
    outs.push_back(node->result(i));
  f.setOutputs(outs);
  std::vector<Tensor> expected = Interpreter().run(f, inputs);
  loop::Program p = lowerFunction(f, "t");
  std::vector<Tensor> actual = loop::runProgram(p, inputs);
  REQUIRE(actual.size() == expected.size());
  for (size_t r = 0; r < expected.size(); ++r) {
    const Tensor &e = expected[r], &a = actual[r];
    INFO("result " << r);
    REQUIRE(a.elementType() == e.elementType());
    REQUIRE(a.shape() == e.shape());
    if (!isFloat(e.elementType())) {
      CHECK(a.identicalTo(e));
      continue;
    }
    int bad = 0;
    for (int64_t i = 0; i < e.numElements() && bad < 5; ++i) {
      double x = e.getDouble(i), y = a.getDouble(i);
      bool ok = std::isnan(x) ? std::isnan(y)
                              : std::fabs(x - y) <= tol * std::max(1.0, std::fabs(x));
      if (!ok) {
        ++bad;
        FAIL_CHECK("element " << i << ": expected " << x << ", got " << y);
      }
    }
  }
}

} // namespace

TEST_CASE("Lowered Conv: groups, strides, dilations, pads, auto_pad",
          "[lower-nn]") {
  Tensor x = rnd(F32, {2, 4, 7, 6}), w = rnd(F32, {6, 2, 3, 2}, 2);
  Tensor b = rnd(F32, {6}, 3);
  same(OpKind::Conv, {in(x), in(w), in(b)},
       {{"group", 2},
        {"strides", Ints{2, 1}},
        {"dilations", Ints{1, 2}},
        {"pads", Ints{1, 0, 2, 1}}});
  same(OpKind::Conv, {in(x), in(rnd(F32, {3, 4, 3, 3}, 4))},
       {{"auto_pad", "SAME_LOWER"}, {"strides", Ints{2, 2}}});
  same(OpKind::Conv, {in(rnd(F32, {1, 3, 9})), in(rnd(F32, {2, 3, 4}, 5))},
       {{"pads", Ints{2, 1}}});
  same(OpKind::Conv,
       {in(rnd(F32, {1, 2, 4, 5, 3})), in(rnd(F32, {2, 2, 2, 3, 2}, 6))},
       {{"pads", Ints{1, 1, 0, 0, 1, 1}}, {"strides", Ints{1, 2, 1}}});
}

TEST_CASE("Lowered ConvTranspose", "[lower-nn]") {
  Tensor x = rnd(F32, {1, 4, 3, 4}), w = rnd(F32, {4, 3, 3, 2}, 2);
  same(OpKind::ConvTranspose, {in(x), in(w), in(rnd(F32, {6}, 3))},
       {{"group", 2},
        {"strides", Ints{2, 3}},
        {"pads", Ints{1, 0, 0, 1}},
        {"output_padding", Ints{1, 1}}});
  same(OpKind::ConvTranspose, {in(x), in(w)},
       {{"dilations", Ints{2, 1}}, {"output_shape", Ints{7, 6}},
        {"strides", Ints{1, 1}}});
  same(OpKind::ConvTranspose, {in(x), in(w)},
       {{"auto_pad", "SAME_UPPER"}, {"strides", Ints{2, 2}}});
}

TEST_CASE("Lowered MatMul and Gemm", "[lower-nn]") {
  same(OpKind::MatMul, {in(rnd(F32, {2, 1, 3, 4})), in(rnd(F32, {3, 4, 5}, 2))});
  same(OpKind::MatMul, {in(rnd(F32, {4})), in(rnd(F32, {2, 4, 3}, 2))});
  same(OpKind::MatMul, {in(rnd(F32, {2, 3, 4})), in(rnd(F32, {4}, 2))});
  same(OpKind::MatMul, {in(rnd(F32, {4})), in(rnd(F32, {4}, 2))});
  // Integers wrap exactly like the interpreter.
  same(OpKind::MatMul, {in(rnd(ElementType::I64, {3, 5}, 1, -4e18, 4e18)),
                        in(rnd(ElementType::I64, {5, 2}, 2, -4e18, 4e18))});
  same(OpKind::MatMul, {in(rnd(I32, {2, 3}, 1, -1e9, 1e9)),
                        in(rnd(I32, {3, 2}, 2, -1e9, 1e9))});
  same(OpKind::Gemm,
       {in(rnd(F32, {4, 3})), in(rnd(F32, {5, 4}, 2)), in(rnd(F32, {5}, 3))},
       {{"transA", 1}, {"transB", 1}, {"alpha", 0.5f}, {"beta", -2.0f}});
  same(OpKind::Gemm,
       {in(rnd(F32, {3, 4})), in(rnd(F32, {4, 5}, 2)), in(rnd(F32, {3, 1}, 3))});
  same(OpKind::Gemm, {in(rnd(F32, {3, 4})), in(rnd(F32, {4, 5}, 2))});
}

TEST_CASE("Lowered AveragePool, MaxPool, LpPool", "[lower-nn]") {
  Tensor x = rnd(F32, {2, 3, 7, 6});
  Attrs win = {{"kernel_shape", Ints{3, 2}},
               {"strides", Ints{2, 2}},
               {"pads", Ints{1, 1, 1, 0}},
               {"ceil_mode", 1}};
  same(OpKind::AveragePool, {in(x)}, win);
  Attrs inc = win;
  inc["count_include_pad"] = 1;
  same(OpKind::AveragePool, {in(x)}, inc);
  same(OpKind::AveragePool, {in(x)},
       {{"kernel_shape", Ints{3, 3}}, {"auto_pad", "SAME_UPPER"}});
  Attrs lp = win;
  lp["p"] = 3;
  same(OpKind::LpPool, {in(x)}, lp);
  Attrs mp = win;
  mp["dilations"] = Ints{2, 1};
  same(OpKind::MaxPool, {in(x)}, mp, 2);
  mp["storage_order"] = 1;
  same(OpKind::MaxPool, {in(x)}, mp, 2);
  same(OpKind::MaxPool, {in(x)}, mp, 2, {0});
  same(OpKind::MaxPool, {in(rnd(U8, {1, 2, 5, 5}, 1, 0, 255))},
       {{"kernel_shape", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}}, 2);
  same(OpKind::MaxPool, {in(rnd(F32, {1, 2, 9}))},
       {{"kernel_shape", Ints{3}}, {"strides", Ints{2}}}, 2);
}

TEST_CASE("Lowered global pools and MaxUnpool", "[lower-nn]") {
  Tensor x = rnd(F32, {2, 3, 4, 5});
  same(OpKind::GlobalAveragePool, {in(x)});
  same(OpKind::GlobalMaxPool, {in(x)});
  same(OpKind::GlobalLpPool, {in(x)}, {{"p", 3}});
  same(OpKind::GlobalLpPool, {in(x)});
  Tensor ux = rnd(F32, {1, 1, 2, 2});
  Tensor idx = vec<int64_t>({5, 7, 13, 15}, {1, 1, 2, 2});
  same(OpKind::MaxUnpool, {in(ux), in(idx)},
       {{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}});
  same(OpKind::MaxUnpool, {in(ux), in(idx), cst(vec<int64_t>({1, 1, 5, 5}))},
       {{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}});
}

TEST_CASE("Lowered normalizations", "[lower-nn]") {
  Tensor x = rnd(F32, {2, 3, 4, 5});
  Tensor scale = rnd(F32, {3}, 2), bias = rnd(F32, {3}, 3);
  Tensor mean = rnd(F32, {3}, 4), var = rnd(F32, {3}, 5, 0.5, 2);
  same(OpKind::BatchNormalization,
       {in(x), in(scale), in(bias), in(mean), in(var)}, {{"epsilon", 1e-3f}});
  same(OpKind::BatchNormalization,
       {in(x), in(scale), in(bias), in(mean), in(var)},
       {{"training_mode", 1}, {"momentum", 0.8f}}, 3);
  same(OpKind::InstanceNormalization, {in(x), in(scale), in(bias)});
  same(OpKind::LayerNormalization,
       {in(x), in(rnd(F32, {4, 5}, 6)), in(rnd(F32, {5}, 7))}, {{"axis", -2}},
       3);
  same(OpKind::LayerNormalization, {in(x), in(rnd(F32, {5}, 6))}, {}, 3, {0});
  same(OpKind::MeanVarianceNormalization, {in(x)});
  same(OpKind::MeanVarianceNormalization, {in(x)}, {{"axes", Ints{1, -1}}});
  same(OpKind::LpNormalization, {in(x)}, {{"axis", 1}, {"p", 1}});
  same(OpKind::LpNormalization, {in(x)});
  same(OpKind::LRN, {in(x)},
       {{"size", 4}, {"alpha", 0.01f}, {"beta", 0.6f}, {"bias", 1.5f}});
}

TEST_CASE("Lowered reductions", "[lower-nn]") {
  Tensor x = rnd(F32, {2, 3, 4}, 1, 0.5, 2);
  const OpKind kinds[] = {
      OpKind::ReduceSum,    OpKind::ReduceMean,      OpKind::ReduceMax,
      OpKind::ReduceMin,    OpKind::ReduceProd,      OpKind::ReduceL1,
      OpKind::ReduceL2,     OpKind::ReduceLogSum,    OpKind::ReduceLogSumExp,
      OpKind::ReduceSumSquare};
  for (OpKind k : kinds) {
    INFO(getOpInfo(k).name);
    same(k, {in(x), cst(vec<int64_t>({0, -1}))});
    same(k, {in(x), cst(vec<int64_t>({1}))}, {{"keepdims", 0}});
    same(k, {in(x)}, {{"keepdims", 0}});
  }
  Tensor xi = rnd(I32, {3, 4, 2}, 3, -100, 100);
  for (OpKind k : {OpKind::ReduceSum, OpKind::ReduceMean, OpKind::ReduceProd,
                   OpKind::ReduceMax, OpKind::ReduceL1,
                   OpKind::ReduceSumSquare}) {
    INFO(getOpInfo(k).name);
    same(k, {in(xi), cst(vec<int64_t>({1}))});
  }
  same(OpKind::ReduceSum, {in(x), cst(Tensor(ElementType::I64, {0}))},
       {{"noop_with_empty_axes", 1}});
}

TEST_CASE("Lowered Softmax and LogSoftmax", "[lower-nn]") {
  Tensor x = rnd(F32, {2, 3, 4}, 1, -50, 50);
  for (int axis : {0, 1, -1}) {
    same(OpKind::Softmax, {in(x)}, {{"axis", axis}});
    same(OpKind::LogSoftmax, {in(x)}, {{"axis", axis}});
  }
}

TEST_CASE("Lowered RNN, GRU, LSTM", "[lower-nn]") {
  int64_t seq = 4, batch = 3, input = 2, h = 3;
  Tensor x = rnd(F32, {seq, batch, input});
  Tensor lens = vec<int32_t>({4, 2, 0});
  SECTION("RNN bidirectional with lengths and initial state") {
    same(OpKind::RNN,
         {in(x), in(rnd(F32, {2, h, input}, 2)), in(rnd(F32, {2, h, h}, 3)),
          in(rnd(F32, {2, 2 * h}, 4)), in(lens),
          in(rnd(F32, {2, batch, h}, 5))},
         {{"direction", "bidirectional"},
          {"hidden_size", h},
          {"activations", std::vector<std::string>{std::string("Relu"), "LeakyRelu"}},
          {"activation_alpha", std::vector<float>{0.2f}}},
         2);
  }
  SECTION("GRU both reset variants, clip, reverse") {
    for (int lbr : {0, 1})
      same(OpKind::GRU,
           {in(x), in(rnd(F32, {1, 3 * h, input}, 2)),
            in(rnd(F32, {1, 3 * h, h}, 3)), in(rnd(F32, {1, 6 * h}, 4)),
            in(lens)},
           {{"direction", "reverse"},
            {"hidden_size", h},
            {"linear_before_reset", lbr},
            {"clip", 1.5f}},
           2);
  }
  SECTION("LSTM with peepholes, layout 1, Y_c") {
    Tensor xb = rnd(F32, {batch, seq, input});
    same(OpKind::LSTM,
         {in(xb), in(rnd(F32, {2, 4 * h, input}, 2)),
          in(rnd(F32, {2, 4 * h, h}, 3)), in(rnd(F32, {2, 8 * h}, 4)),
          in(lens), in(rnd(F32, {batch, 2, h}, 5)),
          in(rnd(F32, {batch, 2, h}, 6)), in(rnd(F32, {2, 3 * h}, 7))},
         {{"direction", "bidirectional"},
          {"hidden_size", h},
          {"layout", 1},
          // Both directions' activations spelled out: the interpreter's
          // duplication of a single direction's list is unreliable.
          {"activations",
           std::vector<std::string>{std::string("Sigmoid"), "Tanh", "Tanh",
                                    "Sigmoid", "Tanh", "Tanh"}}},
         3);
    same(OpKind::LSTM,
         {in(x), in(rnd(F32, {1, 4 * h, input}, 2)),
          in(rnd(F32, {1, 4 * h, h}, 3))},
         {{"hidden_size", h}, {"input_forget", 1}}, 3, {1});
    // Absent B and sequence_lens before a present initial_h.
    same(OpKind::LSTM,
         {in(x), in(rnd(F32, {1, 4 * h, input}, 2)),
          in(rnd(F32, {1, 4 * h, h}, 3)), none(), none(),
          in(rnd(F32, {1, batch, h}, 4))},
         {{"hidden_size", h}, {"activations",
                               std::vector<std::string>{std::string("HardSigmoid"),
                                                        "Elu", "Softsign"}}},
         3, {0, 2});
  }
}

TEST_CASE("Lowered integer and quantized conv / matmul", "[lower-nn]") {
  Tensor x = rnd(U8, {1, 4, 5, 5}, 1, 0, 255);
  Tensor w = rnd(I8, {4, 2, 3, 3}, 2, -128, 127);
  same(OpKind::ConvInteger,
       {in(x), in(w), in(vec<uint8_t>({7}, {})), in(vec<int8_t>({1, -2, 3, 0}))},
       {{"group", 2}, {"pads", Ints{1, 1, 1, 1}}});
  same(OpKind::ConvInteger, {in(x), in(rnd(U8, {2, 4, 2, 2}, 3, 0, 255))});
  same(OpKind::QLinearConv,
       {in(x), in(vec<float>({0.05f}, {})), in(vec<uint8_t>({100}, {})),
        in(w), in(vec<float>({0.01f, 0.02f, 0.03f, 0.04f})),
        in(vec<int8_t>({0, 0, 0, 0})), in(vec<float>({0.3f}, {})),
        in(vec<int8_t>({-3}, {})), in(rnd(I32, {4}, 4, -500, 500))},
       {{"group", 2}, {"strides", Ints{2, 2}}, {"pads", Ints{1, 0, 1, 0}}});
  Tensor a = rnd(U8, {2, 3, 4}, 5, 0, 255), b = rnd(U8, {4, 5}, 6, 0, 255);
  same(OpKind::MatMulInteger,
       {in(a), in(b), in(vec<uint8_t>({3, 4, 5})), in(vec<uint8_t>({9}, {}))});
  same(OpKind::MatMulInteger, {in(a), in(b)});
  same(OpKind::QLinearMatMul,
       {in(a), in(vec<float>({0.1f}, {})), in(vec<uint8_t>({120}, {})), in(b),
        in(vec<float>({0.02f, 0.03f, 0.04f, 0.05f, 0.06f})),
        in(vec<uint8_t>({128}, {})), in(vec<float>({0.5f}, {})),
        in(vec<uint8_t>({10}, {}))});
}

TEST_CASE("NN lowerings reject unsupported configurations", "[lower-nn]") {
  // An activation the recurrent lowering does not know is a diagnostic.
  Module module;
  Function &f = module.addFunction("main");
  Value *x = f.addInput("x", TensorType(F32, Ints{2, 1, 2}));
  Node *w = f.createNode(OpKind::Constant, {}, {TensorType(F32, Ints{1, 3, 2})});
  w->setAttr("value", rnd(F32, {1, 3, 2}));
  Node *r = f.createNode(OpKind::Constant, {}, {TensorType(F32, Ints{1, 3, 3})});
  r->setAttr("value", rnd(F32, {1, 3, 3}));
  Node *node = f.createNode(OpKind::RNN, {x, w->result(), r->result()},
                            {TensorType(), TensorType()}, "rnn");
  node->setAttr("hidden_size", 3);
  node->setAttr("activations", std::vector<std::string>{std::string("Gelu")});
  refineResultTypes(*node);
  f.setOutputs({node->result(0)});
  REQUIRE_THROWS_WITH(lowerFunction(f, "t"),
                      Catch::Contains("'rnn'") &&
                          Catch::Contains("unsupported activation 'Gelu'"));
}
