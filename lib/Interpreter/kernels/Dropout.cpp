//===- Dropout.cpp - the Dropout kernel -----------------------------------===//
// Inference (or ratio 0) Dropout is the identity with an all-true mask.
// Training mode draws its mask like ONNX's reference implementation, which
// is numpy's legacy generator: MT19937 seeded with `seed`, one 53-bit
// uniform double per element, kept where u >= ratio. So the result is
// reproducible and matches ONNX's expected outputs bit for bit.
//===----------------------------------------------------------------------===//
#include "NNKernelUtils.h"

#include <random>

namespace kiln {

// numpy's random_sample(): 27 + 26 random bits as a double in [0, 1).
static double uniform53(std::mt19937 &gen) {
  uint32_t a = gen() >> 5, b = gen() >> 6;
  return (double(a) * 67108864.0 + double(b)) / 9007199254740992.0;
}

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
      ctx.error("training_mode must be a bool scalar, not {}", t->type().str());
    training = t->getInt(0) != 0;
  }
  Tensor mask(ElementType::Bool, x.shape());
  bool *m = mask.data<bool>();
  if (!training || ratio == 0) {
    for (int64_t i = 0; i < mask.numElements(); ++i)
      m[i] = true;
    ctx.outputs[0] = x;
  } else {
    if (!(ratio >= 0 && ratio <= 1))
      ctx.error("ratio {} must be in [0, 1]", ratio);
    if (!isFloat(x.elementType()))
      ctx.error("training-mode Dropout needs a float input, not {}",
                toString(x.elementType()));
    std::mt19937 gen(uint32_t(ctx.node.getInt("seed")));
    std::vector<double> v = toDoubles(x);
    double scale = ratio < 1 ? 1 / (1 - ratio) : 0.0;
    for (size_t i = 0; i < v.size(); ++i) {
      m[i] = uniform53(gen) >= ratio;
      v[i] = m[i] ? v[i] * scale : 0.0;
    }
    ctx.outputs[0] = fromDoubles(x.elementType(), x.shape(), v);
  }
  if (ctx.numOutputs() > 1)
    ctx.outputs[1] = std::move(mask);
}

} // namespace kiln
