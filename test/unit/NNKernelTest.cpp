// Type inference and interpreter kernels of the convolution, matrix
// product, pooling, normalization and Dropout ops of IR/ops/NN.def, checked
// against hand-computed ONNX results.
#include "kiln/IR/Einsum.h"
#include "kiln/IR/InferUtils.h"
#include "kiln/IR/Module.h"
#include "kiln/Interpreter/Interpreter.h"

#include "SingleNodeGraph.h"

#include <catch2/catch.hpp>

#include <cmath>

using namespace kiln;

namespace {

using OneNode = SingleNodeGraph;

/// The inferred type of one node over function inputs of the given types.
std::string inferOn(OpKind kind, const std::vector<TensorType> &inputs,
                    const std::map<std::string, Attribute> &attrs = {},
                    size_t result = 0, size_t numResults = 1) {
  Module m;
  Function &f = m.addFunction("main");
  std::vector<Value *> values;
  for (size_t i = 0; i < inputs.size(); ++i)
    values.push_back(f.addInput("in" + std::to_string(i), inputs[i]));
  Node *n = f.createNode(
      kind, values, std::vector<TensorType>(numResults, TensorType()), "n0");
  for (const auto &[name, value] : attrs)
    n->setAttr(name, value);
  refineResultTypes(*n);
  return n->result(result)->type().str();
}

TensorType f32(std::vector<Dim> dims) {
  return TensorType(ElementType::F32, std::move(dims));
}

Tensor iota(std::vector<int64_t> shape) {
  Tensor t(ElementType::F32, shape);
  for (int64_t i = 0; i < t.numElements(); ++i)
    t.data<float>()[i] = float(i);
  return t;
}

Tensor floats(const std::vector<float> &v, std::vector<int64_t> shape) {
  return Tensor::fromVector<float>(v, std::move(shape));
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

using Ints = std::vector<int64_t>;

} // namespace

TEST_CASE("convOutputSize follows pads, auto_pad and ceil_mode", "[conv]") {
  WindowParams p;
  p.kernel = {3};
  p.strides = {2};
  p.dilations = {1};
  p.pads = {0, 0};
  CHECK(convOutputSize(p, 0, 4) == 1);
  p.ceilMode = true;
  CHECK(convOutputSize(p, 0, 4) == 2);
  // A last window that would start in the end padding is dropped.
  p.kernel = {1};
  p.pads = {0, 1};
  CHECK(convOutputSize(p, 0, 3) == 2);
  p.ceilMode = false;
  p.kernel = {3};
  p.pads = {0, 0};
  p.autoPad = "SAME_UPPER";
  CHECK(convOutputSize(p, 0, 5) == 3);
  CHECK(resolvePads(p, {4}) == Ints{0, 1});
  p.autoPad = "SAME_LOWER";
  CHECK(resolvePads(p, {4}) == Ints{1, 0});
  p.autoPad = "VALID";
  p.dilations = {2};
  CHECK(convOutputSize(p, 0, 7) == 2);
  CHECK_THROWS_WITH(convOutputSize(p, 0, 4), Catch::Contains("does not fit"));
}

TEST_CASE("Conv computes a small 2-D convolution", "[conv]") {
  Tensor x = iota({1, 1, 3, 3});
  Tensor w = floats({1, 1, 1, 1}, {1, 1, 2, 2});
  Tensor b = floats({1}, {1});
  OneNode plain(OpKind::Conv, {&x, &w, &b});
  CHECK(plain.type() == "f32[1,1,2,2]");
  CHECK(doubles(plain.run()[0]) == std::vector<double>{9, 13, 21, 25});

  OneNode padded(OpKind::Conv, {&x, &w},
                 {{"pads", Ints{1, 1, 1, 1}}, {"strides", Ints{2, 2}}});
  CHECK(padded.type() == "f32[1,1,2,2]");
  CHECK(doubles(padded.run()[0]) == std::vector<double>{0, 3, 9, 24});
}

TEST_CASE("Conv supports groups, dilations and auto_pad", "[conv]") {
  Tensor x = iota({1, 2, 2, 2});
  Tensor w = floats({2, 3}, {2, 1, 1, 1});
  OneNode grouped(OpKind::Conv, {&x, &w}, {{"group", 2}});
  CHECK(doubles(grouped.run()[0]) ==
        std::vector<double>{0, 2, 4, 6, 12, 15, 18, 21});

  Tensor x1 = iota({1, 1, 5});
  Tensor w1 = floats({1, 10}, {1, 1, 2});
  OneNode dilated(OpKind::Conv, {&x1, &w1}, {{"dilations", Ints{2}}});
  CHECK(dilated.type() == "f32[1,1,3]");
  CHECK(doubles(dilated.run()[0]) == std::vector<double>{20, 31, 42});

  Tensor x4 = iota({1, 1, 4});
  Tensor ones3 = floats({1, 1, 1}, {1, 1, 3});
  OneNode upper(OpKind::Conv, {&x4, &ones3},
                {{"auto_pad", "SAME_UPPER"}, {"strides", Ints{2}}});
  CHECK(upper.type() == "f32[1,1,2]");
  CHECK(doubles(upper.run()[0]) == std::vector<double>{3, 5});
  OneNode lower(OpKind::Conv, {&x4, &ones3},
                {{"auto_pad", "SAME_LOWER"}, {"strides", Ints{2}}});
  CHECK(doubles(lower.run()[0]) == std::vector<double>{1, 6});

  Tensor x3 = iota({1, 1, 2, 2, 2});
  Tensor w3 = floats({1, 1, 1, 1, 1, 1, 1, 1}, {1, 1, 2, 2, 2});
  OneNode conv3d(OpKind::Conv, {&x3, &w3});
  CHECK(conv3d.type() == "f32[1,1,1,1,1]");
  CHECK(doubles(conv3d.run()[0]) == std::vector<double>{28});
}

TEST_CASE("Conv inference checks ranks and channels", "[conv]") {
  CHECK(inferOn(OpKind::Conv,
                {f32({Dim::symbol("N"), 3, 224, 224}), f32({64, 3, 7, 7})},
                {{"pads", Ints{3, 3, 3, 3}}, {"strides", Ints{2, 2}}}) ==
        "f32[N,64,112,112]");
  CHECK(inferOn(OpKind::Conv, {f32({1, 3, Dim::symbol("H"), 8}),
                               f32({4, 3, 3, 3})}) == "f32[1,4,?,6]");
  CHECK_THROWS_WITH(inferOn(OpKind::Conv, {f32({1, 3, 8, 8}), f32({4, 3, 3})}),
                    Catch::Contains("weight rank 3") &&
                        Catch::Contains("input rank 4"));
  CHECK_THROWS_WITH(inferOn(OpKind::Conv,
                            {f32({1, 4, 8, 8}), f32({4, 1, 3, 3})},
                            {{"group", 2}}),
                    Catch::Contains("input has 4 channels") &&
                        Catch::Contains("group 2 expects 2"));
}

TEST_CASE("ConvTranspose handles strides, pads and output size", "[conv]") {
  Tensor x = floats({1, 2, 3}, {1, 1, 3});
  Tensor w = floats({1, 1, 1}, {1, 1, 3});
  OneNode full(OpKind::ConvTranspose, {&x, &w}, {{"strides", Ints{2}}});
  CHECK(full.type() == "f32[1,1,7]");
  CHECK(doubles(full.run()[0]) == std::vector<double>{1, 1, 3, 2, 5, 3, 3});
  OneNode cropped(OpKind::ConvTranspose, {&x, &w},
                  {{"strides", Ints{2}}, {"pads", Ints{1, 1}}});
  CHECK(doubles(cropped.run()[0]) == std::vector<double>{1, 3, 2, 5, 3});
  OneNode extra(OpKind::ConvTranspose, {&x, &w},
                {{"strides", Ints{2}}, {"output_padding", Ints{1}}});
  CHECK(doubles(extra.run()[0]) == std::vector<double>{1, 1, 3, 2, 5, 3, 3, 0});
  OneNode shaped(OpKind::ConvTranspose, {&x, &w},
                 {{"strides", Ints{2}}, {"output_shape", Ints{8}}});
  CHECK(shaped.type() == "f32[1,1,8]");
  CHECK(doubles(shaped.run()[0]) ==
        std::vector<double>{1, 1, 3, 2, 5, 3, 3, 0});
  OneNode same(OpKind::ConvTranspose, {&x, &w},
               {{"strides", Ints{2}}, {"auto_pad", "SAME_UPPER"}});
  CHECK(same.type() == "f32[1,1,6]");
  CHECK(doubles(same.run()[0]) == std::vector<double>{1, 1, 3, 2, 5, 3});

  // Two groups of one channel each, two output channels per group.
  Tensor x2 = floats({1, 2}, {1, 2, 1});
  Tensor w2 = floats({1, 2, 3, 4}, {2, 2, 1});
  Tensor b2 = floats({0, 0, 0, 10}, {4});
  OneNode grouped(OpKind::ConvTranspose, {&x2, &w2, &b2}, {{"group", 2}});
  CHECK(grouped.type() == "f32[1,4,1]");
  CHECK(doubles(grouped.run()[0]) == std::vector<double>{1, 2, 6, 18});
}

TEST_CASE("MatMul follows numpy rules", "[matmul]") {
  Tensor a = floats({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor b = floats({1, 0, 0, 1, 1, 1}, {3, 2});
  OneNode mm(OpKind::MatMul, {&a, &b});
  CHECK(mm.type() == "f32[2,2]");
  CHECK(doubles(mm.run()[0]) == std::vector<double>{4, 5, 10, 11});
  Tensor v = floats({1, 1}, {2});
  OneNode vecMat(OpKind::MatMul, {&v, &a});
  CHECK(vecMat.type() == "f32[3]");
  CHECK(doubles(vecMat.run()[0]) == std::vector<double>{5, 7, 9});
  Tensor batch = floats({1, 0, 0, 1, 2, 0, 0, 2}, {2, 1, 2, 2});
  Tensor rhs = floats({1, 2, 3, 4}, {2, 2});
  OneNode bm(OpKind::MatMul, {&batch, &rhs});
  CHECK(bm.type() == "f32[2,1,2,2]");
  CHECK(doubles(bm.run()[0]) == std::vector<double>{1, 2, 3, 4, 2, 4, 6, 8});
  Tensor ia = Tensor::fromVector<int32_t>({1, 2, 3, 4}, {2, 2});
  OneNode ints(OpKind::MatMul, {&ia, &ia});
  CHECK(ints.type() == "i32[2,2]");
  CHECK(ints.run()[0].toIntVector() == std::vector<int64_t>{7, 10, 15, 22});
  CHECK_THROWS_WITH(inferOn(OpKind::MatMul, {f32({2, 3}), f32({4, 5})}),
                    Catch::Contains("inner dimensions differ") &&
                        Catch::Contains("f32[2,3]") &&
                        Catch::Contains("f32[4,5]"));
  CHECK(inferOn(OpKind::MatMul, {f32({Dim::symbol("B"), 1, 4, 3}),
                                 f32({5, 3, 2})}) == "f32[B,5,4,2]");
}

TEST_CASE("Gemm applies transposes, alpha, beta and bias", "[matmul]") {
  Tensor a = floats({1, 3, 2, 4}, {2, 2}); // A^T = [[1,2],[3,4]]
  Tensor b = floats({1, 0, 1, 1}, {2, 2}); // B^T = [[1,1],[0,1]]
  Tensor c = floats({1}, {});
  OneNode g(OpKind::Gemm, {&a, &b, &c},
            {{"transA", 1}, {"transB", 1}, {"alpha", 2.0f}, {"beta", 3.0f}});
  CHECK(g.type() == "f32[2,2]");
  // A^T B^T = [[1,3],[3,7]]
  CHECK(doubles(g.run()[0]) == std::vector<double>{5, 9, 9, 17});
  Tensor row = floats({10, 20}, {2});
  OneNode rowBias(OpKind::Gemm, {&a, &b, &row});
  // A B = [[1,3],[2,4]] * [[1,0],[1,1]] = [[4,3],[6,4]]
  CHECK(doubles(rowBias.run()[0]) == std::vector<double>{14, 23, 16, 24});
}

TEST_CASE("Einsum parses general equations", "[einsum]") {
  Tensor a = floats({1, 2, 3, 4}, {2, 2});
  Tensor b = floats({5, 6, 7, 8}, {2, 2});
  auto einsum = [](const std::string &eq,
                   const std::vector<const Tensor *> &ops) {
    OneNode g(OpKind::Einsum, ops, {{"equation", eq}});
    return g.run()[0];
  };
  CHECK(doubles(einsum("ij,jk->ik", {&a, &b})) ==
        std::vector<double>{19, 22, 43, 50});
  CHECK(doubles(einsum("ij,jk", {&a, &b})) ==
        std::vector<double>{19, 22, 43, 50});
  CHECK(doubles(einsum("ii->i", {&a})) == std::vector<double>{1, 4});
  CHECK(doubles(einsum("ii", {&a})) == std::vector<double>{5});
  CHECK(doubles(einsum("ij->", {&a})) == std::vector<double>{10});
  CHECK(doubles(einsum("ji", {&a})) == std::vector<double>{1, 3, 2, 4});
  CHECK(doubles(einsum("i j -> j i", {&a})) == std::vector<double>{1, 3, 2, 4});
  Tensor x = iota({2, 2, 3});
  Tensor y = iota({3});
  CHECK(doubles(einsum("...j,j->...", {&x, &y})) ==
        std::vector<double>{5, 14, 23, 32});
  CHECK(doubles(einsum("bij->bji", {&x}))[1] == 3);
  OneNode ell(OpKind::Einsum, {&x}, {{"equation", "...ij->...ji"}});
  CHECK(ell.type() == "f32[2,3,2]");
  CHECK_THROWS_WITH(OneNode(OpKind::Einsum, {&x}, {{"equation", "bii->bi"}}),
                    Catch::Contains("has size 3"));
  Tensor sq = iota({2, 3, 3});
  CHECK(doubles(einsum("bii->bi", {&sq})) ==
        std::vector<double>{0, 4, 8, 9, 13, 17});
  CHECK_THROWS_WITH(OneNode(OpKind::Einsum, {&a}, {{"equation", "ij->ik"}}),
                    Catch::Contains("not in any input"));
  CHECK_THROWS_WITH(OneNode(OpKind::Einsum, {&a}, {{"equation", "ijk"}}),
                    Catch::Contains("has 3 labels but operand 0 has rank 2"));
}

TEST_CASE("malformed einsum equations are diagnosed", "[einsum]") {
  for (const char *eq : {"ij->jj", "i.j", "ij->ij->", "i1", "ij,jk", "..i.."}) {
    INFO(eq);
    CHECK_THROWS_AS(parseEinsum(eq, {2}), Error);
  }
  EinsumEquation e = parseEinsum("...ij,...jk", {4, 2});
  CHECK(e.numEllipsisDims == 2);
  CHECK(e.inputs[1] == std::vector<int>{'j' - 'a', 'k' - 'a'});
  CHECK(e.output == std::vector<int>{52, 53, 'i' - 'a', 'k' - 'a'});
}

TEST_CASE("MaxPool with ceil_mode and indices", "[pool]") {
  Tensor x = iota({1, 1, 4, 4});
  std::map<std::string, Attribute> attrs = {
      {"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}, {"ceil_mode", 1}};
  OneNode pool(OpKind::MaxPool, {&x}, attrs, 2);
  CHECK(pool.type(0) == "f32[1,1,2,2]");
  CHECK(pool.type(1) == "i64[1,1,2,2]");
  std::vector<Tensor> r = pool.run();
  CHECK(doubles(r[0]) == std::vector<double>{10, 11, 14, 15});
  CHECK(r[1].toIntVector() == Ints{10, 11, 14, 15});
  attrs["storage_order"] = 1;
  OneNode colMajor(OpKind::MaxPool, {&x}, attrs, 2);
  CHECK(colMajor.run()[1].toIntVector() == Ints{10, 14, 11, 15});
  attrs.erase("ceil_mode");
  OneNode floorMode(OpKind::MaxPool, {&x}, attrs, 2);
  CHECK(floorMode.type() == "f32[1,1,1,1]");

  Tensor u8 = Tensor::fromVector<uint8_t>({1, 200, 3, 4}, {1, 1, 2, 2});
  OneNode ints(OpKind::MaxPool, {&u8}, {{"kernel_shape", Ints{2, 2}}});
  CHECK(ints.run()[0].toIntVector() == Ints{200});
}

TEST_CASE("AveragePool counts pads only when asked", "[pool]") {
  Tensor x = iota({1, 1, 4, 4});
  OneNode ceil(OpKind::AveragePool, {&x},
               {{"kernel_shape", Ints{3, 3}},
                {"strides", Ints{2, 2}},
                {"ceil_mode", 1}});
  CHECK(doubles(ceil.run()[0]) == std::vector<double>{5, 6.5, 11, 12.5});

  Tensor small = floats({1, 2, 3, 4}, {1, 1, 2, 2});
  std::map<std::string, Attribute> attrs = {{"kernel_shape", Ints{2, 2}},
                                            {"pads", Ints{1, 1, 1, 1}}};
  OneNode excl(OpKind::AveragePool, {&small}, attrs);
  CHECK(excl.type() == "f32[1,1,3,3]");
  checkClose(excl.run()[0], {1, 1.5, 2, 2, 2.5, 3, 3, 3.5, 4});
  attrs["count_include_pad"] = 1;
  OneNode incl(OpKind::AveragePool, {&small}, attrs);
  checkClose(incl.run()[0], {0.25, 0.75, 0.5, 1, 2.5, 1.5, 0.75, 1.75, 1});

  OneNode lp(OpKind::LpPool, {&small}, {{"kernel_shape", Ints{2, 2}}});
  checkClose(lp.run()[0], {std::sqrt(30.0)});
}

TEST_CASE("global pools reduce every spatial dim", "[pool]") {
  Tensor x = floats({1, 2, 3, 4, -1, -2, -3, -4}, {1, 2, 2, 2});
  OneNode avg(OpKind::GlobalAveragePool, {&x});
  CHECK(avg.type() == "f32[1,2,1,1]");
  CHECK(doubles(avg.run()[0]) == std::vector<double>{2.5, -2.5});
  OneNode max(OpKind::GlobalMaxPool, {&x});
  CHECK(doubles(max.run()[0]) == std::vector<double>{4, -1});
  OneNode lp(OpKind::GlobalLpPool, {&x}, {{"p", 1}});
  CHECK(doubles(lp.run()[0]) == std::vector<double>{10, 10});
}

TEST_CASE("MaxUnpool scatters and validates indices", "[pool]") {
  Tensor x = floats({5, 7}, {1, 1, 1, 2});
  Tensor idx = Tensor::fromVector<int64_t>({1, 6}, {1, 1, 1, 2});
  OneNode unpool(OpKind::MaxUnpool, {&x, &idx},
                 {{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}});
  CHECK(unpool.type() == "f32[1,1,2,4]");
  CHECK(doubles(unpool.run()[0]) ==
        std::vector<double>{0, 5, 0, 0, 0, 0, 7, 0});
  Tensor bad = Tensor::fromVector<int64_t>({1, 8}, {1, 1, 1, 2});
  OneNode oob(OpKind::MaxUnpool, {&x, &bad},
              {{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}});
  CHECK_THROWS_WITH(oob.run(), Catch::Contains("index 8"));
  Tensor shape = Tensor::fromVector<int64_t>({1, 1, 3, 3}, {4});
  OneNode shaped(OpKind::MaxUnpool, {&x, &idx, &shape},
                 {{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}});
  CHECK(shaped.type() == "f32[1,1,3,3]");
  // Indices keep their coordinates in the default [1,1,2,4] shape.
  CHECK(doubles(shaped.run()[0]) ==
        std::vector<double>{0, 5, 0, 0, 0, 7, 0, 0, 0});
}

TEST_CASE("BatchNormalization in inference and training mode", "[norm]") {
  Tensor x = floats({1, 3, 10, 20}, {2, 2, 1});
  Tensor scale = floats({1, 2}, {2}), bias = floats({0, 1}, {2});
  Tensor mean = floats({2, 10}, {2}), var = floats({4, 25}, {2});
  OneNode inf(OpKind::BatchNormalization, {&x, &scale, &bias, &mean, &var},
              {{"epsilon", 0.0f}});
  checkClose(inf.run()[0], {-0.5, -1.8, 4, 5});
  OneNode train(OpKind::BatchNormalization, {&x, &scale, &bias, &mean, &var},
                {{"epsilon", 0.0f}, {"training_mode", 1}}, 3);
  std::vector<Tensor> r = train.run();
  // Batch stats: channel 0 {1, 10}: mean 5.5, var 20.25; channel 1 {3, 20}:
  // mean 11.5, var 72.25.
  checkClose(r[0], {-1, -1, 1, 3});
  checkClose(r[1], {0.9 * 2 + 0.1 * 5.5, 0.9 * 10 + 0.1 * 11.5});
  checkClose(r[2], {0.9 * 4 + 0.1 * 20.25, 0.9 * 25 + 0.1 * 72.25}, 1e-4);
}

TEST_CASE("instance, layer and local normalizations", "[norm]") {
  Tensor x = floats({1, 2, 3, 4, 6, 8}, {1, 2, 3});
  Tensor scale = floats({1, 2}, {2}), bias = floats({0, 5}, {2});
  OneNode inst(OpKind::InstanceNormalization, {&x, &scale, &bias},
               {{"epsilon", 0.0f}});
  double s = std::sqrt(1.5);
  checkClose(inst.run()[0], {-s, 0, s, 5 - 2 * s, 5, 5 + 2 * s}, 1e-5);

  Tensor row = floats({1, 2, 3}, {1, 3});
  Tensor g = floats({1, 1, 1}, {3}), b = floats({0, 0, 1}, {3});
  OneNode ln(OpKind::LayerNormalization, {&row, &g, &b}, {{"epsilon", 0.0f}},
             3);
  CHECK(ln.type(1) == "f32[1,1]");
  std::vector<Tensor> r = ln.run();
  double k = std::sqrt(1.5);
  checkClose(r[0], {-k, 0, k + 1}, 1e-5);
  checkClose(r[1], {2});
  checkClose(r[2], {k});

  Tensor v = floats({3, 4, 0, 0}, {2, 2});
  OneNode l2(OpKind::LpNormalization, {&v}, {{"axis", 1}});
  checkClose(l2.run()[0], {0.6, 0.8, 0, 0});
  OneNode l1(OpKind::LpNormalization, {&v}, {{"axis", 0}, {"p", 1}});
  checkClose(l1.run()[0], {1, 1, 0, 0});

  Tensor c = floats({1, 2, 3}, {1, 3, 1, 1});
  OneNode lrn(OpKind::LRN, {&c},
              {{"size", 3}, {"alpha", 3.0f}, {"beta", 1.0f}, {"bias", 1.0f}});
  // Channel sums of squares: {1+4, 1+4+9, 4+9}.
  checkClose(lrn.run()[0], {1.0 / 6, 2.0 / 15, 3.0 / 14});

  Tensor m = floats({1, 3, 5, 5}, {1, 1, 2, 2});
  OneNode mvn(OpKind::MeanVarianceNormalization, {&m});
  // Mean 3.5, standard deviation sqrt(2.75).
  double sd = std::sqrt(2.75);
  checkClose(mvn.run()[0], {-2.5 / sd, -0.5 / sd, 1.5 / sd, 1.5 / sd});
}

TEST_CASE("Dropout is the identity in inference", "[dropout]") {
  Tensor x = floats({1, -2, 3}, {3});
  OneNode d(OpKind::Dropout, {&x}, {}, 2);
  CHECK(d.type(1) == "bool[3]");
  std::vector<Tensor> r = d.run();
  CHECK(doubles(r[0]) == std::vector<double>{1, -2, 3});
  CHECK(r[1].toIntVector() == Ints{1, 1, 1});
}

TEST_CASE("training Dropout reproduces numpy's seeded mask", "[dropout]") {
  // numpy.random.seed(0); numpy.random.uniform(0, 1, 4) gives
  // 0.5488, 0.7152, 0.6028, 0.5449: with ratio 0.6, elements 1 and 2 stay.
  Tensor x = floats({1, 2, 3, 4}, {4});
  Tensor ratio = Tensor::scalar<float>(0.6f);
  Tensor training = Tensor::scalar<bool>(true);
  OneNode t(OpKind::Dropout, {&x, &ratio, &training}, {}, 2);
  std::vector<Tensor> r = t.run();
  checkClose(r[0], {0, 5, 7.5, 0});
  CHECK(r[1].toIntVector() == Ints{0, 1, 1, 0});
}
