//===- PoolReduceVectorTest.cpp - vectorized pools and reductions ---------===//
// Compiled (host, scheduled) vs interpreter for the vector-friendly pool,
// reduction, softmax and normalization lowerings at odd shapes, in NCHW and
// in the blocked NCHW<b>c form the layout pass produces, and at -O3.
//===----------------------------------------------------------------------===//
#include "LoweringHarness.h"
#include "kiln/Transforms/PassManager.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cmath>
#include <limits>

using namespace kiln;

namespace {
std::string dims(const std::vector<int64_t> &shape) {
  std::string s;
  for (int64_t d : shape)
    s += (s.empty() ? "" : ",") + std::to_string(d);
  return s;
}

std::string ints(const std::vector<int64_t> &v) { return "[" + dims(v) + "]"; }

/// y = Op<attrs>(x) with explicit shapes.
std::string model(const std::string &op, const std::vector<int64_t> &in,
                  const std::vector<int64_t> &out, const std::string &attrs) {
  return fmt::format(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[{0}] x) => (float[{1}] y) {{ y = {2}{3}(x) }})",
                     dims(in), dims(out), op, attrs);
}

int64_t outSize(int64_t in, int64_t k, int64_t s, int64_t d, int64_t pb,
                int64_t pe, bool ceil) {
  int64_t span = in + pb + pe - (d * (k - 1) + 1);
  int64_t o = (ceil ? (span + s - 1) / s : span / s) + 1;
  // ceil_mode: the last window must start inside the input or left padding.
  if (ceil && (o - 1) * s >= in + pb)
    --o;
  return o;
}

struct Window {
  int64_t k, s, d, pb, pe;
};

/// A pool over [N, C, H, W] (or blocked [N, C/b, H, W, b] with lane dim).
std::string poolModel(const std::string &op, std::vector<int64_t> in,
                      const Window &h, const Window &w, bool ceil,
                      bool blocked, const std::string &extra = "") {
  std::vector<int64_t> out = in;
  out[2] = outSize(in[2], h.k, h.s, h.d, h.pb, h.pe, ceil);
  out[3] = outSize(in[3], w.k, w.s, w.d, w.pb, w.pe, ceil);
  std::vector<int64_t> k = {h.k, w.k}, s = {h.s, w.s}, d = {h.d, w.d},
                       p = {h.pb, w.pb, h.pe, w.pe};
  if (blocked) {
    k = {h.k, w.k, 1};
    s = {h.s, w.s, 1};
    d = {h.d, w.d, 1};
    p = {h.pb, w.pb, 0, h.pe, w.pe, 0};
  }
  // opset 17: only MaxPool has dilations, LpPool has no ceil_mode.
  std::string attrs = fmt::format("<kernel_shape={}, strides={}, pads={}",
                                  ints(k), ints(s), ints(p));
  if (op != "LpPool")
    attrs += fmt::format(", ceil_mode={}", ceil ? 1 : 0);
  if (op == "MaxPool")
    attrs += ", dilations=" + ints(d);
  attrs += ">";
  if (!extra.empty())
    attrs.insert(attrs.size() - 1, ", " + extra);
  return model(op, in, out, attrs);
}

} // namespace

TEST_CASE("vectorized pools match the interpreter", "[poolvec]") {
  const std::vector<std::pair<Window, Window>> windows = {
      {{3, 2, 1, 0, 0}, {3, 2, 1, 0, 0}}, // squeezenet
      {{3, 2, 1, 1, 1}, {3, 2, 1, 1, 1}}, // resnet
      {{2, 2, 1, 0, 0}, {2, 2, 1, 0, 0}},
      {{3, 1, 1, 1, 1}, {3, 1, 1, 1, 1}},
      {{3, 2, 2, 2, 1}, {2, 3, 1, 0, 1}}, // dilation, uneven pads
      {{1, 1, 1, 0, 0}, {5, 2, 1, 2, 2}},
      {{4, 3, 1, 2, 0}, {3, 2, 2, 1, 2}},
  };
  for (const char *op : {"MaxPool", "AveragePool", "LpPool"})
    for (const auto &[h, w] : windows)
      for (bool ceil : {false, true})
        for (int64_t b : {0, 8, 16, 13}) {
          if (std::string(op) == "LpPool" && ceil)
            continue; // LpPool has no ceil_mode
          if (std::string(op) != "MaxPool" && (h.d > 1 || w.d > 1))
            continue; // opset 17 has dilations on MaxPool only
          std::vector<int64_t> shape =
              b ? std::vector<int64_t>{2, 3, 7, 13, b}
                : std::vector<int64_t>{1, 5, 17, 13};
          std::string text =
              poolModel(op, shape, h, w, ceil, b != 0,
                        std::string(op) == "LpPool" ? "p=2" : "");
          INFO(text);
          CHECK(compareCompiledWithInterpreter(text, "host", 5) == "");
        }
  // count_include_pad
  for (bool ceil : {false, true}) {
    std::string text =
        poolModel("AveragePool", {1, 2, 13, 7, 16}, {3, 2, 1, 1, 1},
                  {3, 2, 1, 1, 0}, ceil, true, "count_include_pad=1");
    INFO(text);
    CHECK(compareCompiledWithInterpreter(text, "host", 9) == "");
  }
}

TEST_CASE("vectorized MaxPool keeps the interpreter's NaN and -inf rules",
          "[poolvec]") {
  // A NaN at a window's first tap wins; a later one is ignored; -inf
  // windows stay -inf.
  std::string text =
      poolModel("MaxPool", {1, 1, 5, 5, 16}, {3, 1, 1, 1, 1}, {3, 1, 1, 1, 1},
                false, true);
  Tensor x(ElementType::F32, {1, 1, 5, 5, 16});
  float nan = std::numeric_limits<float>::quiet_NaN();
  float inf = std::numeric_limits<float>::infinity();
  for (int64_t i = 0; i < x.numElements(); ++i)
    x.setDouble(i, std::sin(0.7 * double(i)));
  for (int64_t l = 0; l < 16; ++l) {
    x.setDouble((0 * 5 + 0) * 16 + l, l % 2 ? nan : -inf);
    x.setDouble((2 * 5 + 3) * 16 + l, l % 3 ? nan : 4.0);
    x.setDouble((4 * 5 + 4) * 16 + l, -inf);
  }
  CHECK(compareCompiledWithInterpreter(text, "host", 1, 1e-4, 1e-5, {x}) ==
        "");
}

TEST_CASE("vectorized reductions match the interpreter", "[poolvec]") {
  const std::vector<std::pair<std::vector<int64_t>, std::vector<int64_t>>>
      cases = {
          {{1, 7}, {1}},        {{3, 13}, {1}},       {{2, 17}, {-1}},
          {{4, 33}, {1}},       {{2, 3, 256}, {2}},   {{5, 129}, {1}},
          {{3, 16, 7}, {1}},    {{2, 13, 5, 33}, {1, 2}},
          {{1, 4, 7, 9, 16}, {2, 3}}, {{1, 2, 3, 3, 8}, {2, 3}},
          {{7}, {0}},           {{1, 1000}, {1}},
      };
  for (const char *op : {"ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin",
                         "ReduceProd", "ReduceL1", "ReduceL2",
                         "ReduceSumSquare", "ReduceLogSumExp"})
    for (const auto &[shape, axes] : cases)
      for (int keep : {0, 1}) {
        std::vector<int64_t> out;
        for (size_t d = 0; d < shape.size(); ++d) {
          bool r = false;
          for (int64_t a : axes)
            r = r || (a < 0 ? a + int64_t(shape.size()) : a) == int64_t(d);
          if (!r)
            out.push_back(shape[d]);
          else if (keep)
            out.push_back(1);
        }
        // opset 17: ReduceSum takes axes as an input, the others an attr.
        std::string text;
        if (std::string(op) == "ReduceSum")
          text = fmt::format(
              R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[{0}] x) => (float[{1}] y) {{ a = Constant<value=int64[{2}] {{{3}}}>() y = ReduceSum<keepdims={4}>(x, a) }})",
              dims(shape), dims(out), axes.size(), dims(axes), keep);
        else
          text = model(op, shape, out,
                       fmt::format("<axes={}, keepdims={}>", ints(axes), keep));
        INFO(text);
        double rtol = std::string(op) == "ReduceProd" ? 1e-3 : 1e-4;
        CHECK(compareCompiledWithInterpreter(text, "host", 11, rtol, 1e-5) ==
              "");
      }
}

TEST_CASE("vectorized softmax matches the interpreter", "[poolvec]") {
  const std::vector<std::pair<std::vector<int64_t>, int64_t>> cases = {
      {{1, 7}, 1},       {{3, 13}, -1},    {{2, 17}, 1},  {{4, 33}, 1},
      {{2, 4, 128}, 2},  {{2, 5, 129}, 2}, {{3, 16, 7}, 1}, {{2, 13, 5}, 0},
      {{1, 1000}, 1},
  };
  for (const char *op : {"Softmax", "LogSoftmax"})
    for (const auto &[shape, axis] : cases) {
      std::string text =
          model(op, shape, shape, fmt::format("<axis={}>", axis));
      INFO(text);
      CHECK(compareCompiledWithInterpreter(text, "host", 13) == "");
    }
}

TEST_CASE("LayerNorm chains and blocked pools match the interpreter at -O3",
          "[poolvec]") {
  // What torch exports for LayerNorm at opset 13.
  for (int64_t n : {7, 33, 256}) {
    std::string text = fmt::format(
        R"(<ir_version: 8, opset_import: ["" : 13]>
g (float[2,5,{0}] x) => (float[2,5,{0}] y) {{
  m = ReduceMean<axes=[-1]>(x)
  d = Sub(x, m)
  two = Constant<value=float {{2.0}}>()
  sq = Pow(d, two)
  v = ReduceMean<axes=[-1]>(sq)
  eps = Constant<value=float {{1e-5}}>()
  ve = Add(v, eps)
  s = Sqrt(ve)
  y = Div(d, s)
}})",
        n);
    INFO(text);
    CHECK(compareO3(text) == "");
  }
  for (const char *op : {"LayerNormalization"}) {
    std::string text = fmt::format(
        R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[3,7,33] x, float[33] s, float[33] b) => (float[3,7,33] y) {{ y = {}<axis=-1>(x, s, b) }})",
        op);
    INFO(text);
    CHECK(compareCompiledWithInterpreter(text, "host", 17) == "");
  }
  // Conv -> pools in the blocked layout the layout pass creates.
  struct PoolCase {
    const char *text;
    Window h, w;
    bool ceil, global;
  };
  const PoolCase pools[] = {
      {"MaxPool<kernel_shape=[3,3], strides=[2,2], pads=[1,1,1,1]>",
       {3, 2, 1, 1, 1}, {3, 2, 1, 1, 1}, false, false},
      {"AveragePool<kernel_shape=[3,3], strides=[2,2], pads=[1,0,1,1], "
       "ceil_mode=1>",
       {3, 2, 1, 1, 1}, {3, 2, 1, 0, 1}, true, false},
      {"GlobalAveragePool", {}, {}, false, true},
      {"GlobalMaxPool", {}, {}, false, true},
  };
  for (int64_t c : {16, 24, 13})
    for (const PoolCase &pc : pools) {
      std::string weights;
      for (int64_t i = 0; i < c * 27; ++i)
        weights += fmt::format("{}{:.4f}", i ? ", " : "",
                               std::sin(0.37 * double(i)) * 0.3);
      int64_t oh = pc.global ? 1 : outSize(13, 3, 2, 1, pc.h.pb, pc.h.pe,
                                           pc.ceil);
      int64_t ow = pc.global ? 1 : outSize(11, 3, 2, 1, pc.w.pb, pc.w.pe,
                                           pc.ceil);
      std::string text = fmt::format(
          R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[1,3,13,11] x) => (float[1,{0},{2},{3}] y) {{
  w = Constant<value=float[{0},3,3,3] {{{4}}}>()
  c = Conv<pads=[1,1,1,1]>(x, w)
  r = Relu(c)
  y = {1}(r)
}})",
          c, pc.text, oh, ow, weights);
      INFO(pc.text << " c=" << c);
      CHECK(compareO3(text) == "");
    }
}
