//===- TensorOpHelpers.h - shape rules of Tensor.def ops --------*- C++ -*-===//
// ONNX index and axis rules shared by the type inference and the interpreter
// kernels of the ops in IR/ops/Tensor.def, so both agree by construction.
//===----------------------------------------------------------------------===//
#ifndef KILN_IR_TENSOROPHELPERS_H
#define KILN_IR_TENSOROPHELPERS_H

#include "kiln/IR/Tensor.h"

namespace kiln {

/// One sliced axis after ONNX clamping: elements start, start+step, ...
struct SliceDim {
  int64_t start = 0;
  int64_t step = 1;
  int64_t count = 0;
};

/// Clamps start/end of one axis of size `dim` the way ONNX Slice does
/// (negative values count from the end, INT64_MIN/MAX sentinels, negative
/// steps). Throws on step 0.
SliceDim resolveSliceDim(int64_t start, int64_t end, int64_t step, int64_t dim);

/// The axes operand of Slice/Pad/Squeeze/Unsqueeze: each value normalized
/// into [0, rank) and checked for duplicates. Null `axes` means 0..count-1.
std::vector<int64_t> resolveAxes(const Tensor *axes, size_t count,
                                 int64_t rank);
std::vector<int64_t> resolveAxes(const std::vector<int64_t> &axes,
                                 int64_t rank);

/// a * b, or a kiln::Error if it overflows int64.
int64_t checkedMul(int64_t a, int64_t b);

} // namespace kiln

#endif
