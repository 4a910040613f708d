//===- MatMulTileTest.cpp - register-tiled MatMul and Gemm ----------------===//
// The tile chooser's register budget, and compiled (host, scheduled) vs
// interpreter for f32 MatMul and Gemm at odd shapes, batched, broadcast, all
// Gemm transposes, and fused with epilogues at -O3.
//===----------------------------------------------------------------------===//
#include "../../lib/Lowering/ops/MatMulTile.h"
#include "LoweringHarness.h"
#include "kiln/Transforms/PassManager.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>

using namespace kiln;

namespace {

std::string dims(const std::vector<int64_t> &shape) {
  std::string s;
  for (int64_t d : shape)
    s += (s.empty() ? "" : ",") + std::to_string(d);
  return s;
}

const char *kHeader = R"(<ir_version: 8, opset_import: ["" : 17]>)";

/// One graph with a MatMul per (m, n) pair at inner size k, so one compile
/// covers many shapes.
std::string matmulGrid(const std::vector<int64_t> &ms,
                       const std::vector<int64_t> &ns, int64_t k) {
  std::string in, out, body;
  int id = 0;
  for (int64_t m : ms)
    for (int64_t n : ns) {
      std::string sep = id ? ", " : "";
      in += fmt::format("{}float[{},{}] a{}, float[{},{}] b{}", sep, m, k, id,
                        k, n, id);
      out += fmt::format("{}float[{},{}] y{}", sep, m, n, id);
      body += fmt::format("  y{0} = MatMul(a{0}, b{0})\n", id);
      ++id;
    }
  return fmt::format("{}\ng ({}) => ({}) {{\n{}}}", kHeader, in, out, body);
}

} // namespace

TEST_CASE("the matrix product tile fits the target's registers",
          "[matmultile]") {
  for (auto [bytes, regs] : {std::pair{64, 32}, {32, 16}, {16, 16}, {16, 32}})
    for (int64_t m : {1, 2, 3, 7, 16, 128})
      for (int64_t n : {4, 16, 17, 64, 256, 1000}) {
        LowerTarget t;
        t.vectorBytes = bytes;
        t.vectorRegisters = regs;
        for (bool strided : {false, true}) {
          nnlower::MatMulTileShape s =
              nnlower::chooseMatMulTile(m, n, t, strided);
          INFO(bytes << " bytes, " << regs << " registers, m " << m
                     << ", n " << n << ", strided B " << strided);
          CHECK(s.lanes == bytes / 4);
          CHECK(s.mr >= 1);
          CHECK(s.nr >= 1);
          CHECK(s.mr <= std::max<int64_t>(m, 1));
          CHECK(s.nr * s.lanes <= std::max<int64_t>(n, s.lanes));
          CHECK(s.mr * s.nr + std::min(s.mr, s.nr) + 1 < regs);
        }
      }
  // Enough accumulators to hide the add latency where the shape allows.
  LowerTarget avx512{64, 32};
  nnlower::MatMulTileShape big = nnlower::chooseMatMulTile(128, 1024, avx512);
  CHECK(big.mr * big.nr >= 16);
  nnlower::MatMulTileShape row = nnlower::chooseMatMulTile(1, 1000, avx512);
  CHECK(row.mr == 1);
  CHECK(row.nr >= 4);
  // A classifier at batch 1 ([1, 2048] x [2048, 1000]): 1 x 8 vectors, so
  // its 8 column panels split evenly over 2 threads.
  nnlower::MatMulTileShape fc = nnlower::chooseMatMulTile(1, 1000, avx512);
  CHECK(fc.nr == 8);
  // Gathered B vectors are expensive: tall tiles share each one.
  nnlower::MatMulTileShape gathered =
      nnlower::chooseMatMulTile(128, 128, avx512, true);
  CHECK(gathered.mr >= 4 * gathered.nr);
}

TEST_CASE("tiled MatMul matches the interpreter at odd shapes",
          "[matmultile]") {
  const std::vector<int64_t> sizes = {1, 3, 7, 16, 17, 33, 65};
  for (int64_t k : sizes) {
    std::string text = matmulGrid(sizes, sizes, k);
    INFO("k = " << k);
    CHECK(compareCompiledWithInterpreter(text, "host", 7 + uint64_t(k)) ==
          "");
  }
}

TEST_CASE("tiled MatMul broadcasts batch dims and 1-D operands",
          "[matmultile]") {
  struct Case {
    std::vector<int64_t> a, b, y;
  };
  const Case cases[] = {
      {{2, 3, 7, 5}, {5, 33}, {2, 3, 7, 33}},
      {{3, 1, 7, 5}, {4, 5, 17}, {3, 4, 7, 17}},
      {{2, 1, 7, 9}, {1, 3, 9, 20}, {2, 3, 7, 20}},
      {{1, 4, 128, 64}, {1, 4, 64, 128}, {1, 4, 128, 128}},
      {{13}, {2, 13, 40}, {2, 40}},
      {{5, 13}, {13, 16}, {5, 16}},
      {{6, 1, 31}, {31, 65}, {6, 1, 65}},
      {{2, 3, 8}, {8}, {2, 3}},
  };
  for (const Case &c : cases) {
    std::string text =
        fmt::format("{}\ng (float[{}] a, float[{}] b) => (float[{}] y) {{ y = "
                    "MatMul(a, b) }}",
                    kHeader, dims(c.a), dims(c.b), dims(c.y));
    INFO(text);
    CHECK(compareCompiledWithInterpreter(text, "host", 5) == "");
  }
}

TEST_CASE("tiled Gemm matches the interpreter for every transpose",
          "[matmultile]") {
  struct Shape {
    int64_t m, n, k;
  };
  for (Shape s : {Shape{7, 33, 17}, Shape{1, 16, 3}, Shape{17, 65, 1},
                  Shape{3, 7, 5}})
    for (int transA : {0, 1})
      for (int transB : {0, 1})
        for (int c = 0; c < 6; ++c) {
          std::vector<int64_t> a = transA ? std::vector<int64_t>{s.k, s.m}
                                          : std::vector<int64_t>{s.m, s.k};
          std::vector<int64_t> b = transB ? std::vector<int64_t>{s.n, s.k}
                                          : std::vector<int64_t>{s.k, s.n};
          // No C, then C of shape [N], [1, N], [M, 1], [M, N], scalar.
          const std::vector<int64_t> cShapes[] = {
              {}, {s.n}, {1, s.n}, {s.m, 1}, {s.m, s.n}, {1}};
          std::string attrs = fmt::format(
              "<transA: int = {}, transB: int = {}, alpha: float = {}, "
              "beta: float = {}>",
              transA, transB, c % 2 ? "1.0" : "0.5", c % 3 ? "1.0" : "-2.0");
          std::string cIn = c ? fmt::format(", float[{}] c", dims(cShapes[c]))
                              : "";
          std::string text = fmt::format(
              "{}\ng (float[{}] a, float[{}] b{}) => (float[{},{}] y) {{ y = "
              "Gemm{}(a, b{}) }}",
              kHeader, dims(a), dims(b), cIn, s.m, s.n, attrs,
              c ? ", c" : "");
          INFO(text);
          CHECK(compareCompiledWithInterpreter(text, "host", 11) == "");
        }
}

TEST_CASE("fused MatMul epilogues match the interpreter at -O3",
          "[matmultile]") {
  // Bias + GELU (erf form), bias + residual, and the attention head split
  // (Reshape + Transpose) after a bias.
  const char *texts[] = {
      R"(g (float[1,33,40] x, float[40,70] w, float[70] b) => (float[1,33,70] y) {
  t = MatMul(x, w)
  u = Add(t, b)
  s = Constant<value=float {1.4142135}>()
  d = Div(u, s)
  e = Erf(d)
  one = Constant<value=float {1.0}>()
  f = Add(e, one)
  g = Mul(u, f)
  half = Constant<value=float {0.5}>()
  y = Mul(g, half)
})",
      R"(g (float[2,17,48] x, float[48,48] w, float[48] b, float[2,17,48] r) => (float[2,17,48] y) {
  t = MatMul(x, w)
  u = Add(b, t)
  y = Add(r, u)
})",
      R"(g (float[1,19,64] x, float[64,64] w, float[64] b) => (float[1,4,19,16] y) {
  t = MatMul(x, w)
  u = Add(b, t)
  shape = Constant<value=int64[4] {1, 19, 4, 16}>()
  v = Reshape(u, shape)
  y = Transpose<perm=[0, 2, 1, 3]>(v)
})",
  };
  for (const char *body : texts) {
    std::string text = std::string(kHeader) + "\n" + body;
    INFO(text);
    CHECK(compareO3(text) == "");
  }
}

TEST_CASE("Linear layers (constant transposed Gemm weights) match the "
          "interpreter at -O3",
          "[matmultile]") {
  // pack-gemm-weights stores the weights as [K, N]; the product is tiled.
  struct Shape {
    int64_t m, n, k;
  };
  for (Shape s : {Shape{1, 33, 17}, Shape{7, 65, 7}, Shape{13, 16, 1},
                  Shape{1, 120, 40}, Shape{3, 10, 5}}) {
    std::vector<std::string> w, c;
    for (int64_t i = 0; i < s.n * s.k; ++i)
      w.push_back(std::to_string(double((i * 37) % 23 - 11) / 16));
    for (int64_t i = 0; i < s.n; ++i)
      c.push_back(std::to_string(double(i % 5) - 2));
    std::string text = fmt::format(
        "{}\ng (float[{},{}] x) => (float[{},{}] y) {{\n"
        "  w = Constant<value=float[{},{}] {{{}}}>()\n"
        "  c = Constant<value=float[{}] {{{}}}>()\n"
        "  t = Gemm<transB: int = 1>(x, w, c)\n"
        "  y = Relu(t)\n}}",
        kHeader, s.m, s.k, s.m, s.n, s.n, s.k, fmt::join(w, ", "), s.n,
        fmt::join(c, ", "));
    INFO(s.m << " x " << s.n << " x " << s.k);
    CHECK(compareO3(text, 17) == "");
  }
}
