//===- Attribute.h - typed node attributes ----------------------*- C++ -*-===//
// A node attribute: an int, float, string, list of those, tensor, or a
// subgraph (the body of If/Loop/Scan).
//===----------------------------------------------------------------------===//
#ifndef KILN_IR_ATTRIBUTE_H
#define KILN_IR_ATTRIBUTE_H

#include "kiln/IR/Tensor.h"

#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace kiln {

class Function;

enum class AttrKind { Int, Float, String, Ints, Floats, Strings, Tensor, Graph };

const char *toString(AttrKind kind);

class Attribute {
public:
  Attribute() = default;
  Attribute(int64_t v) : value_(v) {}
  Attribute(int v) : value_(int64_t(v)) {}
  Attribute(float v) : value_(v) {}
  Attribute(std::string v) : value_(std::move(v)) {}
  Attribute(const char *v) : value_(std::string(v)) {}
  Attribute(std::vector<int64_t> v) : value_(std::move(v)) {}
  Attribute(std::vector<float> v) : value_(std::move(v)) {}
  Attribute(std::vector<std::string> v) : value_(std::move(v)) {}
  Attribute(std::shared_ptr<const Tensor> v) : value_(std::move(v)) {}
  Attribute(Tensor v) : value_(std::make_shared<const Tensor>(std::move(v))) {}
  Attribute(std::shared_ptr<Function> v) : value_(std::move(v)) {}

  AttrKind kind() const { return AttrKind(value_.index()); }

  int64_t getInt() const { return std::get<int64_t>(value_); }
  float getFloat() const { return std::get<float>(value_); }
  const std::string &getString() const { return std::get<std::string>(value_); }
  const std::vector<int64_t> &getInts() const {
    return std::get<std::vector<int64_t>>(value_);
  }
  const std::vector<float> &getFloats() const {
    return std::get<std::vector<float>>(value_);
  }
  const std::vector<std::string> &getStrings() const {
    return std::get<std::vector<std::string>>(value_);
  }
  const Tensor &getTensor() const {
    return *std::get<std::shared_ptr<const Tensor>>(value_);
  }
  std::shared_ptr<const Tensor> getTensorPtr() const {
    return std::get<std::shared_ptr<const Tensor>>(value_);
  }
  Function &getGraph() const { return *std::get<std::shared_ptr<Function>>(value_); }
  std::shared_ptr<Function> getGraphPtr() const {
    return std::get<std::shared_ptr<Function>>(value_);
  }

private:
  // Alternative order must match AttrKind.
  std::variant<int64_t, float, std::string, std::vector<int64_t>,
               std::vector<float>, std::vector<std::string>,
               std::shared_ptr<const Tensor>, std::shared_ptr<Function>>
      value_;
};

} // namespace kiln

#endif
