//===- PrimFunc.h - a loop IR function --------------------------*- C++ -*-===//
// A kernel: a name, buffer parameters and a statement body. Parameters are
// read or written through their buffers; nothing else is visible to the body.
//===----------------------------------------------------------------------===//
#ifndef KILN_LOOPIR_PRIMFUNC_H
#define KILN_LOOPIR_PRIMFUNC_H

#include "kiln/LoopIR/Stmt.h"

namespace kiln::loop {

struct PrimFunc {
  std::string name;
  std::vector<Buffer> params;
  Stmt body;
};

} // namespace kiln::loop

#endif
