//===- Fuse.cpp - operator fusion into Fused nodes ------------------------===//
// Groups chains of nodes that can share one kernel (TVM's rules over the op
// patterns of OpPattern.h) and wraps each group in a Fused node with a body.
//===----------------------------------------------------------------------===//

#include "OpPattern.h"

#include "kiln/IR/Module.h"
#include "kiln/Transforms/GraphUtils.h"
#include "kiln/Transforms/Pass.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

namespace kiln {
namespace {

/// Constants with at most this many elements are copied into group bodies so
/// lowering sees shape operands and scalars as constants; larger ones
/// (weights) stay outside and become operands.
constexpr int64_t kInlineConstantLimit = 4096;

/// A chain of nodes in execution order; each member's result feeds only the
/// next member.
struct Group {
  std::vector<Node *> members;
  /// The OutEWiseFusable or CommReduce member, if any.
  Node *anchor = nullptr;
};

bool hasStaticTypes(const Node &n) {
  for (const Value *v : n.operands())
    if (v && !v->type().hasStaticShape())
      return false;
  for (const Value *v : n.results())
    if (!v->type().hasStaticShape())
      return false;
  return true;
}

/// Whether `n` may be a member of any group.
bool isFusable(const Node &n) {
  return n.kind() != OpKind::Constant && hasStaticTypes(n) &&
         opPatternOf(n) != OpPattern::Opaque;
}

/// The one result of `n` that is used, or null if none or several are.
Value *usedResult(const Node &n) {
  Value *found = nullptr;
  for (Value *r : n.results()) {
    if (!isUsed(*r))
      continue;
    if (found)
      return nullptr;
    found = r;
  }
  return found;
}

/// The node `group` may grow into after its tail, or null.
Node *nextMember(const Group &group, const std::set<const Node *> &grouped) {
  Node *tail = group.members.back();
  Value *out = usedResult(*tail);
  if (!out || out->uses().size() != 1 || isFunctionOutput(*out))
    return nullptr;
  Node *user = out->uses().front().user;
  if (grouped.count(user) || !isFusable(*user))
    return nullptr;

  switch (opPatternOf(*user)) {
  case OpPattern::ElemWise:
    // Broadcasting that grows the tail would recompute the whole group per
    // broadcast copy; only same-shape epilogues are free.
    return user->result(0)->type().dims() == out->type().dims() ? user
                                                                : nullptr;
  case OpPattern::Injective:
    return isLayoutOnly(*user) ? user : nullptr;
  case OpPattern::CommReduce:
    // An elementwise/injective prologue folds into the reduction's input.
    return group.anchor ? nullptr : user;
  case OpPattern::OutEWiseFusable:
  case OpPattern::Opaque:
    return nullptr;
  }
  return nullptr;
}

/// Greedy grouping in execution order: each ungrouped fusable node starts a
/// group that grows downstream as far as nextMember allows.
std::vector<Group> formGroups(Function &f) {
  std::vector<Group> groups;
  std::set<const Node *> grouped;
  for (auto &n : f.nodes()) {
    if (grouped.count(n.get()) || !isFusable(*n))
      continue;
    Group group;
    for (Node *member = n.get(); member; member = nextMember(group, grouped)) {
      OpPattern pattern = opPatternOf(*member);
      if (pattern == OpPattern::OutEWiseFusable ||
          pattern == OpPattern::CommReduce)
        group.anchor = member;
      group.members.push_back(member);
      grouped.insert(member);
    }
    if (group.members.size() > 1)
      groups.push_back(std::move(group));
  }
  return groups;
}

/// "fused_conv_add_relu", TVM-style, for groups whose anchor has no name.
std::string defaultName(const Group &group) {
  std::string name = "fused";
  for (size_t i = 0; i < group.members.size() && i < 4; ++i) {
    name += '_';
    for (const char *c = group.members[i]->opName(); *c; ++c)
      name += char(std::tolower(static_cast<unsigned char>(*c)));
  }
  return name;
}

/// Moves `group` into the body of a new Fused node at its last member.
void buildFusedNode(Function &f, const Group &group) {
  const std::set<const Node *> memberSet(group.members.begin(),
                                         group.members.end());
  Node *first = group.anchor ? group.anchor : group.members.front();
  Node *last = group.members.back();
  Value *out = usedResult(*last);
  if (!out)
    out = last->result(0);

  // External values used by members, in first-use order, and the small
  // constants the body gets its own copies of.
  std::vector<Value *> operands;
  std::vector<Node *> inlinedConstants;
  for (Node *m : group.members) {
    for (Value *v : m->operands()) {
      if (!v || (v->producer() && memberSet.count(v->producer())))
        continue;
      Node *producer = v->producer();
      bool small = producer && producer->kind() == OpKind::Constant &&
                   v->type().numElements() >= 0 &&
                   v->type().numElements() <= kInlineConstantLimit;
      if (small) {
        if (std::find(inlinedConstants.begin(), inlinedConstants.end(),
                      producer) == inlinedConstants.end())
          inlinedConstants.push_back(producer);
      } else if (std::find(operands.begin(), operands.end(), v) ==
                 operands.end()) {
        operands.push_back(v);
      }
    }
  }

  std::string name = first->name().empty() ? defaultName(group) : first->name();
  auto body = std::make_shared<Function>(name, &f);
  std::map<const Value *, Value *> mapped;
  for (Value *v : operands)
    mapped[v] = body->addInput(v->name(), v->type());
  auto cloneNode = [&](const Node &n) {
    std::vector<Value *> ops;
    for (Value *v : n.operands())
      ops.push_back(v ? mapped.at(v) : nullptr);
    std::vector<TensorType> types;
    std::vector<std::string> names;
    for (Value *r : n.results()) {
      types.push_back(r->type());
      names.push_back(r->name());
    }
    Node *clone = body->createNode(n.kind(), ops, types, n.name(), names);
    for (const auto &[attrName, attr] : n.attrs())
      clone->setAttr(attrName, attr);
    for (size_t i = 0; i < n.numResults(); ++i)
      mapped[n.result(i)] = clone->result(i);
  };
  for (Node *c : inlinedConstants)
    cloneNode(*c);
  for (Node *m : group.members)
    cloneNode(*m);
  body->setOutputs({mapped.at(out)});

  // Function has no rename, so the node that takes over the last member's
  // result name is created once the members (and that name) are gone.
  auto pos = std::next(f.find(last));
  const TensorType outType = out->type();
  const std::string outName = out->name();
  auto create = [&](Function::NodeList::iterator at,
                    const std::vector<std::string> &resultNames) {
    Node *fused = f.createNodeBefore(at, OpKind::Fused, operands, {outType},
                                     name, resultNames);
    fused->setAttr("body", Attribute(body));
    return fused;
  };
  Node *temp = create(pos, {});
  f.replaceAllUsesWith(out, temp->result(0));
  for (auto it = group.members.rbegin(); it != group.members.rend(); ++it)
    f.eraseNode(*it);
  Node *fused = create(f.find(temp), {outName});
  f.replaceAllUsesWith(temp->result(0), fused->result(0));
  f.eraseNode(temp);
  // Constants only the group used now live in its body alone.
  for (Node *c : inlinedConstants)
    if (!isUsed(*c->result(0)))
      f.eraseNode(c);
}

class Fuse : public GraphPass {
public:
  std::string_view name() const override { return "fuse"; }
  bool run(Module &module, const PassConfig &, PassStats &stats) override {
    // Top-level functions only: a group inside a Loop or If body would need
    // the lowering of control flow to handle Fused nodes in subgraphs.
    bool changed = false;
    for (const auto &f : module.functions()) {
      std::vector<Group> groups = formGroups(*f);
      for (const Group &group : groups) {
        buildFusedNode(*f, group);
        stats.add("groups fused");
        stats.add("nodes fused", int64_t(group.members.size()));
      }
      changed |= !groups.empty();
    }
    return changed;
  }
};

static RegisterPass<Module, Fuse>
    reg("fuse", "groups elementwise epilogues, prologues of reductions and "
                "reshapes into Fused nodes that lower to one kernel each");

} // namespace
} // namespace kiln
