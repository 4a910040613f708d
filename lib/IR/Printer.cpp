//===- Printer.cpp - graph IR to text -------------------------------------===//
// The grammar is documented in docs/ir.md; Parser.cpp reads what this writes.
//===----------------------------------------------------------------------===//
#include "kiln/IR/Printer.h"
#include "TextSyntax.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unordered_map>

namespace kiln {

using text::nameOrQuote;

namespace {

// Side-file offsets are aligned so that a loader can map the file and use
// the data in place with any vector width.
constexpr uint64_t SideFileAlignment = 64;

bool hostIsLittleEndian() {
  const uint16_t probe = 1;
  uint8_t first;
  std::memcpy(&first, &probe, 1);
  return first == 1;
}

/// The tensor's bytes in little-endian order.
std::string littleEndianBytes(const Tensor &t) {
  std::string bytes(reinterpret_cast<const char *>(t.rawData()), t.byteSize());
  size_t width = byteSize(t.elementType());
  if (!hostIsLittleEndian() && width > 1)
    for (size_t i = 0; i + width <= bytes.size(); i += width)
      std::reverse(bytes.begin() + long(i), bytes.begin() + long(i + width));
  return bytes;
}

/// A float attribute must not read back as an int: "1" becomes "1.0".
std::string floatAttrStr(float v) {
  std::string s = text::formatFloat(v);
  if (s.find_first_of(".en") == std::string::npos)
    s += ".0";
  return s;
}

std::string elementStr(const Tensor &t, int64_t i) {
  return visitType(t.elementType(), [&](auto tag) -> std::string {
    using T = typename decltype(tag)::type;
    T v = t.data<T>()[i];
    if constexpr (std::is_same_v<T, bool>)
      return v ? "true" : "false";
    else if constexpr (std::is_same_v<T, double>)
      return text::formatDouble(v);
    else if constexpr (std::is_floating_point_v<T> || std::is_same_v<T, Half> ||
                       std::is_same_v<T, BFloat16>)
      return text::formatFloat(float(v));
    else if constexpr (std::is_signed_v<T>)
      return fmt::format("{}", int64_t(v));
    else
      return fmt::format("{}", uint64_t(v));
  });
}

const char *listKindName(AttrKind kind) {
  switch (kind) {
  case AttrKind::Ints:
    return "ints";
  case AttrKind::Floats:
    return "floats";
  default:
    return "strings";
  }
}

class Printer {
public:
  Printer(std::ostream &os, const PrintOptions &options)
      : os_(os), options_(options) {}

  void printModule(const Module &module);

private:
  struct Scope {
    const Function *function;
    // Values defined so far, by name, as the parser will see them.
    std::unordered_map<std::string, const Value *> defined;
  };

  void printFunction(const Function &f, unsigned indent);
  void printNode(const Node &n, unsigned indent);
  void printAttr(const Attribute &attr, const AttrSpec *spec, unsigned indent);
  void printTensor(const Tensor &t);
  std::string valueRef(const Value *v) const;
  void define(const Value *v) { scopes_.back().defined[v->name()] = v; }

  std::ostream &os_;
  const PrintOptions &options_;
  std::vector<Scope> scopes_;
  std::ofstream side_;
  uint64_t sideSize_ = 0;
};

void Printer::printModule(const Module &module) {
  os_ << "module {";
  bool first = true;
  for (const auto &[key, value] : module.metadata()) {
    os_ << (first ? "" : ", ") << text::identOrQuote(key) << " = "
        << text::quote(value);
    first = false;
  }
  os_ << "}\n";
  for (const auto &f : module.functions()) {
    if (!f)
      continue;
    os_ << "\n";
    printFunction(*f, 0);
    os_ << "\n";
  }
  if (side_.is_open()) {
    side_.close();
    check(!side_.fail(), "cannot write side file '{}'", options_.sideFilePath);
  }
}

// Prints "func @name(...) {...}" without a trailing newline; the body is
// indented two spaces deeper than `indent`.
void Printer::printFunction(const Function &f, unsigned indent) {
  scopes_.push_back(Scope{&f, {}});
  std::string pad(indent + 2, ' ');
  os_ << "func @" << nameOrQuote(f.name()) << "(";
  for (size_t i = 0; i < f.inputs().size(); ++i) {
    const Value *in = f.inputs()[i];
    os_ << (i ? ", " : "") << "%" << nameOrQuote(in->name()) << ": "
        << in->type().str();
    define(in);
  }
  os_ << ") {\n";
  for (const auto &n : f.nodes())
    printNode(*n, indent + 2);
  os_ << pad << "return";
  for (size_t i = 0; i < f.outputs().size(); ++i)
    os_ << (i ? ", " : " ") << valueRef(f.outputs()[i]);
  os_ << "\n" << std::string(indent, ' ') << "}";
  scopes_.pop_back();
}

// A value reference resolves to the innermost value of that name defined so
// far; a value hidden by a nearer one of the same name gets "^levels".
std::string Printer::valueRef(const Value *v) const {
  if (!v)
    return "_";
  std::string ref = "%" + nameOrQuote(v->name());
  for (size_t i = scopes_.size(); i-- > 0;) {
    auto it = scopes_[i].defined.find(v->name());
    if (it == scopes_[i].defined.end())
      continue;
    if (it->second == v)
      return ref;
    break;
  }
  for (size_t i = scopes_.size(); i-- > 0;) {
    auto it = scopes_[i].defined.find(v->name());
    if (it != scopes_[i].defined.end() && it->second == v)
      return ref + "^" + std::to_string(scopes_.size() - 1 - i);
  }
  return ref; // not in scope: the module is malformed
}

void Printer::printNode(const Node &n, unsigned indent) {
  os_ << std::string(indent, ' ');
  for (size_t i = 0; i < n.numResults(); ++i)
    os_ << (i ? ", " : "") << "%" << nameOrQuote(n.result(i)->name());
  if (n.numResults())
    os_ << " = ";
  os_ << n.opName() << "(";
  for (size_t i = 0; i < n.numOperands(); ++i)
    os_ << (i ? ", " : "") << valueRef(n.operand(i));
  os_ << ")";
  if (!n.attrs().empty()) {
    os_ << " {";
    bool first = true;
    for (const auto &[name, attr] : n.attrs()) {
      os_ << (first ? "" : ", ") << text::identOrQuote(name) << " = ";
      printAttr(attr, n.info().findAttr(name), indent);
      first = false;
    }
    os_ << "}";
  }
  for (size_t i = 0; i < n.numResults(); ++i)
    os_ << (i ? ", " : " : ") << n.result(i)->type().str();
  if (!n.name().empty())
    os_ << " loc(" << text::quote(n.name()) << ")";
  os_ << "\n";
  for (const Value *r : n.results())
    define(r);
}

void Printer::printAttr(const Attribute &attr, const AttrSpec *spec,
                        unsigned indent) {
  auto listOpen = [&](size_t size) {
    // An empty list names its kind unless the op table already does.
    if (size == 0 && !(spec && spec->kind == attr.kind()))
      os_ << listKindName(attr.kind());
    os_ << "[";
  };
  switch (attr.kind()) {
  case AttrKind::Int:
    os_ << std::to_string(attr.getInt()); // not locale-dependent
    return;
  case AttrKind::Float:
    os_ << floatAttrStr(attr.getFloat());
    return;
  case AttrKind::String:
    os_ << text::quote(attr.getString());
    return;
  case AttrKind::Ints: {
    const auto &v = attr.getInts();
    listOpen(v.size());
    os_ << fmt::format("{}", fmt::join(v, ", ")) << "]";
    return;
  }
  case AttrKind::Floats: {
    const auto &v = attr.getFloats();
    listOpen(v.size());
    for (size_t i = 0; i < v.size(); ++i)
      os_ << (i ? ", " : "") << floatAttrStr(v[i]);
    os_ << "]";
    return;
  }
  case AttrKind::Strings: {
    const auto &v = attr.getStrings();
    listOpen(v.size());
    for (size_t i = 0; i < v.size(); ++i)
      os_ << (i ? ", " : "") << text::quote(v[i]);
    os_ << "]";
    return;
  }
  case AttrKind::Tensor:
    check(attr.getTensorPtr() != nullptr, "tensor attribute holds no tensor");
    printTensor(attr.getTensor());
    return;
  case AttrKind::Graph:
    check(attr.getGraphPtr() != nullptr, "graph attribute holds no function");
    printFunction(attr.getGraph(), indent);
    return;
  }
}

void Printer::printTensor(const Tensor &t) {
  std::string type = t.type().str();
  if (options_.elideElementsAbove >= 0 &&
      t.numElements() > options_.elideElementsAbove) {
    os_ << "dense<" << type << ">[...]";
    return;
  }
  if (options_.sideFilePath.empty() ||
      t.numElements() <= options_.inlineElementLimit) {
    os_ << "dense<" << type << ">[";
    for (int64_t i = 0; i < t.numElements(); ++i)
      os_ << (i ? ", " : "") << elementStr(t, i);
    os_ << "]";
    return;
  }
  if (!side_.is_open()) {
    side_.open(options_.sideFilePath,
               std::ios::binary | std::ios::out | std::ios::trunc);
    check(side_.is_open(), "cannot create side file '{}'",
          options_.sideFilePath);
  }
  uint64_t offset = (sideSize_ + SideFileAlignment - 1) / SideFileAlignment *
                    SideFileAlignment;
  side_ << std::string(offset - sideSize_, '\0') << littleEndianBytes(t);
  check(!side_.fail(), "cannot write side file '{}'", options_.sideFilePath);
  sideSize_ = offset + t.byteSize();
  std::string fileName =
      std::filesystem::path(options_.sideFilePath).filename().string();
  os_ << "blob<" << type << ">(" << text::quote(fileName) << ", "
      << std::to_string(offset) << ")";
}

} // namespace

void print(const Module &module, std::ostream &os,
           const PrintOptions &options) {
  Printer(os, options).printModule(module);
}

std::string toText(const Module &module, const PrintOptions &options) {
  std::ostringstream os;
  print(module, os, options);
  return os.str();
}

} // namespace kiln
