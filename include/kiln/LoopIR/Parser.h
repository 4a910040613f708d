//===- Parser.h - text to loop IR -------------------------------*- C++ -*-===//
// Parses the loop IR text form written by Printer.h. Malformed text throws
// kiln::Error "file:line:col: message"; it never crashes.
//===----------------------------------------------------------------------===//
#ifndef KILN_LOOPIR_PARSER_H
#define KILN_LOOPIR_PARSER_H

#include "kiln/LoopIR/PrimFunc.h"

#include <string_view>
#include <vector>

namespace kiln::loop {

/// All `func` definitions of a loop module text, in order. The result is not
/// verified; call verifyPrimFunc for the semantic checks.
std::vector<PrimFunc> parsePrimFuncs(std::string_view text,
                                     std::string_view fileName = "<input>");
/// Exactly one function.
PrimFunc parsePrimFunc(std::string_view text,
                       std::string_view fileName = "<input>");

} // namespace kiln::loop

#endif
