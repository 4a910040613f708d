//===- Fuse.cpp - fuse two perfectly nested loops into one ----------------===//

#include "kiln/LoopIR/Functor.h"
#include "kiln/LoopIR/Schedule.h"

namespace kiln::loop {

Stmt fuseLoops(const Stmt &s, const VarNode *outer, const VarNode *inner,
               Var *fusedVar) {
  return replaceLoop(s, outer, [&](const ForNode *o) -> Stmt {
    auto *i = o->body.as<ForNode>();
    check(i && i->var.node() == inner,
          "fuseLoops: loop '{}' is not the whole body of loop '{}'",
          inner ? inner->name : "?", outer->name);
    check(!usesVar(i->min, outer) && !usesVar(i->extent, outer),
          "fuseLoops: bounds of '{}' depend on '{}'", inner->name,
          outer->name);
    check(o->var.type() == i->var.type(),
          "fuseLoops: loops '{}' and '{}' have different index types",
          outer->name, inner->name);
    DType t = o->var.type();
    Var f(o->var.name() + "_" + i->var.name() + "_f", t);
    if (fusedVar)
      *fusedVar = f;
    int64_t no = 0, ni = 0;
    Expr extent;
    if (isConstInt(o->extent, &no) && isConstInt(i->extent, &ni))
      extent = intImm(t, no * ni);
    else
      extent = o->extent * i->extent;
    Expr ov, iv;
    if (isConstInt(i->extent, &ni) && ni == 1) {
      ov = f;
      iv = intImm(t, 0);
    } else {
      ov = floorDiv(f, i->extent);
      iv = floorMod(f, i->extent);
    }
    Stmt body = substitute(i->body, {{o->var.node(), foldAdd(o->min, ov)},
                                     {i->var.node(), foldAdd(i->min, iv)}});
    return makeFor(f, intImm(t, 0), extent, o->forKind, body);
  });
}

} // namespace kiln::loop
