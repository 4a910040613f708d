//===- JitProgram.cpp - run a loop IR program in-process ------------------===//
// One LLJIT per program. Runtime functions are bound to this process's copy
// of the runtime; libm and the C library come from the process itself.
//===----------------------------------------------------------------------===//

#include "kiln/Backends/Cpu/JitProgram.h"

#include "kiln/Backends/Cpu/CpuCompiler.h"
#include "kiln/CodeGen/WeightsBlob.h"
#include "kiln/Support/Error.h"
#include "kiln/Support/Float16.h"

#include <llvm/ExecutionEngine/Orc/ExecutionUtils.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/ExecutionEngine/Orc/ThreadSafeModule.h>
#include <llvm/IR/Module.h>
#include <llvm/Support/Host.h>
#include <llvm/Target/TargetMachine.h>

#include <chrono>
#include <cstring>

#if KILN_HAVE_RUNTIME
#include "kiln/runtime.h"
#else
extern "C" {
// Serial stand-in while the runtime library is not built.
static void kiln_parallel_for(int64_t count,
                              void (*body)(void *, int64_t, int64_t),
                              void *closure) {
  if (count > 0)
    body(closure, 0, count);
}
}
#endif

namespace kiln::cpu {

namespace {
// Half-precision conversion helpers LLVM 14 may call on CPUs without F16C
// (its x86 ABI passes the half as an i16).
float kilnHalfToFloat(uint16_t h) { return halfToFloat(h); }
uint16_t kilnFloatToHalf(float f) { return floatToHalf(f); }
uint16_t kilnDoubleToHalf(double d) {
  return floatToHalf(float(d));
}

template <typename T> T unwrap(llvm::Expected<T> v, const char *what) {
  if (!v)
    fail("JIT: {}: {}", what, llvm::toString(v.takeError()));
  return std::move(*v);
}

void unwrap(llvm::Error err, const char *what) {
  if (err)
    fail("JIT: {}: {}", what, llvm::toString(std::move(err)));
}

std::vector<std::string> splitFeatures(const std::string &s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string::npos)
      comma = s.size();
    if (comma > start)
      out.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}
} // namespace

JitProgram::~JitProgram() = default;

// A copy of `bytes` at a kArenaAlignment-aligned address inside `owner`.
static uint8_t *alignedCopy(std::unique_ptr<uint8_t[]> &owner, size_t size,
                            const uint8_t *bytes) {
  owner.reset(new uint8_t[size + size_t(loop::kArenaAlignment)]());
  auto addr = reinterpret_cast<uintptr_t>(owner.get());
  uintptr_t aligned = (addr + loop::kArenaAlignment - 1) &
                      ~uintptr_t(loop::kArenaAlignment - 1);
  auto *p = reinterpret_cast<uint8_t *>(aligned);
  if (bytes && size)
    std::memcpy(p, bytes, size);
  return p;
}

std::unique_ptr<JitProgram>
JitProgram::compile(const loop::Program &program,
                    const CpuTargetOptions &options,
                    const codegen::CodeGenOptions &codegen) {
  auto start = std::chrono::steady_clock::now();
  CpuTarget target(options);
  check(target.isHost() || options.triple.empty() ||
            llvm::Triple(target.triple()).getArch() ==
                llvm::Triple(llvm::sys::getProcessTriple()).getArch(),
        "the JIT runs host code only, not '{}'", options.triple);

  llvm::orc::JITTargetMachineBuilder jtmb{llvm::Triple(target.triple())};
  jtmb.setCPU(target.cpu());
  jtmb.addFeatures(splitFeatures(target.features()));
  jtmb.setCodeGenOptLevel(target.optLevel() == 0   ? llvm::CodeGenOpt::None
                          : target.optLevel() == 1 ? llvm::CodeGenOpt::Less
                          : target.optLevel() == 2 ? llvm::CodeGenOpt::Default
                                                   : llvm::CodeGenOpt::Aggressive);
  // Fused multiply-add as in CpuTarget::createTargetMachine.
  jtmb.getOptions().AllowFPOpFusion = target.fpContract()
                                          ? llvm::FPOpFusion::Fast
                                          : llvm::FPOpFusion::Standard;
  std::unique_ptr<llvm::TargetMachine> tm =
      unwrap(jtmb.createTargetMachine(), "target machine");

  auto ctx = std::make_unique<llvm::LLVMContext>();
  std::unique_ptr<llvm::Module> module =
      compileToModule(program, target, *tm, *ctx, codegen);

  std::unique_ptr<JitProgram> jp(new JitProgram());
  jp->jit_ = unwrap(llvm::orc::LLJITBuilder()
                        .setJITTargetMachineBuilder(std::move(jtmb))
                        .create(),
                    "creating the JIT");
  llvm::orc::LLJIT &jit = *jp->jit_;
  llvm::orc::JITDylib &jd = jit.getMainJITDylib();
  auto flags = llvm::JITSymbolFlags::Exported | llvm::JITSymbolFlags::Callable;
  auto sym = [&](auto *fn) {
    return llvm::JITEvaluatedSymbol(llvm::pointerToJITTargetAddress(fn), flags);
  };
  llvm::orc::SymbolMap symbols;
  symbols[jit.mangleAndIntern("kiln_parallel_for")] = sym(&kiln_parallel_for);
  symbols[jit.mangleAndIntern("__gnu_h2f_ieee")] = sym(&kilnHalfToFloat);
  symbols[jit.mangleAndIntern("__gnu_f2h_ieee")] = sym(&kilnFloatToHalf);
  symbols[jit.mangleAndIntern("__truncdfhf2")] = sym(&kilnDoubleToHalf);
  unwrap(jd.define(llvm::orc::absoluteSymbols(std::move(symbols))),
         "runtime symbols");
  jd.addGenerator(unwrap(
      llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(
          jit.getDataLayout().getGlobalPrefix()),
      "process symbols"));
  unwrap(jit.addIRModule(
             llvm::orc::ThreadSafeModule(std::move(module), std::move(ctx))),
         "adding the module");
  auto entry = unwrap(jit.lookup(codegen::entryName(program)), "linking");
  jp->entry_ = reinterpret_cast<EntryFn>(entry.getAddress());
  jp->numInputs_ = program.inputs.size();
  jp->numOutputs_ = program.outputs.size();
  jp->arenaSize_ = program.arenaSize;
  if (codegen.weightsSeparate) {
    codegen::WeightsBlob blob = codegen::buildWeightsBlob(program);
    jp->alignedWeights_ =
        alignedCopy(jp->ownedWeights_, blob.bytes.size(), blob.bytes.data());
  }
  jp->compileMillis_ = std::chrono::duration<double, std::milli>(
                           std::chrono::steady_clock::now() - start)
                           .count();
  return jp;
}

int JitProgram::run(const std::vector<const void *> &inputs,
                    const std::vector<void *> &outputs, void *arena) {
  check(inputs.size() == numInputs_, "the program takes {} inputs, got {}",
        numInputs_, inputs.size());
  check(outputs.size() == numOutputs_, "the program has {} outputs, got {}",
        numOutputs_, outputs.size());
  // The entry reads each struct as an array of pointers; an empty one is
  // never read, so any address will do.
  const void *const *in = inputs.empty() ? nullptr : inputs.data();
  void *const *out = outputs.empty() ? nullptr : outputs.data();
  static const void *empty = nullptr;
  const void *inArg = in ? static_cast<const void *>(in) : &empty;
  void *outArg = out ? static_cast<void *>(const_cast<void **>(out))
                     : static_cast<void *>(&empty);
  if (alignedWeights_)
    // The entry was compiled with the weights parameter; void (*)() is the
    // function pointer type that converts to and from any other.
    return reinterpret_cast<EntryWithWeightsFn>(
        reinterpret_cast<void (*)()>(entry_))(inArg, outArg, arena,
                                              alignedWeights_);
  return entry_(inArg, outArg, arena);
}

int JitProgram::run(const std::vector<const void *> &inputs,
                    const std::vector<void *> &outputs) {
  if (!alignedArena_ && arenaSize_ > 0)
    alignedArena_ = alignedCopy(ownedArena_, size_t(arenaSize_), nullptr);
  return run(inputs, outputs, alignedArena_);
}

} // namespace kiln::cpu
