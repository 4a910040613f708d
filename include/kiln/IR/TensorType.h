//===- TensorType.h - element type, shape and quantization ------*- C++ -*-===//
// The type of every graph IR value: an element type, a shape whose dimensions
// are static, named symbols or unknown, and optional quantization parameters.
//===----------------------------------------------------------------------===//
#ifndef KILN_IR_TENSORTYPE_H
#define KILN_IR_TENSORTYPE_H

#include "kiln/IR/ElementType.h"

#include <optional>
#include <string>
#include <vector>

namespace kiln {

/// One dimension: a static size, a named symbol ("N") or unknown ("?").
class Dim {
public:
  Dim() = default; // unknown
  Dim(int64_t size) : size_(size) {}
  static Dim symbol(std::string name) {
    Dim d;
    d.symbol_ = std::move(name);
    return d;
  }
  static Dim unknown() { return Dim(); }

  bool isStatic() const { return size_ >= 0; }
  bool isSymbol() const { return size_ < 0 && !symbol_.empty(); }
  bool isUnknown() const { return size_ < 0 && symbol_.empty(); }
  int64_t size() const { return size_; } // -1 unless static
  const std::string &symbolName() const { return symbol_; }

  bool operator==(const Dim &o) const {
    return size_ == o.size_ && symbol_ == o.symbol_;
  }
  bool operator!=(const Dim &o) const { return !(*this == o); }
  std::string str() const;

private:
  int64_t size_ = -1;
  std::string symbol_;
};

/// Scale and zero point, per tensor (axis == -1, one entry) or per axis.
struct QuantParams {
  int64_t axis = -1;
  std::vector<double> scales;
  std::vector<int64_t> zeroPoints;

  bool operator==(const QuantParams &o) const {
    return axis == o.axis && scales == o.scales && zeroPoints == o.zeroPoints;
  }
  bool operator!=(const QuantParams &o) const { return !(*this == o); }
};

/// The type of a tensor value. An unranked type has no dims at all.
class TensorType {
public:
  TensorType() = default;
  TensorType(ElementType elem, std::vector<Dim> dims)
      : elem_(elem), dims_(std::move(dims)) {}
  TensorType(ElementType elem, const std::vector<int64_t> &shape);
  static TensorType unranked(ElementType elem) {
    TensorType t(elem, std::vector<Dim>{});
    t.ranked_ = false;
    return t;
  }

  ElementType elementType() const { return elem_; }
  void setElementType(ElementType e) { elem_ = e; }
  bool isRanked() const { return ranked_; }
  size_t rank() const { return dims_.size(); }
  const std::vector<Dim> &dims() const { return dims_; }
  const Dim &dim(size_t i) const { return dims_.at(i); }
  void setDims(std::vector<Dim> dims) {
    dims_ = std::move(dims);
    ranked_ = true;
  }

  bool hasStaticShape() const;
  /// The static shape; throws if some dimension is not static.
  std::vector<int64_t> staticShape() const;
  /// Number of elements, or -1 if the shape is not static.
  int64_t numElements() const;

  const std::optional<QuantParams> &quant() const { return quant_; }
  void setQuant(std::optional<QuantParams> q) { quant_ = std::move(q); }

  /// True if a value of type `concrete` may be used where this type is
  /// expected: same element type, rank and all static dims equal.
  bool isCompatibleWith(const TensorType &concrete) const;

  bool operator==(const TensorType &o) const {
    return elem_ == o.elem_ && ranked_ == o.ranked_ && dims_ == o.dims_ &&
           quant_ == o.quant_;
  }
  bool operator!=(const TensorType &o) const { return !(*this == o); }

  /// Textual form, e.g. "f32[1,3,N,?]" or "i8[4]{quant(0.5, 3)}".
  std::string str() const;

private:
  ElementType elem_ = ElementType::F32;
  bool ranked_ = true;
  std::vector<Dim> dims_;
  std::optional<QuantParams> quant_;
};

/// Formats a static shape as "[2,3]".
std::string shapeStr(const std::vector<int64_t> &shape);

} // namespace kiln

#endif
