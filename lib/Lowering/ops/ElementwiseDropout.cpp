//===- ElementwiseDropout.cpp - the Dropout lowering ----------------------===//
// Inference (or ratio 0) Dropout copies its input and writes an all-true
// mask. Training mode draws the interpreter's mask (numpy's legacy MT19937
// stream seeded with `seed`, one 53-bit uniform per element) at compile
// time, so ratio and training_mode must be constants.
//===----------------------------------------------------------------------===//
#include "ElementwiseUtils.h"

#include <random>

namespace kiln {

using namespace loop;
using namespace lower;

// numpy's random_sample(): 27 + 26 random bits as a double in [0, 1).
static double uniform53(std::mt19937 &gen) {
  uint32_t a = gen() >> 5, b = gen() >> 6;
  return (double(a) * 67108864.0 + double(b)) / 9007199254740992.0;
}

void lowerDropout(LowerContext &ctx) {
  const Buffer &x = ctx.input(0);
  double ratio = 0.5;
  if (ctx.hasInput(1)) {
    const Tensor &r = ctx.requireConstant(1, "ratio");
    if (!isFloat(r.elementType()) || r.numElements() != 1)
      ctx.error("ratio must be a float scalar, not {}", r.type().str());
    ratio = r.getDouble(0);
  }
  bool training = false;
  if (ctx.hasInput(2)) {
    const Tensor &t = ctx.requireConstant(2, "training_mode");
    if (t.elementType() != ElementType::Bool || t.numElements() != 1)
      ctx.error("training_mode must be a bool scalar, not {}", t.type().str());
    training = t.getInt(0) != 0;
  }
  if (!training || ratio == 0) {
    ctx.emit(compute(ctx.output(0),
                     [&](const Indices &idx) { return load(x, idx); }));
    if (ctx.hasOutput(1))
      ctx.emit(compute(ctx.output(1),
                       [&](const Indices &) { return boolImm(true); }));
    setInPlace(ctx, {0});
    return;
  }
  if (!(ratio >= 0 && ratio <= 1))
    ctx.error("ratio {} must be in [0, 1]", ratio);
  if (!isFloat(x->elem))
    ctx.error("training-mode Dropout needs a float input, not {}",
              toString(x->elem));
  Tensor mask(ElementType::Bool, x->shape);
  std::mt19937 gen(uint32_t(ctx.node.getInt("seed")));
  bool *m = mask.data<bool>();
  for (int64_t i = 0; i < mask.numElements(); ++i)
    m[i] = uniform53(gen) >= ratio;
  // The mask lives in the mask result or a temporary.
  Buffer maskBuf = ctx.hasOutput(1)
                       ? ctx.output(1)
                       : ctx.allocate("dropout_mask", ElementType::Bool,
                                      x->shape);
  emitConstantData(ctx, maskBuf, mask);
  double scale = ratio < 1 ? 1 / (1 - ratio) : 0.0;
  ctx.emit(compute(ctx.output(0), [&](const Indices &idx) {
    // f64 as in the interpreter, so the result rounds once.
    Expr v = cast(ElementType::F64, load(x, idx));
    return select(load(maskBuf, idx), v * constLike(v, scale),
                  constLike(v, 0));
  }));
}

} // namespace kiln
