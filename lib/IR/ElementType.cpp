//===- ElementType.cpp ----------------------------------------------------===//
#include "kiln/IR/ElementType.h"

namespace kiln {

const char *toString(ElementType type) {
  switch (type) {
#define KILN_ELEMENT_TYPE(E, N, T, O)                                          \
  case ElementType::E:                                                         \
    return N;
#include "kiln/IR/ElementTypes.def"
  }
  return "<invalid>";
}

std::optional<ElementType> parseElementType(std::string_view name) {
#define KILN_ELEMENT_TYPE(E, N, T, O)                                          \
  if (name == N)                                                               \
    return ElementType::E;
#include "kiln/IR/ElementTypes.def"
  return std::nullopt;
}

size_t byteSize(ElementType type) {
  return visitType(type, [](auto tag) {
    return sizeof(typename decltype(tag)::type);
  });
}

bool isFloat(ElementType type) {
  return type == ElementType::F16 || type == ElementType::BF16 ||
         type == ElementType::F32 || type == ElementType::F64;
}

bool isInteger(ElementType type) {
  return !isFloat(type) && type != ElementType::Bool;
}

bool isSigned(ElementType type) {
  switch (type) {
  case ElementType::I8:
  case ElementType::I16:
  case ElementType::I32:
  case ElementType::I64:
    return true;
  default:
    return isFloat(type);
  }
}

std::optional<ElementType> fromOnnxDataType(int onnxType) {
#define KILN_ELEMENT_TYPE(E, N, T, O)                                          \
  if (onnxType == O)                                                           \
    return ElementType::E;
#include "kiln/IR/ElementTypes.def"
  return std::nullopt;
}

int toOnnxDataType(ElementType type) {
  switch (type) {
#define KILN_ELEMENT_TYPE(E, N, T, O)                                          \
  case ElementType::E:                                                         \
    return O;
#include "kiln/IR/ElementTypes.def"
  }
  return 0;
}

} // namespace kiln
