//===- Simplify.h - loop IR simplification ----------------------*- C++ -*-===//
// Semantics-preserving cleanup of loop IR: constant folding (with the
// evaluator's exact semantics), algebraic identities, canonical operand
// order, and rules proven by the ranges of loop and let variables.
//===----------------------------------------------------------------------===//
#ifndef KILN_LOOPIR_SIMPLIFY_H
#define KILN_LOOPIR_SIMPLIFY_H

#include "kiln/LoopIR/Bounds.h"
#include "kiln/LoopIR/PrimFunc.h"

namespace kiln::loop {

/// Simplifies an expression; `vars` gives known ranges of its variables.
Expr simplify(const Expr &e, const VarBounds &vars = {});
/// Simplifies a statement. Statements that do nothing (loops of extent 0,
/// empty sequences, ifs with a false condition and no else) are removed; a
/// statement that simplifies to nothing becomes an empty Seq.
Stmt simplify(const Stmt &s, const VarBounds &vars = {});
PrimFunc simplify(const PrimFunc &f);

/// Whether two expressions are the same tree (same variables by identity,
/// same operators, types and bit-identical immediates). Buffers match by
/// identity, or also by name when `buffersByName` (a view of a buffer shares
/// its memory under another node).
bool structurallyEqual(const Expr &a, const Expr &b,
                       bool buffersByName = false);

} // namespace kiln::loop

#endif
