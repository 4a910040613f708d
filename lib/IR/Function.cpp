//===- Function.cpp -------------------------------------------------------===//
#include "kiln/IR/Function.h"
#include "kiln/IR/Module.h"

#include <algorithm>

namespace kiln {

Function::~Function() {
  // Drop nodes last-to-first so uses disappear before their values.
  while (!nodes_.empty())
    nodes_.pop_back();
}

std::string Function::uniqueName(const std::string &hint) {
  if (!hint.empty() && !names_.count(hint))
    return hint;
  std::string base = hint.empty() ? "" : hint + ".";
  while (true) {
    std::string candidate = base + std::to_string(nextTemp_++);
    if (!names_.count(candidate))
      return candidate;
  }
}

Value *Function::newValue(const std::string &name, TensorType type,
                          Node *producer, unsigned index) {
  std::string unique = uniqueName(name);
  names_.insert(unique);
  values_.push_back(
      std::make_unique<Value>(this, unique, std::move(type), producer, index));
  return values_.back().get();
}

Value *Function::addInput(const std::string &name, TensorType type) {
  Value *v = newValue(name, std::move(type), nullptr, 0);
  inputs_.push_back(v);
  return v;
}

void Function::removeInput(size_t i) {
  check(i < inputs_.size(), "no input {} in function '{}'", i, name_);
  Value *v = inputs_[i];
  check(!v->hasUses() &&
            std::find(outputs_.begin(), outputs_.end(), v) == outputs_.end(),
        "input '{}' of function '{}' is still used", v->name(), name_);
  inputs_.erase(inputs_.begin() + i);
}

Node *Function::createNode(OpKind kind, const std::vector<Value *> &operands,
                           const std::vector<TensorType> &resultTypes,
                           const std::string &name,
                           const std::vector<std::string> &resultNames) {
  return createNodeBefore(nodes_.end(), kind, operands, resultTypes, name,
                          resultNames);
}

Node *Function::createNodeBefore(NodeList::iterator pos, OpKind kind,
                                 const std::vector<Value *> &operands,
                                 const std::vector<TensorType> &resultTypes,
                                 const std::string &name,
                                 const std::vector<std::string> &resultNames) {
  auto node = std::make_unique<Node>(this, kind, name);
  Node *n = node.get();
  for (Value *v : operands)
    n->addOperand(v);
  for (size_t i = 0; i < resultTypes.size(); ++i) {
    std::string hint = i < resultNames.size() ? resultNames[i] : "";
    n->results_.push_back(newValue(hint, resultTypes[i], n, unsigned(i)));
  }
  nodes_.insert(pos, std::move(node));
  return n;
}

Function::NodeList::iterator Function::find(const Node *node) {
  return std::find_if(nodes_.begin(), nodes_.end(),
                      [&](const auto &p) { return p.get() == node; });
}

void Function::eraseNode(Node *node) {
  for (Value *r : node->results()) {
    check(!r->hasUses(), "cannot erase {}: result '{}' still has uses",
          node->describe(), r->name());
    check(std::find(outputs_.begin(), outputs_.end(), r) == outputs_.end(),
          "cannot erase {}: result '{}' is a function output",
          node->describe(), r->name());
  }
  auto it = find(node);
  check(it != nodes_.end(), "{} is not in function '{}'", node->describe(),
        name_);
  std::vector<Value *> results = node->results();
  for (Value *r : results)
    names_.erase(r->name());
  nodes_.erase(it);
  values_.erase(std::remove_if(values_.begin(), values_.end(),
                               [&](const std::unique_ptr<Value> &v) {
                                 return std::find(results.begin(),
                                                  results.end(),
                                                  v.get()) != results.end();
                               }),
                values_.end());
}

void Function::replaceAllUsesWith(Value *from, Value *to) {
  std::vector<Use> uses = from->uses();
  for (const Use &u : uses)
    u.user->setOperand(u.index, to);
  for (Value *&out : outputs_)
    if (out == from)
      out = to;
}

Function &Module::main() const {
  check(!functions_.empty(), "module has no functions");
  if (Function *f = lookup("main"))
    return *f;
  return *functions_.front();
}

Function *Module::lookup(const std::string &name) const {
  for (const auto &f : functions_)
    if (f->name() == name)
      return f.get();
  return nullptr;
}

} // namespace kiln
