//===- CpuTarget.h - LLVM CPU target selection ------------------*- C++ -*-===//
// Resolves a triple/CPU/feature request (empty = this host) to an LLVM
// target machine, and tells the scheduler the target's vector width.
//===----------------------------------------------------------------------===//
#ifndef KILN_BACKENDS_CPU_CPUTARGET_H
#define KILN_BACKENDS_CPU_CPUTARGET_H

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace llvm {
class TargetMachine;
class Module;
} // namespace llvm

namespace kiln::cpu {

struct CpuTargetOptions {
  std::string triple;   // empty: the host's
  std::string cpu;      // empty: the host's (or "generic" for other triples)
  std::string features; // "+avx2,-fma"; added to the CPU's (host) features
  int optLevel = 2;     // 0..3
  /// Contract a*b+c into fused multiply-adds (one rounding). Off only where
  /// code must match the loop IR evaluator bit for bit.
  bool fpContract = true;
};

/// Initializes LLVM's X86, AArch64 and ARM targets once (thread-safe).
void initializeLLVMTargets();

class CpuTarget {
public:
  /// Validates the options and resolves host defaults; throws kiln::Error for
  /// an unknown triple or CPU or an opt level outside 0..3.
  explicit CpuTarget(const CpuTargetOptions &options);

  const std::string &triple() const { return triple_; }
  const std::string &cpu() const { return cpu_; }
  const std::string &features() const { return features_; }
  int optLevel() const { return optLevel_; }
  bool fpContract() const { return fpContract_; }
  bool isHost() const { return isHost_; }
  /// Widest native SIMD register in bytes (64 with AVX-512F, 32 with AVX2,
  /// 16 with SSE/NEON/MVE, 4 for scalar-only 32-bit cores).
  int vectorBytes() const { return vectorBytes_; }
  /// Architectural SIMD registers: 32 with AVX-512 and on AArch64, 16 on
  /// other x86-64 and 32-bit Arm (NEON's q0-q15; MVE has 8).
  int vectorRegisters() const { return vectorRegisters_; }

  std::unique_ptr<llvm::TargetMachine> createTargetMachine() const;
  /// Function attributes that carry CPU, features and vector width.
  std::vector<std::pair<std::string, std::string>> functionAttributes() const;

private:
  std::string triple_, cpu_, features_;
  int optLevel_ = 2;
  bool fpContract_ = true;
  bool isHost_ = false;
  int vectorBytes_ = 16;
  int vectorRegisters_ = 16;
};

} // namespace kiln::cpu

#endif
