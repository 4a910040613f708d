//===- CSE.cpp - merge nodes that compute the same thing ------------------===//
// The cse pass: a node with the same op, operands, attributes and result
// count as an earlier one (identical constants included) is replaced by it.
//===----------------------------------------------------------------------===//

#include "Folding.h"

#include "kiln/IR/Module.h"
#include "kiln/Transforms/GraphUtils.h"
#include "kiln/Transforms/Pass.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <string_view>
#include <unordered_map>

namespace kiln {
namespace {

/// Tensor attributes (constants) larger than this are not hashed or merged.
constexpr int64_t kMaxTensorElements = int64_t(1) << 16;

size_t combine(size_t h, size_t v) {
  return h ^ (v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2));
}

uint32_t floatBits(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  return bits;
}

// Floats compare bitwise: NaN equals itself and -0 differs from 0, since
// either may change what the op computes.
bool floatsEqual(const std::vector<float> &a, const std::vector<float> &b) {
  if (a.size() != b.size())
    return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (floatBits(a[i]) != floatBits(b[i]))
      return false;
  return true;
}

bool attrEqual(const Attribute &a, const Attribute &b) {
  if (a.kind() != b.kind())
    return false;
  switch (a.kind()) {
  case AttrKind::Int:
    return a.getInt() == b.getInt();
  case AttrKind::Float:
    return floatBits(a.getFloat()) == floatBits(b.getFloat());
  case AttrKind::String:
    return a.getString() == b.getString();
  case AttrKind::Ints:
    return a.getInts() == b.getInts();
  case AttrKind::Floats:
    return floatsEqual(a.getFloats(), b.getFloats());
  case AttrKind::Strings:
    return a.getStrings() == b.getStrings();
  case AttrKind::Tensor:
    return a.getTensorPtr() == b.getTensorPtr() ||
           a.getTensor().identicalTo(b.getTensor());
  case AttrKind::Graph:
    return false;
  }
  return false;
}

size_t attrHash(const Attribute &a) {
  size_t h = size_t(a.kind());
  switch (a.kind()) {
  case AttrKind::Int:
    return combine(h, std::hash<int64_t>()(a.getInt()));
  case AttrKind::Float:
    return combine(h, floatBits(a.getFloat()));
  case AttrKind::String:
    return combine(h, std::hash<std::string>()(a.getString()));
  case AttrKind::Ints:
    for (int64_t v : a.getInts())
      h = combine(h, std::hash<int64_t>()(v));
    return h;
  case AttrKind::Floats:
    for (float v : a.getFloats())
      h = combine(h, floatBits(v));
    return h;
  case AttrKind::Strings:
    for (const std::string &s : a.getStrings())
      h = combine(h, std::hash<std::string>()(s));
    return h;
  case AttrKind::Tensor: {
    const Tensor &t = a.getTensor();
    h = combine(h, size_t(t.elementType()));
    for (int64_t d : t.shape())
      h = combine(h, std::hash<int64_t>()(d));
    std::string_view bytes(reinterpret_cast<const char *>(t.rawData()),
                           t.byteSize());
    return combine(h, std::hash<std::string_view>()(bytes));
  }
  case AttrKind::Graph:
    return h;
  }
  return h;
}

bool isCandidate(const Node &n) {
  if (n.numResults() == 0 || isNondeterministic(n) ||
      std::count(n.results().begin(), n.results().end(), nullptr))
    return false;
  for (const auto &[name, attr] : n.attrs()) {
    if (attr.kind() == AttrKind::Graph)
      return false;
    if (attr.kind() == AttrKind::Tensor &&
        attr.getTensor().numElements() > kMaxTensorElements)
      return false;
  }
  return true;
}

size_t nodeHash(const Node &n) {
  size_t h = combine(size_t(n.kind()), n.numResults());
  for (const Value *v : n.operands())
    h = combine(h, std::hash<const Value *>()(v));
  // Attributes as evaluated (explicit or the op's default), so `axis = 0`
  // written out matches an omitted default of 0.
  for (const AttrSpec &spec : n.info().attrs)
    if (const Attribute *a = n.findAttr(spec.name))
      h = combine(combine(h, std::hash<std::string_view>()(spec.name)),
                  attrHash(*a));
  return h;
}

bool sameNode(const Node &a, const Node &b) {
  if (a.kind() != b.kind() || a.operands() != b.operands() ||
      a.numResults() != b.numResults())
    return false;
  for (const AttrSpec &spec : a.info().attrs) {
    const Attribute *x = a.findAttr(spec.name);
    const Attribute *y = b.findAttr(spec.name);
    if (!x != !y || (x && !attrEqual(*x, *y)))
      return false;
  }
  // Attributes outside the op table (the verifier rejects them) must match
  // exactly too.
  for (const auto *n : {&a, &b})
    for (const auto &[name, attr] : n->attrs())
      if (!n->info().findAttr(name)) {
        const Node &other = n == &a ? b : a;
        if (!other.hasAttr(name) || !attrEqual(attr, *other.findAttr(name)))
          return false;
      }
  // Same bits under different quantization parameters are different values.
  for (size_t i = 0; i < a.numResults(); ++i) {
    const TensorType &ta = a.result(i)->type(), &tb = b.result(i)->type();
    if (ta.elementType() != tb.elementType() || ta.quant() != tb.quant())
      return false;
  }
  return true;
}

int64_t eliminate(Function &f) {
  int64_t eliminated = 0;
  std::unordered_map<size_t, std::vector<Node *>> seen;
  std::vector<Node *> order;
  for (auto &n : f.nodes())
    order.push_back(n.get());
  for (Node *node : order) {
    if (!isCandidate(*node))
      continue;
    // Operands were already redirected to surviving nodes, so chains of
    // duplicates collapse in this one sweep.
    std::vector<Node *> &bucket = seen[nodeHash(*node)];
    Node *match = nullptr;
    for (Node *earlier : bucket)
      if (sameNode(*earlier, *node)) {
        match = earlier;
        break;
      }
    if (!match) {
      bucket.push_back(node);
      continue;
    }
    replaceNode(f, *node, match->results());
    ++eliminated;
  }
  return eliminated;
}

class CSE : public GraphPass {
public:
  std::string_view name() const override { return "cse"; }

  bool run(Module &m, const PassConfig &, PassStats &stats) override {
    int64_t eliminated = 0;
    for (const auto &fn : m.functions())
      forEachFunction(*fn, [&](Function &f) { eliminated += eliminate(f); });
    if (eliminated)
      stats.add("nodes eliminated", eliminated);
    return eliminated != 0;
  }
};

RegisterPass<Module, CSE>
    reg("cse", "merge nodes with the same op, operands and attributes, and "
               "identical constants");

} // namespace
} // namespace kiln
