//===- LLVMCodeGen.h - LLVM IR generation from loop IR ----------*- C++ -*-===//
// Turns a loop::Program into LLVM IR: one internal function per kernel and
// the `<name>_run` entry point of the artifact ABI (docs/codegen.md).
//===----------------------------------------------------------------------===//
#ifndef KILN_CODEGEN_LLVMCODEGEN_H
#define KILN_CODEGEN_LLVMCODEGEN_H

#include "kiln/LoopIR/Program.h"

#include <string>
#include <utility>
#include <vector>

namespace llvm {
class Module;
} // namespace llvm

namespace kiln::codegen {

struct CodeGenOptions {
  /// Constants are read from a `const void *weights` fourth entry parameter
  /// (laid out by buildWeightsBlob) instead of being embedded.
  bool weightsSeparate = false;
  /// Linker section of embedded constants; empty keeps .rodata.
  std::string weightsSection;
  /// Non-empty: the object defines `<program>_arena`, a zero-initialized
  /// (NOBITS), 64-byte-aligned global of the arena's size, in this linker
  /// section, so firmware can place the arena in a chosen RAM bank.
  std::string arenaSection;
  /// Attributes put on every generated function, e.g. {"target-cpu",
  /// "haswell"}; set by the target layer.
  std::vector<std::pair<std::string, std::string>> functionAttributes;
  /// Vector f32 exp/log/tanh call libm per lane instead of the inline
  /// approximations (within 1 ulp of exact): only where results must match
  /// the loop IR evaluator bit for bit.
  bool libmMath = false;
};

/// The entry point's symbol: "<program>_run".
std::string entryName(const loop::Program &program);
/// The arena's symbol with CodeGenOptions::arenaSection: "<program>_arena".
std::string arenaName(const loop::Program &program);

/// Adds the kernels and entry point of `program` to `module`, whose target
/// triple and data layout must already be set. Throws kiln::Error on loop IR
/// the code generator does not support.
void generateProgram(const loop::Program &program, llvm::Module &module,
                     const CodeGenOptions &options = {});

} // namespace kiln::codegen

#endif
