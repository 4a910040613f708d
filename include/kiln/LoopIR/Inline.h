//===- Inline.h - inlining of kernel-local temporaries ----------*- C++ -*-===//
// Removes intermediate buffers of a kernel built from several ops (a fusion
// group): producers are substituted into their readers, and elementwise
// consumers are folded into the store that produces their operand.
//===----------------------------------------------------------------------===//
#ifndef KILN_LOOPIR_INLINE_H
#define KILN_LOOPIR_INLINE_H

#include "kiln/LoopIR/PrimFunc.h"

namespace kiln::loop {

/// What inlineTemporaries did.
struct InlineStats {
  /// Temporaries whose defining nest was substituted into every read.
  int producersInlined = 0;
  /// Consumer nests folded into the store that produced their operand.
  int consumersInlined = 0;
  /// Temporaries written but never read, deleted with their nests.
  int deadRemoved = 0;
  /// Allocations that disappeared (the sum of the three above).
  int allocationsRemoved() const {
    return producersInlined + consumersInlined + deadRemoved;
  }
};

/// Inlines the temporaries allocated at the top of `body` (the Allocates
/// that wrap the kernel's statement sequence; parameters and allocations
/// nested in loops are never touched), repeatedly until nothing changes, then
/// simplifies. Two rewrites, each applied only where it provably keeps the
/// kernel's meaning (everything else is left as it is):
///  - producer: T is written by one perfect serial nest `T[i...] = v` over
///    its whole shape, read only by later statements that write nothing v
///    reads; every read T[e] (also through dense views of T) becomes v[i:=e];
///  - consumer: T is written by one unconditional store `T[e] = v` covering
///    its shape, and read only by one later perfect nest
///    `O[j...] = g(T[j...])`; that store becomes `O[e'] = g[T[j]:=v, j:=e']`.
///    For a buffer in `complete` (one whose writer is known to write every
///    element, such as an op's result in a fused kernel) the writes may be
///    any number of stores, conditional or not, in one statement: each
///    becomes a store of O (a register-tiled convolution's epilogue).
/// Temporaries that are never read are removed with the statements that
/// only write them.
Stmt inlineTemporaries(const Stmt &body, InlineStats *stats = nullptr,
                       const std::vector<Buffer> &complete = {});
PrimFunc inlineTemporaries(const PrimFunc &f, InlineStats *stats = nullptr,
                           const std::vector<Buffer> &complete = {});

} // namespace kiln::loop

#endif
