//===- MemoryPlannerTest.cpp - the single arena ---------------------------===//

#include "LoweringHarness.h"

#include "kiln/Driver/Compile.h"
#include "kiln/Frontend/OnnxImporter.h"

#include <catch2/catch.hpp>

using namespace kiln;

namespace {

// Three residual blocks: conv -> relu -> conv -> add(skip) -> relu.
const char *kResNetChain = R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[1,8,12,12] x, float[8,8,3,3] w1, float[8,8,3,3] w2) => (float[1,8,12,12] y) {
  a1 = Conv<pads: ints = [1, 1, 1, 1]>(x, w1)
  r1 = Relu(a1)
  b1 = Conv<pads: ints = [1, 1, 1, 1]>(r1, w2)
  s1 = Add(b1, x)
  o1 = Relu(s1)
  a2 = Conv<pads: ints = [1, 1, 1, 1]>(o1, w1)
  r2 = Relu(a2)
  b2 = Conv<pads: ints = [1, 1, 1, 1]>(r2, w2)
  s2 = Add(b2, o1)
  o2 = Relu(s2)
  a3 = Conv<pads: ints = [1, 1, 1, 1]>(o2, w1)
  r3 = Relu(a3)
  b3 = Conv<pads: ints = [1, 1, 1, 1]>(r3, w2)
  s3 = Add(b3, o2)
  y = Relu(s3)
})";

CompiledProgram compile(const char *text, bool inPlace = true) {
  std::unique_ptr<Module> m = importOnnxText(text);
  CompileOptions options;
  options.inPlace = inPlace;
  return compileToLoopIR(*m, options);
}

// Live ranges [first call, last call] of arena tensors.
std::vector<std::pair<int64_t, int64_t>> liveRanges(const loop::Program &p) {
  std::vector<std::pair<int64_t, int64_t>> r(p.tensors.size(), {-1, -1});
  for (size_t c = 0; c < p.calls.size(); ++c)
    for (size_t t : p.calls[c].args) {
      if (r[t].first < 0)
        r[t].first = int64_t(c);
      r[t].second = int64_t(c);
    }
  return r;
}

} // namespace

TEST_CASE("the arena of a ResNet-style chain reuses memory",
          "[memoryplan]") {
  CompiledProgram c = compile(kResNetChain);
  const loop::Program &p = c.program;
  int64_t intermediates = 0;
  for (const auto &t : p.tensors)
    if (t.storage == loop::StorageKind::Arena)
      intermediates += t.byteSize();
  // 14 intermediate tensors of 8*12*12 floats.
  CHECK(intermediates == 14 * 8 * 12 * 12 * 4);
  CHECK(p.arenaSize > 0);
  CHECK(p.arenaSize < intermediates);
  CHECK(c.memory.arenaBytes == p.arenaSize);
  CHECK(c.memory.unplannedBytes == intermediates);
  CHECK(c.memory.inPlaceCount > 0);
  // A chain needs at most a few live tensors at once.
  CHECK(p.arenaSize <= 4 * 8 * 12 * 12 * 4 + 4 * 64);
  // Without in-place reuse the arena can only grow.
  CHECK(compile(kResNetChain, false).program.arenaSize >= p.arenaSize);
}

TEST_CASE("tensors live at the same time never share arena bytes",
          "[memoryplan]") {
  for (bool inPlace : {false, true}) {
    CompiledProgram c = compile(kResNetChain, inPlace);
    const loop::Program &p = c.program;
    auto live = liveRanges(p);
    for (size_t a = 0; a < p.tensors.size(); ++a) {
      for (size_t b = a + 1; b < p.tensors.size(); ++b) {
        const auto &ta = p.tensors[a], &tb = p.tensors[b];
        if (ta.storage != loop::StorageKind::Arena ||
            tb.storage != loop::StorageKind::Arena)
          continue;
        bool overlapInTime = live[a].first < live[b].second &&
                             live[b].first < live[a].second;
        bool overlapInSpace = ta.offset < tb.offset + tb.byteSize() &&
                              tb.offset < ta.offset + ta.byteSize();
        INFO(ta.name << " and " << tb.name);
        CHECK_FALSE((overlapInTime && overlapInSpace));
      }
      if (p.tensors[a].storage == loop::StorageKind::Arena) {
        CHECK(p.tensors[a].offset % loop::kArenaAlignment == 0);
        CHECK(p.tensors[a].offset + p.tensors[a].byteSize() <= p.arenaSize);
      }
    }
  }
}

TEST_CASE("the planned chain computes what the interpreter computes",
          "[memoryplan]") {
  CHECK(compareCompiledWithInterpreter(kResNetChain, "loop-eval", 3) == "");
  CHECK(compareCompiledWithInterpreter(kResNetChain, "host", 3) == "");
}
