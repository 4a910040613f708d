//===- Evaluator.h - reference execution of loop IR -------------*- C++ -*-===//
// Runs PrimFuncs and whole Programs on the host, with every load and store
// bounds-checked: the oracle against which lowering and code generation are
// tested.
//===----------------------------------------------------------------------===//
#ifndef KILN_LOOPIR_EVALUATOR_H
#define KILN_LOOPIR_EVALUATOR_H

#include "kiln/IR/Tensor.h"
#include "kiln/LoopIR/Program.h"

namespace kiln::loop {

/// Runs f with args[i] the memory of f.params[i] (laid out per the buffer's
/// strides, elements stored as in kiln::Tensor; each region is assumed to span
/// params[i]->byteSize() bytes). Global-scope Allocates are carved in order
/// from `workspace` (each aligned to kArenaAlignment; workspaceBytes(f) bytes
/// are needed); Stack-scope Allocates get fresh zeroed memory on each entry.
/// Parallel and vectorized loops run serially. Select and logical and/or
/// evaluate both operands, like generated code, so every load they contain
/// must be in bounds. Throws kiln::Error on an out-of-bounds access, an unknown
/// call or a buffer that is not bound.
void evaluatePrimFunc(const PrimFunc &f, const std::vector<void *> &args,
                      void *workspace, int64_t workspaceSize);

/// Runs a lowered model: checks `inputs` against p.inputs, lays out arena
/// tensors at their offsets (or separately when offset is -1) and each call's
/// workspace at its workspaceOffset (or separately when p.arenaSize is 0),
/// runs the calls in order and returns the outputs in p.outputs order.
std::vector<Tensor> runProgram(const Program &p,
                               const std::vector<Tensor> &inputs);

} // namespace kiln::loop

#endif
