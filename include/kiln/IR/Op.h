//===- Op.h - the op definition table ---------------------------*- C++ -*-===//
// OpKind and OpInfo are generated from the .def files in IR/ops/: one entry
// per op gives its operand/result counts, attributes and type inference.
//===----------------------------------------------------------------------===//
#ifndef KILN_IR_OP_H
#define KILN_IR_OP_H

#include "kiln/IR/Attribute.h"

#include <optional>
#include <string_view>

namespace kiln {

class InferContext;

enum class OpKind : uint16_t {
#define KILN_OP(NAME, ...) NAME,
#include "kiln/IR/ops/Ops.def"
};

/// One attribute of an op: its name, kind, and whether it is required or has
/// a default value.
struct AttrSpec {
  const char *name;
  AttrKind kind;
  bool required;
  std::optional<Attribute> defaultValue;
};

using InferFn = void (*)(InferContext &);

/// Static description of an op, from the op table.
struct OpInfo {
  OpKind kind;
  const char *name;
  int minInputs, maxInputs;   // maxInputs == -1: variadic
  int minOutputs, maxOutputs; // maxOutputs == -1: variadic
  InferFn infer;
  std::vector<AttrSpec> attrs;

  const AttrSpec *findAttr(std::string_view attrName) const;
};

const OpInfo &getOpInfo(OpKind kind);
std::optional<OpKind> lookupOp(std::string_view name);
inline const char *toString(OpKind kind) { return getOpInfo(kind).name; }
/// All op kinds in table order.
const std::vector<OpKind> &allOps();

} // namespace kiln

#endif
