//===- PassManagerTest.cpp - the pass manager's contract ------------------===//
// Pipelines from text, requirement checks, verification after each pass,
// per-pass statistics, for graph IR and loop IR alike.
//===----------------------------------------------------------------------===//
#include "kiln/IR/Parser.h"
#include "kiln/LoopIR/Program.h"
#include "kiln/Support/Error.h"
#include "kiln/Transforms/PassManager.h"

#include <catch2/catch.hpp>

#include <sstream>

using namespace kiln;

namespace {

const char *kGraph = R"(
func @main(%x: f32[N,3]) {
  %a = Relu(%x) : f32[N,3]
  %b = Neg(%a) : f32[N,3]
  return %b
}
)";

// Breaks the IR on purpose: a result type that contradicts inference.
class BreakTypes : public GraphPass {
public:
  std::string_view name() const override { return "test-break-types"; }
  bool run(Module &m, const PassConfig &, PassStats &stats) override {
    for (auto &n : m.main().nodes())
      n->result(0)->setType(TensorType(ElementType::I32, {Dim(7)}));
    stats.add("types broken");
    return true;
  }
};

class NeedsStatic : public GraphPass {
public:
  std::string_view name() const override { return "test-needs-static"; }
  unsigned requirements() const override { return RequiresStaticShapes; }
  bool run(Module &, const PassConfig &, PassStats &stats) override {
    stats.add("runs");
    return false;
  }
};

class CountKernels : public LoopPass {
public:
  std::string_view name() const override { return "test-count"; }
  bool run(loop::Program &p, const PassConfig &config,
           PassStats &stats) override {
    stats.add("kernels", int64_t(p.funcs.size()));
    stats.add("vector bytes", config.vectorBytes);
    return false;
  }
};

} // namespace

TEST_CASE("pipelines are parsed from registered names", "[passes][manager]") {
  PassManager<Module> pm;
  pm.addPipeline(" cse , dce ");
  CHECK(pm.size() == 2);
  CHECK(pm.pipelineText() == "cse,dce");
  pm.addPipeline("");
  CHECK(pm.size() == 2);
  CHECK_THROWS_WITH(pm.addPipeline("cse,bogus"),
                    Catch::Contains("unknown graph IR pass 'bogus'") &&
                        Catch::Contains("known passes: "));
  CHECK_THROWS_WITH(pm.addPipeline("cse,,dce"),
                    Catch::Contains("empty pass name"));
  // Every -O level names only registered passes.
  for (unsigned level = 0; level <= 3; ++level) {
    PassManager<Module> o;
    CHECK_NOTHROW(o.addPipeline(defaultGraphPipeline(level)));
  }
  CHECK_THROWS(defaultGraphPipeline(4));
  PassManager<loop::Program> lpm;
  CHECK_NOTHROW(lpm.addPipeline("simplify,schedule"));
}

TEST_CASE("verify-each names the pass that broke the IR", "[passes][manager]") {
  auto m = parseModule(kGraph, "<test>", ".");
  PassInstrumentation inst;
  inst.verifyEach = true;
  PassManager<Module> pm({}, inst);
  pm.add(std::make_unique<BreakTypes>());
  CHECK_THROWS_WITH(pm.run(*m),
                    Catch::Contains("graph IR is invalid after pass "
                                    "'test-break-types'"));

  // Without verification the same pass goes through.
  auto m2 = parseModule(kGraph, "<test>", ".");
  PassManager<Module> quiet;
  quiet.add(std::make_unique<BreakTypes>());
  CHECK(quiet.run(*m2));
  REQUIRE(quiet.records().size() == 1);
  CHECK(quiet.records()[0].stats.get("types broken") == 1);
}

TEST_CASE("unmet requirements are errors or skipped runs", "[passes][manager]") {
  auto m = parseModule(kGraph, "<test>", ".");
  PassManager<Module> strict;
  strict.add(std::make_unique<NeedsStatic>());
  CHECK_THROWS_WITH(strict.run(*m),
                    Catch::Contains("pass 'test-needs-static' requires static "
                                    "shapes: input 'x' has type f32[N,3]"));

  PassInstrumentation inst;
  inst.skipUnmetRequirements = true;
  PassManager<Module> lenient({}, inst);
  lenient.add(std::make_unique<NeedsStatic>());
  CHECK_FALSE(lenient.run(*m));
  REQUIRE(lenient.records().size() == 1);
  CHECK(lenient.records()[0].skipped);
  CHECK(lenient.records()[0].stats.get("runs") == 0);

  auto s = parseModule(R"(
func @main(%x: f32[2,3]) {
  %a = Relu(%x) : f32[2,3]
  return %a
}
)",
                       "<test>", ".");
  PassManager<Module> ok;
  ok.add(std::make_unique<NeedsStatic>());
  ok.run(*s);
  CHECK(ok.records()[0].stats.get("runs") == 1);
}

TEST_CASE("printing, timing and statistics reports", "[passes][manager]") {
  auto m = parseModule(kGraph, "<test>", ".");
  std::ostringstream dump;
  PassInstrumentation inst;
  inst.printAfter.insert("dce");
  inst.dumpStream = &dump;
  PassManager<Module> pm({}, inst);
  pm.addPipeline("cse,dce");
  pm.run(*m);
  CHECK(dump.str().find("// *** IR Dump After dce") != std::string::npos);
  CHECK(dump.str().find("After cse") == std::string::npos);

  std::ostringstream timing, stats;
  printPassTimings(pm.records(), "graph IR", timing);
  CHECK(timing.str().find("graph IR pass execution timing report") !=
        std::string::npos);
  CHECK(timing.str().find("2  Total") != std::string::npos);

  PassConfig config;
  config.vectorBytes = 64;
  PassManager<loop::Program> lpm(config);
  lpm.add(std::make_unique<CountKernels>());
  loop::Program p;
  p.funcs.resize(3);
  lpm.run(p);
  printPassStats(lpm.records(), "loop IR", stats);
  CHECK(stats.str().find("3 test-count - kernels") != std::string::npos);
  CHECK(stats.str().find("64 test-count - vector bytes") != std::string::npos);
}
