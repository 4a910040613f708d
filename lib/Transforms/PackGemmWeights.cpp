//===- PackGemmWeights.cpp - store constant Gemm operands untransposed ----===//
// The "pack-gemm-weights" pass: a Gemm with transB = 1 (or transA = 1) and a
// constant B (A) takes the transposed constant instead, so that its lowering
// reads B's rows contiguously (the tiled kernel's vector loads).
//===----------------------------------------------------------------------===//

#include "kiln/IR/Module.h"
#include "kiln/Transforms/GraphUtils.h"
#include "kiln/Transforms/Pass.h"

#include <cstring>
#include <map>

namespace kiln {
namespace {

/// The transpose of a matrix of any element type (a byte copy per element).
Tensor transposed(const Tensor &t) {
  int64_t rows = t.dim(0), cols = t.dim(1);
  Tensor out(t.elementType(), {cols, rows});
  if (t.numElements() == 0)
    return out;
  size_t size = t.byteSize() / size_t(t.numElements());
  const uint8_t *src = t.rawData();
  uint8_t *dst = out.rawData();
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c)
      std::memcpy(dst + size_t(c * rows + r) * size,
                  src + size_t(r * cols + c) * size, size);
  return out;
}

class PackGemmWeights : public FunctionPass {
public:
  std::string_view name() const override { return "pack-gemm-weights"; }

private:
  bool runOn(Function &f, const PassConfig &, PassStats &stats) override {
    // One transposed copy per constant, shared by the Gemms that use it.
    std::map<const Value *, Value *> packed;
    bool changed = false;
    for (auto it = f.nodes().begin(); it != f.nodes().end(); ++it) {
      Node &n = **it;
      if (n.kind() != OpKind::Gemm || n.numOperands() < 2)
        continue;
      for (auto [operand, attr] : {std::pair<size_t, const char *>{1, "transB"},
                                   {0, "transA"}}) {
        const Attribute *a = n.findAttr(attr);
        if (!a || a->kind() != AttrKind::Int || a->getInt() == 0)
          continue;
        Value *v = n.operand(operand);
        const Tensor *t = v ? v->constantValue() : nullptr;
        if (!t || t->rank() != 2 || v->type().quant())
          continue;
        Value *&p = packed[v];
        if (!p) {
          Tensor value = transposed(*t);
          Node *c = f.createNodeBefore(it, OpKind::Constant, {},
                                       {value.type()}, "", {v->name() + "_t"});
          c->setAttr("value", Attribute(std::make_shared<const Tensor>(
                                  std::move(value))));
          p = c->result(0);
          stats.add("constants transposed");
        }
        n.setOperand(operand, p);
        n.setAttr(attr, int64_t(0));
        stats.add(operand == 1 ? "gemm weights packed" : "gemm inputs packed");
        changed = true;
      }
    }
    // Drop originals that no longer have users here (dce would too; this
    // frees the weights' memory during compilation).
    for (const auto &[orig, copy] : packed) {
      Node *c = orig->producer();
      if (orig->owner() == &f && !isUsed(*orig) && c->numResults() == 1)
        f.eraseNode(c);
    }
    return changed;
  }
};

static RegisterPass<Module, PackGemmWeights>
    reg("pack-gemm-weights",
        "give a Gemm with transB = 1 (transA = 1) and a constant B (A) the "
        "transposed constant and transB = 0 (transA = 0)");

} // namespace
} // namespace kiln
