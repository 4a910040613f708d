//===- Conformance.h - the ONNX backend-test runner -------------*- C++ -*-===//
// Finds ONNX test cases (model.onnx + test_data_set_*), runs them through the
// interpreter, compares with the reference outputs and classifies the result.
//===----------------------------------------------------------------------===//
#ifndef KILN_DRIVER_CONFORMANCE_H
#define KILN_DRIVER_CONFORMANCE_H

#include "kiln/Driver/TensorCompare.h"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace kiln {

/// One test case: a folder with model.onnx and test_data_set_* folders.
/// Its name is "<suite folder name>/<case folder name>", e.g. node/test_abs.
struct ConformanceCase {
  std::string name;
  std::string dir;
};

/// Cases under each folder: the folder itself if it holds model.onnx, else
/// its subfolders that do, sorted by name. Throws for a missing folder.
std::vector<ConformanceCase> findCases(const std::vector<std::string> &dirs);

enum class CaseStatus { Pass, Fail, Unsupported };
const char *toString(CaseStatus status);

struct CaseResult {
  CaseStatus status = CaseStatus::Fail;
  std::string message; // empty for Pass
  double seconds = 0;
};

struct ConformanceOptions {
  /// "interp" (reference interpreter), "loop-eval" (lowered to loop IR and
  /// run by the loop IR evaluator), "host" (compiled and JIT-run) or a cross
  /// Linux triple such as "aarch64-linux-gnu" (compiled to an object, linked
  /// and run under qemu-user; see CrossRunner.h).
  std::string target = "interp";
  /// Cross targets: CPU and features (kilnc's --mcpu/--mattr), the -O level
  /// (3 selects LLVM -O3, else -O2 as for host), the root of the cross
  /// runtimes (empty: defaultCrossRoot()) and where the per-case temporary
  /// folders go (empty: the system's temporary folder).
  std::string cpu, features;
  unsigned optLevel = 0;
  std::string crossRoot, workDir;
  /// Compiled targets only: instead of the reference outputs, compare with
  /// the interpreter on the first data set with its float inputs replaced
  /// by random values from `seed` (integer and bool inputs, which are often
  /// indices or shapes, keep their test values).
  bool differential = false;
  uint64_t seed = 1;
  double rtol = kDefaultRtol;
  double atol = kDefaultAtol;
  /// Print -> parse -> print the imported module; the texts must agree and
  /// the reparsed module must verify. The reparsed module is what runs.
  bool roundtrip = false;
  /// Graph passes run on each model before it is interpreted or compiled
  /// (text pipeline, e.g. defaultGraphPipeline(3)); the IR is verified after
  /// every pass, and passes whose requirements a model does not meet (e.g.
  /// dynamic shapes for the interpreter) are skipped.
  std::string graphPipeline;
  /// Instead of the reference outputs: run every registered graph pass (and
  /// the -O pipelines) on the model and compare the interpreter's outputs
  /// before and after each (docs/passes.md).
  bool passDifferential = false;
  /// Run each case in a child process so a crash fails only that case.
  bool isolate = true;
  /// Per-case limit in seconds when isolated (0 = none).
  unsigned timeoutSeconds = 0;
  /// Per-case address-space limit in MiB when isolated (0 = none), so a
  /// runaway allocation fails its case instead of exhausting the machine.
  unsigned memoryLimitMB = 0;
};

/// Runs the data sets of a case through compiled code (options.target is
/// "loop-eval", "host" or a cross triple); throws kiln::Error on a mismatch.
void runCompiledCase(const ConformanceCase &c,
                     const ConformanceOptions &options);

/// Runs one case; never throws.
CaseResult runCase(const ConformanceCase &c, const ConformanceOptions &options);

/// Runs all cases, up to `jobs` child processes at a time (one at a time
/// without options.isolate), and calls report(i, result) for case i in
/// index order, each as soon as it and every case before it have finished.
void runCases(const std::vector<ConformanceCase> &cases,
              const ConformanceOptions &options, unsigned jobs,
              const std::function<void(size_t, const CaseResult &)> &report);

/// UNSUPPORTED for messages about unsupported operators/types, missing
/// kernels or missing type inference; FAIL otherwise.
CaseStatus classifyError(const std::string &message);

/// Per ONNX op type, how many non-passing cases use it.
struct OpTally {
  unsigned failed = 0;
  unsigned unsupported = 0;
};
/// The "op  failed  unsupported" table, worst ops first.
std::string formatOpTable(const std::map<std::string, OpTally> &tally);

} // namespace kiln

#endif
