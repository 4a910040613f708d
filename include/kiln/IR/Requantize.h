//===- Requantize.h - checked attributes of the Requantize op ---*- C++ -*-===//
// Reading and checking Requantize's attributes and multiplier/shift operands,
// shared by its inference, interpreter kernel and lowering.
//===----------------------------------------------------------------------===//
#ifndef KILN_IR_REQUANTIZE_H
#define KILN_IR_REQUANTIZE_H

#include "kiln/IR/Node.h"
#include "kiln/IR/Tensor.h"

namespace kiln {

/// Requantize's attributes, checked: output_type is "i8" or "u8",
/// zero_point lies in its range, and qmin <= qmax are the optional min/max
/// bounds (defaulting to the type's range), also within it.
struct RequantizeAttrs {
  ElementType outputType = ElementType::I8;
  int32_t zeroPoint = 0;
  int32_t qmin = -128, qmax = 127;
};

/// Throws kiln::Error (without the node prefix) describing a bad attribute.
RequantizeAttrs readRequantizeAttrs(const Node &node);

/// How a multiplier or shift operand of `paramShape` applies to an
/// accumulator of shape `accShape` (dims may be -1 when unknown): 0 if per
/// tensor ([] or [1]), else its length C, which must equal dim `axis` of
/// the accumulator. Throws naming `what` otherwise. `axis` is normalized
/// here (negative counts from the end).
int64_t requantizeParamChannels(const std::vector<int64_t> &paramShape,
                                const std::vector<int64_t> &accShape,
                                int64_t axis, const char *what);

/// Throws naming the first element of a constant multiplier (i32) or
/// shift (i8/i32) operand whose value is out of range.
void checkRequantizeMultipliers(const Tensor &multiplier);
void checkRequantizeShifts(const Tensor &shift);

} // namespace kiln

#endif
