//===- OnnxGraphCheck.cpp - structural checks before import ---------------===//
// Everything that reads an ONNX graph (ONNX's own shape inference included)
// assumes single definitions, defined names, topological order and
// well-typed attributes. These checks establish that for untrusted models,
// so later stages can rely on it and never crash.
//===----------------------------------------------------------------------===//
#include "OnnxInternal.h"

#include <onnx/defs/schema.h>

#include <functional>
#include <queue>
#include <unordered_map>

namespace kiln::onnxfe {

using onnx::AttributeProto;

std::string nodeLabel(const onnx::NodeProto &node) {
  if (!node.name().empty())
    return node.name();
  for (const std::string &out : node.output())
    if (!out.empty())
      return out;
  return node.op_type();
}

std::string describeNode(const onnx::NodeProto &node) {
  return fmt::format("node '{}' ({})", nodeLabel(node), node.op_type());
}

OpsetMap readOpsets(
    const google::protobuf::RepeatedPtrField<onnx::OperatorSetIdProto> &ids,
    const std::string &where) {
  OpsetMap map;
  for (const auto &id : ids) {
    std::string domain = normalizeDomain(id.domain());
    check(id.version() >= 1 && id.version() <= 1000000,
          "{}: opset version {} of domain '{}' is invalid", where, id.version(),
          domain);
    if (domain.empty())
      check(id.version() <= MaxOnnxOpset,
            "{}: unsupported ONNX opset {} (Kiln supports opsets 1 to {})",
            where, id.version(), MaxOnnxOpset);
    map[domain] = int(id.version());
  }
  return map;
}

AttributeProto::AttributeType attributeType(const AttributeProto &a) {
  if (a.type() != AttributeProto::UNDEFINED)
    return a.type();
  if (a.has_f())
    return AttributeProto::FLOAT;
  if (a.has_i())
    return AttributeProto::INT;
  if (a.has_s())
    return AttributeProto::STRING;
  if (a.has_t())
    return AttributeProto::TENSOR;
  if (a.has_g())
    return AttributeProto::GRAPH;
  if (a.has_sparse_tensor())
    return AttributeProto::SPARSE_TENSOR;
  if (a.floats_size())
    return AttributeProto::FLOATS;
  if (a.ints_size())
    return AttributeProto::INTS;
  if (a.strings_size())
    return AttributeProto::STRINGS;
  if (a.tensors_size())
    return AttributeProto::TENSORS;
  if (a.graphs_size())
    return AttributeProto::GRAPHS;
  return AttributeProto::UNDEFINED;
}

const char *attrTypeName(AttributeProto::AttributeType t) {
  switch (t) {
  case AttributeProto::FLOAT:
    return "float";
  case AttributeProto::INT:
    return "int";
  case AttributeProto::STRING:
    return "string";
  case AttributeProto::TENSOR:
    return "tensor";
  case AttributeProto::GRAPH:
    return "graph";
  case AttributeProto::SPARSE_TENSOR:
    return "sparse tensor";
  case AttributeProto::TYPE_PROTO:
    return "type";
  case AttributeProto::FLOATS:
    return "floats";
  case AttributeProto::INTS:
    return "ints";
  case AttributeProto::STRINGS:
    return "strings";
  case AttributeProto::TENSORS:
    return "tensors";
  case AttributeProto::GRAPHS:
    return "graphs";
  case AttributeProto::SPARSE_TENSORS:
    return "sparse tensors";
  case AttributeProto::TYPE_PROTOS:
    return "types";
  default:
    return "undefined";
  }
}

namespace {

// Adds the names `graph` reads but does not define to `out`.
void collectFree(const onnx::GraphProto &graph, std::set<std::string> &out) {
  std::set<std::string> defined;
  for (const auto &v : graph.input())
    defined.insert(v.name());
  for (const auto &t : graph.initializer())
    defined.insert(t.name());
  for (const auto &t : graph.sparse_initializer())
    defined.insert(t.values().name());
  for (const auto &n : graph.node())
    for (const std::string &o : n.output())
      defined.insert(o);
  auto use = [&](const std::string &name) {
    if (!name.empty() && !defined.count(name))
      out.insert(name);
  };
  for (const auto &n : graph.node()) {
    for (const std::string &in : n.input())
      use(in);
    for (const auto &a : n.attribute()) {
      std::set<std::string> inner;
      if (a.has_g())
        collectFree(a.g(), inner);
      for (const auto &g : a.graphs())
        collectFree(g, inner);
      for (const std::string &name : inner)
        use(name);
    }
  }
  for (const auto &o : graph.output())
    use(o.name());
}

// The names a graph may read: its own and those of enclosing graphs.
struct NameScope {
  const NameScope *outer;
  const std::set<std::string> *defined;
  const std::unordered_map<std::string, int> *produced;

  bool has(const std::string &name) const {
    for (const NameScope *s = this; s; s = s->outer)
      if (s->defined->count(name) || s->produced->count(name))
        return true;
    return false;
  }
};

class GraphChecker {
public:
  GraphChecker(const OpsetMap &opsets) : opsets_(opsets) {}

  void checkGraph(onnx::GraphProto &graph, const NameScope *outer, bool isMain,
                  int depth);
  void checkNodeAgainstSchema(onnx::NodeProto &node);

private:
  const OpsetMap &opsets_;
};

void GraphChecker::checkNodeAgainstSchema(onnx::NodeProto &node) {
  std::string domain = normalizeDomain(node.domain());
  auto it = opsets_.find(domain);
  check(it != opsets_.end() || !domain.empty(),
        "{}: the model does not import the default ONNX domain (no "
        "opset_import for '')",
        describeNode(node));
  // Record missing attribute types so every later reader sees them.
  for (auto &a : *node.mutable_attribute()) {
    check(!a.name().empty(), "{}: attribute without a name",
          describeNode(node));
    if (a.type() == AttributeProto::UNDEFINED && a.ref_attr_name().empty())
      a.set_type(attributeType(a));
  }
  if (!domain.empty())
    return; // other domains are reported as unsupported later
  for (const auto &a : node.attribute()) {
    std::string what =
        fmt::format("attribute '{}' of {}", a.name(), describeNode(node));
    if (a.has_t())
      validateTensorProto(a.t(), what);
    for (const auto &t : a.tensors())
      validateTensorProto(t, what);
    if (a.has_sparse_tensor()) {
      validateTensorProto(a.sparse_tensor().values(), what);
      validateTensorProto(a.sparse_tensor().indices(), what);
    }
  }
  const onnx::OpSchema *schema = findSchema(node.op_type(), it->second);
  if (!schema)
    return; // reported as unsupported later
  std::string where = describeNode(node);
  std::set<std::string> seen;
  for (const auto &a : node.attribute()) {
    check(seen.insert(a.name()).second, "{}: attribute '{}' is given twice",
          where, a.name());
    auto spec = schema->attributes().find(a.name());
    if (spec == schema->attributes().end() || !a.ref_attr_name().empty())
      continue;
    check(a.type() == spec->second.type,
          "{}: attribute '{}' must be {}, not {}", where, a.name(),
          attrTypeName(spec->second.type), attrTypeName(a.type()));
  }
  // libonnx knows opsets up to 17; newer forms may differ in arity.
  if (it->second > 17)
    return;
  for (const auto &[name, spec] : schema->attributes())
    check(!spec.required || seen.count(name),
          "{}: missing required attribute '{}'", where, name);

  int numInputs = node.input_size();
  check(numInputs >= schema->min_input(),
        "{}: has {} inputs, but opset {} needs at least {}", where, numInputs,
        it->second, schema->min_input());
  check(numInputs <= schema->max_input(),
        "{}: has {} inputs, but opset {} allows at most {}", where, numInputs,
        it->second, schema->max_input());
  const auto &formals = schema->inputs();
  for (int i = 0; i < numInputs && size_t(i) < formals.size(); ++i)
    check(!node.input(i).empty() ||
              formals[size_t(i)].GetOption() !=
                  onnx::OpSchema::FormalParameterOption::Single,
          "{}: required input {} ('{}') is missing", where, i,
          formals[size_t(i)].GetName());
  check(node.output_size() <= schema->max_output(),
        "{}: has {} outputs, but opset {} allows at most {}", where,
        node.output_size(), it->second, schema->max_output());
  check(node.output_size() >= schema->min_output(),
        "{}: has {} outputs, but opset {} needs at least {}", where,
        node.output_size(), it->second, schema->min_output());
}

void GraphChecker::checkGraph(onnx::GraphProto &graph, const NameScope *outer,
                              bool isMain, int depth) {
  std::string where =
      fmt::format("graph '{}'", graph.name().empty() ? "main" : graph.name());
  check(depth < 64, "{}: subgraphs are nested too deeply", where);

  // Names visible in this graph, and which node defines each.
  std::set<std::string> defined;
  std::unordered_map<std::string, int> producer;
  for (const auto &v : graph.input()) {
    check(!v.name().empty(), "{}: an input has no name", where);
    check(defined.insert(v.name()).second, "{}: input '{}' is listed twice",
          where, v.name());
  }
  // Dims and tensor sizes are checked before ONNX's shape inference, which
  // trusts them.
  for (const auto &t : graph.initializer())
    validateTensorProto(t, fmt::format("initializer '{}'", t.name()));
  for (const auto &t : graph.sparse_initializer()) {
    validateTensorProto(t.values(),
                        fmt::format("initializer '{}'", t.values().name()));
    validateTensorProto(t.indices(), fmt::format("initializer '{}' indices",
                                                 t.values().name()));
  }
  for (const auto &v : graph.input())
    validateTypeDims(v.type(), fmt::format("input '{}'", v.name()));
  for (const auto &v : graph.output())
    validateTypeDims(v.type(), fmt::format("output '{}'", v.name()));
  for (const auto &v : graph.value_info())
    validateTypeDims(v.type(), fmt::format("value '{}'", v.name()));

  std::set<std::string> inits;
  auto addInit = [&](const std::string &name) {
    check(!name.empty(), "{}: an initializer has no name", where);
    check(inits.insert(name).second, "{}: initializer '{}' is given twice",
          where, name);
    defined.insert(name); // may also be an input: an overridable default
  };
  for (const auto &t : graph.initializer())
    addInit(t.name());
  for (const auto &t : graph.sparse_initializer())
    addInit(t.values().name());

  int numNodes = graph.node_size();
  for (int i = 0; i < numNodes; ++i) {
    onnx::NodeProto &node = *graph.mutable_node(i);
    check(!node.op_type().empty(), "{}: node {} ('{}') has no op_type", where,
          i, node.name());
    for (const std::string &out : node.output()) {
      if (out.empty())
        continue;
      auto [it, fresh] = producer.emplace(out, i);
      check(fresh && !defined.count(out),
            "{}: value '{}' is defined more than once (again by {})", where,
            out, describeNode(node));
    }
  }
  NameScope visible{outer, &defined, &producer};

  // Dependencies: explicit inputs plus what subgraphs capture.
  auto users = std::vector<std::vector<int>>(size_t(numNodes));
  std::vector<int> pending(size_t(numNodes), 0);
  for (int i = 0; i < numNodes; ++i) {
    onnx::NodeProto &node = *graph.mutable_node(i);
    checkNodeAgainstSchema(node);
    std::set<std::string> reads;
    for (const std::string &in : node.input()) {
      if (in.empty())
        continue;
      check(visible.has(in), "{}: input '{}' is not defined",
            describeNode(node), in);
      reads.insert(in);
    }
    for (auto &a : *node.mutable_attribute()) {
      std::vector<onnx::GraphProto *> subs;
      if (a.has_g())
        subs.push_back(a.mutable_g());
      for (auto &g : *a.mutable_graphs())
        subs.push_back(&g);
      for (onnx::GraphProto *sub : subs) {
        try {
          checkGraph(*sub, &visible, false, depth + 1);
        } catch (const Error &e) {
          fail("{}: in attribute '{}': {}", describeNode(node), a.name(),
               e.what());
        }
        collectFree(*sub, reads);
      }
    }
    for (const std::string &name : reads) {
      auto p = producer.find(name);
      if (p == producer.end())
        continue;
      check(p->second != i, "{}: reads its own result '{}' (a cycle)",
            describeNode(node), name);
      users[size_t(p->second)].push_back(i);
      ++pending[size_t(i)];
    }
  }

  // Kahn's algorithm, taking the lowest original index first so that an
  // already sorted graph keeps its order.
  std::priority_queue<int, std::vector<int>, std::greater<int>> ready;
  for (int i = 0; i < numNodes; ++i)
    if (pending[size_t(i)] == 0)
      ready.push(i);
  std::vector<int> order;
  while (!ready.empty()) {
    int i = ready.top();
    ready.pop();
    order.push_back(i);
    for (int u : users[size_t(i)])
      if (--pending[size_t(u)] == 0)
        ready.push(u);
  }
  if (int(order.size()) != numNodes) {
    for (int i = 0; i < numNodes; ++i)
      if (pending[size_t(i)] > 0)
        fail("{}: the nodes form a cycle through {}", where,
             describeNode(graph.node(i)));
  }
  bool sorted = true;
  for (int i = 0; i < numNodes; ++i)
    sorted &= order[size_t(i)] == i;
  if (!sorted) {
    google::protobuf::RepeatedPtrField<onnx::NodeProto> nodes;
    for (int i : order)
      *nodes.Add() = graph.node(i);
    graph.mutable_node()->Swap(&nodes);
  }

  if (isMain)
    check(graph.output_size() > 0, "{}: the graph has no outputs", where);
  for (const auto &o : graph.output()) {
    check(!o.name().empty(), "{}: an output has no name", where);
    check(visible.has(o.name()), "{}: output '{}' is not defined", where,
          o.name());
  }
}

} // namespace

std::set<std::string> freeNames(const onnx::GraphProto &graph) {
  std::set<std::string> out;
  collectFree(graph, out);
  return out;
}

namespace {

using FunctionKey = std::pair<std::string, std::string>;

void collectCalls(
    const google::protobuf::RepeatedPtrField<onnx::NodeProto> &nodes,
    const std::map<FunctionKey, const onnx::FunctionProto *> &fns,
    std::set<FunctionKey> &calls) {
  for (const auto &n : nodes) {
    FunctionKey key{normalizeDomain(n.domain()), n.op_type()};
    if (fns.count(key))
      calls.insert(key);
    for (const auto &a : n.attribute()) {
      if (a.has_g())
        collectCalls(a.g().node(), fns, calls);
      for (const auto &g : a.graphs())
        collectCalls(g.node(), fns, calls);
    }
  }
}

// Model-local functions must not call themselves, directly or not: ONNX's
// shape inference and the inliner would recurse forever.
void checkFunctionCalls(const onnx::ModelProto &model) {
  std::map<FunctionKey, const onnx::FunctionProto *> fns;
  for (const auto &fn : model.functions())
    fns[{normalizeDomain(fn.domain()), fn.name()}] = &fn;
  std::map<FunctionKey, int> state; // 1: on the stack, 2: done
  std::function<void(const FunctionKey &, int)> visit =
      [&](const FunctionKey &key, int depth) {
        check(depth < 32, "model functions are nested more than 32 deep");
        int &st = state[key];
        check(st != 1,
              "model function '{}' calls itself (recursion is not "
              "supported)",
              key.second);
        if (st == 2)
          return;
        st = 1;
        std::set<FunctionKey> calls;
        collectCalls(fns.at(key)->node(), fns, calls);
        for (const FunctionKey &callee : calls)
          visit(callee, depth + 1);
        state[key] = 2;
      };
  for (const auto &[key, fn] : fns)
    visit(key, 0);
}

} // namespace

void checkModel(onnx::ModelProto &model, const OpsetMap &opsets) {
  check(model.has_graph(), "the model has no graph");
  checkFunctionCalls(model);
  GraphChecker checker(opsets);
  checker.checkGraph(*model.mutable_graph(), nullptr, true, 0);
  for (auto &fn : *model.mutable_functions()) {
    std::string where = fmt::format("function '{}'", fn.name());
    OpsetMap fnOpsets = opsets;
    for (const auto &[domain, version] : readOpsets(fn.opset_import(), where))
      fnOpsets[domain] = version;
    GraphChecker fnChecker(fnOpsets);
    std::set<std::string> defined(fn.input().begin(), fn.input().end());
    for (auto &node : *fn.mutable_node()) {
      try {
        fnChecker.checkNodeAgainstSchema(node);
      } catch (const Error &e) {
        fail("{}: {}", where, e.what());
      }
      for (const std::string &in : node.input())
        check(in.empty() || defined.count(in),
              "{}: {}: input '{}' is not defined before its use", where,
              describeNode(node), in);
      for (const std::string &out : node.output())
        check(out.empty() || defined.insert(out).second,
              "{}: value '{}' is defined more than once", where, out);
    }
    for (const std::string &out : fn.output())
      check(defined.count(out), "{}: output '{}' is not defined", where, out);
  }
}

} // namespace kiln::onnxfe
