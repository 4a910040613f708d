//===- Verifier.h - structural and type checks ------------------*- C++ -*-===//
// Checks a function or module against the op table and type inference.
//===----------------------------------------------------------------------===//
#ifndef KILN_IR_VERIFIER_H
#define KILN_IR_VERIFIER_H

#include "kiln/IR/Module.h"

namespace kiln {

/// Throws kiln::Error describing the first problem found.
void verify(const Function &function);
void verify(const Module &module);

} // namespace kiln

#endif
