//===- Dropout.cpp - the Dropout kernel -----------------------------------===//
// Inference (or ratio 0) Dropout is the identity with an all-true mask.
// Training with a positive ratio is random and has no reference meaning.
//===----------------------------------------------------------------------===//
#include "NNKernelUtils.h"

namespace kiln {

void evalDropout(EvalContext &ctx) {
  const Tensor &x = ctx.input(0);
  double ratio = 0.5;
  if (const Tensor *r = ctx.inputOrNull(1)) {
    if (!isFloat(r->elementType()) || r->numElements() != 1)
      ctx.error("ratio must be a float scalar, not {}", r->type().str());
    ratio = r->getDouble(0);
  }
  bool training = false;
  if (const Tensor *t = ctx.inputOrNull(2)) {
    if (t->elementType() != ElementType::Bool || t->numElements() != 1)
      ctx.error("training_mode must be a bool scalar, not {}",
                t->type().str());
    training = t->getInt(0) != 0;
  }
  if (training && ratio != 0)
    ctx.error("training-mode Dropout with ratio {} is random and not "
              "supported",
              ratio);
  ctx.outputs[0] = x;
  if (ctx.numOutputs() > 1) {
    Tensor mask(ElementType::Bool, x.shape());
    bool *m = mask.data<bool>();
    for (int64_t i = 0; i < mask.numElements(); ++i)
      m[i] = true;
    ctx.outputs[1] = std::move(mask);
  }
}

} // namespace kiln
