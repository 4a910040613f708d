// Type inference and interpreter kernels of Resize, GridSample and RoiAlign,
// checked against hand-computed ONNX results.
#include "kiln/IR/InferContext.h"
#include "kiln/IR/Module.h"
#include "kiln/Interpreter/Interpreter.h"

#include <catch2/catch.hpp>

using namespace kiln;

namespace {

/// One node over Constant operands (null = absent), result types inferred.
struct Single {
  Module module;
  Function *f;
  Node *node;

  Single(OpKind kind, const std::vector<const Tensor *> &operands,
         const std::map<std::string, Attribute> &attrs = {}) {
    f = &module.addFunction("main");
    std::vector<Value *> values;
    for (const Tensor *t : operands) {
      if (!t) {
        values.push_back(nullptr);
        continue;
      }
      Node *c = f->createNode(OpKind::Constant, {}, {t->type()});
      c->setAttr("value", *t);
      values.push_back(c->result());
    }
    node = f->createNode(kind, values, {TensorType()}, "n0");
    for (const auto &[name, value] : attrs)
      node->setAttr(name, value);
    refineResultTypes(*node);
    f->setOutputs(node->results());
  }

  Tensor run() { return Interpreter().run(*f, {})[0]; }
};

std::vector<float> floats(const Tensor &t) {
  return std::vector<float>(t.data<float>(), t.data<float>() + t.numElements());
}

void checkClose(const Tensor &t, const std::vector<double> &expected) {
  REQUIRE(size_t(t.numElements()) == expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    INFO("element " << i);
    CHECK(t.data<float>()[i] == Approx(expected[i]).margin(1e-6));
  }
}

const Tensor Image2x2 = Tensor::fromVector<float>({1, 2, 3, 4}, {1, 1, 2, 2});

} // namespace

TEST_CASE("Resize nearest upsamples with half_pixel and round_prefer_floor",
          "[kernels][resample]") {
  Tensor scales = Tensor::fromVector<float>({1, 1, 2, 3}, {4});
  Single s(OpKind::Resize, {&Image2x2, nullptr, &scales});
  CHECK(s.node->result()->type().str() == "f32[1,1,4,6]");
  CHECK(floats(s.run()) == std::vector<float>{1, 1, 1, 2, 2, 2, //
                                              1, 1, 1, 2, 2, 2, //
                                              3, 3, 3, 4, 4, 4, //
                                              3, 3, 3, 4, 4, 4});
}

TEST_CASE("Resize nearest modes and sizes", "[kernels][resample]") {
  Tensor x = Tensor::fromVector<float>({1, 2, 3, 4}, {1, 4});
  Tensor sizes = Tensor::fromVector<int64_t>({1, 7}, {2});
  // asymmetric: x_orig = o * 4/7 = 0, .571, 1.143, 1.714, 2.286, 2.857, 3.429
  SECTION("floor") {
    Single s(OpKind::Resize, {&x, nullptr, nullptr, &sizes},
             {{"coordinate_transformation_mode", "asymmetric"},
              {"nearest_mode", "floor"}});
    CHECK(s.node->result()->type().str() == "f32[1,7]");
    CHECK(floats(s.run()) == std::vector<float>{1, 1, 2, 2, 3, 3, 4});
  }
  SECTION("ceil clamps at the edge") {
    Single s(OpKind::Resize, {&x, nullptr, nullptr, &sizes},
             {{"coordinate_transformation_mode", "asymmetric"},
              {"nearest_mode", "ceil"}});
    CHECK(floats(s.run()) == std::vector<float>{1, 2, 3, 3, 4, 4, 4});
  }
  SECTION("round_prefer_ceil") {
    Single s(OpKind::Resize, {&x, nullptr, nullptr, &sizes},
             {{"coordinate_transformation_mode", "asymmetric"},
              {"nearest_mode", "round_prefer_ceil"}});
    CHECK(floats(s.run()) == std::vector<float>{1, 2, 2, 3, 3, 4, 4});
  }
}

TEST_CASE("Resize linear", "[kernels][resample]") {
  SECTION("half_pixel upsampling") {
    Tensor scales = Tensor::fromVector<float>({1, 1, 2, 2}, {4});
    Single s(OpKind::Resize, {&Image2x2, nullptr, &scales},
             {{"mode", "linear"}});
    checkClose(s.run(), {1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, //
                         2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4});
  }
  SECTION("align_corners uses the unrounded output length") {
    Tensor x =
        Tensor::fromVector<float>({1, 2, 3, 4, 5, 6, 7, 8}, {1, 1, 2, 4});
    Tensor scales = Tensor::fromVector<float>({1, 1, 0.6f, 0.6f}, {4});
    Single s(OpKind::Resize, {&x, nullptr, &scales},
             {{"mode", "linear"},
              {"coordinate_transformation_mode", "align_corners"}});
    CHECK(s.node->result()->type().str() == "f32[1,1,1,2]");
    checkClose(s.run(), {1, 1 + 3 / 1.4});
  }
  SECTION("tf_crop_and_resize extrapolates outside the roi") {
    Tensor x = Tensor::fromVector<float>({1, 2, 3, 4}, {1, 4});
    Tensor roi = Tensor::fromVector<float>({0, 0.5f, 1, 1.5f}, {4});
    Tensor sizes = Tensor::fromVector<int64_t>({1, 3}, {2});
    Single s(OpKind::Resize, {&x, &roi, nullptr, &sizes},
             {{"mode", "linear"},
              {"coordinate_transformation_mode", "tf_crop_and_resize"},
              {"extrapolation_value", 10.0f}});
    // x_orig = 1.5, 3, 4.5 (past the last pixel).
    checkClose(s.run(), {2.5, 4, 10});
  }
  SECTION("a scales operand with the wrong length is an error") {
    Tensor scales = Tensor::fromVector<float>({2, 2}, {2});
    CHECK_THROWS_WITH(Single(OpKind::Resize, {&Image2x2, nullptr, &scales}),
                      Catch::Contains("scales has 2 elements"));
  }
}

TEST_CASE("Resize cubic weights", "[kernels][resample]") {
  Tensor x = Tensor::fromVector<float>({0, 0, 1, 0, 0}, {1, 5});
  Tensor sizes = Tensor::fromVector<int64_t>({1, 10}, {2});
  Single s(
      OpKind::Resize, {&x, nullptr, nullptr, &sizes},
      {{"mode", "cubic"}, {"coordinate_transformation_mode", "asymmetric"}});
  Tensor out = s.run();
  // x_orig = o / 2; an impulse gives the cubic kernel itself (A = -0.75):
  // k(0) = 1, k(0.5) = 0.59375, k(1) = 0, k(1.5) = -0.09375. The last two
  // outputs read past the edge, which repeats the zero there.
  checkClose(out, {0, -0.09375, 0, 0.59375, 1, 0.59375, 0, -0.09375, 0, 0});
}

TEST_CASE("GridSample bilinear, nearest and padding", "[kernels][resample]") {
  // Samples at the image corners and at the center.
  Tensor grid = Tensor::fromVector<float>({-1, -1, 1, 1, 0, 0}, {1, 1, 3, 2});
  SECTION("align_corners reads exact corners") {
    Single s(OpKind::GridSample, {&Image2x2, &grid},
             {{"align_corners", int64_t(1)}});
    CHECK(s.node->result()->type().str() == "f32[1,1,1,3]");
    checkClose(s.run(), {1, 4, 2.5});
  }
  SECTION("without align_corners corners fall half outside: zeros") {
    Single s(OpKind::GridSample, {&Image2x2, &grid});
    checkClose(s.run(), {0.25, 1, 2.5});
  }
  SECTION("border padding") {
    Single s(OpKind::GridSample, {&Image2x2, &grid},
             {{"padding_mode", "border"}});
    checkClose(s.run(), {1, 4, 2.5});
  }
  SECTION("far outside samples are zero, not a crash") {
    Tensor far = Tensor::fromVector<float>({1e30f, -1e30f}, {1, 1, 1, 2});
    Single s(OpKind::GridSample, {&Image2x2, &far}, {{"mode", "nearest"}});
    checkClose(s.run(), {0});
  }
}

TEST_CASE("RoiAlign averages bilinear samples", "[kernels][resample]") {
  Tensor x(ElementType::F32, {1, 1, 4, 4});
  for (int64_t i = 0; i < 16; ++i)
    x.data<float>()[i] = float(i);
  Tensor rois = Tensor::fromVector<float>({0, 0, 2, 2}, {1, 4});
  Tensor idx = Tensor::fromVector<int64_t>({0}, {1});
  Single s(OpKind::RoiAlign, {&x, &rois, &idx},
           {{"output_height", int64_t(1)},
            {"output_width", int64_t(1)},
            {"sampling_ratio", int64_t(1)}});
  CHECK(s.node->result()->type().str() == "f32[1,1,1,1]");
  // half_pixel: the roi spans [-0.5, 1.5]; its one sample is at (0.5, 0.5).
  checkClose(s.run(), {2.5});

  Tensor bad = Tensor::fromVector<int64_t>({3}, {1});
  Single b(OpKind::RoiAlign, {&x, &rois, &bad});
  CHECK_THROWS_WITH(b.run(), Catch::Contains("batch index 3"));
}
