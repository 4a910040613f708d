//===- Compile.h - the graph-to-loop-IR compilation pipeline ----*- C++ -*-===//
// What kilnc, kiln-run and the conformance runner share: pin input shapes,
// bind inputs as constants, make shapes static, run the graph passes, lower,
// run the loop passes (simplify, schedule), verify and plan memory.
//===----------------------------------------------------------------------===//
#ifndef KILN_DRIVER_COMPILE_H
#define KILN_DRIVER_COMPILE_H

#include "kiln/IR/Function.h"
#include "kiln/LoopIR/Program.h"
#include "kiln/LoopIR/Schedule.h"
#include "kiln/Lowering/MemoryPlanner.h"
#include "kiln/Transforms/PassManager.h"

#include <map>

namespace kiln {

struct CompileOptions {
  std::string name = "net";
  /// Static shapes for inputs with symbolic or unknown dimensions (see
  /// pinInputShapes in ModelLoader.h).
  std::map<std::string, std::vector<int64_t>> inputShapes;
  /// Inputs replaced by these constant values (they leave the signature).
  std::map<std::string, Tensor> boundInputs;
  /// Graph passes run before lowering, as text ("fold-constants,cse");
  /// defaultGraphPipeline(level) gives the -O levels' pipelines.
  std::string graphPipeline;
  /// Printing, per-pass verification and requirement handling for both the
  /// graph and the loop passes.
  PassInstrumentation instrumentation;
  bool schedule = true;
  loop::CpuScheduleOptions scheduleOptions;
  bool simplify = true;
  bool inPlace = true;
  /// Run the loop IR verifier on every kernel after each step.
  bool verify = true;
};

struct CompiledProgram {
  loop::Program program;
  MemoryPlanStats memory;
  /// What each graph and loop pass did (for --time-passes and --stats).
  std::vector<PassRecord> graphPasses, loopPasses;
};

/// Compiles m's main function (mutated: shapes pinned, constants folded,
/// graph passes applied) to a planned, scheduled loop::Program.
CompiledProgram compileToLoopIR(Module &m, const CompileOptions &options);

/// Checks that `inputs` are what compiled program `p` takes, in signature
/// order (count, element types, shapes); throws an Error naming the input.
void checkProgramInputs(const loop::Program &p,
                        const std::vector<Tensor> &inputs);

/// Runs `pipeline` over m with `instrumentation` (the tools' -O/--passes for
/// the interpreter target); returns what each pass did.
std::vector<PassRecord> runGraphPipeline(Module &m, const std::string &pipeline,
                                         const PassInstrumentation &inst,
                                         const PassConfig &config = {});

/// Replaces the named inputs by constants (checked against their types).
void bindInputsAsConstants(Function &f,
                           const std::map<std::string, Tensor> &values);
} // namespace kiln

#endif
