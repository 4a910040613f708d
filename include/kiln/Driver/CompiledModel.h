//===- CompiledModel.h - a model compiled and ready to run ------*- C++ -*-===//
// Compiles a graph function for an execution target ("host": LLVM JIT;
// "loop-eval": the loop IR evaluator) and runs it on tensors. Used by
// kiln-run, the conformance runner and the differential tests.
//===----------------------------------------------------------------------===//
#ifndef KILN_DRIVER_COMPILEDMODEL_H
#define KILN_DRIVER_COMPILEDMODEL_H

#include "kiln/Backends/Cpu/CpuTarget.h"
#include "kiln/Driver/Compile.h"

#include <memory>

namespace kiln {

namespace cpu {
class JitProgram;
}

class CompiledModel {
public:
  /// Compiles module's main function (mutated by compilation). target is
  /// "host" or "loop-eval". For "host", options.scheduleOptions.vectorBytes
  /// is set from the CPU.
  static std::unique_ptr<CompiledModel>
  compile(Module &module, CompileOptions options, const std::string &target,
          const cpu::CpuTargetOptions &cpuOptions = {});
  ~CompiledModel();

  /// Runs on inputs in signature order; returns the outputs.
  std::vector<Tensor> run(const std::vector<Tensor> &inputs);

  const loop::Program &program() const { return compiled_.program; }
  const MemoryPlanStats &memory() const { return compiled_.memory; }
  const CompiledProgram &compiled() const { return compiled_; }

private:
  CompiledModel() = default;
  std::string target_;
  CompiledProgram compiled_;
  std::unique_ptr<cpu::JitProgram> jit_;
};

/// Whether `target` names an execution target of CompiledModel.
bool isCompiledTarget(const std::string &target);

} // namespace kiln

#endif
