//===- CpuCompiler.cpp - generate, verify, optimize, emit -----------------===//

#include "kiln/Backends/Cpu/CpuCompiler.h"

#include "kiln/Support/Error.h"

#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/FileSystem.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>

namespace kiln::cpu {

void verifyModuleOrThrow(const llvm::Module &module) {
  std::string msg;
  llvm::raw_string_ostream os(msg);
  if (llvm::verifyModule(module, &os)) {
    os.flush();
    fail("internal error: generated LLVM IR does not verify: {}", msg);
  }
}

void optimizeModule(llvm::Module &module, llvm::TargetMachine &tm,
                    int optLevel) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PipelineTuningOptions pto;
  pto.LoopVectorization = optLevel >= 2;
  pto.SLPVectorization = optLevel >= 2;
  llvm::PassBuilder pb(&tm, pto);
  fam.registerPass([&] { return tm.getTargetIRAnalysis(); });
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::OptimizationLevel level = optLevel <= 0   ? llvm::OptimizationLevel::O0
                                  : optLevel == 1 ? llvm::OptimizationLevel::O1
                                  : optLevel == 2 ? llvm::OptimizationLevel::O2
                                                  : llvm::OptimizationLevel::O3;
  llvm::ModulePassManager mpm =
      optLevel <= 0 ? pb.buildO0DefaultPipeline(level)
                    : pb.buildPerModuleDefaultPipeline(level);
  mpm.run(module, mam);
}

std::unique_ptr<llvm::Module>
compileToModule(const loop::Program &program, const CpuTarget &target,
                llvm::TargetMachine &tm, llvm::LLVMContext &ctx,
                codegen::CodeGenOptions options) {
  auto module = std::make_unique<llvm::Module>(program.name, ctx);
  module->setTargetTriple(target.triple());
  module->setDataLayout(tm.createDataLayout());
  for (auto &attr : target.functionAttributes())
    options.functionAttributes.push_back(attr);
  codegen::generateProgram(program, *module, options);
  verifyModuleOrThrow(*module);
  optimizeModule(*module, tm, target.optLevel());
  return module;
}

void emitProgram(const loop::Program &program, const CpuTargetOptions &opts,
                 EmitKind kind, llvm::raw_pwrite_stream &os,
                 const codegen::CodeGenOptions &options) {
  CpuTarget target(opts);
  std::unique_ptr<llvm::TargetMachine> tm = target.createTargetMachine();
  llvm::LLVMContext ctx;
  std::unique_ptr<llvm::Module> module =
      compileToModule(program, target, *tm, ctx, options);
  if (kind == EmitKind::LLVMIR) {
    module->print(os, nullptr);
    return;
  }
  llvm::legacy::PassManager pm;
  auto type = kind == EmitKind::Object ? llvm::CGFT_ObjectFile
                                       : llvm::CGFT_AssemblyFile;
  check(!tm->addPassesToEmitFile(pm, os, nullptr, type),
        "target '{}' cannot emit this file type", target.triple());
  pm.run(*module);
}

void emitProgram(const loop::Program &program, const CpuTargetOptions &opts,
                 EmitKind kind, const std::string &path,
                 const codegen::CodeGenOptions &options) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec,
                          kind == EmitKind::Object ? llvm::sys::fs::OF_None
                                                   : llvm::sys::fs::OF_Text);
  check(!ec, "cannot write '{}': {}", path, ec.message());
  emitProgram(program, opts, kind, os, options);
  os.close();
  check(!os.has_error(), "cannot write '{}': {}", path,
        os.error().message());
}

} // namespace kiln::cpu
