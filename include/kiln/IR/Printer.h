//===- Printer.h - graph IR to text -----------------------------*- C++ -*-===//
// Prints a Module in Kiln's textual form; parseModule reads it back, and
// print -> parse -> print is the identity.
//===----------------------------------------------------------------------===//
#ifndef KILN_IR_PRINTER_H
#define KILN_IR_PRINTER_H

#include "kiln/IR/Module.h"

#include <ostream>

namespace kiln {

struct PrintOptions {
  /// Constants with more elements than this go to the side file when one is
  /// given; with no side file every constant is printed inline.
  int64_t inlineElementLimit = 16;
  /// Path of the side file for large constants ("" = none). The text refers
  /// to it by its file name, relative to the printed file.
  std::string sideFilePath;
  /// Constants with more elements than this print as `dense<f32[...]>[...]`
  /// (-1: never). For IR dumps meant for reading; the text does not parse.
  int64_t elideElementsAbove = -1;
};

void print(const Module &module, std::ostream &os,
           const PrintOptions &options = {});
std::string toText(const Module &module, const PrintOptions &options = {});

} // namespace kiln

#endif
