//===- LoopPasses.cpp - loop IR passes over a lowered program -------------===//
// The loop IR steps of compilation as registered passes, so `kilnc
// --print-after=schedule` and `--time-passes` see them like graph passes.
//===----------------------------------------------------------------------===//

#include "kiln/LoopIR/Program.h"
#include "kiln/LoopIR/Schedule.h"
#include "kiln/LoopIR/Simplify.h"
#include "kiln/Transforms/Pass.h"

namespace kiln {
namespace {

class LoopSimplify : public LoopPass {
public:
  std::string_view name() const override { return "simplify"; }
  bool run(loop::Program &p, const PassConfig &, PassStats &stats) override {
    for (loop::PrimFunc &f : p.funcs) {
      f = loop::simplify(f);
      stats.add("kernels simplified");
    }
    return !p.funcs.empty();
  }
};

class LoopSchedule : public LoopPass {
public:
  std::string_view name() const override { return "schedule"; }
  bool run(loop::Program &p, const PassConfig &config,
           PassStats &stats) override {
    loop::CpuScheduleOptions options;
    options.vectorBytes = config.vectorBytes;
    options.parallel = config.parallel;
    for (loop::PrimFunc &f : p.funcs) {
      f = loop::applyDefaultSchedule(f, options);
      stats.add("kernels scheduled");
    }
    // Scheduling may change the scratch a kernel needs.
    for (loop::KernelCall &call : p.calls)
      call.workspaceSize = loop::workspaceBytes(p.funcs.at(call.func));
    return !p.funcs.empty();
  }
};

RegisterPass<loop::Program, LoopSimplify>
    regSimplify("simplify", "simplify every kernel's expressions and loops");
RegisterPass<loop::Program, LoopSchedule>
    regSchedule("schedule", "the default CPU schedule: vectorize innermost "
                            "loops, run outer loops in parallel");

} // namespace
} // namespace kiln
