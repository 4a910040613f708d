//===- Op.cpp - op table expansion ----------------------------------------===//
#include "kiln/IR/Op.h"
#include "kiln/IR/InferContext.h"

#include <unordered_map>

namespace kiln {

// Declare every inference function named in the table. Weak, so that an op
// whose inference is missing is reported (see hasInference) rather than
// failing the link of every tool.
#define KILN_OP(NAME, MININ, MAXIN, MINOUT, MAXOUT, INFER, ...)                \
  __attribute__((weak)) void INFER(InferContext &);
#include "kiln/IR/ops/Ops.def"

#define KILN_INT(N, D) AttrSpec{#N, AttrKind::Int, false, Attribute(int64_t(D))},
#define KILN_FLOAT(N, D) AttrSpec{#N, AttrKind::Float, false, Attribute(float(D))},
#define KILN_STRING(N, D)                                                      \
  AttrSpec{#N, AttrKind::String, false, Attribute(std::string(D))},
#define KILN_OPT(N, K) AttrSpec{#N, AttrKind::K, false, std::nullopt},
#define KILN_REQ(N, K) AttrSpec{#N, AttrKind::K, true, std::nullopt},

static std::vector<OpInfo> buildTable() {
  std::vector<OpInfo> table;
#define KILN_OP(NAME, MININ, MAXIN, MINOUT, MAXOUT, INFER, ...)                \
  table.push_back(OpInfo{OpKind::NAME, #NAME, MININ, MAXIN, MINOUT, MAXOUT,    \
                         &INFER, std::vector<AttrSpec>{__VA_ARGS__}});
#include "kiln/IR/ops/Ops.def"
  return table;
}

static const std::vector<OpInfo> &table() {
  static const std::vector<OpInfo> t = buildTable();
  return t;
}

const AttrSpec *OpInfo::findAttr(std::string_view attrName) const {
  for (const AttrSpec &spec : attrs)
    if (attrName == spec.name)
      return &spec;
  return nullptr;
}

const OpInfo &getOpInfo(OpKind kind) { return table().at(size_t(kind)); }

std::optional<OpKind> lookupOp(std::string_view name) {
  static const std::unordered_map<std::string_view, OpKind> byName = [] {
    std::unordered_map<std::string_view, OpKind> m;
    for (const OpInfo &info : table())
      m.emplace(info.name, info.kind);
    return m;
  }();
  auto it = byName.find(name);
  if (it == byName.end())
    return std::nullopt;
  return it->second;
}

const std::vector<OpKind> &allOps() {
  static const std::vector<OpKind> ops = [] {
    std::vector<OpKind> v;
    for (const OpInfo &info : table())
      v.push_back(info.kind);
    return v;
  }();
  return ops;
}

const char *toString(AttrKind kind) {
  switch (kind) {
  case AttrKind::Int:
    return "int";
  case AttrKind::Float:
    return "float";
  case AttrKind::String:
    return "string";
  case AttrKind::Ints:
    return "ints";
  case AttrKind::Floats:
    return "floats";
  case AttrKind::Strings:
    return "strings";
  case AttrKind::Tensor:
    return "tensor";
  case AttrKind::Graph:
    return "graph";
  }
  return "<invalid>";
}

} // namespace kiln
