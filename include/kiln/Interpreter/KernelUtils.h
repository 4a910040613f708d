//===- KernelUtils.h - helpers shared by interpreter kernels ----*- C++ -*-===//
// Broadcasting index maps, strides and element-type dispatch helpers.
//===----------------------------------------------------------------------===//
#ifndef KILN_INTERPRETER_KERNELUTILS_H
#define KILN_INTERPRETER_KERNELUTILS_H

#include "kiln/Interpreter/EvalContext.h"

#include <type_traits>

namespace kiln {

/// Row-major strides of a shape.
std::vector<int64_t> stridesOf(const std::vector<int64_t> &shape);

/// Numpy broadcast of concrete shapes; throws on mismatch.
std::vector<int64_t> broadcastShape(const std::vector<int64_t> &a,
                                    const std::vector<int64_t> &b);

/// Maps linear indices of a broadcast output shape to linear indices of an
/// operand shape (which broadcasts to it).
class BroadcastIndexer {
public:
  BroadcastIndexer(const std::vector<int64_t> &operandShape,
                   const std::vector<int64_t> &outputShape);
  int64_t operator()(int64_t outIndex) const;

private:
  std::vector<int64_t> outShape_;
  std::vector<int64_t> strides_; // operand stride per output dim, 0 if bcast
  bool identity_;
};

/// Converts a linear index to a multi-index and back.
std::vector<int64_t> unravelIndex(int64_t index,
                                  const std::vector<int64_t> &shape);
int64_t ravelIndex(const std::vector<int64_t> &index,
                   const std::vector<int64_t> &strides);

/// Storage type is an arithmetic type computed in float (f16, bf16).
template <typename T>
constexpr bool isHalfLike =
    std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>;
/// The type to compute in for storage type T.
template <typename T>
using ComputeType = std::conditional_t<isHalfLike<T>, float, T>;

} // namespace kiln

#endif
