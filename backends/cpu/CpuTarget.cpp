//===- CpuTarget.cpp - LLVM CPU target selection --------------------------===//
// LLVM 14 does not know Zen 4/5 (host CPU "(unknown)", and znver3 has no
// AVX-512), so on an x86 host the exact feature list comes from the CPU and
// the CPU model is only picked for its vector width and tuning.
//===----------------------------------------------------------------------===//

#include "kiln/Backends/Cpu/CpuTarget.h"

#include "kiln/Support/Error.h"

#include <llvm/ADT/StringMap.h>
#include <llvm/ADT/Triple.h>
#include <llvm/MC/MCSubtargetInfo.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Support/Host.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/Target/TargetOptions.h>

#include <algorithm>
#include <mutex>

namespace kiln::cpu {

void initializeLLVMTargets() {
  static std::once_flag once;
  std::call_once(once, [] {
    LLVMInitializeX86TargetInfo();
    LLVMInitializeX86Target();
    LLVMInitializeX86TargetMC();
    LLVMInitializeX86AsmPrinter();
    LLVMInitializeX86AsmParser();
    LLVMInitializeAArch64TargetInfo();
    LLVMInitializeAArch64Target();
    LLVMInitializeAArch64TargetMC();
    LLVMInitializeAArch64AsmPrinter();
    LLVMInitializeARMTargetInfo();
    LLVMInitializeARMTarget();
    LLVMInitializeARMTargetMC();
    LLVMInitializeARMAsmPrinter();
  });
}

namespace {
std::string hostFeatureString(bool *avx512, bool *avx2) {
  llvm::StringMap<bool> map;
  llvm::sys::getHostCPUFeatures(map);
  std::vector<std::string> items;
  for (const auto &kv : map)
    items.push_back((kv.getValue() ? "+" : "-") + kv.getKey().str());
  std::sort(items.begin(), items.end());
  std::string s;
  for (const std::string &i : items)
    s += (s.empty() ? "" : ",") + i;
  auto has = [&](const char *f) {
    auto it = map.find(f);
    return it != map.end() && it->getValue();
  };
  *avx512 = has("avx512f");
  *avx2 = has("avx2");
  return s;
}

bool supportedArch(const llvm::Triple &t) {
  switch (t.getArch()) {
  case llvm::Triple::x86_64:
  case llvm::Triple::aarch64:
  case llvm::Triple::arm:
  case llvm::Triple::thumb:
    return true;
  default:
    return false;
  }
}
} // namespace

CpuTarget::CpuTarget(const CpuTargetOptions &options)
    : optLevel_(options.optLevel), fpContract_(options.fpContract) {
  initializeLLVMTargets();
  check(optLevel_ >= 0 && optLevel_ <= 3, "optimization level -O{} is not 0..3",
        optLevel_);
  std::string hostTriple = llvm::sys::getProcessTriple();
  triple_ = options.triple.empty() ? hostTriple
                                   : llvm::Triple::normalize(options.triple);
  llvm::Triple t(triple_);
  std::string err;
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple_, err);
  check(target && supportedArch(t), "unsupported target triple '{}'",
        options.triple.empty() ? triple_ : options.triple);
  isHost_ = llvm::Triple(hostTriple).getArch() == t.getArch() &&
            options.cpu.empty();

  cpu_ = options.cpu;
  std::string features;
  if (cpu_.empty() && isHost_) {
    bool avx512 = false, avx2 = false;
    features = hostFeatureString(&avx512, &avx2);
    if (t.getArch() == llvm::Triple::x86_64) {
      if (avx512)
        cpu_ = features.find("+avx512vbmi2") != std::string::npos
                   ? "icelake-server"
                   : "skylake-avx512";
      else
        cpu_ = avx2 ? "haswell" : "x86-64";
    } else {
      cpu_ = llvm::sys::getHostCPUName().str();
    }
  }
  if (cpu_.empty())
    cpu_ = t.getArch() == llvm::Triple::x86_64 ? "x86-64" : "generic";
  if (!options.features.empty())
    features += (features.empty() ? "" : ",") + options.features;
  features_ = features;

  // Check the CPU first: LLVM only warns about an unknown one.
  std::unique_ptr<llvm::MCSubtargetInfo> sti(
      target->createMCSubtargetInfo(triple_, "", ""));
  check(sti && (cpu_ == "generic" || sti->isCPUStringValid(cpu_)),
        "unsupported CPU '{}' for target triple '{}'", cpu_, triple_);
  sti.reset(target->createMCSubtargetInfo(triple_, cpu_, features_));
  switch (t.getArch()) {
  case llvm::Triple::x86_64:
    vectorBytes_ = sti->checkFeatures("+avx512f") ? 64
                   : sti->checkFeatures("+avx2") ? 32
                                                 : 16;
    vectorRegisters_ = vectorBytes_ == 64 ? 32 : 16;
    break;
  case llvm::Triple::aarch64:
    vectorBytes_ = 16;
    vectorRegisters_ = 32;
    break;
  default:
    vectorBytes_ =
        sti->checkFeatures("+neon") || sti->checkFeatures("+mve") ? 16 : 4;
    vectorRegisters_ = sti->checkFeatures("+neon") ? 16
                       : sti->checkFeatures("+mve") ? 8
                                                    : 16;
    break;
  }
}

std::unique_ptr<llvm::TargetMachine> CpuTarget::createTargetMachine() const {
  std::string err;
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple_, err);
  check(target != nullptr, "unsupported target triple '{}'", triple_);
  llvm::Triple t(triple_);
  auto reloc = t.getOS() == llvm::Triple::UnknownOS ? llvm::Reloc::Static
                                                    : llvm::Reloc::PIC_;
  llvm::CodeGenOpt::Level level =
      optLevel_ == 0   ? llvm::CodeGenOpt::None
      : optLevel_ == 1 ? llvm::CodeGenOpt::Less
      : optLevel_ == 2 ? llvm::CodeGenOpt::Default
                       : llvm::CodeGenOpt::Aggressive;
  llvm::TargetOptions to;
  // a*b+c becomes one fused multiply-add (one rounding, as in ONNX Runtime's
  // kernels): half the instructions of the reductions that dominate models.
  to.AllowFPOpFusion =
      fpContract_ ? llvm::FPOpFusion::Fast : llvm::FPOpFusion::Standard;
  std::unique_ptr<llvm::TargetMachine> tm(target->createTargetMachine(
      triple_, cpu_, features_, to, reloc, llvm::None, level));
  check(tm != nullptr, "cannot create a target machine for '{}'", triple_);
  return tm;
}

std::vector<std::pair<std::string, std::string>>
CpuTarget::functionAttributes() const {
  std::vector<std::pair<std::string, std::string>> attrs{
      {"target-cpu", cpu_}};
  if (!features_.empty())
    attrs.emplace_back("target-features", features_);
  if (llvm::Triple(triple_).getArch() == llvm::Triple::x86_64) {
    // Without this LLVM splits 512-bit vectors on AVX-512 CPUs it tunes for
    // 256 bits, which halves the width the scheduler planned for.
    std::string bits = std::to_string(vectorBytes_ * 8);
    attrs.emplace_back("prefer-vector-width", bits);
    attrs.emplace_back("min-legal-vector-width", bits);
  }
  return attrs;
}

} // namespace kiln::cpu
