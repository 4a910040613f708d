//===- Verifier.h - loop IR well-formedness checks --------------*- C++ -*-===//
// Checks the invariants every pass and code generator relies on (scoping,
// types, index counts, known calls, static bounds) and throws kiln::Error.
//===----------------------------------------------------------------------===//
#ifndef KILN_LOOPIR_VERIFIER_H
#define KILN_LOOPIR_VERIFIER_H

#include "kiln/LoopIR/PrimFunc.h"
#include "kiln/LoopIR/Program.h"

namespace kiln::loop {

/// Largest Stack-scope allocation a kernel may make, in bytes.
constexpr int64_t kMaxStackAllocation = int64_t(1) << 20;

/// Throws "loop IR verifier: func @name: <problem>" on the first violation.
void verifyPrimFunc(const PrimFunc &func);

/// Verifies every function, and that calls, tensors, inputs and outputs are
/// consistent with each other and with the kernels' parameters.
void verifyProgram(const Program &program);

} // namespace kiln::loop

#endif
