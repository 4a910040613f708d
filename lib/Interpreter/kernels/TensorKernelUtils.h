//===- TensorKernelUtils.h - helpers for data-movement kernels --*- C++ -*-===//
// Byte-level copies that need not know the element type, index checks, and
// result shapes taken from the op's own type inference on concrete values.
//===----------------------------------------------------------------------===//
#ifndef KILN_LIB_INTERPRETER_KERNELS_TENSORKERNELUTILS_H
#define KILN_LIB_INTERPRETER_KERNELS_TENSORKERNELUTILS_H

#include "kiln/IR/InferContext.h"
#include "kiln/IR/TensorOpHelpers.h"
#include "kiln/Interpreter/KernelUtils.h"

namespace kiln {
namespace tensorkernels {

/// The node's result types, from its inference function run with every
/// operand's value known; an error if one is not static.
std::vector<TensorType> concreteResultTypes(const EvalContext &ctx);
std::vector<std::vector<int64_t>> concreteResultShapes(const EvalContext &ctx);
inline std::vector<int64_t> concreteResultShape(const EvalContext &ctx) {
  return concreteResultShapes(ctx).at(0);
}

/// Calls fn(U{}) with an unsigned integer type U of the given byte size, so
/// elements can be moved without knowing their type.
template <typename Fn> void visitBySize(size_t size, Fn &&fn) {
  switch (size) {
  case 1:
    return fn(uint8_t{});
  case 2:
    return fn(uint16_t{});
  case 4:
    return fn(uint32_t{});
  case 8:
    return fn(uint64_t{});
  }
  fail("unsupported element size {}", size);
}

/// dst[i] = src[srcIndex(i)] for every element i of dst; src and dst have
/// the same element type. srcIndex must return valid indices.
template <typename Fn>
void copyMapped(const Tensor &src, Tensor &dst, Fn &&srcIndex) {
  if (dst.numElements() == 0)
    return;
  visitBySize(byteSize(src.elementType()), [&](auto zero) {
    using U = decltype(zero);
    const U *s = reinterpret_cast<const U *>(src.rawData());
    U *d = reinterpret_cast<U *>(dst.rawData());
    for (int64_t i = 0, n = dst.numElements(); i < n; ++i)
      d[i] = s[srcIndex(i)];
  });
}

/// Fills dst (row-major, shape `view`, same element count) from src read at
/// offset + sum(index[d] * strides[d]): transposes, slices, broadcasts.
void copyStrided(const Tensor &src, int64_t offset,
                 const std::vector<int64_t> &strides, Tensor &dst,
                 const std::vector<int64_t> &view);

/// Copies `count` elements from src starting at element si to dst at di.
inline void copyElements(const Tensor &src, int64_t si, Tensor &dst, int64_t di,
                         int64_t count) {
  if (count <= 0)
    return;
  size_t e = byteSize(src.elementType());
  std::memcpy(dst.rawData() + size_t(di) * e, src.rawData() + size_t(si) * e,
              size_t(count) * e);
}

/// An index into a dimension of size `dim`, negative values counting from
/// the end; an error naming the node if it is out of range.
inline int64_t wrapIndex(const EvalContext &ctx, int64_t index, int64_t dim,
                         const char *what = "index") {
  int64_t i = index < 0 ? index + dim : index;
  if (i < 0 || i >= dim)
    ctx.error("{} {} is out of range for a dimension of size {}", what, index,
              dim);
  return i;
}

/// Product of shape[begin, end).
inline int64_t productOf(const std::vector<int64_t> &shape, size_t begin,
                         size_t end) {
  int64_t n = 1;
  for (size_t i = begin; i < end; ++i)
    n *= shape[i];
  return n;
}

} // namespace tensorkernels
} // namespace kiln

#endif
