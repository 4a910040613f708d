//===- Parser.h - text to graph IR ------------------------------*- C++ -*-===//
// Parses Kiln's textual graph IR. Errors are kiln::Error with
// "file:line:col: message".
//===----------------------------------------------------------------------===//
#ifndef KILN_IR_PARSER_H
#define KILN_IR_PARSER_H

#include "kiln/IR/Module.h"

#include <memory>
#include <string_view>

namespace kiln {

/// `filename` names the source in diagnostics; side-file references are
/// resolved relative to `baseDir`.
std::unique_ptr<Module> parseModule(std::string_view text,
                                    const std::string &filename = "<input>",
                                    const std::string &baseDir = ".");
std::unique_ptr<Module> parseModuleFile(const std::string &path);

} // namespace kiln

#endif
