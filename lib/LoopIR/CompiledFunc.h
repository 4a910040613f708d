//===- CompiledFunc.h - a PrimFunc prepared for evaluation ------*- C++ -*-===//
// The evaluator's executable form of a kernel (variables resolved to slots,
// buffers to memory regions), compiled once and run many times. Internal.
//===----------------------------------------------------------------------===//
#ifndef KILN_LIB_LOOPIR_COMPILEDFUNC_H
#define KILN_LIB_LOOPIR_COMPILEDFUNC_H

#include "kiln/LoopIR/PrimFunc.h"

#include <memory>

namespace kiln::loop {

class CompiledFunc {
public:
  explicit CompiledFunc(const PrimFunc &f);
  ~CompiledFunc();
  /// Same contract as evaluatePrimFunc.
  void run(const std::vector<void *> &args, void *workspace,
           int64_t workspaceSize);

private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace kiln::loop

#endif
