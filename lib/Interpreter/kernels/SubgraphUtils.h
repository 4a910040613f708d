//===- SubgraphUtils.h - slicing and stacking for Loop and Scan -*- C++ -*-===//
// Loop and Scan feed their bodies one slice of a tensor per iteration and
// stack the per-iteration outputs along a new axis.
//===----------------------------------------------------------------------===//
#ifndef KILN_LIB_INTERPRETER_KERNELS_SUBGRAPHUTILS_H
#define KILN_LIB_INTERPRETER_KERNELS_SUBGRAPHUTILS_H

#include "kiln/IR/Tensor.h"

#include <cstring>

namespace kiln {

/// The sub-tensor at `index` along `axis`, with that axis removed.
inline Tensor sliceAlongAxis(const Tensor &t, size_t axis, int64_t index) {
  std::vector<int64_t> shape = t.shape();
  int64_t extent = shape.at(axis);
  check(index >= 0 && index < extent, "slice index {} out of range [0, {})",
        index, extent);
  int64_t outer = 1, inner = 1;
  for (size_t i = 0; i < axis; ++i)
    outer *= shape[i];
  for (size_t i = axis + 1; i < shape.size(); ++i)
    inner *= shape[i];
  shape.erase(shape.begin() + int64_t(axis));
  Tensor out(t.elementType(), shape);
  size_t bytes = size_t(inner) * byteSize(t.elementType());
  if (bytes == 0 || outer == 0)
    return out;
  const uint8_t *src = t.rawData();
  uint8_t *dst = out.rawData();
  for (int64_t o = 0; o < outer; ++o)
    std::memcpy(dst + size_t(o) * bytes,
                src + (size_t(o * extent + index)) * bytes, bytes);
  return out;
}

/// Stacks equally shaped tensors along a new `axis` (0..rank). `emptyShape`
/// is the element shape used when there are no parts.
inline Tensor stackAlongAxis(const std::vector<Tensor> &parts, size_t axis,
                             ElementType elem,
                             const std::vector<int64_t> &emptyShape) {
  std::vector<int64_t> partShape =
      parts.empty() ? emptyShape : parts.front().shape();
  check(axis <= partShape.size(), "stack axis {} out of range for rank {}",
        axis, partShape.size());
  for (const Tensor &p : parts) {
    check(p.shape() == partShape,
          "per-iteration outputs differ in shape: {} vs {}",
          shapeStr(p.shape()), shapeStr(partShape));
    check(p.elementType() == elem,
          "per-iteration output has element type {}, expected {}",
          toString(p.elementType()), toString(elem));
  }
  int64_t outer = 1, inner = 1;
  for (size_t i = 0; i < axis; ++i)
    outer *= partShape[i];
  for (size_t i = axis; i < partShape.size(); ++i)
    inner *= partShape[i];
  std::vector<int64_t> shape = partShape;
  int64_t n = int64_t(parts.size());
  shape.insert(shape.begin() + int64_t(axis), n);
  Tensor out(elem, shape);
  size_t bytes = size_t(inner) * byteSize(elem);
  if (bytes == 0 || outer == 0 || n == 0)
    return out;
  uint8_t *dst = out.rawData();
  for (int64_t k = 0; k < n; ++k) {
    const uint8_t *src = parts[size_t(k)].rawData();
    for (int64_t o = 0; o < outer; ++o)
      std::memcpy(dst + size_t(o * n + k) * bytes, src + size_t(o) * bytes,
                  bytes);
  }
  return out;
}

/// The static dims of a type, with unknown ones (and an unranked type's
/// missing ones) taken as 0: the shape of an empty stack of such values.
inline std::vector<int64_t> emptyElementShape(const TensorType &type) {
  std::vector<int64_t> shape;
  for (const Dim &d : type.dims())
    shape.push_back(d.isStatic() ? d.size() : 0);
  return shape;
}

} // namespace kiln

#endif
