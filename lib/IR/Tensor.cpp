//===- Tensor.cpp ---------------------------------------------------------===//
#include "kiln/IR/Tensor.h"

#include <cmath>
#include <limits>
#include <type_traits>

namespace kiln {

// Tensors bigger than this are rejected rather than risking an OOM abort.
static constexpr int64_t MaxTensorBytes = int64_t(16) << 30;

int64_t checkedNumElements(const std::vector<int64_t> &shape, int64_t limit) {
  int64_t n = 1;
  for (int64_t d : shape) {
    check(d >= 0, "negative dimension {} in shape {}", d, shapeStr(shape));
    if (d != 0 && n > limit / d)
      fail("shape {} has too many elements", shapeStr(shape));
    n *= d;
  }
  return n;
}

Tensor::Tensor(ElementType type, std::vector<int64_t> shape)
    : type_(type), shape_(std::move(shape)) {
  numElements_ = checkedNumElements(shape_);
  size_t elem = kiln::byteSize(type);
  check(numElements_ <= MaxTensorBytes / int64_t(elem),
        "tensor of shape {} is too large ({} elements)", shapeStr(shape_),
        numElements_);
  bytes_ = std::make_shared<std::vector<uint8_t>>(size_t(numElements_) * elem);
}

Tensor Tensor::reshaped(std::vector<int64_t> shape) const {
  check(checkedNumElements(shape) == numElements_,
        "cannot reshape {} elements to {}", numElements_, shapeStr(shape));
  Tensor t = *this;
  t.shape_ = std::move(shape);
  return t;
}

void Tensor::makeUnique() {
  if (bytes_.use_count() > 1)
    bytes_ = std::make_shared<std::vector<uint8_t>>(*bytes_);
}

double Tensor::getDouble(int64_t i) const {
  return visitType(type_, [&](auto tag) -> double {
    using T = typename decltype(tag)::type;
    return double(data<T>()[i]);
  });
}

int64_t Tensor::getInt(int64_t i) const {
  return visitType(type_, [&](auto tag) -> int64_t {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_integral_v<T>) {
      return int64_t(data<T>()[i]);
    } else {
      double v = double(data<T>()[i]);
      if (std::isnan(v))
        return 0;
      if (v >= 9.2233720368547758e18)
        return std::numeric_limits<int64_t>::max();
      if (v <= -9.2233720368547758e18)
        return std::numeric_limits<int64_t>::min();
      return int64_t(v);
    }
  });
}

void Tensor::setDouble(int64_t i, double v) {
  visitType(type_, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_same_v<T, bool>) {
      data<T>()[i] = v != 0;
    } else if constexpr (std::is_integral_v<T>) {
      // Out-of-range float->int is UB in C++; saturate instead.
      if (std::isnan(v))
        data<T>()[i] = 0;
      else if (v >= double(std::numeric_limits<T>::max()))
        data<T>()[i] = std::numeric_limits<T>::max();
      else if (v <= double(std::numeric_limits<T>::lowest()))
        data<T>()[i] = std::numeric_limits<T>::lowest();
      else
        data<T>()[i] = T(v);
    } else {
      data<T>()[i] = T(float(v));
      if constexpr (std::is_same_v<T, double>)
        data<T>()[i] = v;
    }
  });
}

void Tensor::setInt(int64_t i, int64_t v) {
  visitType(type_, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_same_v<T, bool>)
      data<T>()[i] = v != 0;
    else if constexpr (std::is_integral_v<T>)
      data<T>()[i] = T(v);
    else if constexpr (std::is_same_v<T, double>)
      data<T>()[i] = double(v);
    else
      data<T>()[i] = T(float(v));
  });
}

std::vector<int64_t> Tensor::toIntVector() const {
  std::vector<int64_t> out(static_cast<size_t>(numElements_));
  for (int64_t i = 0; i < numElements_; ++i)
    out[size_t(i)] = getInt(i);
  return out;
}

std::vector<double> Tensor::toDoubleVector() const {
  std::vector<double> out(static_cast<size_t>(numElements_));
  for (int64_t i = 0; i < numElements_; ++i)
    out[size_t(i)] = getDouble(i);
  return out;
}

bool Tensor::identicalTo(const Tensor &o) const {
  return type_ == o.type_ && shape_ == o.shape_ &&
         (byteSize() == 0 ||
          std::memcmp(rawData(), o.rawData(), byteSize()) == 0);
}

Tensor Tensor::castTo(ElementType type) const {
  Tensor out(type, shape_);
  bool toInt = isInteger(type);
  for (int64_t i = 0; i < numElements_; ++i) {
    if (toInt && isInteger(type_))
      out.setInt(i, getInt(i));
    else
      out.setDouble(i, getDouble(i));
  }
  return out;
}

} // namespace kiln
