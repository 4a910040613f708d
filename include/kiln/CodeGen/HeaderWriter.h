//===- HeaderWriter.h - the generated C header of a model -------*- C++ -*-===//
// Writes <name>.h, the C99 declaration of a compiled model's entry point,
// its input/output structs, shape/type macros and descriptor tables.
//===----------------------------------------------------------------------===//
#ifndef KILN_CODEGEN_HEADERWRITER_H
#define KILN_CODEGEN_HEADERWRITER_H

#include "kiln/LoopIR/Program.h"

#include <cstdint>
#include <string>
#include <vector>

namespace kiln::codegen {

struct HeaderOptions {
  /// The model's C name: prefix of every symbol (net -> net_run, NET_...).
  /// Must be a C identifier.
  std::string name;
  /// Weights are in a side file passed to <name>_run as a 4th argument.
  bool weightsSeparate = false;
  std::string weightsFile; // file name written into NAME_WEIGHTS_FILE
  int64_t weightsSize = 0; // bytes of that file
  /// Non-empty: the object defines `<name>_arena` in this linker section
  /// (kilnc --arena-section), which the header declares.
  std::string arenaSection;
};

/// The text of <name>.h for program p (see docs/abi.md). Throws kiln::Error
/// if the name is not a C identifier or a tensor has a dynamic shape.
std::string writeModelHeader(const loop::Program &p, const HeaderOptions &o);

/// The lower-case C identifiers the header uses for tensors with the given
/// names: each run of non-alphanumerics becomes one '_' (none at the ends), a
/// name not starting with a letter gets a "t" prefix, a C/C++ keyword a "t_"
/// prefix, and duplicates get _2, _3, ... (the ids are lower-case, so the
/// upper-case macro forms are unique too).
std::vector<std::string>
headerIdentifiers(const std::vector<std::string> &names);

} // namespace kiln::codegen

#endif
