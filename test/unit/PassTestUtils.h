//===- PassTestUtils.h - running pipelines in graph pass tests --*- C++ -*-===//
// Parsing a verified module, running a pipeline with verification and
// summing its counters, and the relative L2 error of two tensors.
//===----------------------------------------------------------------------===//
#ifndef KILN_TEST_UNIT_PASSTESTUTILS_H
#define KILN_TEST_UNIT_PASSTESTUTILS_H

#include "kiln/IR/Module.h"
#include "kiln/IR/Parser.h"
#include "kiln/IR/Verifier.h"
#include "kiln/Transforms/PassManager.h"

#include <cmath>
#include <map>
#include <memory>
#include <string>

namespace kiln::test {

inline std::unique_ptr<Module> parseVerified(const std::string &text) {
  std::unique_ptr<Module> m = parseModule(text);
  verify(*m);
  return m;
}

/// Runs `pipeline` with verification; returns the summed counters.
inline std::map<std::string, int64_t> runPipeline(Module &m,
                                                  const std::string &pipeline) {
  PassInstrumentation instr;
  instr.verifyEach = true;
  PassManager<Module> pm(PassConfig{}, instr);
  pm.addPipeline(pipeline);
  pm.run(m);
  std::map<std::string, int64_t> stats;
  for (const PassRecord &r : pm.records())
    for (const auto &[name, n] : r.stats.counters())
      stats[name] += n;
  return stats;
}

/// ||got - want|| / ||want||.
inline double relativeL2(const Tensor &got, const Tensor &want) {
  double num = 0, den = 0;
  for (int64_t i = 0; i < want.numElements(); ++i) {
    double d = got.getDouble(i) - want.getDouble(i);
    num += d * d;
    den += want.getDouble(i) * want.getDouble(i);
  }
  return std::sqrt(num / den);
}

} // namespace kiln::test

#endif
