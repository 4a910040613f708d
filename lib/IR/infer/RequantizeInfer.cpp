//===- RequantizeInfer.cpp - inference and checks for Requantize ----------===//
// The result has the accumulator's shape and output_type; the verifier's
// checks of operand types, parameter shapes and constant parameter values
// (multiplier and shift ranges) live here too.
//===----------------------------------------------------------------------===//
#include "kiln/IR/InferContext.h"
#include "kiln/IR/Requantize.h"

namespace kiln {

// Static dims of a ranked type, -1 for the others.
static std::vector<int64_t> knownDims(const TensorType &t) {
  std::vector<int64_t> dims;
  for (const Dim &d : t.dims())
    dims.push_back(d.isStatic() ? d.size() : -1);
  return dims;
}

void inferRequantize(InferContext &ctx) {
  const TensorType &acc = ctx.input(0);
  if (acc.elementType() != ElementType::I32)
    ctx.error("accumulator must be i32, not {}", toString(acc.elementType()));
  const TensorType &mul = ctx.input(1), &shift = ctx.input(2);
  if (mul.elementType() != ElementType::I32)
    ctx.error("multiplier must be i32, not {}", toString(mul.elementType()));
  if (shift.elementType() != ElementType::I8 &&
      shift.elementType() != ElementType::I32)
    ctx.error("shift must be i8 or i32, not {}", toString(shift.elementType()));
  RequantizeAttrs attrs;
  try {
    attrs = readRequantizeAttrs(ctx.node);
    std::vector<int64_t> accDims = knownDims(acc);
    int64_t axis = ctx.node.getInt("axis");
    for (auto [t, what] : {std::pair{&mul, "multiplier"}, {&shift, "shift"}}) {
      if (!t->isRanked())
        continue;
      std::vector<int64_t> dims = knownDims(*t);
      // An unknown length is checked once it is known.
      if (dims.size() == 1 && dims[0] < 0)
        continue;
      if (!acc.isRanked() && dims.size() == 1 && dims[0] != 1)
        continue;
      requantizeParamChannels(dims, accDims, axis, what);
    }
    if (const Tensor *m = ctx.constant(1))
      checkRequantizeMultipliers(*m);
    if (const Tensor *s = ctx.constant(2))
      checkRequantizeShifts(*s);
  } catch (const Error &e) {
    ctx.error("{}", e.what());
  }
  // Built afresh rather than copied: the result has no QuantParams of its
  // own (the op knows the multiplier, not the real output scale).
  ctx.setResult(0, acc.isRanked() ? TensorType(attrs.outputType, acc.dims())
                                  : TensorType::unranked(attrs.outputType));
}

} // namespace kiln
