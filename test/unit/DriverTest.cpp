#include "kiln/Driver/CaseLists.h"
#include "kiln/Driver/Conformance.h"
#include "kiln/Driver/ModelLoader.h"
#include "kiln/Driver/RandomInputs.h"
#include "kiln/Driver/TensorCompare.h"
#include "kiln/Driver/TensorPrint.h"
#include "kiln/Driver/TestData.h"
#include "kiln/IR/InferContext.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

using namespace kiln;

static const float kInf = std::numeric_limits<float>::infinity();
static const float kNaN = std::numeric_limits<float>::quiet_NaN();

TEST_CASE("compareTensors accepts values within atol + rtol*|e|", "[driver]") {
  Tensor e = Tensor::fromVector<float>({1.0f, 100.0f}, {2});
  // Tolerance of element 1 is 1e-7 + 1e-3 * 100 = 0.1000001.
  CHECK(compareTensors(Tensor::fromVector<float>({1.0f, 100.09f}, {2}), e)
            .passed);
  CompareResult r =
      compareTensors(Tensor::fromVector<float>({1.0f, 100.2f}, {2}), e);
  CHECK(!r.passed);
  CHECK(r.numMismatches == 1);
  CHECK_THAT(r.message, Catch::Contains("at [1]"));
  CHECK_THAT(r.message, Catch::Contains("actual 100.2"));
  CHECK_THAT(r.message, Catch::Contains("expected 100"));
  CHECK_THAT(r.message, Catch::Contains("(1 of 2 elements differ)"));
  // Exactly on the boundary passes (doubles, so the arithmetic is exact).
  Tensor ed = Tensor::fromVector<double>({2.0}, {1});
  CHECK(compareTensors(Tensor::fromVector<double>({2.5}, {1}), ed, 0.0, 0.5)
            .passed);
  CHECK(!compareTensors(Tensor::fromVector<double>({2.5000001}, {1}), ed, 0.0,
                        0.5)
             .passed);
  // Relative tolerance scales with the expected value, not the actual one.
  CHECK(compareTensors(Tensor::fromVector<double>({3.0}, {1}), ed, 0.5, 0.0)
            .passed);
  CHECK(!compareTensors(Tensor::fromVector<double>({1.0}, {1}),
                        Tensor::fromVector<double>({3.0}, {1}), 0.5, 0.0)
             .passed);
}

TEST_CASE("compareTensors reports the worst mismatch as a multi-index",
          "[driver]") {
  Tensor e = Tensor::fromVector<float>({0, 0, 0, 0, 0, 0}, {2, 3});
  Tensor a = Tensor::fromVector<float>({0, 0.5f, 0, 0, 0, 2}, {2, 3});
  CompareResult r = compareTensors(a, e);
  CHECK(!r.passed);
  CHECK(r.numMismatches == 2);
  CHECK_THAT(r.message, Catch::StartsWith("at [1,2]: actual 2, expected 0, "
                                          "|diff| 2 > tolerance 1e-07"));
  CHECK(multiIndexStr({2, 3, 4}, 23) == "[1,2,3]");
  CHECK(multiIndexStr({}, 0) == "[]");
}

TEST_CASE("compareTensors treats NaN and infinities exactly", "[driver]") {
  auto f = [](std::vector<float> v) {
    return Tensor::fromVector<float>(v, {int64_t(v.size())});
  };
  CHECK(compareTensors(f({kNaN, kInf, -kInf}), f({kNaN, kInf, -kInf})).passed);
  CHECK(!compareTensors(f({kNaN}), f({1})).passed);
  CHECK(!compareTensors(f({1}), f({kNaN})).passed);
  CHECK(!compareTensors(f({kInf}), f({-kInf})).passed);
  CHECK(!compareTensors(f({kInf}), f({3e38f})).passed);
  CHECK(!compareTensors(f({3e38f}), f({kInf})).passed);
  // A NaN is the worst mismatch even next to a large finite one.
  CompareResult r = compareTensors(f({1000, kNaN}), f({0, 0}));
  CHECK(r.numMismatches == 2);
  CHECK_THAT(r.message, Catch::StartsWith("at [1]: actual nan, expected 0"));
}

TEST_CASE("compareTensors compares integers and bools exactly", "[driver]") {
  Tensor e = Tensor::fromVector<int64_t>({5, -3, 7}, {3});
  CHECK(compareTensors(Tensor::fromVector<int64_t>({5, -3, 7}, {3}), e).passed);
  CompareResult r =
      compareTensors(Tensor::fromVector<int64_t>({5, -2, 7}, {3}), e, 1.0, 10);
  CHECK(!r.passed); // tolerances do not apply to integers
  CHECK_THAT(r.message, Catch::StartsWith("at [1]: actual -2, expected -3"));
  Tensor u = Tensor::fromVector<uint64_t>({~uint64_t(0)}, {1});
  CHECK(
      !compareTensors(Tensor::fromVector<uint64_t>({~uint64_t(0) - 1}, {1}), u)
           .passed);
  CHECK_THAT(compareTensors(Tensor::fromVector<uint64_t>({1}, {1}), u).message,
             Catch::Contains("expected 18446744073709551615"));
  CompareResult b =
      compareTensors(Tensor::fromVector<bool>({true, true}, {2}),
                     Tensor::fromVector<bool>({true, false}, {2}));
  CHECK(!b.passed);
  CHECK_THAT(b.message,
             Catch::StartsWith("at [1]: actual true, expected false"));
}

TEST_CASE("compareTensors requires identical element type and shape",
          "[driver]") {
  Tensor e = Tensor::fromVector<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  CompareResult r =
      compareTensors(Tensor::fromVector<float>({1, 2, 3, 4, 5, 6}, {3, 2}), e);
  CHECK(!r.passed);
  CHECK(r.message == "shape mismatch: actual f32[3,2], expected f32[2,3]");
  r = compareTensors(Tensor::fromVector<double>({1, 2, 3, 4, 5, 6}, {2, 3}), e);
  CHECK(!r.passed);
  CHECK(r.message == "element type mismatch: actual f64[2,3], expected "
                     "f32[2,3]");
  CHECK(!compareTensors(Tensor::fromVector<float>({1}, {1}),
                        Tensor::scalar<float>(1))
             .passed);
  CHECK(compareTensors(Tensor(ElementType::F32, {0, 3}),
                       Tensor(ElementType::F32, {0, 3}))
            .passed);
}

TEST_CASE("input shapes parse NAME=DIMS", "[driver]") {
  auto [name, dims] = parseInputShape("data=1x3x224x224");
  CHECK(name == "data");
  CHECK(dims == std::vector<int64_t>{1, 3, 224, 224});
  // The name is everything before the last '='.
  auto [n2, d2] = parseInputShape("a=b=2x?x0");
  CHECK(n2 == "a=b");
  CHECK(d2 == std::vector<int64_t>{2, -1, 0});
  CHECK(parseInputShape("s=").second.empty());
  CHECK(parseInputShape("x=-1x4").second == std::vector<int64_t>{-1, 4});

  auto bad = [](const std::string &spec, const std::string &message) {
    CHECK_THROWS_WITH(parseInputShape(spec), Catch::Contains(message));
  };
  bad("data", "must have the form NAME=DIMS");
  bad("=1x2", "has no input name");
  bad("x=1xx2", "empty dimension");
  bad("x=1x", "empty dimension");
  bad("x=2x-3", "'-3' is not a non-negative integer");
  bad("x=1x3.5", "'3.5' is not a non-negative integer");
  bad("x=abc", "'abc' is not a non-negative integer");
  bad("x=99999999999999999999", "too large");

  CHECK(parseInputShapes({"a=1", "b=2x2"}).size() == 2);
  CHECK_THROWS_WITH(parseInputShapes({"a=1", "a=2"}),
                    Catch::Contains("'a' is given more than once"));
}

TEST_CASE("pinInputShapes pins symbols and re-infers results", "[driver]") {
  Module m;
  Function &f = m.addFunction("main");
  Value *x =
      f.addInput("x", TensorType(ElementType::F32, {Dim::symbol("N"), Dim(3)}));
  Node *relu = f.createNode(OpKind::Relu, {x}, {TensorType()});
  refineResultTypes(*relu);
  f.setOutputs({relu->result()});
  CHECK(relu->result()->type().str() == "f32[N,3]");

  pinInputShapes(f, {{"x", {2, -1}}});
  CHECK(x->type().str() == "f32[2,3]");
  CHECK(relu->result()->type().str() == "f32[2,3]");

  CHECK_THROWS_WITH(pinInputShapes(f, {{"y", {2, 3}}}),
                    Catch::Contains("model's inputs are 'x'"));
  CHECK_THROWS_WITH(pinInputShapes(f, {{"x", {2}}}),
                    Catch::Contains("rank 1 does not match"));
  CHECK_THROWS_WITH(pinInputShapes(f, {{"x", {2, 4}}}),
                    Catch::Contains("dimension 1 is 3 in the model, not 4"));
}

TEST_CASE("model formats follow the extension", "[driver]") {
  CHECK(modelFormatForPath("a/b.onnx") == ModelFormat::OnnxBinary);
  CHECK(modelFormatForPath("b.ONNXTXT") == ModelFormat::OnnxText);
  CHECK(modelFormatForPath("b.onnxtext") == ModelFormat::OnnxText);
  CHECK(modelFormatForPath("b.kir") == ModelFormat::KilnText);
  CHECK_THROWS_WITH(modelFormatForPath("b.txt"),
                    Catch::Contains("unknown model format '.txt'"));
  CHECK_THROWS_WITH(loadModel("/nonexistent/m.onnx"),
                    Catch::Contains("no such file"));
  CHECK_THROWS_WITH(loadModel(std::string(KILN_SOURCE_DIR) + "/CMakeLists.txt"),
                    Catch::Contains("unknown model format '.txt'"));
  std::string dir = std::filesystem::temp_directory_path() / "kiln-dir.kir";
  std::filesystem::create_directories(dir);
  CHECK_THROWS_WITH(loadModel(dir), Catch::Contains("it is a directory"));
}

TEST_CASE("random inputs are seeded and within range", "[driver]") {
  Module m;
  Function &f = m.addFunction("main");
  f.addInput("x", TensorType(ElementType::F32, std::vector<int64_t>{4, 8}));
  f.addInput("i", TensorType(ElementType::I32, std::vector<int64_t>{50}));
  f.addInput("u", TensorType(ElementType::U8, std::vector<int64_t>{50}));
  f.addInput("b", TensorType(ElementType::Bool, std::vector<int64_t>{64}));
  std::vector<Tensor> a = makeRandomInputs(f, 7), b = makeRandomInputs(f, 7),
                      c = makeRandomInputs(f, 8);
  REQUIRE(a.size() == 4);
  for (size_t i = 0; i < a.size(); ++i)
    CHECK(a[i].identicalTo(b[i]));
  CHECK(!a[0].identicalTo(c[0]));
  CHECK(a[0].shape() == std::vector<int64_t>{4, 8});
  for (double v : a[0].toDoubleVector()) {
    CHECK(v >= -1.0);
    CHECK(v <= 1.0);
  }
  int64_t lo = 0, hi = 0;
  for (int64_t v : a[1].toIntVector()) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  CHECK(lo >= -10);
  CHECK(hi <= 10);
  CHECK(lo < 0); // 50 draws: both signs appear
  for (int64_t v : a[2].toIntVector())
    CHECK(v <= 10);
  int64_t trues = 0;
  for (int64_t v : a[3].toIntVector())
    trues += v;
  CHECK(trues > 0);
  CHECK(trues < 64);
}

TEST_CASE("random inputs need static shapes", "[driver]") {
  Module m;
  Function &f = m.addFunction("main");
  f.addInput("data",
             TensorType(ElementType::F32, {Dim::symbol("batch"), Dim(3)}));
  CHECK_THROWS_WITH(makeRandomInputs(f, 0),
                    Catch::Contains("symbolic dimension 'batch'") &&
                        Catch::Contains("--input-shape=data="));
  Function &g = m.addFunction("g");
  g.addInput("y", TensorType(ElementType::F32, {Dim(1), Dim::unknown()}));
  CHECK_THROWS_WITH(makeRandomInputs(g, 0),
                    Catch::Contains("unknown dimension 1"));
}

TEST_CASE("tensors print with elision", "[driver]") {
  Tensor t = Tensor::fromVector<float>({1, 2.5f, -3, 4, 5, 6}, {2, 3});
  CHECK(formatTensor(t, 0) == "f32[2,3] = [1, 2.5, -3, 4, 5, 6]");
  CHECK(formatTensor(t, 2) == "f32[2,3] = [1, 2.5, ... (6 elements)]");
  CHECK(formatTensor(Tensor::fromVector<bool>({true, false}, {2}), 5) ==
        "bool[2] = [true, false]");
  CHECK(formatTensor(Tensor::fromVector<int8_t>({-7}, {1}), 5) ==
        "i8[1] = [-7]");
}

TEST_CASE("errors are classified as unsupported or failed", "[driver]") {
  CHECK(classifyError("unsupported operator TfIdfVectorizer") ==
        CaseStatus::Unsupported);
  CHECK(classifyError("node 'x' (Foo): the interpreter has no kernel for "
                      "Foo") == CaseStatus::Unsupported);
  CHECK(classifyError("node 'x' (Foo): no type inference for Foo") ==
        CaseStatus::Unsupported);
  CHECK(classifyError("Unsupported element type STRING") ==
        CaseStatus::Unsupported);
  CHECK(classifyError("test_data_set_0: output 0 ('y') at [0]: actual 1, "
                      "expected 2 (1 of 1 elements differ)") ==
        CaseStatus::Fail);
  CHECK(classifyError("node 'x' (Add): shapes cannot be broadcast") ==
        CaseStatus::Fail);
}

TEST_CASE("exclusion patterns and case lists", "[driver]") {
  CHECK(matchPattern("node/test_adam*", "node/test_adam_multiple"));
  CHECK(matchPattern("node/test_cast_*STRING*",
                     "node/test_cast_FLOAT_to_STRING"));
  CHECK(
      !matchPattern("node/test_cast_*STRING*", "node/test_cast_FLOAT_to_INT"));
  CHECK(matchPattern("a?c", "abc"));
  CHECK(!matchPattern("a?c", "ac"));
  CHECK(!matchPattern("node/test_momentum*", "pytorch-converted/"
                                             "test_BatchNorm2d_momentum_eval"));
  CHECK(matchPattern("*", ""));

  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / "kiln-driver-test";
  fs::create_directories(dir);
  std::string list = (dir / "list.txt").string();
  writeCaseList(list, {"node/test_a", "simple/test_b"}, "header\nline two");
  CHECK(readCaseList(list) ==
        std::vector<std::string>{"node/test_a", "simple/test_b"});

  std::string ex = (dir / "ex.txt").string();
  std::ofstream(ex) << "# comment\n\nnode/test_x*   # by design: reason\n";
  std::vector<Exclusion> e = readExclusionList(ex);
  REQUIRE(e.size() == 1);
  CHECK(e[0].reason == "by design: reason");
  CHECK(e[0].line == 3);
  CHECK(findExclusion(e, "node/test_xy") == &e[0]);
  CHECK(findExclusion(e, "node/test_y") == nullptr);
  std::ofstream(ex) << "node/test_x\n";
  CHECK_THROWS_WITH(readExclusionList(ex), Catch::Contains("needs a reason"));
  std::ofstream(ex) << "node/test_x node/test_y # two\n";
  CHECK_THROWS_WITH(readExclusionList(ex), Catch::Contains(":1: expected"));
}

TEST_CASE("test data binds by name, then by ONNX input position", "[driver]") {
  Module m;
  Function &f = m.addFunction("main");
  f.addInput("a", TensorType(ElementType::F32, std::vector<int64_t>{1}));
  f.addInput("b", TensorType(ElementType::F32, std::vector<int64_t>{1}));
  auto t = [](float v) { return Tensor::fromVector<float>({v}, {1}); };

  // Named tensors bind by name regardless of order.
  std::vector<Tensor> r = bindInputs(f, {{"b", t(2), ""}, {"a", t(1), ""}});
  CHECK(r[0].getDouble(0) == 1);
  CHECK(r[1].getDouble(0) == 2);
  // Unnamed: by position among the ONNX graph's non-initializer inputs (the
  // graph also lists initializer 'w' as an input).
  OnnxGraphInputs g{{"b", "w", "a"}, {"b", "a"}};
  r = bindInputs(f, {{"", t(5), ""}, {"", t(6), ""}}, &g);
  CHECK(r[0].getDouble(0) == 6);
  CHECK(r[1].getDouble(0) == 5);
  // Without graph information, by position among the function's inputs.
  r = bindInputs(f, {{"", t(5), ""}, {"", t(6), ""}});
  CHECK(r[0].getDouble(0) == 5);
  CHECK_THROWS_WITH(bindInputs(f, {{"", t(5), ""}}),
                    Catch::Contains("no input data for input 'a'"));
}
