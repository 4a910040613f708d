//===- TensorType.cpp -----------------------------------------------------===//
#include "kiln/IR/TensorType.h"
#include "TextSyntax.h"

#include <fmt/format.h>

namespace kiln {

std::string Dim::str() const {
  if (isStatic())
    return std::to_string(size_);
  if (isSymbol()) // quoted unless it reads back as a symbol
    return text::identOrQuote(symbol_);
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

// Per-tensor parameters print in the short form; everything else (per axis,
// or unusual list lengths) in the general form, so that parsing is exact.
static std::string quantStr(const QuantParams &q) {
  auto scale = [](double v) { return text::formatDouble(v); };
  if (q.axis == -1 && q.scales.size() == 1 && q.zeroPoints.size() == 1)
    return fmt::format("{{quant({}, {})}}", scale(q.scales[0]),
                       q.zeroPoints[0]);
  std::vector<std::string> scales;
  for (double s : q.scales)
    scales.push_back(scale(s));
  return fmt::format("{{quant(axis={}, [{}], [{}])}}", q.axis,
                     fmt::join(scales, ", "), fmt::join(q.zeroPoints, ", "));
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
