//===- PassDifferentialTest.cpp - graph passes vs the interpreter ---------===//
// Every registered graph pass and default pipeline runs on 200 seeded random
// graphs; interpreter outputs must not change, and the passes must fire.
//===----------------------------------------------------------------------===//

#include "RandomGraph.h"

#include "kiln/Driver/PassDifferential.h"
#include "kiln/IR/Parser.h"
#include "kiln/IR/Printer.h"
#include "kiln/IR/Verifier.h"
#include "kiln/Support/Error.h"
#include "kiln/Interpreter/Interpreter.h"
#include "kiln/Transforms/PassManager.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

using namespace kiln;

namespace {

// KILN_RANDOM_GRAPHS=N checks N graphs instead (a longer soak run).
uint64_t numGraphs() {
  const char *env = std::getenv("KILN_RANDOM_GRAPHS");
  return env && std::atoll(env) > 0 ? uint64_t(std::atoll(env)) : 200;
}

// Test passes: deliberately wrong, to show the harness catches them.
struct SwapFirstSub : GraphPass {
  std::string_view name() const override { return "test-swap-sub"; }
  bool run(Module &m, const PassConfig &, PassStats &) override {
    for (auto &n : m.main().nodes())
      if (n->kind() == OpKind::Sub) {
        Value *a = n->operand(0), *b = n->operand(1);
        n->setOperand(0, b);
        n->setOperand(1, a);
        return true;
      }
    return false;
  }
};
struct Throws : GraphPass {
  std::string_view name() const override { return "test-throws"; }
  bool run(Module &, const PassConfig &, PassStats &) override {
    fail("cannot handle this graph");
  }
};
struct BreaksTypes : GraphPass {
  std::string_view name() const override { return "test-breaks-types"; }
  bool run(Module &m, const PassConfig &, PassStats &) override {
    m.main().nodes().back()->result()->setType(
        TensorType(ElementType::F32, std::vector<int64_t>{7}));
    return true;
  }
};

const char *kSubGraph = R"(func @main(%x: f32[2,3], %y: f32[2,3]) {
  %s = Sub(%x, %y) : f32[2,3]
  %r = Relu(%s) : f32[2,3]
  return %r
}
)";

} // namespace

TEST_CASE("random graphs are valid, runnable and reproducible",
          "[passes][differential]") {
  const uint64_t kNumGraphs = 200;
  std::set<std::string> patterns;
  size_t twoInputs = 0;
  for (uint64_t seed = 1; seed <= kNumGraphs; ++seed) {
    INFO("random graph seed " << seed);
    RandomGraph g = makeRandomGraph(seed);
    INFO(g.describe() << "\n" << toText(*g.module));
    REQUIRE_NOTHROW(verify(*g.module));
    size_t ops = 0;
    for (const auto &n : g.module->main().nodes())
      ops += n->kind() != OpKind::Constant;
    CHECK(ops >= 4);
    CHECK(ops <= 30);
    twoInputs += g.inputs.size() == 2;
    patterns.insert(g.patterns.begin(), g.patterns.end());
    std::vector<Tensor> out;
    REQUIRE_NOTHROW(out = Interpreter().run(*g.module, g.inputs));
    CHECK(out.size() == g.module->main().outputs().size());
    if (seed <= 5) // same seed, same graph and inputs
      CHECK(toText(*makeRandomGraph(seed).module) == toText(*g.module));
  }
  CHECK(toText(*makeRandomGraph(1).module) !=
        toText(*makeRandomGraph(2).module));
  CHECK(twoInputs > 20);
  for (const char *p : {"activation", "identity", "conv", "residual",
                        "transposes", "reshapes", "casts", "shape-chain",
                        "duplicates", "pool", "reduction", "dead", "channel-ops", "misc",
                        "gemm-head"})
    CHECK(patterns.count(p));
}

TEST_CASE("the pass differential harness catches wrong passes",
          "[passes][differential]") {
  std::unique_ptr<Module> m = parseModule(kSubGraph);
  std::vector<Tensor> inputs = {
      Tensor::fromVector<float>({1, 2, 3, 4, 5, 6}, {2, 3}),
      Tensor::fromVector<float>({6, 5, 4, 3, 2, 1}, {2, 3})};

  PassDiffResult swapped = checkPassPreservesSemantics(
      *m, inputs, std::make_unique<SwapFirstSub>());
  CHECK(swapped.pass == "test-swap-sub");
  CHECK(!swapped.ok);
  CHECK(swapped.changed);
  CHECK_THAT(swapped.message, Catch::Contains("outputs differ") &&
                                  Catch::Contains("output 0 ('r')"));

  PassDiffResult threw =
      checkPassPreservesSemantics(*m, inputs, std::make_unique<Throws>());
  CHECK(!threw.ok);
  CHECK_THAT(threw.message, Catch::Contains("test-throws") &&
                                Catch::Contains("cannot handle this graph"));

  PassDiffResult invalid =
      checkPassPreservesSemantics(*m, inputs, std::make_unique<BreaksTypes>());
  CHECK(!invalid.ok);
  CHECK_THAT(invalid.message, Catch::Contains("invalid after pass "
                                              "'test-breaks-types'"));

  // Every registered pass and pipeline leaves this graph's meaning alone.
  for (const PassDiffResult &r : checkPassesPreserveSemantics(*m, inputs)) {
    INFO(r.pass << ": " << r.message);
    CHECK(r.ok);
  }
  std::vector<std::string> subjects = passDifferentialSubjects({});
  CHECK(subjects.size() ==
        PassRegistry<Module>::instance().entries().size() + 3);
  CHECK(subjects.back() == "O3");
}

TEST_CASE("graph passes preserve semantics on random graphs",
          "[passes][differential]") {
  const uint64_t kNumGraphs = numGraphs();
  PassDiffOptions options;
  std::vector<std::string> subjects = passDifferentialSubjects(options);
  std::map<std::string, int> changed;
  std::map<std::string, std::map<std::string, int64_t>> totals;
  int failures = 0;
  for (uint64_t seed = 1; seed <= kNumGraphs; ++seed) {
    INFO("random graph seed " << seed);
    RandomGraph g = makeRandomGraph(seed);
    std::vector<PassDiffResult> results =
        checkPassesPreserveSemantics(*g.module, g.inputs, options);
    REQUIRE(results.size() == subjects.size());
    for (const PassDiffResult &r : results) {
      changed[r.pass] += r.changed;
      for (const auto &[counter, n] : r.stats)
        totals[r.pass][counter] += n;
      if (r.ok)
        continue;
      // The first few failures in full; the rest only counted.
      if (++failures <= 5)
        FAIL_CHECK(fmt::format("pass '{}' changed what the graph computes\n"
                               "{}\n{}\ngraph:\n{}",
                               r.pass, g.describe(), r.message,
                               toText(*g.module)));
    }
  }
  CHECK(failures == 0);

  // Print what fired (visible with -s), then require that it did.
  std::string summary;
  for (const std::string &s : subjects) {
    summary += fmt::format("{}: changed {} of {} graphs", s, changed[s],
                           kNumGraphs);
    for (const auto &[counter, n] : totals[s])
      summary += fmt::format(", {} {}", n, counter);
    summary += "\n";
  }
  INFO(summary);
  SUCCEED(summary);
  for (const std::string &s : subjects) {
    INFO(s);
    // Random graphs are float: the integer passes have nothing to rewrite
    // there (QdqToIntegerTest and qmatmul-as-conv.kir check them on quantized
    // graphs). winograd needs layout-nchwc's ConvNCHWc and layers of at
    // least 16 output tiles, larger than random graphs' (WinogradTest).
    if (s != "qdq-to-integer" && s != "qmatmul-as-conv" && s != "winograd")
      CHECK(changed[s] > 0);
  }
  const std::pair<const char *, const char *> expectedCounters[] = {
      {"fold-batchnorm", "batchnorms folded"},
      {"cse", "nodes eliminated"},
      {"dce", "nodes removed"},
      {"fold-shapes", "shape nodes folded"},
      {"fold-constants", "nodes folded"},
      {"fuse", "groups fused"},
      {"layout-nchwc", "convolutions converted"},
  };
  for (const auto &[pass, counter] : expectedCounters) {
    if (!PassRegistry<Module>::instance().find(pass))
      continue;
    INFO(pass << " - " << counter);
    CHECK(totals[pass][counter] > 0);
  }
}

TEST_CASE("graph passes preserve semantics under other target settings",
          "[passes][differential]") {
  // Channel blocks of 4 and 16 floats, and a fold limit small enough that
  // folding must refuse some constants.
  for (auto [vectorBytes, foldLimit] :
       {std::pair<int, int64_t>{16, 1 << 16}, {64, 1 << 16}, {32, 8}}) {
    PassDiffOptions options;
    options.config.vectorBytes = vectorBytes;
    options.config.foldLimit = foldLimit;
    for (const auto *e : PassRegistry<Module>::instance().entries())
      if (e->name == "layout-nchwc" || e->name.rfind("fold-", 0) == 0)
        options.passes.push_back(e->name);
    int failures = 0, changed = 0;
    for (uint64_t seed = 1; seed <= numGraphs() / 2; ++seed) {
      RandomGraph g = makeRandomGraph(seed);
      for (const PassDiffResult &r :
           checkPassesPreserveSemantics(*g.module, g.inputs, options)) {
        changed += r.changed;
        if (!r.ok && ++failures <= 3)
          FAIL_CHECK(fmt::format("vectorBytes {}, foldLimit {}: pass '{}' "
                                 "changed what the graph computes\n{}\n{}\n"
                                 "graph:\n{}",
                                 vectorBytes, foldLimit, r.pass, g.describe(),
                                 r.message, toText(*g.module)));
      }
    }
    CHECK(failures == 0);
    CHECK(changed > 0);
  }
}

namespace {

const char *kTestData = "/usr/share/libonnx-testdata/data";

// Runs runPassDifferentialCase on the interpreter-passing conformance cases
// whose name contains one of `filters` (all if empty); returns the failures.
std::vector<std::string> conformanceFailures(
    const std::vector<std::string> &filters, size_t &checked) {
  std::vector<std::string> failures;
  std::ifstream list(std::string(KILN_SOURCE_DIR) +
                     "/test/conformance/interp-passing.txt");
  std::string name;
  while (std::getline(list, name)) {
    if (name.empty() || name[0] == '#')
      continue;
    bool wanted = filters.empty();
    for (const std::string &f : filters)
      wanted |= name.find(f) != std::string::npos;
    std::string dir = std::string(kTestData) + "/" + name;
    if (!wanted || !std::filesystem::is_directory(dir))
      continue;
    ++checked;
    try {
      runPassDifferentialCase({name, dir});
    } catch (const Error &e) {
      failures.push_back(name + ": " + e.what());
    }
  }
  return failures;
}

} // namespace

TEST_CASE("graph passes preserve semantics on conformance models",
          "[passes][differential]") {
  if (!std::filesystem::is_directory(std::string(kTestData) + "/node")) {
    WARN("skipped: " << kTestData << " is missing");
    return;
  }
  size_t checked = 0;
  std::vector<std::string> failures = conformanceFailures(
      {"test_conv", "test_batchnorm", "test_gemm", "test_transpose",
       "test_reshape", "simple/", "pytorch-converted/test_Conv2d",
       "pytorch-converted/test_BatchNorm2d"},
      checked);
  CHECK(checked > 40);
  for (const std::string &f : failures)
    FAIL_CHECK(f);
}

// All interpreter-passing conformance cases (minutes): run explicitly with
//   kiln-unittests "[.passdiff-conformance]"
TEST_CASE("graph passes preserve semantics on every conformance model",
          "[.passdiff-conformance]") {
  size_t checked = 0;
  std::vector<std::string> failures = conformanceFailures({}, checked);
  INFO("checked " << checked << " cases");
  for (const std::string &f : failures)
    FAIL_CHECK(f);
  SUCCEED("checked " << checked << " cases");
}
