//===- ElementType.h - tensor element types ---------------------*- C++ -*-===//
// The scalar types a Kiln tensor can hold, with their names, sizes and the
// mapping to C++ storage types used by the interpreter.
//===----------------------------------------------------------------------===//
#ifndef KILN_IR_ELEMENTTYPE_H
#define KILN_IR_ELEMENTTYPE_H

#include "kiln/Support/Error.h"
#include "kiln/Support/Float16.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace kiln {

enum class ElementType : uint8_t {
#define KILN_ELEMENT_TYPE(E, N, T, O) E,
#include "kiln/IR/ElementTypes.def"
};

/// The textual name, e.g. "f32".
const char *toString(ElementType type);
std::optional<ElementType> parseElementType(std::string_view name);
size_t byteSize(ElementType type);
bool isFloat(ElementType type);    // f16, bf16, f32, f64
bool isInteger(ElementType type);  // signed and unsigned integers, not bool
bool isSigned(ElementType type);   // signed integers and floats
std::optional<ElementType> fromOnnxDataType(int onnxType);
int toOnnxDataType(ElementType type);

/// Maps a C++ storage type to its ElementType.
template <typename T> struct ElementTypeOf;
#define KILN_ELEMENT_TYPE(E, N, T, O)                                          \
  template <> struct ElementTypeOf<T> {                                        \
    static constexpr ElementType value = ElementType::E;                       \
  };
#include "kiln/IR/ElementTypes.def"

/// Tag carrying a storage type for visitType.
template <typename T> struct TypeTag {
  using type = T;
};

/// Calls fn(TypeTag<T>{}) with the storage type of `type`.
template <typename Fn> decltype(auto) visitType(ElementType type, Fn &&fn) {
  switch (type) {
#define KILN_ELEMENT_TYPE(E, N, T, O)                                          \
  case ElementType::E:                                                         \
    return fn(TypeTag<T>{});
#include "kiln/IR/ElementTypes.def"
  }
  fail("invalid element type");
}

} // namespace kiln

#endif
