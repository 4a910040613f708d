//===- CrossRunner.h - run compiled models for another Linux triple -*- C++ -*-===//
// Compiles a model to an object for a cross triple, links it with a prebuilt
// driver and the cross-built runtime, and runs it under qemu-user.
//===----------------------------------------------------------------------===//
#ifndef KILN_DRIVER_CROSSRUNNER_H
#define KILN_DRIVER_CROSSRUNNER_H

#include "kiln/Backends/Cpu/CpuTarget.h"
#include "kiln/Driver/Compile.h"

#include <memory>
#include <string>
#include <vector>

namespace kiln {

/// A new folder "<parent>/<prefix>-XXXXXX" (parent empty: the system's
/// temporary folder), removed with its contents by the destructor.
class TempDir {
public:
  explicit TempDir(const std::string &prefix, const std::string &parent = "");
  ~TempDir();
  TempDir(const TempDir &) = delete;
  TempDir &operator=(const TempDir &) = delete;
  const std::string &path() const { return path_; }

private:
  std::string path_;
};

/// Whether `triple` is a Linux triple that the cross runner handles
/// (<arch>-linux-gnu*, with a qemu-user emulator for <arch>).
bool isCrossLinuxTriple(const std::string &triple);

/// Where the pieces for one triple are. The runtime folder holds
/// libKilnRuntime.a and kiln-cross-driver.o, built by test/cross.
struct CrossToolchain {
  std::string triple;
  std::string cc;       // "<triple>-gcc", resolved on PATH
  std::string emulator; // "qemu-<arch>", resolved on PATH
  std::string runtimeDir;
  std::string runtimeLib() const { return runtimeDir + "/libKilnRuntime.a"; }
  std::string driverObject() const {
    return runtimeDir + "/kiln-cross-driver.o";
  }
};

/// The default root of the cross runtimes: $KILN_CROSS_DIR if set, else
/// "cross" next to the folder of the running executable (<build>/cross for
/// the tools in <build>/bin).
std::string defaultCrossRoot();

/// Finds the compiler, the emulator and <root>/<triple> (root: `crossRoot`,
/// or defaultCrossRoot() when empty). Throws kiln::Error naming whatever is
/// missing.
CrossToolchain findCrossToolchain(const std::string &triple,
                                  const std::string &crossRoot = "");

/// A model compiled for a cross triple and linked into an executable in its
/// own temporary folder (removed with the model).
class CrossModel {
public:
  /// Compiles module's main function (mutated by compilation) like kilnc
  /// does for cpuOptions (whose triple is toolchain.triple) and links it.
  /// The folder is created under `workRoot` (empty: the system's temporary
  /// folder).
  static std::unique_ptr<CrossModel>
  compile(Module &module, CompileOptions options,
          const CrossToolchain &toolchain,
          const cpu::CpuTargetOptions &cpuOptions,
          const std::string &workRoot = "");

  /// Runs on inputs in signature order under the emulator; returns the
  /// outputs. Throws kiln::Error with the program's messages on failure.
  std::vector<Tensor> run(const std::vector<Tensor> &inputs);

  const loop::Program &program() const { return compiled_.program; }

private:
  CrossModel() = default;
  CrossToolchain toolchain_;
  CompiledProgram compiled_;
  std::unique_ptr<TempDir> dir_;
  std::string executable_;
};

} // namespace kiln

#endif
