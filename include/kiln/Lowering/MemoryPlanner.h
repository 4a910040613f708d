//===- MemoryPlanner.h - the model's single arena ---------------*- C++ -*-===//
// Static planning of every intermediate tensor and kernel workspace into one
// arena: liveness over the call order, best-fit reuse of freed blocks, and
// in-place results for elementwise kernels.
//===----------------------------------------------------------------------===//
#ifndef KILN_LOWERING_MEMORYPLANNER_H
#define KILN_LOWERING_MEMORYPLANNER_H

#include "kiln/LoopIR/Program.h"

namespace kiln {

struct MemoryPlanStats {
  int64_t arenaBytes = 0;
  /// Sum of the sizes of all arena tensors and workspaces (no reuse).
  int64_t unplannedBytes = 0;
  int inPlaceCount = 0;
};

/// Assigns ProgramTensor::offset, KernelCall::workspaceOffset and
/// Program::arenaSize.
MemoryPlanStats planMemory(loop::Program &p, bool allowInPlace = true);

} // namespace kiln

#endif
