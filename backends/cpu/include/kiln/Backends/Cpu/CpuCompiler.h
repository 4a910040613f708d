//===- CpuCompiler.h - loop IR program to optimized LLVM module -*- C++ -*-===//
// The CPU backend's pipeline: generate LLVM IR for a target, verify it, run
// LLVM's O0..O3 pipeline, and emit object code, assembly or LLVM IR.
//===----------------------------------------------------------------------===//
#ifndef KILN_BACKENDS_CPU_CPUCOMPILER_H
#define KILN_BACKENDS_CPU_CPUCOMPILER_H

#include "kiln/Backends/Cpu/CpuTarget.h"
#include "kiln/CodeGen/LLVMCodeGen.h"

namespace llvm {
class LLVMContext;
class raw_pwrite_stream;
} // namespace llvm

namespace kiln::cpu {

enum class EmitKind { Object, Assembly, LLVMIR };

/// Generates, verifies and optimizes `program` for `target` (whose target
/// machine `tm` is). Target function attributes are added to `options`.
/// Throws kiln::Error if the generated module does not verify.
std::unique_ptr<llvm::Module>
compileToModule(const loop::Program &program, const CpuTarget &target,
                llvm::TargetMachine &tm, llvm::LLVMContext &ctx,
                codegen::CodeGenOptions options = {});

/// Runs LLVM's default per-module pipeline at `optLevel` (0..3).
void optimizeModule(llvm::Module &module, llvm::TargetMachine &tm,
                    int optLevel);

/// Verifies `module`; throws kiln::Error with LLVM's message if broken.
void verifyModuleOrThrow(const llvm::Module &module);

void emitProgram(const loop::Program &program, const CpuTargetOptions &target,
                 EmitKind kind, llvm::raw_pwrite_stream &os,
                 const codegen::CodeGenOptions &options = {});
/// As above, into a file; throws kiln::Error naming the path if it cannot be
/// written.
void emitProgram(const loop::Program &program, const CpuTargetOptions &target,
                 EmitKind kind, const std::string &path,
                 const codegen::CodeGenOptions &options = {});

} // namespace kiln::cpu

#endif
