//===- Reorder.cpp - permute a perfect loop nest --------------------------===//

#include "kiln/LoopIR/Functor.h"
#include "kiln/LoopIR/Schedule.h"

#include <algorithm>

namespace kiln::loop {

Stmt reorderLoops(const Stmt &s, const std::vector<const VarNode *> &order) {
  check(!order.empty(), "reorderLoops: no loops given");
  for (size_t i = 0; i < order.size(); ++i)
    for (size_t j = i + 1; j < order.size(); ++j)
      check(order[i] != order[j], "reorderLoops: loop '{}' listed twice",
            order[i]->name);
  if (order.size() == 1) {
    check(findLoop(s, order[0]) != nullptr, "reorderLoops: no loop over '{}'",
          order[0]->name);
    return s;
  }
  auto listed = [&](const VarNode *v) {
    return std::find(order.begin(), order.end(), v) != order.end();
  };
  // The outermost listed loop is the one whose perfect chain holds the others.
  const VarNode *top = nullptr;
  for (const VarNode *v : order) {
    const ForNode *f = findLoop(s, v);
    check(f != nullptr, "reorderLoops: no loop over '{}'", v->name);
    size_t count = 0;
    for (const ForNode *c = f; c && listed(c->var.node());
         c = c->body.as<ForNode>())
      ++count;
    if (count == order.size())
      top = v;
  }
  check(top != nullptr,
        "reorderLoops: the loops are not one perfectly nested chain");

  return replaceLoop(s, top, [&](const ForNode *n) -> Stmt {
    std::vector<const ForNode *> chain;
    const ForNode *c = n;
    for (size_t i = 0; i < order.size(); ++i) {
      chain.push_back(c);
      if (i + 1 < order.size())
        c = c->body.as<ForNode>();
    }
    Stmt body = chain.back()->body;
    auto loopOf = [&](const VarNode *v) {
      return *std::find_if(chain.begin(), chain.end(), [&](const ForNode *f) {
        return f->var.node() == v;
      });
    };
    for (size_t p = 0; p < order.size(); ++p) {
      const ForNode *f = loopOf(order[p]);
      for (size_t q = p + 1; q < order.size(); ++q)
        check(!usesVar(f->min, order[q]) && !usesVar(f->extent, order[q]),
              "reorderLoops: bounds of '{}' depend on '{}', which would move "
              "inside it",
              order[p]->name, order[q]->name);
    }
    for (size_t p = order.size(); p-- > 0;) {
      const ForNode *f = loopOf(order[p]);
      body = makeFor(f->var, f->min, f->extent, f->forKind, body);
    }
    return body;
  });
}

} // namespace kiln::loop
