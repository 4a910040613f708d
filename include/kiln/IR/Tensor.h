//===- Tensor.h - a concrete tensor value -----------------------*- C++ -*-===//
// A dense, row-major tensor with a static shape: the payload of constants and
// the values the reference interpreter computes with.
//===----------------------------------------------------------------------===//
#ifndef KILN_IR_TENSOR_H
#define KILN_IR_TENSOR_H

#include "kiln/IR/TensorType.h"

#include <cstring>
#include <memory>
#include <vector>

namespace kiln {

class Tensor {
public:
  Tensor() = default;
  /// A zero-filled tensor. Throws if the shape is negative or too large.
  Tensor(ElementType type, std::vector<int64_t> shape);

  /// A scalar or vector from host values.
  template <typename T>
  static Tensor fromVector(const std::vector<T> &values,
                           std::vector<int64_t> shape) {
    Tensor t(ElementTypeOf<T>::value, std::move(shape));
    check(t.numElements() == (int64_t)values.size(),
          "tensor value count {} does not match shape {}", values.size(),
          shapeStr(t.shape()));
    for (size_t i = 0; i < values.size(); ++i)
      t.data<T>()[i] = values[i];
    return t;
  }
  template <typename T> static Tensor scalar(T value) {
    return fromVector<T>({value}, {});
  }

  ElementType elementType() const { return type_; }
  const std::vector<int64_t> &shape() const { return shape_; }
  size_t rank() const { return shape_.size(); }
  int64_t dim(size_t i) const { return shape_.at(i); }
  int64_t numElements() const { return numElements_; }
  size_t byteSize() const { return bytes_ ? bytes_->size() : 0; }
  TensorType type() const { return TensorType(type_, shape_); }

  /// Reinterprets the same data with a new shape of equal element count.
  Tensor reshaped(std::vector<int64_t> shape) const;

  template <typename T> T *data() {
    checkType<T>();
    makeUnique();
    return reinterpret_cast<T *>(bytes_->data());
  }
  template <typename T> const T *data() const {
    checkType<T>();
    return reinterpret_cast<const T *>(bytes_->data());
  }
  uint8_t *rawData() {
    makeUnique();
    return bytes_->data();
  }
  const uint8_t *rawData() const { return bytes_->data(); }

  /// Element i converted to double / int64 (bool as 0/1).
  double getDouble(int64_t i) const;
  int64_t getInt(int64_t i) const;
  /// Stores v converted to the element type (C++ conversion semantics).
  void setDouble(int64_t i, double v);
  void setInt(int64_t i, int64_t v);

  /// All elements as int64 (for shape-like inputs).
  std::vector<int64_t> toIntVector() const;
  std::vector<double> toDoubleVector() const;

  /// Bitwise equality of type, shape and data.
  bool identicalTo(const Tensor &o) const;
  /// Converts to another element type, element by element.
  Tensor castTo(ElementType type) const;

private:
  template <typename T> void checkType() const {
    check(ElementTypeOf<T>::value == type_,
          "tensor of {} accessed as another element type", toString(type_));
  }
  void makeUnique();

  ElementType type_ = ElementType::F32;
  std::vector<int64_t> shape_;
  int64_t numElements_ = 0;
  // Copy-on-write storage: tensors are cheap to copy.
  std::shared_ptr<std::vector<uint8_t>> bytes_ =
      std::make_shared<std::vector<uint8_t>>();
};

/// Product of a shape; throws on negative dims or overflow past `limit`.
int64_t checkedNumElements(const std::vector<int64_t> &shape,
                           int64_t limit = int64_t(1) << 40);

} // namespace kiln

#endif
