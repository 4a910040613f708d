//===- WeightsBlob.h - the separate weights file ----------------*- C++ -*-===//
// With --weights=separate, constants live in one blob the application loads
// and passes to `<name>_run`; this computes its bytes and each offset.
//===----------------------------------------------------------------------===//
#ifndef KILN_CODEGEN_WEIGHTSBLOB_H
#define KILN_CODEGEN_WEIGHTSBLOB_H

#include "kiln/LoopIR/Program.h"

#include <cstdint>
#include <map>
#include <vector>

namespace kiln::codegen {

/// Alignment of every constant within the blob (and of the blob itself as
/// the generated code expects it).
constexpr int64_t kWeightsAlignment = 64;

struct WeightsBlob {
  std::vector<uint8_t> bytes;
  /// Program tensor id of each Constant -> byte offset within `bytes`.
  std::map<size_t, int64_t> offsets;
};

/// Lays out every Constant tensor of `program` in tensor-id order, each
/// aligned to kWeightsAlignment. Throws if a constant's data does not match
/// its declared size.
WeightsBlob buildWeightsBlob(const loop::Program &program);

} // namespace kiln::codegen

#endif
