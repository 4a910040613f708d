//===- QConvLoweringTest.cpp - compiled QConvNCHWc against the reference --===//
// The tiled 8-bit kernel with VNNI, with the exact widening fallback (AVX-512
// and AVX2 widths) and on the bounds-checking loop IR evaluator, bit for bit.
//===----------------------------------------------------------------------===//
#include "kiln/Driver/CompiledModel.h"
#include "kiln/IR/InferContext.h"
#include "kiln/IR/Module.h"
#include "kiln/Interpreter/Interpreter.h"
#include "kiln/Support/FixedPoint.h"
#include "kiln/Transforms/GraphUtils.h"

#include <catch2/catch.hpp>

#include <random>

using namespace kiln;

namespace {

struct QConvCase {
  int64_t cBlocks, ib, mBlocks, ob, h, w, k, stride, pad;
  bool depthwise, signedInput, perChannel;
  int64_t groups = 1; ///< grouped (not depthwise) when > 1
};

template <typename T>
Tensor randomInts(ElementType e, std::vector<int64_t> shape, int64_t lo,
                  int64_t hi, std::mt19937 &rng) {
  Tensor t(e, shape);
  std::uniform_int_distribution<int64_t> d(lo, hi);
  for (int64_t i = 0; i < t.numElements(); ++i)
    t.data<T>()[i] = T(d(rng));
  return t;
}

/// x -> QConvNCHWc with random packed weights, bias and requantization
/// parameters scaled so outputs spread over the 8-bit range.
std::unique_ptr<Module> qconvNet(const QConvCase &c, std::mt19937 &rng) {
  auto m = std::make_unique<Module>();
  Function &f = m->addFunction("main");
  ElementType xt = c.signedInput ? ElementType::I8 : ElementType::U8;
  Value *x = f.addInput("x", TensorType(xt, std::vector<int64_t>{
                                                1, c.cBlocks, c.h, c.w, c.ib}));
  std::vector<int64_t> ws =
      c.depthwise
          ? std::vector<int64_t>{c.mBlocks, 1, c.k, c.k, 1, c.ob, 1}
          : std::vector<int64_t>{
                c.mBlocks, c.cBlocks / c.groups, c.k, c.k, c.ib / 4, c.ob, 4};
  int64_t channels = c.mBlocks * c.ob;
  auto constant = [&](Tensor t) {
    return createConstant(f, f.nodes().end(), std::move(t));
  };
  Value *w = constant(randomInts<int8_t>(ElementType::I8, ws, -128, 127, rng));
  Value *b = constant(randomInts<int32_t>(ElementType::I32, {channels}, -30000,
                                          30000, rng));
  int64_t taps = c.k * c.k * (c.depthwise ? 1 : c.cBlocks / c.groups * c.ib);
  int64_t params = c.perChannel ? channels : 1;
  Tensor mul(ElementType::I32, {params}), shift(ElementType::I8, {params});
  std::uniform_real_distribution<double> spread(0.5, 2.0);
  for (int64_t i = 0; i < params; ++i) {
    FixedPointMultiplier q =
        quantizeMultiplier(spread(rng) * 60.0 / (128.0 * 128.0 *
                                                 std::sqrt(double(taps))));
    mul.data<int32_t>()[i] = q.multiplier;
    shift.data<int8_t>()[i] = int8_t(q.shift);
  }
  Node *n = f.createNode(OpKind::QConvNCHWc,
                         {x, w, b, constant(mul), constant(shift)},
                         {TensorType()});
  n->setAttr("strides", std::vector<int64_t>{c.stride, c.stride});
  n->setAttr("pads", std::vector<int64_t>{c.pad, c.pad, c.pad, c.pad});
  n->setAttr("group", c.depthwise ? channels : c.groups);
  n->setAttr("zero_point", int64_t(c.signedInput ? -3 : 7));
  n->setAttr("output_type", std::string(c.signedInput ? "i8" : "u8"));
  refineResultTypes(*n);
  f.setOutputs({n->result()});
  return m;
}

const QConvCase cases[] = {
    // cBlocks, ib, mBlocks, ob, h, w, k, stride, pad, dw, signed, perChannel
    {2, 16, 2, 16, 6, 9, 3, 1, 1, false, false, true},
    {1, 16, 2, 16, 7, 7, 1, 1, 0, false, false, false}, // merged rows
    {1, 4, 1, 16, 11, 11, 7, 2, 3, false, false, true}, // a stem conv
    {3, 8, 1, 8, 5, 6, 3, 2, 1, false, true, true},
    {1, 12, 1, 12, 5, 5, 3, 1, 1, false, false, false},
    {2, 16, 2, 16, 6, 7, 3, 1, 1, true, false, true},
    {1, 8, 1, 8, 9, 9, 3, 2, 1, true, true, false},
    // Depthwise rows long enough for unguarded tiles (a row's taps in one
    // dot product), strided, 2 and 5 taps wide.
    {2, 16, 2, 16, 4, 70, 3, 1, 1, true, false, true},
    {1, 16, 1, 16, 6, 33, 3, 2, 1, true, false, false},
    {1, 16, 1, 16, 5, 12, 2, 1, 0, true, false, true},
    {1, 16, 1, 16, 7, 9, 5, 1, 2, true, false, true},
    // Grouped: 2 groups of 2 input and 2 output blocks (tiles of 2 blocks
    // stay inside a group), and 4 groups of one block each, strided.
    {4, 16, 4, 16, 5, 9, 3, 1, 1, false, false, true, 2},
    {4, 8, 4, 8, 7, 7, 3, 2, 1, false, true, false, 4},
};

void checkCase(const QConvCase &c, const std::string &target,
               const std::string &features, int vectorBytes = 0) {
  INFO(target << " " << features << ": cBlocks " << c.cBlocks << " ib "
              << c.ib << " mBlocks " << c.mBlocks << " ob " << c.ob << " "
              << c.h << "x" << c.w << " k " << c.k << " stride " << c.stride
              << (c.depthwise ? " depthwise" : "")
              << (c.signedInput ? " i8" : " u8"));
  std::mt19937 rng(17);
  std::unique_ptr<Module> m = qconvNet(c, rng);
  const TensorType &xt = m->main().inputs()[0]->type();
  Tensor x = c.signedInput
                 ? randomInts<int8_t>(ElementType::I8, xt.staticShape(), -128,
                                      127, rng)
                 : randomInts<uint8_t>(ElementType::U8, xt.staticShape(), 0,
                                       255, rng);
  std::vector<Tensor> expected = Interpreter().run(m->main(), {x});
  CompileOptions options;
  options.graphPipeline = "";
  if (vectorBytes)
    options.scheduleOptions.vectorBytes = vectorBytes;
  cpu::CpuTargetOptions cpu;
  cpu.features = features;
  auto compiled = CompiledModel::compile(*m, options, target, cpu);
  std::vector<Tensor> out = compiled->run({x});
  REQUIRE(out.size() == 1);
  REQUIRE(out[0].shape() == expected[0].shape());
  REQUIRE(out[0].elementType() == expected[0].elementType());
  size_t bytes = size_t(out[0].numElements());
  const uint8_t *a = out[0].rawData(), *e = expected[0].rawData();
  size_t diff = 0, spread = 0;
  for (size_t i = 0; i < bytes; ++i) {
    diff += a[i] != e[i];
    spread += e[i] != e[0];
  }
  CHECK(diff == 0);
  // The parameters spread the outputs (about half are not saturated).
  CHECK(spread > bytes / 3);
}

} // namespace

TEST_CASE("QConvNCHWc compiles bit-exact with its reference",
          "[qconv-lower]") {
  // Host features, then without VNNI (the widening fallback at 16 lanes),
  // then AVX2 widths with and without AVX-VNNI.
  for (const char *features :
       {"", "-avx512vnni", "-avx512f", "-avx512f,-avxvnni"})
    for (const QConvCase &c : cases)
      checkCase(c, "host", features);
}

TEST_CASE("QConvNCHWc stays inside its buffers on the loop IR evaluator",
          "[qconv-lower]") {
  for (int vectorBytes : {64, 32})
    for (const QConvCase &c : cases)
      checkCase(c, "loop-eval", "", vectorBytes);
}
