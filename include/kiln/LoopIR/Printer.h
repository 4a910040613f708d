//===- Printer.h - loop IR to text ------------------------------*- C++ -*-===//
// Prints PrimFuncs in Kiln's loop IR text form (docs/loop-ir.md);
// parsePrimFuncs reads it back and print -> parse -> print is the identity.
//===----------------------------------------------------------------------===//
#ifndef KILN_LOOPIR_PRINTER_H
#define KILN_LOOPIR_PRINTER_H

#include "kiln/LoopIR/PrimFunc.h"
#include "kiln/LoopIR/Program.h"

#include <ostream>
#include <string>

namespace kiln::loop {

/// A function in the parseable text form. Distinct variables and buffers get
/// distinct names (duplicates are suffixed ".1", ".2", ... in print order).
std::string printPrimFunc(const PrimFunc &func);
void printPrimFunc(std::ostream &os, const PrimFunc &func);
/// printPrimFunc's text with every %name and @name replaced by the order of
/// its first appearance: two functions with the same canonical text compute
/// the same function of their parameters, whatever their names.
std::string printPrimFuncCanonical(const PrimFunc &func);
/// Several functions separated by blank lines: a "loop module".
std::string printPrimFuncs(const std::vector<PrimFunc> &funcs);

/// An expression or statement on its own, for diagnostics and tests; names
/// are the nodes' own names (not made unique).
std::string printExpr(const Expr &expr);
std::string printStmt(const Stmt &stmt);

/// The whole program: tensor table with storage and offsets, every kernel,
/// and the call sequence. Constant data are not printed; the form is
/// informational and is not meant to be parsed back.
std::string printProgram(const Program &program);

} // namespace kiln::loop

#endif
