//===- Unroll.cpp - full unrolling and loop kinds -------------------------===//

#include "kiln/LoopIR/Functor.h"
#include "kiln/LoopIR/Schedule.h"

namespace kiln::loop {

Stmt unrollLoop(const Stmt &s, const VarNode *loopVar, int64_t maxExtent) {
  return replaceLoop(s, loopVar, [&](const ForNode *n) -> Stmt {
    int64_t extent = 0;
    check(isConstInt(n->extent, &extent),
          "unrollLoop: loop '{}' has a non-constant extent", n->var.name());
    check(extent <= maxExtent,
          "unrollLoop: loop '{}' has {} iterations, more than the limit {}",
          n->var.name(), extent, maxExtent);
    std::vector<Stmt> copies;
    for (int64_t k = 0; k < extent; ++k)
      copies.push_back(substitute(
          n->body, {{n->var.node(), foldAdd(n->min, intImm(n->var.type(), k))}}));
    if (copies.empty()) // nothing runs; keep the (empty) loop in the tree
      return makeFor(n->var, n->min, n->extent, n->forKind, n->body);
    return makeSeq(std::move(copies));
  });
}

Stmt setLoopKind(const Stmt &s, const VarNode *loopVar, ForKind kind) {
  return replaceLoop(s, loopVar, [&](const ForNode *n) -> Stmt {
    return makeFor(n->var, n->min, n->extent, kind, n->body);
  });
}

} // namespace kiln::loop
