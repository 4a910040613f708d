//===- Buffer.h - loop IR buffers -------------------------------*- C++ -*-===//
// A typed, strided, statically shaped memory region with a memory scope.
// Kernel parameters, Allocate'd temporaries and accelerator on-chip memories
// are all Buffers; identity is the node, the name is for printing.
//===----------------------------------------------------------------------===//
#ifndef KILN_LOOPIR_BUFFER_H
#define KILN_LOOPIR_BUFFER_H

#include "kiln/LoopIR/Expr.h"

#include <optional>
#include <string_view>

namespace kiln::loop {

/// Where a buffer lives. Global is addressable memory (arena, weights,
/// inputs/outputs); Stack is a kernel-local temporary; the others are target
/// memories that only their backend may lower.
enum class MemoryScope : uint8_t {
  Global,
  Stack,
  CudaShared,
  CudaLocal,
  VtaInp,
  VtaWgt,
  VtaAcc,
  VtaUop,
  NvdlaCbuf,
};
const char *toString(MemoryScope scope); // "global", "cuda.shared", ...
std::optional<MemoryScope> parseMemoryScope(std::string_view name);

class BufferNode {
public:
  /// Dense row-major strides are computed when `strides` is empty.
  BufferNode(std::string name, ElementType elem, std::vector<int64_t> shape,
             std::vector<int64_t> strides = {},
             MemoryScope scope = MemoryScope::Global,
             std::shared_ptr<BufferNode> viewOf = nullptr,
             int64_t viewOffset = 0);

  const std::string name;
  const ElementType elem;
  const std::vector<int64_t> shape;
  const std::vector<int64_t> strides; // in elements
  const MemoryScope scope;
  /// Non-null when this buffer is a view: it addresses the memory of
  /// `viewOf` (never itself a view) starting `viewOffset` elements in, with
  /// its own shape and strides. Code generators and the evaluator resolve a
  /// view to its root's storage.
  const std::shared_ptr<BufferNode> viewOf;
  const int64_t viewOffset;

  size_t rank() const { return shape.size(); }
  int64_t numElements() const;
  /// Elements spanned, max over dims of (shape-1)*stride, plus one.
  int64_t extentElements() const;
  int64_t byteSize() const { return extentElements() * int64_t(kiln::byteSize(elem)); }
  bool isDense() const;
};

Buffer makeBuffer(std::string name, ElementType elem,
                  std::vector<int64_t> shape,
                  MemoryScope scope = MemoryScope::Global);

/// Row-major strides of a shape.
std::vector<int64_t> denseStrides(const std::vector<int64_t> &shape);

} // namespace kiln::loop

#endif
