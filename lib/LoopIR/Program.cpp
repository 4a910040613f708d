//===- Program.cpp - a lowered model --------------------------------------===//

#include "kiln/LoopIR/Program.h"

#include "kiln/LoopIR/Functor.h"

namespace kiln::loop {

int64_t ProgramTensor::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

int64_t ProgramTensor::byteSize() const {
  return numElements() * int64_t(kiln::byteSize(elem));
}

static int64_t alignUp(int64_t v, int64_t a) { return (v + a - 1) / a * a; }

int64_t workspaceBytes(const PrimFunc &f) {
  struct Counter : IRVisitor {
    int64_t bytes = 0;
    void visitAllocate(const AllocateNode *n) override {
      if (n->buffer->scope == MemoryScope::Global)
        bytes += alignUp(n->buffer->byteSize(), kArenaAlignment);
      IRVisitor::visitAllocate(n);
    }
  } counter;
  counter.visit(f.body);
  return counter.bytes;
}

} // namespace kiln::loop
