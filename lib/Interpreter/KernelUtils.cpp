//===- KernelUtils.cpp ----------------------------------------------------===//
#include "kiln/Interpreter/KernelUtils.h"

namespace kiln {

std::vector<int64_t> stridesOf(const std::vector<int64_t> &shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;)
    strides[i - 1] = strides[i] * shape[i];
  return strides;
}

std::vector<int64_t> broadcastShape(const std::vector<int64_t> &a,
                                    const std::vector<int64_t> &b) {
  size_t rank = std::max(a.size(), b.size());
  std::vector<int64_t> out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t x = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t y = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (x != y && x != 1 && y != 1)
      fail("shapes {} and {} cannot be broadcast", shapeStr(a), shapeStr(b));
    out[i] = x == 1 ? y : x;
  }
  return out;
}

BroadcastIndexer::BroadcastIndexer(const std::vector<int64_t> &operandShape,
                                   const std::vector<int64_t> &outputShape)
    : outShape_(outputShape), strides_(outputShape.size(), 0) {
  check(operandShape.size() <= outputShape.size(),
        "shape {} does not broadcast to {}", shapeStr(operandShape),
        shapeStr(outputShape));
  identity_ = operandShape == outputShape;
  std::vector<int64_t> opStrides = stridesOf(operandShape);
  size_t offset = outputShape.size() - operandShape.size();
  for (size_t i = 0; i < operandShape.size(); ++i) {
    int64_t d = operandShape[i];
    check(d == outputShape[i + offset] || d == 1,
          "shape {} does not broadcast to {}", shapeStr(operandShape),
          shapeStr(outputShape));
    strides_[i + offset] = d == 1 ? 0 : opStrides[i];
  }
}

int64_t BroadcastIndexer::operator()(int64_t outIndex) const {
  if (identity_)
    return outIndex;
  int64_t result = 0;
  for (size_t i = outShape_.size(); i-- > 0;) {
    int64_t d = outShape_[i];
    int64_t coord = outIndex % d;
    outIndex /= d;
    result += coord * strides_[i];
  }
  return result;
}

std::vector<int64_t> unravelIndex(int64_t index,
                                  const std::vector<int64_t> &shape) {
  std::vector<int64_t> out(shape.size());
  for (size_t i = shape.size(); i-- > 0;) {
    out[i] = shape[i] ? index % shape[i] : 0;
    index = shape[i] ? index / shape[i] : 0;
  }
  return out;
}

int64_t ravelIndex(const std::vector<int64_t> &index,
                   const std::vector<int64_t> &strides) {
  int64_t r = 0;
  for (size_t i = 0; i < index.size(); ++i)
    r += index[i] * strides[i];
  return r;
}

} // namespace kiln
