//===- PassDifferential.h - graph passes vs the interpreter ----*- C++ -*-===//
// Runs each registered graph pass (and each default pipeline) on a copy of a
// module and compares interpreter outputs before and after.
//===----------------------------------------------------------------------===//
#ifndef KILN_DRIVER_PASSDIFFERENTIAL_H
#define KILN_DRIVER_PASSDIFFERENTIAL_H

#include "kiln/Driver/Conformance.h"
#include "kiln/IR/Module.h"
#include "kiln/IR/Tensor.h"
#include "kiln/Transforms/Pass.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace kiln {

struct PassDiffOptions {
  /// Float tolerance: passes may reassociate (BN folding), so looser than
  /// bit-exact. Integers and bools must match exactly.
  double rtol = 1e-4;
  double atol = 1e-5;
  /// Graph passes to check; empty means every registered one.
  std::vector<std::string> passes;
  /// Also check the default pipelines of -O1..-O3 (named "O1".."O3"). Passes
  /// of a pipeline that are not registered yet are left out of it.
  bool pipelines = true;
  PassConfig config;
};

struct PassDiffResult {
  /// The pass name, or "O1".."O3" for a default pipeline.
  std::string pass;
  bool ok = true;
  /// Why it failed; for a pipeline that ran without some of its passes,
  /// which ones were missing.
  std::string message;
  /// Whether the pass changed the module.
  bool changed = false;
  /// Whether the pass manager skipped it (a requirement did not hold).
  bool skipped = false;
  /// The pass's counters, summed over the passes of a pipeline.
  std::map<std::string, int64_t> stats;
};

/// A copy of `m` made by printing and parsing it back; throws kiln::Error
/// unless the copy prints identically and verifies.
std::unique_ptr<Module> cloneModuleViaText(const Module &m);

/// The names checkPassesPreserveSemantics checks under `options`: graph
/// passes by name, then "O1".."O3".
std::vector<std::string> passDifferentialSubjects(const PassDiffOptions &options);

/// For each subject: runs it (verifying after every pass, skipping passes
/// whose requirements do not hold) on a copy of `m`, runs the interpreter on
/// the copy with `inputs` and compares with the interpreter's outputs of `m`.
/// A pass that throws is a failure carrying its message. Throws kiln::Error
/// only when `m` itself cannot be copied or run (the reference).
std::vector<PassDiffResult>
checkPassesPreserveSemantics(const Module &m, const std::vector<Tensor> &inputs,
                             const PassDiffOptions &options = {});

/// The same check for one pass object (not necessarily registered).
PassDiffResult checkPassPreservesSemantics(const Module &m,
                                           const std::vector<Tensor> &inputs,
                                           std::unique_ptr<GraphPass> pass,
                                           const PassDiffOptions &options = {});

/// kiln-conformance --pass-differential: imports the case's model, pins its
/// inputs to the shapes of the first data set (so passes that need static
/// shapes run), and checks every subject with those inputs. Throws
/// kiln::Error naming each failing pass; errors of the reference run (an
/// unsupported op) propagate unchanged, for classifyError.
void runPassDifferentialCase(const ConformanceCase &c,
                             const PassDiffOptions &options = {});

} // namespace kiln

#endif
