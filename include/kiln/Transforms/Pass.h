//===- Pass.h - passes over graph IR and loop IR ----------------*- C++ -*-===//
// One interface for passes over both IRs: a pass has a name, declares what
// it requires of its input, runs and says whether it changed anything, and
// counts what it did. Passes register themselves by name (PassRegistry) so
// pipelines can be written as text ("fold-constants,cse,fuse").
//===----------------------------------------------------------------------===//
#ifndef KILN_TRANSFORMS_PASS_H
#define KILN_TRANSFORMS_PASS_H

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace kiln {

class Module;
class Function;
namespace loop {
struct Program;
}

/// Properties a pass requires of its input. The pass manager checks them
/// before the pass runs and reports a violated one as a diagnostic naming the
/// pass and the offending value.
enum PassRequirement : unsigned {
  RequiresNothing = 0,
  /// Every value of the main function has a ranked, static shape.
  RequiresStaticShapes = 1u << 0,
};

/// What passes read of the target and of the pipeline's settings.
struct PassConfig {
  /// Constant folding never creates (or evaluates into) tensors with more
  /// elements than this, so folding cannot blow up a model.
  int64_t foldLimit = 1 << 16;
  /// The target's vector register width in bytes; the layout pass derives its
  /// channel block from it (32 bytes: 8 floats).
  int vectorBytes = 32;
  /// The target's SIMD registers (8 on Arm's MVE microcontrollers, 16 or 32
  /// elsewhere).
  int vectorRegisters = 16;
  /// Whether loop schedules may run loops on the runtime's thread pool.
  bool parallel = true;
};

/// Counters a pass increments while it runs ("nodes folded", "groups fused").
class PassStats {
public:
  void add(const std::string &counter, int64_t n = 1) { counters_[counter] += n; }
  int64_t get(const std::string &counter) const {
    auto it = counters_.find(counter);
    return it == counters_.end() ? 0 : it->second;
  }
  const std::map<std::string, int64_t> &counters() const { return counters_; }

private:
  std::map<std::string, int64_t> counters_;
};

template <typename IR> class Pass {
public:
  virtual ~Pass() = default;
  /// The registered name, e.g. "fold-constants".
  virtual std::string_view name() const = 0;
  /// A bitmask of PassRequirement.
  virtual unsigned requirements() const { return RequiresNothing; }
  /// Transforms `ir`; returns whether anything changed. Throws kiln::Error on
  /// input it cannot handle (never leaves `ir` invalid).
  virtual bool run(IR &ir, const PassConfig &config, PassStats &stats) = 0;
};

/// Graph passes work on a module (its main function and subgraphs); loop
/// passes on a lowered program.
using GraphPass = Pass<Module>;
using LoopPass = Pass<loop::Program>;

/// A graph pass that rewrites every function of a module, subgraph bodies
/// included, one at a time (GraphUtils.h's forEachFunction).
class FunctionPass : public GraphPass {
public:
  bool run(Module &m, const PassConfig &config, PassStats &stats) final;

protected:
  /// Rewrites `f`; returns whether anything changed.
  virtual bool runOn(Function &f, const PassConfig &config,
                     PassStats &stats) = 0;
};

template <typename IR> class PassRegistry {
public:
  using Factory = std::function<std::unique_ptr<Pass<IR>>()>;
  struct Entry {
    std::string name;
    std::string description;
    Factory create;
  };

  /// The process-wide registry of IR's passes.
  static PassRegistry &instance();

  void add(std::string name, std::string description, Factory create);
  /// The entry named `name`, or null.
  const Entry *find(std::string_view name) const;
  /// Entries sorted by name.
  std::vector<const Entry *> entries() const;

private:
  std::map<std::string, Entry, std::less<>> entries_;
};

/// Registers PassT (default-constructible) at static-initialization time:
///   static RegisterPass<Module, FoldConstants> reg("fold-constants", "...");
template <typename IR, typename PassT> struct RegisterPass {
  RegisterPass(const char *name, const char *description) {
    PassRegistry<IR>::instance().add(name, description, [] {
      return std::unique_ptr<Pass<IR>>(new PassT());
    });
  }
};

} // namespace kiln

#endif
