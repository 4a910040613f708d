//===- DCE.cpp - remove nodes whose results are never used ----------------===//
// The dce pass: erases dead nodes everywhere, subgraph bodies included. Unused
// function inputs stay: they are the model's signature.
//===----------------------------------------------------------------------===//

#include "kiln/IR/Module.h"
#include "kiln/Transforms/GraphUtils.h"
#include "kiln/Transforms/Pass.h"

namespace kiln {
namespace {

class DCE : public GraphPass {
public:
  std::string_view name() const override { return "dce"; }

  bool run(Module &m, const PassConfig &, PassStats &stats) override {
    int64_t removed = 0;
    for (const auto &f : m.functions())
      removed += removeDeadNodes(*f);
    if (removed)
      stats.add("nodes removed", removed);
    return removed != 0;
  }
};

RegisterPass<Module, DCE>
    reg("dce", "erase nodes whose results are unused (in subgraphs too)");

} // namespace
} // namespace kiln
