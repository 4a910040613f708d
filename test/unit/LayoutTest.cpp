//===- LayoutTest.cpp - the NCHWc layout ops and the layout-nchwc pass ----===//
// LayoutTransform and ConvNCHWc against plain Conv in the interpreter and in
// compiled code, and the pass's rewrites checked by running both graphs.
//===----------------------------------------------------------------------===//
#include "kiln/Driver/CompiledModel.h"
#include "kiln/Driver/RandomInputs.h"
#include "kiln/Driver/TensorCompare.h"
#include "kiln/IR/InferContext.h"
#include "kiln/IR/Layout.h"
#include "kiln/IR/Module.h"
#include "kiln/IR/Verifier.h"
#include "kiln/Interpreter/Interpreter.h"
#include "kiln/Transforms/GraphUtils.h"
#include "kiln/Transforms/PassManager.h"

#include <catch2/catch.hpp>

using namespace kiln;

namespace {

/// Appends a node with inferred result types to f.
Value *add(Function &f, OpKind kind, const std::vector<Value *> &operands,
           const std::map<std::string, Attribute> &attrs = {},
           const std::string &name = "") {
  Node *n = f.createNode(kind, operands, {TensorType()}, name);
  for (const auto &[key, value] : attrs)
    n->setAttr(key, value);
  refineResultTypes(*n);
  return n->result();
}

Value *constant(Function &f, const std::vector<int64_t> &shape, uint64_t seed) {
  return createConstant(f, f.nodes().end(),
                        makeRandomTensor(TensorType(ElementType::F32, shape),
                                         seed));
}

Value *transform(Function &f, Value *x, int64_t src, int64_t dst) {
  return add(f, OpKind::LayoutTransform, {x},
             {{"src_layout", layoutName(src)}, {"dst_layout", layoutName(dst)}},
             "lt");
}

void requireClose(const std::vector<Tensor> &actual,
                  const std::vector<Tensor> &expected, double rtol = 1e-5) {
  REQUIRE(actual.size() == expected.size());
  for (size_t i = 0; i < actual.size(); ++i) {
    CompareResult r = compareTensors(actual[i], expected[i], rtol, 1e-6);
    INFO("output " << i << ": " << r.message);
    REQUIRE(r.passed);
  }
}

/// Test-local packing of Conv weights [M, C/group, KH, KW] (independent of
/// the pass's) into [M/ob, C/ib or 1, KH, KW, ib or 1, ob].
Tensor pack(const Tensor &w, int64_t ib, int64_t ob, bool depthwise) {
  int64_t m = w.dim(0), cg = w.dim(1), kh = w.dim(2), kw = w.dim(3);
  int64_t cb = depthwise ? 1 : cg / ib, inner = depthwise ? 1 : ib;
  Tensor p(ElementType::F32, {m / ob, cb, kh, kw, inner, ob});
  for (int64_t oc = 0; oc < m; ++oc)
    for (int64_t ic = 0; ic < cg; ++ic)
      for (int64_t y = 0; y < kh; ++y)
        for (int64_t x = 0; x < kw; ++x) {
          std::vector<int64_t> at = {oc / ob, ic / inner, y, x, ic % inner,
                                     oc % ob};
          int64_t flat = 0;
          for (size_t d = 0; d < at.size(); ++d)
            flat = flat * p.dim(d) + at[d];
          p.data<float>()[flat] =
              w.data<float>()[((oc * cg + ic) * kh + y) * kw + x];
        }
  return p;
}

struct ConvCase {
  int64_t c, m, h, w, k, stride, pad, dilation, group, ib, ob;
  bool bias;
};

/// main(x) returns Conv(x) and LayoutTransform(ConvNCHWc(LayoutTransform(x)))
/// on the same weights.
std::unique_ptr<Module> convPair(const ConvCase &cc) {
  auto m = std::make_unique<Module>();
  Function &f = m->addFunction("main");
  Value *x = f.addInput("x", TensorType(ElementType::F32,
                                        std::vector<int64_t>{2, cc.c, cc.h, cc.w}));
  Value *w = constant(f, {cc.m, cc.c / cc.group, cc.k, cc.k}, 11);
  Value *b = cc.bias ? constant(f, {cc.m}, 12) : nullptr;
  std::vector<int64_t> pads(4, cc.pad), strides(2, cc.stride),
      dil(2, cc.dilation);
  Value *ref = add(f, OpKind::Conv, {x, w, b},
                   {{"pads", pads}, {"strides", strides}, {"dilations", dil},
                    {"group", cc.group}});
  bool dw = cc.group != 1 && cc.group == cc.c && cc.group == cc.m;
  Value *pw = createConstant(f, f.nodes().end(),
                             pack(*w->constantValue(), cc.ib, cc.ob, dw));
  Value *y = add(f, OpKind::ConvNCHWc, {transform(f, x, 0, cc.ib), pw, b},
                 {{"pads", pads}, {"strides", strides}, {"dilations", dil},
                  {"group", cc.group}});
  f.setOutputs({ref, transform(f, y, cc.ob, 0)});
  verify(*m);
  return m;
}

const std::vector<ConvCase> convCases = {
    {8, 16, 7, 7, 3, 1, 1, 1, 1, 8, 8, true},
    {6, 4, 9, 8, 3, 2, 1, 1, 1, 3, 4, false},
    {4, 8, 9, 9, 3, 1, 2, 2, 1, 4, 2, true},
    {3, 6, 6, 5, 1, 2, 0, 1, 1, 3, 6, true},
    {8, 8, 7, 7, 3, 1, 1, 1, 8, 8, 8, true},
    {12, 12, 9, 9, 3, 2, 1, 1, 12, 6, 6, false},
    {4, 4, 8, 8, 5, 2, 2, 2, 4, 2, 2, true},
    // Grouped: blocks divide each group's channels.
    {16, 16, 7, 6, 3, 1, 1, 1, 2, 8, 8, true},
    {24, 12, 9, 9, 3, 2, 1, 1, 3, 4, 2, false},
    {16, 32, 8, 7, 3, 1, 2, 2, 4, 2, 4, true},
    {12, 24, 5, 5, 1, 1, 0, 1, 2, 3, 12, true},
    // Depthwise-sized groups with a multiplier are grouped, blocks of 1.
    {4, 8, 6, 6, 3, 1, 1, 1, 4, 1, 2, true},
};

/// A net from the kind of layers the pass rewrites. kind 0: conv, relu,
/// conv, per-channel Add, residual Add, MaxPool, GlobalAveragePool.
/// kind 1: an inverted-residual block (conv, clip, depthwise, conv, add,
/// sigmoid, GlobalMaxPool). kind 2: 3 input channels (blocks 3 and 6).
std::unique_ptr<Module> net(int kind) {
  auto m = std::make_unique<Module>();
  Function &f = m->addFunction("main");
  int64_t c = kind == 2 ? 3 : 8;
  Value *x = f.addInput("x", TensorType(ElementType::F32,
                                        std::vector<int64_t>{1, c, 10, 10}));
  auto conv = [&](Value *in, int64_t mOut, int64_t k, int64_t group,
                  int64_t stride, uint64_t seed) {
    int64_t cin = in->type().dim(1).size();
    std::map<std::string, Attribute> attrs = {
        {"strides", std::vector<int64_t>(2, stride)}, {"group", group}};
    // Odd seeds pad explicitly, even ones with SAME_UPPER (asymmetric pads
    // for stride 2 on even sizes).
    if (seed % 2)
      attrs["pads"] = std::vector<int64_t>(4, k / 2);
    else
      attrs["auto_pad"] = "SAME_UPPER";
    return add(f, OpKind::Conv,
               {in, constant(f, {mOut, cin / group, k, k}, seed),
                constant(f, {mOut}, seed + 100)},
               attrs);
  };
  if (kind == 0) {
    Value *a = add(f, OpKind::Relu, {conv(x, 16, 3, 1, 1, 1)});
    Value *b = conv(a, 16, 1, 1, 1, 2);
    Value *scale = constant(f, {16, 1, 1}, 3);
    Value *s = add(f, OpKind::Add, {add(f, OpKind::Mul, {b, scale}), a});
    Value *p = add(f, OpKind::MaxPool, {add(f, OpKind::Relu, {s})},
                   {{"kernel_shape", std::vector<int64_t>{3, 3}},
                    {"pads", std::vector<int64_t>{1, 1, 1, 1}},
                    {"strides", std::vector<int64_t>{2, 2}}});
    f.setOutputs({add(f, OpKind::GlobalAveragePool, {p}), p});
  } else if (kind == 1) {
    Value *lo = createConstant(f, f.nodes().end(), Tensor::scalar(0.0f));
    Value *hi = createConstant(f, f.nodes().end(), Tensor::scalar(0.5f));
    Value *e = add(f, OpKind::Clip, {conv(x, 24, 1, 1, 1, 1), lo, hi});
    Value *d = add(f, OpKind::Clip, {conv(e, 24, 3, 24, 2, 2), lo, hi});
    Value *p = conv(d, 8, 1, 1, 1, 3);
    Value *r = conv(add(f, OpKind::Sigmoid, {p}), 8, 3, 8, 1, 4);
    Value *s = add(f, OpKind::Sub, {r, p});
    f.setOutputs({add(f, OpKind::GlobalMaxPool, {s}),
                  add(f, OpKind::Softmax, {s}, {{"axis", int64_t(1)}})});
  } else {
    Value *a = add(f, OpKind::LeakyRelu, {conv(x, 6, 3, 1, 2, 1)});
    Value *b = add(f, OpKind::AveragePool, {a},
                   {{"kernel_shape", std::vector<int64_t>{2, 2}},
                    {"strides", std::vector<int64_t>{1, 1}}});
    f.setOutputs({conv(b, 5, 3, 1, 1, 2)});
  }
  verify(*m);
  return m;
}

std::vector<Tensor> randomInputs(const Function &f) {
  std::vector<Tensor> in;
  for (size_t i = 0; i < f.inputs().size(); ++i)
    in.push_back(makeRandomTensor(f.inputs()[i]->type(), 7 + i));
  return in;
}

size_t countOps(const Function &f, OpKind kind) {
  size_t n = 0;
  for (const auto &node : f.nodes())
    n += node->kind() == kind;
  return n;
}

PassStats runLayoutPass(Module &m, int vectorBytes = 32) {
  PassConfig config;
  config.vectorBytes = vectorBytes;
  PassInstrumentation inst;
  inst.verifyEach = true;
  PassManager<Module> pm(config, inst);
  pm.addPipeline("layout-nchwc");
  pm.run(m);
  removeDeadNodes(m.main());
  verify(m);
  return pm.records().at(0).stats;
}

} // namespace

TEST_CASE("LayoutTransform round trips and moves channels", "[layout]") {
  Module m;
  Function &f = m.addFunction("main");
  Value *x = f.addInput("x", TensorType(ElementType::F32,
                                        std::vector<int64_t>{2, 12, 3, 5}));
  Value *b4 = transform(f, x, 0, 4);
  Value *b6 = transform(f, b4, 4, 6);
  f.setOutputs({b4, b6, transform(f, b6, 6, 0)});
  verify(m);
  CHECK(b6->type().str() == "f32[2,2,3,5,6]");
  Tensor in = makeRandomTensor(x->type(), 5);
  std::vector<Tensor> out = Interpreter().run(f, {in});
  CHECK(out[2].identicalTo(in));
  // y[n, cb, h, w, i] = x[n, cb * b + i, h, w].
  auto at = [](const Tensor &t, std::vector<int64_t> idx) {
    int64_t flat = 0;
    for (size_t d = 0; d < idx.size(); ++d)
      flat = flat * t.dim(d) + idx[d];
    return t.data<float>()[flat];
  };
  CHECK(at(out[0], {1, 2, 1, 4, 3}) == at(in, {1, 11, 1, 4}));
  CHECK(at(out[1], {0, 1, 2, 0, 5}) == at(in, {0, 11, 2, 0}));

  // Any element type moves unchanged.
  Module mi;
  Function &g = mi.addFunction("main");
  Value *xi = g.addInput("x", TensorType(ElementType::I64,
                                         std::vector<int64_t>{1, 6, 2, 2}));
  g.setOutputs({transform(g, transform(g, xi, 0, 3), 3, 0)});
  Tensor ii = makeRandomTensor(xi->type(), 3);
  CHECK(Interpreter().run(g, {ii})[0].identicalTo(ii));
}

TEST_CASE("LayoutTransform and ConvNCHWc reject bad operands", "[layout]") {
  Module m;
  Function &f = m.addFunction("main");
  Value *x = f.addInput("x", TensorType(ElementType::F32,
                                        std::vector<int64_t>{1, 12, 3, 3}));
  auto bad = [&](const char *src, const char *dst, Value *in) {
    Node *n = f.createNode(OpKind::LayoutTransform, {in}, {TensorType()},
                           "badlt");
    n->setAttr("src_layout", src);
    n->setAttr("dst_layout", dst);
    REQUIRE_THROWS_WITH(refineResultTypes(*n), Catch::Contains("'badlt'"));
  };
  bad("NHWC", "NCHW4c", x);
  bad("NCHW", "NCHW0c", x);
  bad("NCHW", "NCHWc", x);
  bad("NCHW", "NCHW5c", x); // 5 does not divide 12
  bad("NCHW4c", "NCHW", x); // rank 4 is not NCHW4c
  Value *b4 = transform(f, x, 0, 4);
  bad("NCHW3c", "NCHW", b4); // the block dim is 4

  // Group 2 is neither 1 nor depthwise; f64 is not supported.
  Value *w = createConstant(f, f.nodes().end(),
                            Tensor(ElementType::F32, {1, 1, 3, 3, 2, 4}));
  Node *g = f.createNode(OpKind::ConvNCHWc, {b4, w}, {TensorType()}, "cv");
  g->setAttr("group", int64_t(2));
  REQUIRE_THROWS_WITH(refineResultTypes(*g), Catch::Contains("group 2"));
  Value *w2 = createConstant(f, f.nodes().end(),
                             Tensor(ElementType::F32, {2, 3, 3, 3, 4, 4}));
  Node *ok = f.createNode(OpKind::ConvNCHWc, {b4, w2}, {TensorType()}, "cv2");
  refineResultTypes(*ok);
  CHECK(ok->result()->type().str() == "f32[1,2,1,1,4]");
  Value *w3 = createConstant(f, f.nodes().end(),
                             Tensor(ElementType::F32, {2, 3, 3, 3, 2, 4}));
  Node *mis = f.createNode(OpKind::ConvNCHWc, {b4, w3}, {TensorType()}, "cv3");
  REQUIRE_THROWS_WITH(refineResultTypes(*mis), Catch::Contains("'cv3'"));
}

TEST_CASE("ConvNCHWc kernel matches Conv", "[layout]") {
  for (const ConvCase &cc : convCases) {
    INFO("C " << cc.c << " M " << cc.m << " k " << cc.k << " stride "
              << cc.stride << " group " << cc.group << " ib " << cc.ib);
    std::unique_ptr<Module> m = convPair(cc);
    std::vector<Tensor> out = Interpreter().run(m->main(), randomInputs(m->main()));
    requireClose({out[1]}, {out[0]});
  }
}

TEST_CASE("ConvNCHWc and LayoutTransform lower like the interpreter",
          "[layout]") {
  for (const char *target : {"loop-eval", "host"})
    for (const ConvCase &cc : convCases) {
      INFO(target << ": C " << cc.c << " M " << cc.m << " k " << cc.k
                  << " group " << cc.group << " ib " << cc.ib);
      std::unique_ptr<Module> m = convPair(cc);
      std::vector<Tensor> in = randomInputs(m->main());
      std::vector<Tensor> expected = Interpreter().run(m->main(), in);
      CompileOptions options;
      auto compiled = CompiledModel::compile(*m, options, target);
      requireClose(compiled->run(in), expected, 1e-4);
    }
}

TEST_CASE("layout-nchwc keeps what small conv nets compute", "[layout]") {
  for (int kind = 0; kind < 3; ++kind)
    for (int vectorBytes : {32, 16}) {
      INFO("net " << kind << ", vectorBytes " << vectorBytes);
      std::unique_ptr<Module> m = net(kind);
      std::vector<Tensor> in = randomInputs(m->main());
      std::vector<Tensor> expected = Interpreter().run(m->main(), in);
      size_t convs = countOps(m->main(), OpKind::Conv);
      PassStats stats = runLayoutPass(*m, vectorBytes);
      CHECK(stats.get("convolutions converted") == int64_t(convs));
      CHECK(countOps(m->main(), OpKind::Conv) == 0);
      requireClose(Interpreter().run(m->main(), in), expected);
      if (kind == 0 && vectorBytes == 32) {
        // Conv, Relu, Conv, Mul, Add, Relu, MaxPool, GlobalAveragePool all
        // blocked: one transform in, one out per function output.
        CHECK(stats.get("ops moved into blocked layout") == 6);
        CHECK(stats.get("layout transforms cancelled") == 1);
        CHECK(countOps(m->main(), OpKind::LayoutTransform) == 3);
        CHECK(countOps(m->main(), OpKind::ReduceMean) == 1);
      }
    }
}

TEST_CASE("layout-nchwc nets compile like the interpreter", "[layout]") {
  for (int kind = 0; kind < 3; ++kind)
    for (const char *target : {"loop-eval", "host"}) {
      INFO("net " << kind << " on " << target);
      std::unique_ptr<Module> m = net(kind);
      std::vector<Tensor> in = randomInputs(m->main());
      std::vector<Tensor> expected = Interpreter().run(m->main(), in);
      CompileOptions options;
      options.graphPipeline = "layout-nchwc";
      auto compiled = CompiledModel::compile(*m, options, target);
      CHECK(countOps(m->main(), OpKind::ConvNCHWc) > 0);
      requireClose(compiled->run(in), expected, 1e-4);
    }
}

TEST_CASE("layout-nchwc leaves unsupported convs alone", "[layout]") {
  auto m = std::make_unique<Module>();
  Function &f = m->addFunction("main");
  Value *x = f.addInput("x", TensorType(ElementType::F32,
                                        std::vector<int64_t>{1, 4, 6, 6}));
  Value *wv = f.addInput("w", TensorType(ElementType::F32,
                                         std::vector<int64_t>{4, 4, 1, 1}));
  Value *g = add(f, OpKind::Conv, {x, constant(f, {4, 2, 3, 3}, 1)},
                 {{"group", int64_t(2)}});
  Value *v = add(f, OpKind::Conv, {x, wv});
  f.setOutputs({g, v});
  PassStats stats = runLayoutPass(*m);
  CHECK(stats.get("convolutions converted") == 0);
  CHECK(countOps(f, OpKind::Conv) == 2);
  CHECK(countOps(f, OpKind::LayoutTransform) == 0);
}

TEST_CASE("layout-nchwc runs grouped convs blocked per group", "[layout]") {
  auto m = std::make_unique<Module>();
  Function &f = m->addFunction("main");
  Value *x = f.addInput("x", TensorType(ElementType::F32,
                                        std::vector<int64_t>{1, 32, 7, 9}));
  // 4 groups of 8 channels, 16 outputs per group (2 blocks of 8 each).
  Value *g = add(f, OpKind::Conv,
                 {x, constant(f, {64, 8, 3, 3}, 1), constant(f, {64}, 2)},
                 {{"group", int64_t(4)},
                  {"pads", std::vector<int64_t>{1, 0, 1, 2}},
                  {"strides", std::vector<int64_t>{2, 1}}});
  f.setOutputs({add(f, OpKind::Relu, {g})});
  std::vector<Tensor> in = randomInputs(f);
  std::vector<Tensor> expected = Interpreter().run(f, in);
  PassStats stats = runLayoutPass(*m);
  CHECK(stats.get("convolutions converted") == 1);
  CHECK(countOps(f, OpKind::Conv) == 0);
  for (const auto &n : f.nodes())
    if (n->kind() == OpKind::ConvNCHWc)
      CHECK(n->operand(1)->type().str() == "f32[8,1,3,3,8,8]");
  requireClose(Interpreter().run(f, in), expected);
  for (const char *target : {"loop-eval", "host"}) {
    INFO(target);
    CompileOptions options;
    options.graphPipeline = "";
    auto compiled = CompiledModel::compile(*m, options, target);
    requireClose(compiled->run(in), expected, 1e-4);
  }

  // A grouped weight must hold whole blocks of one group.
  Module bad;
  Function &h = bad.addFunction("main");
  Value *xb = transform(
      h,
      h.addInput("x", TensorType(ElementType::F32,
                                 std::vector<int64_t>{1, 16, 4, 4})),
      0, 4);
  Value *w = createConstant(h, h.nodes().end(),
                            Tensor(ElementType::F32, {4, 4, 3, 3, 4, 4}));
  Node *cv = h.createNode(OpKind::ConvNCHWc, {xb, w}, {TensorType()}, "gcv");
  cv->setAttr("group", int64_t(2));
  REQUIRE_THROWS_WITH(refineResultTypes(*cv), Catch::Contains("'gcv'"));
  Value *w2 = createConstant(h, h.nodes().end(),
                             Tensor(ElementType::F32, {4, 2, 3, 3, 4, 4}));
  Node *ok = h.createNode(OpKind::ConvNCHWc, {xb, w2}, {TensorType()}, "gok");
  ok->setAttr("group", int64_t(2));
  refineResultTypes(*ok);
  CHECK(ok->result()->type().str() == "f32[1,4,2,2,4]");
}

namespace {
/// x[1,5,7,7] -> Conv(M) + bias -> Relu -> [+ Conv(M) of x] -> MaxPool ->
/// GlobalAveragePool -> Flatten, and optionally a Conv consuming the first
/// conv's output (which rules padding out).
std::unique_ptr<Module> padNet(int64_t m, bool residual, bool convUser) {
  auto mod = std::make_unique<Module>();
  Function &f = mod->addFunction("main");
  Value *x = f.addInput("x", TensorType(ElementType::F32,
                                        std::vector<int64_t>{1, 5, 7, 7}));
  Value *c = add(f, OpKind::Conv,
                 {x, constant(f, {m, 5, 3, 3}, 1), constant(f, {m}, 2)},
                 {{"pads", std::vector<int64_t>{1, 1, 1, 1}}});
  Value *r = add(f, OpKind::Relu, {c});
  if (residual)
    r = add(f, OpKind::Add,
            {r, add(f, OpKind::Conv, {x, constant(f, {m, 5, 1, 1}, 3)})});
  r = add(f, OpKind::Mul, {r, constant(f, {1, m, 1, 1}, 4)});
  Value *p = add(f, OpKind::MaxPool, {r},
                 {{"kernel_shape", std::vector<int64_t>{2, 2}},
                  {"strides", std::vector<int64_t>{2, 2}}});
  Value *g = add(f, OpKind::GlobalAveragePool, {p});
  std::vector<Value *> outs{add(f, OpKind::Flatten, {g})};
  if (convUser)
    outs.push_back(add(f, OpKind::Conv, {c, constant(f, {4, m, 1, 1}, 5)}));
  f.setOutputs(outs);
  return mod;
}

/// The output channels of the first ConvNCHWc in f.
int64_t blockedChannels(const Function &f) {
  for (const auto &n : f.nodes())
    if (n->kind() == OpKind::ConvNCHWc) {
      const TensorType &t = n->result()->type();
      return t.dim(1).size() * t.dim(4).size();
    }
  return -1;
}
} // namespace

TEST_CASE("layout-nchwc pads channels to whole vectors where it pays",
          "[layout]") {
  struct Case {
    int64_t m;
    int vectorBytes;
    bool residual, convUser;
    int64_t expected; // blocked channels
  };
  const Case cases[] = {
      {100, 64, false, false, 112}, // b = 10 of 16 lanes -> 7 x 16
      {100, 32, true, false, 104},  // b = 5 of 8 -> 13 x 8, residual Add
      {17, 64, true, false, 32},    // prime: b = 1 otherwise
      {24, 64, false, false, 24},   // b = 12 wastes what 32 would
      {100, 64, false, true, 100},  // a Conv reads it: not padded
  };
  for (const Case &c : cases) {
    INFO("M " << c.m << ", vectorBytes " << c.vectorBytes << ", residual "
              << c.residual << ", conv user " << c.convUser);
    std::unique_ptr<Module> m = padNet(c.m, c.residual, c.convUser);
    std::vector<Tensor> in = randomInputs(m->main());
    std::vector<Tensor> expected = Interpreter().run(m->main(), in);
    runLayoutPass(*m, c.vectorBytes);
    CHECK(countOps(m->main(), OpKind::Conv) == 0);
    CHECK(blockedChannels(m->main()) == c.expected);
    CHECK(countOps(m->main(), OpKind::Slice) ==
          (c.expected != c.m ? 1u : 0u));
    requireClose(Interpreter().run(m->main(), in), expected);
    for (const char *target : {"loop-eval", "host"}) {
      INFO(target);
      CompileOptions options;
      options.graphPipeline = "fuse";
      auto compiled = CompiledModel::compile(*m, options, target);
      requireClose(compiled->run(in), expected, 1e-4);
    }
  }
}
