//===- CompiledModel.cpp - a model compiled and ready to run --------------===//

#include "kiln/Driver/CompiledModel.h"

#include "kiln/Backends/Cpu/JitProgram.h"
#include "kiln/LoopIR/Evaluator.h"

namespace kiln {

bool isCompiledTarget(const std::string &target) {
  return target == "host" || target == "loop-eval";
}

CompiledModel::~CompiledModel() = default;

std::unique_ptr<CompiledModel>
CompiledModel::compile(Module &module, CompileOptions options,
                       const std::string &target,
                       const cpu::CpuTargetOptions &cpuOptions) {
  check(isCompiledTarget(target),
        "unknown execution target '{}' (expected host or loop-eval)", target);
  std::unique_ptr<CompiledModel> m(new CompiledModel());
  m->target_ = target;
  if (target == "host") {
    cpu::CpuTarget cpu(cpuOptions);
    options.scheduleOptions.vectorBytes = cpu.vectorBytes();
    options.scheduleOptions.vectorRegisters = cpu.vectorRegisters();
  }
  m->compiled_ = compileToLoopIR(module, options);
  if (target == "host")
    m->jit_ = cpu::JitProgram::compile(m->compiled_.program, cpuOptions);
  return m;
}

std::vector<Tensor> CompiledModel::run(const std::vector<Tensor> &inputs) {
  const loop::Program &p = compiled_.program;
  checkProgramInputs(p, inputs);
  if (target_ == "loop-eval")
    return loop::runProgram(p, inputs);
  std::vector<const void *> in;
  for (const Tensor &t : inputs)
    in.push_back(t.rawData());
  std::vector<Tensor> outs;
  for (size_t id : p.outputs)
    outs.emplace_back(p.tensors[id].elem, p.tensors[id].shape);
  std::vector<void *> outPtrs;
  for (Tensor &t : outs)
    outPtrs.push_back(t.rawData());
  int status = jit_->run(in, outPtrs);
  check(status == 0, "the compiled model returned status {}", status);
  return outs;
}

} // namespace kiln
