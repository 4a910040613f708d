//===- Program.h - a lowered model ------------------------------*- C++ -*-===//
// The whole model after lowering: kernels (PrimFuncs), the tensors they read
// and write with their storage (input, output, constant or arena slot), and
// the sequence of kernel calls. Code generators turn it into an entry
// function; memory planning fills in arena offsets.
//===----------------------------------------------------------------------===//
#ifndef KILN_LOOPIR_PROGRAM_H
#define KILN_LOOPIR_PROGRAM_H

#include "kiln/IR/Tensor.h"
#include "kiln/LoopIR/PrimFunc.h"

namespace kiln::loop {

enum class StorageKind : uint8_t { Input, Output, Constant, Arena };

struct ProgramTensor {
  std::string name; // the graph value's name
  ElementType elem;
  std::vector<int64_t> shape;
  StorageKind storage = StorageKind::Arena;
  int index = -1;      // position among inputs or outputs
  int64_t offset = -1; // arena byte offset, set by memory planning
  kiln::Tensor value;  // data of a Constant

  int64_t numElements() const;
  int64_t byteSize() const;
};

/// One kernel invocation: funcs[func](tensors[args[0]], ..., workspace).
/// The kernel's Global-scope temporaries live in the arena at
/// workspaceOffset for the duration of the call.
struct KernelCall {
  size_t func = 0;
  std::vector<size_t> args;
  int64_t workspaceOffset = 0;
  int64_t workspaceSize = 0;
  /// An argument that may share its arena slot with args[inPlaceOf.second],
  /// as (result arg, operand arg); -1 when none. Set by lowering for
  /// elementwise kernels, honoured by memory planning.
  std::pair<int, int> inPlace{-1, -1};
};

struct Program {
  std::string name;
  std::vector<PrimFunc> funcs;
  std::vector<ProgramTensor> tensors;
  std::vector<KernelCall> calls;
  std::vector<size_t> inputs;  // tensor ids in signature order
  std::vector<size_t> outputs; // tensor ids in signature order
  int64_t arenaSize = 0;
};

/// Arena alignment of every slot and of the arena itself, in bytes.
constexpr int64_t kArenaAlignment = 64;

/// Bytes of Global-scope Allocate buffers in f, each aligned to
/// kArenaAlignment (the kernel's workspace).
int64_t workspaceBytes(const PrimFunc &f);

} // namespace kiln::loop

#endif
