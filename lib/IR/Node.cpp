//===- Node.cpp -----------------------------------------------------------===//
#include "kiln/IR/Node.h"
#include "kiln/IR/Function.h"

#include <algorithm>

namespace kiln {

static void removeUse(Value *v, Node *user, unsigned index) {
  if (v)
    v->removeUse(Use{user, index});
}

Node::~Node() {
  for (size_t i = 0; i < operands_.size(); ++i)
    removeUse(operands_[i], this, unsigned(i));
}

void Node::setOperand(size_t i, Value *v) {
  removeUse(operands_.at(i), this, unsigned(i));
  operands_[i] = v;
  if (v)
    v->addUse(Use{this, unsigned(i)});
}

void Node::addOperand(Value *v) {
  operands_.push_back(nullptr);
  setOperand(operands_.size() - 1, v);
}

void Node::setOperands(const std::vector<Value *> &vs) {
  for (size_t i = 0; i < operands_.size(); ++i)
    removeUse(operands_[i], this, unsigned(i));
  operands_.clear();
  for (Value *v : vs)
    addOperand(v);
}

std::string Node::describe() const {
  // Unnamed nodes (common in hand-written IR) are named by their result.
  if (name_.empty() && !results_.empty())
    return fmt::format("node defining '%{}' ({})", results_[0]->name(),
                       opName());
  return fmt::format("node '{}' ({})", name_, opName());
}

const Attribute *Node::findAttr(const std::string &name) const {
  auto it = attrs_.find(name);
  if (it != attrs_.end())
    return &it->second;
  if (const AttrSpec *spec = info().findAttr(name))
    if (spec->defaultValue)
      return &*spec->defaultValue;
  return nullptr;
}

const Attribute &Node::requireAttr(const std::string &name,
                                   AttrKind kind) const {
  const Attribute *a = findAttr(name);
  if (!a)
    fail("{}: missing attribute '{}'", describe(), name);
  if (a->kind() != kind)
    fail("{}: attribute '{}' must be {}, not {}", describe(), name,
         toString(kind), toString(a->kind()));
  return *a;
}

int64_t Node::getInt(const std::string &name) const {
  return requireAttr(name, AttrKind::Int).getInt();
}
float Node::getFloat(const std::string &name) const {
  return requireAttr(name, AttrKind::Float).getFloat();
}
const std::string &Node::getString(const std::string &name) const {
  return requireAttr(name, AttrKind::String).getString();
}
const Tensor &Node::getTensor(const std::string &name) const {
  return requireAttr(name, AttrKind::Tensor).getTensor();
}
Function &Node::getGraph(const std::string &name) const {
  return requireAttr(name, AttrKind::Graph).getGraph();
}

const std::vector<int64_t> &Node::getInts(const std::string &name) const {
  static const std::vector<int64_t> empty;
  if (!findAttr(name))
    return empty;
  return requireAttr(name, AttrKind::Ints).getInts();
}
const std::vector<float> &Node::getFloats(const std::string &name) const {
  static const std::vector<float> empty;
  if (!findAttr(name))
    return empty;
  return requireAttr(name, AttrKind::Floats).getFloats();
}
const std::vector<std::string> &
Node::getStrings(const std::string &name) const {
  static const std::vector<std::string> empty;
  if (!findAttr(name))
    return empty;
  return requireAttr(name, AttrKind::Strings).getStrings();
}

} // namespace kiln
