//===- Lowering.h - graph IR to loop IR -------------------------*- C++ -*-===//
// Turns a graph function with static shapes into a loop::Program: one kernel
// per node (from the op's compute definition), its tensors and call order.
//===----------------------------------------------------------------------===//
#ifndef KILN_LOWERING_LOWERING_H
#define KILN_LOWERING_LOWERING_H

#include "kiln/IR/Function.h"
#include "kiln/LoopIR/Program.h"
#include "kiln/Lowering/LowerTarget.h"

namespace kiln {

/// Lowers `f` (every value statically shaped; see prepareForLowering) into a
/// program named `name`. Kernels are unscheduled and memory is not planned;
/// convolutions and matrix products are register-tiled for `target`.
loop::Program lowerFunction(const Function &f, const std::string &name,
                            const LowerTarget &target = {});

/// Makes `f` ready for lowering: folds nodes whose operands are all
/// constants (results up to `foldLimit` elements) through the interpreter and
/// re-infers types, so shape computations become static. Throws naming the
/// first value whose shape is still not static.
void prepareForLowering(Function &f, int64_t foldLimit = 1 << 16);

} // namespace kiln

#endif
