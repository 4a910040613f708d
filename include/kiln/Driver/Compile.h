//===- Compile.h - the graph-to-loop-IR compilation pipeline ----*- C++ -*-===//
// What kilnc, kiln-run and the conformance runner share: pin input shapes,
// bind inputs as constants, make shapes static, lower, schedule, simplify,
// verify and plan memory.
//===----------------------------------------------------------------------===//
#ifndef KILN_DRIVER_COMPILE_H
#define KILN_DRIVER_COMPILE_H

#include "kiln/IR/Function.h"
#include "kiln/LoopIR/Program.h"
#include "kiln/LoopIR/Schedule.h"
#include "kiln/Lowering/MemoryPlanner.h"

#include <map>

namespace kiln {

struct CompileOptions {
  std::string name = "net";
  /// Static shapes for inputs with symbolic or unknown dimensions (see
  /// pinInputShapes in ModelLoader.h).
  std::map<std::string, std::vector<int64_t>> inputShapes;
  /// Inputs replaced by these constant values (they leave the signature).
  std::map<std::string, Tensor> boundInputs;
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
};

/// Compiles f (mutated: shapes pinned, constants folded) to a planned,
/// scheduled loop::Program.
CompiledProgram compileToLoopIR(Function &f, const CompileOptions &options);

/// Replaces the named inputs by constants (checked against their types).
void bindInputsAsConstants(Function &f,
                           const std::map<std::string, Tensor> &values);
} // namespace kiln

#endif
