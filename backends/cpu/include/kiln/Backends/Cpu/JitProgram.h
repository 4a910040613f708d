//===- JitProgram.h - run a loop IR program in-process ----------*- C++ -*-===//
// Compiles a Program for the host with LLVM's ORC JIT and calls its entry
// point; used by kiln-run, the conformance runner and tests.
//===----------------------------------------------------------------------===//
#ifndef KILN_BACKENDS_CPU_JITPROGRAM_H
#define KILN_BACKENDS_CPU_JITPROGRAM_H

#include "kiln/Backends/Cpu/CpuTarget.h"
#include "kiln/CodeGen/LLVMCodeGen.h"
#include "kiln/LoopIR/Program.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace llvm::orc {
class LLJIT;
} // namespace llvm::orc

namespace kiln::cpu {

class JitProgram {
public:
  /// Compiles `program` for the host (options.triple must be empty or the
  /// host's). Throws kiln::Error on unsupported IR or a failed link.
  /// With codegen.weightsSeparate the JIT keeps the weights blob itself and
  /// passes it to the entry point.
  static std::unique_ptr<JitProgram>
  compile(const loop::Program &program, const CpuTargetOptions &options = {},
          const codegen::CodeGenOptions &codegen = {});
  ~JitProgram();

  /// Calls `<name>_run` with one pointer per program input and output (in
  /// signature order) and `arena` (kArenaAlignment-aligned, arenaSize()
  /// bytes); returns its status code. Throws if the counts are wrong.
  int run(const std::vector<const void *> &inputs,
          const std::vector<void *> &outputs, void *arena);
  /// As above with an arena owned by this object (not reentrant).
  int run(const std::vector<const void *> &inputs,
          const std::vector<void *> &outputs);

  int64_t arenaSize() const { return arenaSize_; }
  /// Milliseconds spent generating, optimizing and linking.
  double compileMillis() const { return compileMillis_; }

private:
  JitProgram() = default;
  using EntryFn = int32_t (*)(const void *, void *, void *);
  using EntryWithWeightsFn = int32_t (*)(const void *, void *, void *,
                                         const void *);
  std::unique_ptr<llvm::orc::LLJIT> jit_;
  EntryFn entry_ = nullptr;
  size_t numInputs_ = 0, numOutputs_ = 0;
  int64_t arenaSize_ = 0;
  double compileMillis_ = 0;
  std::unique_ptr<uint8_t[]> ownedArena_, ownedWeights_;
  uint8_t *alignedArena_ = nullptr, *alignedWeights_ = nullptr;
};

} // namespace kiln::cpu

#endif
