//===- PassManager.h - runs pipelines of passes, with instrumentation -*- C++ -*-===//
// Runs a sequence of passes over one IR unit the way LLVM's `opt` does:
// checks each pass's requirements, and optionally prints the IR before/after
// passes, verifies after each, times each and collects their statistics.
//===----------------------------------------------------------------------===//
#ifndef KILN_TRANSFORMS_PASSMANAGER_H
#define KILN_TRANSFORMS_PASSMANAGER_H

#include "kiln/Transforms/Pass.h"

#include <iosfwd>
#include <set>

namespace kiln {

struct PassInstrumentation {
  std::set<std::string, std::less<>> printBefore, printAfter;
  bool printBeforeAll = false;
  bool printAfterAll = false;
  /// Run the IR verifier after every pass; a failure names the pass.
  bool verifyEach = false;
  /// A pass whose requirement does not hold is skipped (and counted) instead
  /// of being an error. Default pipelines use this: a model with dynamic
  /// shapes still gets the passes that do not need static ones.
  bool skipUnmetRequirements = false;
  /// Where IR dumps go (default std::cerr).
  std::ostream *dumpStream = nullptr;
};

/// What one pass run did.
struct PassRecord {
  std::string name;
  double seconds = 0;
  bool changed = false;
  bool skipped = false;
  std::string skipReason;
  PassStats stats;
};

template <typename IR> class PassManager {
public:
  explicit PassManager(PassConfig config = {},
                       PassInstrumentation instrumentation = {});
  ~PassManager();
  PassManager(PassManager &&);

  void add(std::unique_ptr<Pass<IR>> pass);
  /// Appends the comma-separated registered passes of `pipeline`
  /// ("fold-constants,cse,fuse"; empty adds nothing). An unknown name is an
  /// error listing the known ones.
  void addPipeline(std::string_view pipeline);
  size_t size() const { return passes_.size(); }
  /// The pipeline as text (pass names, comma-separated).
  std::string pipelineText() const;

  /// Runs every pass in order; returns whether any changed the IR.
  bool run(IR &ir);

  const std::vector<PassRecord> &records() const { return records_; }

private:
  PassConfig config_;
  PassInstrumentation instrumentation_;
  std::vector<std::unique_ptr<Pass<IR>>> passes_;
  std::vector<PassRecord> records_;
};

extern template class PassManager<Module>;
extern template class PassManager<loop::Program>;

/// Why `ir` does not satisfy `requirement` (one bit), or "" if it does.
std::string unmetRequirement(const Module &ir, PassRequirement requirement);
std::string unmetRequirement(const loop::Program &ir,
                             PassRequirement requirement);

/// "--time-passes": a table of time per pass (runs of one pass summed),
/// largest first, with the total. `irLevel` titles it ("graph IR").
void printPassTimings(const std::vector<PassRecord> &records,
                      const char *irLevel, std::ostream &os);
/// "--stats": every non-zero counter, "<value> <pass> - <counter>", and the
/// passes skipped for an unmet requirement.
void printPassStats(const std::vector<PassRecord> &records, const char *irLevel,
                    std::ostream &os);

/// The graph pipeline of an optimization level 0-3 (docs/passes.md).
std::string defaultGraphPipeline(unsigned optLevel);

/// `pipeline` without every occurrence of the comma-separated passes in
/// `names`; throws kiln::Error naming a pass the pipeline does not run.
std::string withoutPasses(std::string_view pipeline, std::string_view names);

} // namespace kiln

#endif
