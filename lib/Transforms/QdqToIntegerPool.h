//===- QdqToIntegerPool.h - integer average pooling for qdq-to-integer ----===//
// The interface between qdq-to-integer and its AveragePool /
// GlobalAveragePool rewrite (QdqToIntegerPool.cpp).
//===----------------------------------------------------------------------===//
#ifndef KILN_TRANSFORMS_QDQTOINTEGERPOOL_H
#define KILN_TRANSFORMS_QDQTOINTEGERPOOL_H

#include "kiln/IR/Function.h"

#include <functional>

namespace kiln {

/// Per-tensor parameters of Q(pool(DQ(x))): the input's and the output's
/// scale, zero point and 8-bit type, and the output clamp (a fused
/// Relu/Clip, else the type's range).
struct PoolQuantParams {
  float xScale = 1;
  int64_t xZeroPoint = 0;
  ElementType xType = ElementType::U8;
  float yScale = 1;
  int64_t yZeroPoint = 0;
  ElementType yType = ElementType::U8;
  int64_t qmin = 0, qmax = 255;
};

/// Builds the integer form before `pos` from the 8-bit input `xq` (the
/// dequantized input's 8-bit value) and returns its 8-bit result.
using IntegerPoolBuilder =
    std::function<Value *(Function &, Function::NodeList::iterator, Value *xq)>;

/// The integer form of an AveragePool or GlobalAveragePool `pool` whose
/// every window averages the same number of elements `count`: the i32 sum
/// of (x - x_zero_point) over each window, then Requantize by x_scale /
/// (y_scale * count). Null (the pattern does not fire) for any other op, a
/// count that varies between outputs (padding with count_include_pad = 0,
/// ceil_mode windows past the pads), non-static shapes, or a scale that is
/// not finite and positive. Nothing is created until the builder is called.
IntegerPoolBuilder matchIntegerAveragePool(const Node &pool,
                                           const PoolQuantParams &params);

} // namespace kiln

#endif
