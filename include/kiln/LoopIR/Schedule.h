//===- Schedule.h - loop IR schedule transformations ------------*- C++ -*-===//
// Split, reorder, fuse, unroll, loop kinds, vectorization, parallel safety and
// the default CPU schedule. Loops are named by their loop variable's node.
//===----------------------------------------------------------------------===//
#ifndef KILN_LOOPIR_SCHEDULE_H
#define KILN_LOOPIR_SCHEDULE_H

#include "kiln/LoopIR/PrimFunc.h"

#include <functional>

namespace kiln::loop {

//===-- Utilities shared by the schedules ---------------------------------===//

/// The For whose variable is loopVar in s, or nullptr.
const ForNode *findLoop(const Stmt &s, const VarNode *loopVar);
/// s with the For of loopVar replaced by fn(that For). Throws if s has no such
/// loop.
Stmt replaceLoop(const Stmt &s, const VarNode *loopVar,
                 const std::function<Stmt(const ForNode *)> &fn);
/// Deep structural equality of expressions, buffers also matched by name
/// (structurallyEqual with buffersByName).
bool exprEqual(const Expr &a, const Expr &b);
/// a + b, a * b with immediates folded (x + 0, x * 1, c1 + c2, ...), so that
/// rewritten indices stay readable without a simplifier.
Expr foldAdd(const Expr &a, const Expr &b);
Expr foldMul(const Expr &a, const Expr &b);
/// Number of innermost statements (Store, Evaluate) s executes, counting the
/// lanes of vector stores; a loop whose extent depends on outer loops counts
/// at its largest extent; -1 if an extent has no known bound.
int64_t countWork(const Stmt &s);

//===-- Primitives --------------------------------------------------------===//

/// How splitLoop covers an extent that the factor does not divide.
enum class TailStrategy : uint8_t {
  /// A main nest of floor(n/f)*f iterations plus a separate remainder loop, so
  /// the main part has no guards (the default).
  Remainder,
  /// One nest of ceil(n/f) outer iterations with the body guarded by an if.
  Guard,
};

struct SplitResult {
  Stmt stmt;
  Var outer, inner; // null when the extent is smaller than the factor
  Var tail;         // the remainder loop's variable; null when there is none
};

/// Splits `for v in [min, min+n)` into `for v_o in [0, n/f): for v_i in [0,
/// f)` with v = min + v_o*f + v_i. The outer loop keeps the original kind;
/// inner and tail are serial. Throws kiln::Error if the loop is missing or
/// factor < 1.
SplitResult splitLoop(const Stmt &s, const VarNode *loopVar, int64_t factor,
                      TailStrategy tail = TailStrategy::Remainder);

/// Permutes a perfect nest: `order` names loops of one perfectly nested chain
/// (each listed loop's body is the next one), outermost first in the result.
/// Throws if they are not perfectly nested or a loop's bounds would use the
/// variable of a loop that moves inside it.
Stmt reorderLoops(const Stmt &s, const std::vector<const VarNode *> &order);

/// Fuses `for o: for i: body` (inner directly the outer's body, bounds of the
/// inner independent of o) into one loop `for f in [0, no*ni)` with
/// o = min_o + f / ni, i = min_i + f % ni. Keeps the outer loop's kind. The
/// fused variable is returned through fusedVar when given.
Stmt fuseLoops(const Stmt &s, const VarNode *outer, const VarNode *inner,
               Var *fusedVar = nullptr);

/// Replaces a constant-extent loop by extent copies of its body. Throws for a
/// non-constant extent or more than maxExtent copies.
Stmt unrollLoop(const Stmt &s, const VarNode *loopVar,
                int64_t maxExtent = 1024);

/// Sets the loop's kind (no check; Vectorized needs vectorizeLoops after).
Stmt setLoopKind(const Stmt &s, const VarNode *loopVar, ForKind kind);

/// Turns every Vectorized For with a constant extent L into L-lane vector code
/// without a loop: the loop variable becomes Ramp(min, 1, L), loads and
/// stores indexed by it become vector (contiguous or gather) accesses. Loops
/// it cannot convert (control flow, inner loops, loop-carried dependences,
/// non-constant extent) stay Vectorized for the code generator.
Stmt vectorizeLoops(const Stmt &s);
PrimFunc vectorizeLoops(const PrimFunc &f);

/// Whether iterations of the loop may run concurrently (conservative). Every
/// buffer stored in the body and not allocated there must, in one dimension,
/// be indexed k*v + c + r (k constant, c loop invariant and identical for
/// all accesses, r from inner loops spanning less than |k|) by every store and
/// load of it in the body; no Global-scope Allocate, no Barrier and no
/// Evaluate other than a math call inside.
bool isParallelSafe(const ForNode *loop);

//===-- Default CPU schedule ----------------------------------------------===//

struct CpuScheduleOptions {
  int vectorBytes = 32; // 16 SSE/NEON, 32 AVX2, 64 AVX-512
  /// SIMD registers (16 AVX2/SSE/Arm32, 32 AVX-512/AArch64): register tiles
  /// of convolutions and matrix products are sized from it.
  int vectorRegisters = 16;
  bool parallel = true;
  int64_t minParallelWork = 1 << 15; // elements
  /// Threads the parallel loop should feed; a fixed default keeps the output
  /// independent of the compiling machine.
  int threads = 8;
};

/// Vectorizes the innermost contiguous loop of every nest (split by
/// vectorBytes / widest element, scalar remainder loop) and marks the
/// outermost loop of each nest with enough work Parallel when it is safe
/// (fusing a short outer loop with the next one first). Deterministic.
PrimFunc applyDefaultSchedule(const PrimFunc &f,
                              const CpuScheduleOptions &options = {});

} // namespace kiln::loop

#endif
