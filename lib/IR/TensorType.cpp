//===- TensorType.cpp -----------------------------------------------------===//
#include "kiln/IR/TensorType.h"

#include <fmt/format.h>

namespace kiln {

std::string Dim::str() const {
  if (isStatic())
    return std::to_string(size_);
  if (isSymbol())
    return symbol_;
  return "?";
}

TensorType::TensorType(ElementType elem, const std::vector<int64_t> &shape)
    : elem_(elem) {
  dims_.reserve(shape.size());
  for (int64_t s : shape)
    dims_.emplace_back(s);
}

bool TensorType::hasStaticShape() const {
  if (!ranked_)
    return false;
  for (const Dim &d : dims_)
    if (!d.isStatic())
      return false;
  return true;
}

std::vector<int64_t> TensorType::staticShape() const {
  check(hasStaticShape(), "type {} does not have a static shape", str());
  std::vector<int64_t> shape;
  for (const Dim &d : dims_)
    shape.push_back(d.size());
  return shape;
}

int64_t TensorType::numElements() const {
  if (!hasStaticShape())
    return -1;
  int64_t n = 1;
  for (const Dim &d : dims_)
    n *= d.size();
  return n;
}

bool TensorType::isCompatibleWith(const TensorType &c) const {
  if (elem_ != c.elem_)
    return false;
  if (!ranked_ || !c.ranked_)
    return true;
  if (dims_.size() != c.dims_.size())
    return false;
  for (size_t i = 0; i < dims_.size(); ++i)
    if (dims_[i].isStatic() && c.dims_[i].isStatic() &&
        dims_[i].size() != c.dims_[i].size())
      return false;
  return true;
}

static std::string quantStr(const QuantParams &q) {
  if (q.axis < 0)
    return fmt::format("{{quant({}, {})}}", q.scales.empty() ? 0.0 : q.scales[0],
                       q.zeroPoints.empty() ? 0 : q.zeroPoints[0]);
  return fmt::format("{{quant(axis={}, [{}], [{}])}}", q.axis,
                     fmt::join(q.scales, ", "), fmt::join(q.zeroPoints, ", "));
}

std::string TensorType::str() const {
  std::string s = toString(elem_);
  if (!ranked_) {
    s += "[*]";
  } else {
    s += "[";
    for (size_t i = 0; i < dims_.size(); ++i) {
      if (i)
        s += ",";
      s += dims_[i].str();
    }
    s += "]";
  }
  if (quant_)
    s += quantStr(*quant_);
  return s;
}

std::string shapeStr(const std::vector<int64_t> &shape) {
  return fmt::format("[{}]", fmt::join(shape, ","));
}

} // namespace kiln
