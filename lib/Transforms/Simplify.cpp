//===- Simplify.cpp - the graph `simplify` pass ---------------------------===//
// Applies the arithmetic and shape rules (SimplifyRules.h) to every node of
// every function, subgraphs included, until no rule fires.
//===----------------------------------------------------------------------===//

#include "SimplifyRules.h"

#include "kiln/IR/Module.h"
#include "kiln/Transforms/GraphUtils.h"
#include "kiln/Transforms/Pass.h"

#include <algorithm>

namespace kiln {
namespace {

/// Whether `v` is an output of its function or of a subgraph nested in it
/// (a subgraph may return a value of an enclosing scope directly).
bool isAnyOutput(Function &f, const Value *v) {
  bool found = false;
  forEachFunction(f, [&](Function &g) {
    const auto &outs = g.outputs();
    found |= std::find(outs.begin(), outs.end(), v) != outs.end();
  });
  return found;
}

bool isReferenced(Function &f, const Value *v) {
  return v && (v->hasUses() || isAnyOutput(f, v));
}

/// Redirects uses and (nested) outputs of `from` to `to`.
void replaceValue(Function &f, Value *from, Value *to) {
  f.replaceAllUsesWith(from, to);
  forEachFunction(f, [&](Function &g) {
    for (size_t i = 0; i < g.outputs().size(); ++i)
      if (g.outputs()[i] == from)
        g.setOutput(i, to);
  });
}

/// One sweep over f's own nodes; returns how many rewrites it made.
int64_t simplifySweep(Function &f, PassStats &stats) {
  int64_t rewrites = 0;
  for (auto it = f.nodes().begin(); it != f.nodes().end();) {
    Node &n = **it;
    ++it; // Rules only insert before n, and n may be erased below.
    if (n.numResults() == 0 || !isReferenced(f, n.result(0)))
      continue;
    simplify::Rewrite r = simplify::simplifyArith(f, n);
    if (!r)
      r = simplify::simplifyShape(f, n);
    if (!r)
      continue;
    // Rules promise an exact type match; a broken promise must not change
    // the graph's types, so it is dropped (and the created node is dead).
    if (r.replacement->type() != n.result(0)->type())
      continue;
    replaceValue(f, n.result(0), r.replacement);
    bool dead = true;
    for (const Value *res : n.results())
      dead &= !isReferenced(f, res);
    if (dead)
      f.eraseNode(&n);
    stats.add(r.counter);
    ++rewrites;
  }
  return rewrites;
}

class Simplify : public GraphPass {
public:
  std::string_view name() const override { return "simplify"; }

  bool run(Module &module, const PassConfig &, PassStats &stats) override {
    bool changed = false;
    for (const auto &fn : module.functions())
      forEachFunction(*fn, [&](Function &f) {
        // Every rewrite removes a node or shortens a chain, so this ends;
        // the bound only guards against a rule that undoes another.
        for (int round = 0; round < 64; ++round) {
          if (simplifySweep(f, stats) == 0)
            break;
          changed = true;
        }
      });
    return changed;
  }
};

RegisterPass<Module, Simplify>
    reg("simplify", "algebraic simplification: removes identity ops, x*1, "
                    "lossless cast chains, reshape and transpose chains");

} // namespace
} // namespace kiln
