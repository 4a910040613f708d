//===- Split.cpp - split a loop into outer and inner loops ----------------===//

#include "kiln/LoopIR/Functor.h"
#include "kiln/LoopIR/Schedule.h"

namespace kiln::loop {

SplitResult splitLoop(const Stmt &s, const VarNode *loopVar, int64_t factor,
                      TailStrategy tail) {
  check(factor >= 1, "splitLoop: factor must be positive, got {}", factor);
  SplitResult result;
  result.stmt = replaceLoop(s, loopVar, [&](const ForNode *n) -> Stmt {
    const Var &v = n->var;
    DType t = v.type();
    Expr f = intImm(t, factor);
    int64_t extent = 0;
    bool constExtent = isConstInt(n->extent, &extent);
    Var outer(v.name() + "_o", t), inner(v.name() + "_i", t);
    auto bodyAt = [&](const Expr &index) {
      return substitute(n->body, {{v.node(), index}});
    };
    // v = min + outer*f + inner
    Expr index = foldAdd(n->min, foldAdd(foldMul(outer, f), inner));

    if (tail == TailStrategy::Guard) {
      Expr outerExtent =
          constExtent ? Expr(intImm(t, (extent + factor - 1) / factor))
                      : floorDiv(n->extent + f - 1, f);
      Stmt body = bodyAt(index);
      if (!constExtent || extent % factor != 0)
        body = makeIf(foldAdd(foldMul(outer, f), inner) < n->extent, body);
      Stmt in = makeFor(inner, intImm(t, 0), f, ForKind::Serial, body);
      result.outer = outer;
      result.inner = inner;
      return makeFor(outer, intImm(t, 0), outerExtent, n->forKind, in);
    }

    Expr mainIters, tailIters;
    if (constExtent) {
      mainIters = intImm(t, extent / factor);
      tailIters = intImm(t, extent % factor);
    } else {
      mainIters = floorDiv(n->extent, f);
      tailIters = n->extent - mainIters * f;
    }
    std::vector<Stmt> parts;
    if (!constExtent || extent / factor > 0) {
      Stmt in = makeFor(inner, intImm(t, 0), f, ForKind::Serial, bodyAt(index));
      parts.push_back(makeFor(outer, intImm(t, 0), mainIters, n->forKind, in));
      result.outer = outer;
      result.inner = inner;
    }
    if (!constExtent || extent % factor != 0) {
      Var rest(v.name() + "_t", t);
      Expr start = foldAdd(n->min, foldMul(mainIters, f));
      parts.push_back(makeFor(rest, intImm(t, 0), tailIters, ForKind::Serial,
                              bodyAt(foldAdd(start, rest))));
      result.tail = rest;
    }
    if (parts.empty()) // an empty loop stays as it was
      return makeFor(n->var, n->min, n->extent, n->forKind, n->body);
    return makeSeq(std::move(parts));
  });
  return result;
}

} // namespace kiln::loop
