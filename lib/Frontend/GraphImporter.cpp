//===- GraphImporter.cpp - ONNX graphs to Kiln functions ------------------===//
#include "GraphImporter.h"
#include "kiln/IR/InferContext.h"

#include <onnx/defs/schema.h>

namespace kiln::onnxfe {

using onnx::AttributeProto;

namespace {

// Upgrade rules see the importer through this narrow interface.
class ScopeSink : public UpgradeSink {
public:
  ScopeSink(GraphImporter &importer, Scope &scope)
      : importer_(importer), scope_(scope) {}

  const TensorType *typeOf(const std::string &name) override {
    Value *v = find(name);
    return v ? &v->type() : nullptr;
  }
  const Tensor *constantOf(const std::string &name) override {
    Value *v = find(name);
    return v ? v->constantValue() : nullptr;
  }
  std::string constant(const Tensor &value, const std::string &hint) override {
    std::string name = importer_.freshName(scope_, hint);
    importer_.addConstant(scope_, value, name);
    return name;
  }
  std::string freshName(const std::string &hint) override {
    return importer_.freshName(scope_, hint);
  }
  bool isUsed(const std::string &name) override {
    return scope_.used.count(name) != 0;
  }
  void emit(const onnx::NodeProto &node) override {
    importer_.emitCanonical(node, scope_);
  }

private:
  Value *find(const std::string &name) {
    if (name.empty())
      return nullptr;
    bool found = false;
    return importer_.lookup(scope_, name, found);
  }

  GraphImporter &importer_;
  Scope &scope_;
};

// Adds every name the nodes read (subgraph captures included).
void collectUses(
    const google::protobuf::RepeatedPtrField<onnx::NodeProto> &nodes,
    std::set<std::string> &used) {
  for (const auto &n : nodes) {
    for (const std::string &in : n.input())
      if (!in.empty())
        used.insert(in);
    for (const auto &a : n.attribute()) {
      if (a.has_g())
        for (const std::string &name : freeNames(a.g()))
          used.insert(name);
      for (const auto &g : a.graphs())
        for (const std::string &name : freeNames(g))
          used.insert(name);
    }
  }
}

// Attributes a Kiln op may lack without changing the result: legacy
// optimization hints and inference-mode switches.
bool isHarmlessAttribute(const AttributeProto &a) {
  const std::string &n = a.name();
  return n == "consumed_inputs" || n == "is_test" || n == "output_sequence" ||
         (n == "spatial" && a.i() == 1);
}

AttributeProto::AttributeType protoTypeFor(AttrKind kind) {
  switch (kind) {
  case AttrKind::Int:
    return AttributeProto::INT;
  case AttrKind::Float:
    return AttributeProto::FLOAT;
  case AttrKind::String:
    return AttributeProto::STRING;
  case AttrKind::Ints:
    return AttributeProto::INTS;
  case AttrKind::Floats:
    return AttributeProto::FLOATS;
  case AttrKind::Strings:
    return AttributeProto::STRINGS;
  case AttrKind::Tensor:
    return AttributeProto::TENSOR;
  case AttrKind::Graph:
    return AttributeProto::GRAPH;
  }
  return AttributeProto::UNDEFINED;
}

using AttrMap = std::map<std::string, AttributeProto>;

void bindAttributeRefs(onnx::NodeProto &node, const AttrMap &attrs);

void bindGraphRefs(onnx::GraphProto &graph, const AttrMap &attrs) {
  for (auto &n : *graph.mutable_node())
    bindAttributeRefs(n, attrs);
}

// Replaces attribute references (ref_attr_name) of a function body node by
// the caller's attributes; a reference the caller leaves unset is dropped so
// the op's own default applies.
void bindAttributeRefs(onnx::NodeProto &node, const AttrMap &attrs) {
  google::protobuf::RepeatedPtrField<AttributeProto> bound;
  for (const auto &a : node.attribute()) {
    if (!a.ref_attr_name().empty()) {
      auto it = attrs.find(a.ref_attr_name());
      if (it == attrs.end())
        continue;
      AttributeProto b = it->second;
      b.set_name(a.name());
      b.clear_ref_attr_name();
      if (b.type() == AttributeProto::UNDEFINED)
        b.set_type(attributeType(b));
      *bound.Add() = std::move(b);
      continue;
    }
    AttributeProto b = a;
    if (b.has_g())
      bindGraphRefs(*b.mutable_g(), attrs);
    for (auto &g : *b.mutable_graphs())
      bindGraphRefs(g, attrs);
    *bound.Add() = std::move(b);
  }
  node.mutable_attribute()->Swap(&bound);
}

} // namespace

//===----------------------------------------------------------------------===//
// Names and values
//===----------------------------------------------------------------------===//

Value *GraphImporter::lookup(Scope &scope, const std::string &name,
                             bool &found) const {
  for (Scope *s = &scope; s; s = s->outer) {
    auto it = s->values.find(name);
    if (it != s->values.end()) {
      found = true;
      return it->second;
    }
  }
  found = false;
  return nullptr;
}

std::string GraphImporter::freshName(Scope &scope, const std::string &hint) {
  while (true) {
    std::string name = fmt::format("{}.k{}", hint, nextId_++);
    bool found = false;
    lookup(scope, name, found);
    if (!found && !scope.fn.isNameTaken(name))
      return name;
  }
}

Value *GraphImporter::addConstant(Scope &scope, const Tensor &value,
                                  const std::string &name) {
  Node *c =
      scope.fn.createNode(OpKind::Constant, {}, {value.type()}, name, {name});
  c->setAttr("value", Attribute(value));
  scope.values[name] = c->result();
  return c->result();
}

TensorType GraphImporter::declaredType(Scope &scope, const std::string &name,
                                       ElementType fallback) {
  if (!name.empty()) {
    auto it = scope.onnxTypes.find(name);
    if (it != scope.onnxTypes.end())
      if (auto t =
              tensorTypeFromProto(*it->second, fmt::format("value '{}'", name)))
        return *t;
  }
  return TensorType::unranked(fallback);
}

//===----------------------------------------------------------------------===//
// Graphs
//===----------------------------------------------------------------------===//

void GraphImporter::importMain(const onnx::GraphProto &graph,
                               const OpsetMap &opsets, Module &module) {
  Function &fn = module.addFunction("main");
  Scope scope(fn, nullptr, opsets);
  importGraphBody(graph, scope, /*isMain=*/true, {});
}

// A model whose declared output type contradicts what its graph computes is
// wrong somewhere; say so instead of silently returning another shape.
static void checkDeclaredOutput(const onnx::ValueInfoProto &o, const Value &v) {
  std::string what = fmt::format("output '{}'", o.name());
  std::optional<TensorType> declared = tensorTypeFromProto(o.type(), what);
  if (!declared)
    return;
  const TensorType &actual = v.type();
  bool agree = declared->elementType() == actual.elementType();
  if (agree && declared->isRanked() && actual.isRanked()) {
    agree = declared->rank() == actual.rank();
    for (size_t i = 0; agree && i < declared->rank(); ++i)
      agree = !declared->dim(i).isStatic() || !actual.dim(i).isStatic() ||
              declared->dim(i).size() == actual.dim(i).size();
  }
  check(agree, "{} is declared {} but the graph computes {}", what,
        declared->str(), actual.str());
}

void GraphImporter::importGraphBody(const onnx::GraphProto &graph, Scope &scope,
                                    bool isMain, const TypeHints &hints) {
  for (const auto &vi : graph.value_info())
    scope.onnxTypes[vi.name()] = &vi.type();
  for (const auto &vi : graph.output())
    scope.onnxTypes[vi.name()] = &vi.type();
  for (const auto &vi : graph.input())
    scope.onnxTypes[vi.name()] = &vi.type();
  collectUses(graph.node(), scope.used);
  for (const auto &o : graph.output())
    scope.used.insert(o.name());

  std::set<std::string> initNames;
  for (const auto &t : graph.initializer())
    initNames.insert(t.name());
  for (const auto &t : graph.sparse_initializer())
    initNames.insert(t.values().name());

  // Inputs that also have an initializer are constants (see docs/frontend.md).
  for (int i = 0; i < graph.input_size(); ++i) {
    const auto &vi = graph.input(i);
    if (initNames.count(vi.name()))
      continue;
    std::string what = fmt::format("input '{}'", vi.name());
    std::optional<TensorType> type = tensorTypeFromProto(vi.type(), what);
    const std::optional<TensorType> *hint =
        size_t(i) < hints.size() && hints[size_t(i)] ? &hints[size_t(i)]
                                                     : nullptr;
    if (!type) {
      check(hint != nullptr, "{} has no type", what);
      type = **hint;
    } else if (hint && !type->isRanked() && (*hint)->isRanked() &&
               (*hint)->elementType() == type->elementType()) {
      type = **hint;
    }
    scope.values[vi.name()] = scope.fn.addInput(vi.name(), *type);
  }

  for (const auto &t : graph.initializer())
    if (scope.used.count(t.name()))
      addConstant(scope,
                  tensorFromProto(t, baseDir_,
                                  fmt::format("initializer '{}'", t.name())),
                  t.name());
  for (const auto &t : graph.sparse_initializer())
    if (scope.used.count(t.values().name()))
      addConstant(
          scope,
          tensorFromSparseProto(
              t, baseDir_, fmt::format("initializer '{}'", t.values().name())),
          t.values().name());

  for (const auto &node : graph.node())
    importNode(node, scope);

  std::vector<Value *> outputs;
  for (const auto &o : graph.output()) {
    bool found = false;
    Value *v = lookup(scope, o.name(), found);
    check(found && v, "graph '{}': output '{}' is not defined", graph.name(),
          o.name());
    if (isMain)
      checkDeclaredOutput(o, *v);
    // Keep the model's output names visible, e.g. when an inlined function
    // passed an input straight through.
    if (isMain && v->name() != o.name() && !scope.fn.isNameTaken(o.name()))
      v = scope.fn
              .createNode(OpKind::Identity, {v}, {v->type()}, o.name(),
                          {o.name()})
              ->result();
    outputs.push_back(v);
  }
  scope.fn.setOutputs(outputs);
}

std::shared_ptr<Function>
GraphImporter::importSubgraph(const onnx::GraphProto &graph, Scope &outer,
                              const std::string &name, const TypeHints &hints) {
  auto fn = std::make_shared<Function>(name, &outer.fn);
  Scope scope(*fn, &outer, outer.opsets);
  importGraphBody(graph, scope, /*isMain=*/false, hints);
  return fn;
}

// Types of a body's inputs implied by the node that runs it, for bodies
// that leave them out.
GraphImporter::TypeHints
GraphImporter::subgraphHints(OpKind kind, const std::string &attrName,
                             const onnx::NodeProto &node,
                             const std::vector<Value *> &operands) {
  TypeHints hints;
  if (kind == OpKind::Loop && attrName == "body") {
    hints.push_back(TensorType(ElementType::I64, std::vector<Dim>{}));
    hints.push_back(TensorType(ElementType::Bool, std::vector<Dim>{}));
    for (size_t i = 2; i < operands.size(); ++i)
      hints.push_back(operands[i]
                          ? std::optional<TensorType>(TensorType::unranked(
                                operands[i]->type().elementType()))
                          : std::nullopt);
  } else if (kind == OpKind::Scan && attrName == "body") {
    int64_t numScan = 0;
    std::vector<int64_t> axes;
    for (const auto &a : node.attribute()) {
      if (a.name() == "num_scan_inputs")
        numScan = a.i();
      if (a.name() == "scan_input_axes")
        axes.assign(a.ints().begin(), a.ints().end());
    }
    int64_t numState = int64_t(operands.size()) - numScan;
    for (int64_t i = 0; i < int64_t(operands.size()); ++i) {
      if (!operands[size_t(i)] || numState < 0) {
        hints.push_back(std::nullopt);
        continue;
      }
      TensorType t = operands[size_t(i)]->type();
      if (i >= numState && t.isRanked() && t.rank() > 0) {
        int64_t j = i - numState;
        int64_t axis = size_t(j) < axes.size() ? axes[size_t(j)] : 0;
        int64_t rank = int64_t(t.rank());
        if (axis < 0)
          axis += rank;
        if (axis < 0 || axis >= rank) {
          hints.push_back(std::nullopt);
          continue;
        }
        std::vector<Dim> dims = t.dims();
        dims.erase(dims.begin() + axis);
        t.setDims(dims);
      }
      hints.push_back(t);
    }
  }
  return hints;
}

//===----------------------------------------------------------------------===//
// Nodes
//===----------------------------------------------------------------------===//

void GraphImporter::importNode(const onnx::NodeProto &node, Scope &scope) {
  std::string domain = normalizeDomain(node.domain());
  auto local = functions_.find({domain, node.op_type()});
  if (local != functions_.end()) {
    OpsetMap bodyOpsets = scope.opsets;
    for (const auto &id : local->second->opset_import())
      bodyOpsets[normalizeDomain(id.domain())] = int(id.version());
    inlineFunction(node, *local->second, bodyOpsets, nullptr, scope);
    return;
  }
  auto it = scope.opsets.find(domain);
  int version = it == scope.opsets.end() ? 0 : it->second;
  if (domain.empty()) {
    if (node.op_type() == "Constant")
      return importConstantNode(node, scope);
    if (kilnOpFor(node.op_type())) {
      ScopeSink sink(*this, scope);
      upgradeNode(node, version, sink);
      return;
    }
    if (tryExpandSchemaFunction(node, scope))
      return;
  }
  std::string op =
      domain.empty() ? node.op_type() : domain + "." + node.op_type();
  fail("unsupported ONNX operator '{}' (opset {}) in node '{}'", op, version,
       nodeLabel(node));
}

// Every form of ONNX's Constant becomes a Kiln Constant with a `value`.
void GraphImporter::importConstantNode(const onnx::NodeProto &n, Scope &scope) {
  std::string where = describeNode(n);
  check(n.output_size() == 1 && !n.output(0).empty(),
        "{}: must have exactly one output", where);
  check(n.attribute_size() == 1,
        "{}: must have exactly one value attribute, not {}", where,
        n.attribute_size());
  const AttributeProto &a = n.attribute(0);
  std::string what = fmt::format("attribute '{}' of {}", a.name(), where);
  auto expect = [&](AttributeProto::AttributeType type) {
    check(attributeType(a) == type, "{}: attribute '{}' must be {}, not {}",
          where, a.name(), attrTypeName(type), attrTypeName(attributeType(a)));
  };
  Tensor t;
  const std::string &kind = a.name();
  if (kind == "value") {
    expect(AttributeProto::TENSOR);
    t = tensorFromProto(a.t(), baseDir_, what);
  } else if (kind == "sparse_value") {
    expect(AttributeProto::SPARSE_TENSOR);
    t = tensorFromSparseProto(a.sparse_tensor(), baseDir_, what);
  } else if (kind == "value_float") {
    expect(AttributeProto::FLOAT);
    t = Tensor::scalar<float>(a.f());
  } else if (kind == "value_floats") {
    expect(AttributeProto::FLOATS);
    t = Tensor::fromVector<float>({a.floats().begin(), a.floats().end()},
                                  {int64_t(a.floats_size())});
  } else if (kind == "value_int") {
    expect(AttributeProto::INT);
    t = Tensor::scalar<int64_t>(a.i());
  } else if (kind == "value_ints") {
    expect(AttributeProto::INTS);
    t = Tensor::fromVector<int64_t>({a.ints().begin(), a.ints().end()},
                                    {int64_t(a.ints_size())});
  } else if (kind == "value_string" || kind == "value_strings") {
    fail("{}: string tensors are not supported", where);
  } else {
    fail("{}: attribute '{}' is not supported", where, kind);
  }
  const std::string &out = n.output(0);
  auto renamed = scope.resultNames.find(out);
  std::string name = renamed != scope.resultNames.end() ? renamed->second : out;
  Node *c = scope.fn.createNode(OpKind::Constant, {}, {t.type()}, nodeLabel(n),
                                {name});
  c->setAttr("value", Attribute(t));
  scope.values[out] = c->result();
}

Attribute GraphImporter::convertAttribute(const AttributeProto &a,
                                          const AttrSpec &spec,
                                          const onnx::NodeProto &node,
                                          const std::vector<Value *> &operands,
                                          OpKind kind, Scope &scope) {
  AttributeProto::AttributeType type = attributeType(a);
  AttributeProto::AttributeType want = protoTypeFor(spec.kind);
  check(type == want, "{}: attribute '{}' must be {}, not {}",
        describeNode(node), a.name(), attrTypeName(want), attrTypeName(type));
  switch (spec.kind) {
  case AttrKind::Int:
    return Attribute(int64_t(a.i()));
  case AttrKind::Float:
    return Attribute(a.f());
  case AttrKind::String:
    return Attribute(a.s());
  case AttrKind::Ints:
    return Attribute(std::vector<int64_t>(a.ints().begin(), a.ints().end()));
  case AttrKind::Floats:
    return Attribute(std::vector<float>(a.floats().begin(), a.floats().end()));
  case AttrKind::Strings:
    return Attribute(
        std::vector<std::string>(a.strings().begin(), a.strings().end()));
  case AttrKind::Tensor:
    return Attribute(tensorFromProto(
        a.t(), baseDir_,
        fmt::format("attribute '{}' of {}", a.name(), describeNode(node))));
  case AttrKind::Graph: {
    std::string name =
        a.g().name().empty() ? nodeLabel(node) + "." + a.name() : a.g().name();
    try {
      return Attribute(importSubgraph(
          a.g(), scope, name, subgraphHints(kind, a.name(), node, operands)));
    } catch (const Error &e) {
      fail("{}: in attribute '{}': {}", describeNode(node), a.name(), e.what());
    }
  }
  }
  fail("{}: attribute '{}' has an unknown kind", describeNode(node), a.name());
}

void GraphImporter::emitCanonical(const onnx::NodeProto &n, Scope &scope) {
  std::string where = describeNode(n);
  std::optional<OpKind> kind = lookupOp(n.op_type());
  check(kind && normalizeDomain(n.domain()).empty(),
        "{}: Kiln has no operator '{}'", where, n.op_type());
  const OpInfo &info = getOpInfo(*kind);

  std::vector<Value *> operands;
  for (const std::string &in : n.input()) {
    if (in.empty()) {
      operands.push_back(nullptr);
      continue;
    }
    bool found = false;
    Value *v = lookup(scope, in, found);
    check(found, "{}: input '{}' is not defined", where, in);
    operands.push_back(v);
  }
  // Loop's first two operands are positional even when both are absent.
  size_t keep = *kind == OpKind::Loop ? 2 : size_t(info.minInputs);
  while (operands.size() > keep && !operands.back())
    operands.pop_back();
  check(operands.size() >= keep, "{}: has {} inputs, needs at least {}", where,
        operands.size(), keep);
  int numOperands = int(operands.size());
  check(numOperands >= info.minInputs, "{}: has {} inputs, needs at least {}",
        where, numOperands, info.minInputs);
  check(info.maxInputs < 0 || numOperands <= info.maxInputs,
        "{}: has {} inputs, Kiln's {} takes at most {}", where, numOperands,
        info.name, info.maxInputs);
  for (int i = 0; i < info.minInputs; ++i)
    check(operands[size_t(i)] || *kind == OpKind::Loop,
          "{}: required input {} is missing", where, i);

  int numResults = 0;
  for (int i = 0; i < n.output_size(); ++i)
    if (!n.output(i).empty())
      numResults = i + 1;
  numResults = std::max(numResults, info.minOutputs);
  check(info.maxOutputs < 0 || numResults <= info.maxOutputs,
        "{}: has {} outputs, Kiln's {} produces at most {}", where, numResults,
        info.name, info.maxOutputs);

  ElementType fallback = ElementType::F32;
  for (Value *v : operands)
    if (v) {
      fallback = v->type().elementType();
      break;
    }
  std::vector<TensorType> types;
  std::vector<std::string> names;
  for (int i = 0; i < numResults; ++i) {
    std::string name = i < n.output_size() ? n.output(i) : std::string();
    types.push_back(declaredType(scope, name, fallback));
    auto renamed = scope.resultNames.find(name);
    names.push_back(renamed != scope.resultNames.end() ? renamed->second
                                                       : name);
  }
  Node *node = scope.fn.createNode(*kind, operands, types, nodeLabel(n), names);

  for (const auto &a : n.attribute()) {
    const AttrSpec *spec = info.findAttr(a.name());
    if (!spec) {
      if (isHarmlessAttribute(a))
        continue;
      fail("{}: attribute '{}' is not supported (Kiln's {} has no such "
           "attribute)",
           where, a.name(), info.name);
    }
    node->setAttr(a.name(),
                  convertAttribute(a, *spec, n, operands, *kind, scope));
  }
  for (const AttrSpec &spec : info.attrs)
    check(!spec.required || node->hasAttr(spec.name),
          "{}: missing required attribute '{}'", where, spec.name);

  try {
    refineResultTypes(*node);
  } catch (const Error &e) {
    // Until every op has Kiln inference, ONNX's types stand in.
    if (std::string(e.what()).find("no type inference") == std::string::npos)
      throw;
  }
  for (int i = 0; i < numResults && i < n.output_size(); ++i)
    if (!n.output(i).empty())
      scope.values[n.output(i)] = node->result(size_t(i));
}

//===----------------------------------------------------------------------===//
// Function bodies
//===----------------------------------------------------------------------===//

bool GraphImporter::tryExpandSchemaFunction(const onnx::NodeProto &node,
                                            Scope &scope) {
  int version = scope.opsets.count("") ? scope.opsets.at("") : 0;
  const onnx::OpSchema *schema = findSchema(node.op_type(), version);
  if (!schema)
    return false;
  onnx::FunctionProto built;
  const onnx::FunctionProto *body = nullptr;
  if (schema->HasFunction()) {
    body = schema->GetFunction();
  } else if (schema->HasContextDependentFunction()) {
    std::vector<onnx::TypeProto> types;
    for (const std::string &in : node.input()) {
      bool found = false;
      Value *v = in.empty() ? nullptr : lookup(scope, in, found);
      types.push_back(v ? typeProtoFromTensorType(v->type())
                        : onnx::TypeProto());
    }
    onnx::FunctionBodyBuildContextImpl ctx(node, types);
    bool ok = false;
    try {
      ok = schema->BuildContextDependentFunction(ctx, built);
    } catch (const std::exception &e) {
      fail("{}: cannot expand {} into its function body: {}",
           describeNode(node), node.op_type(), e.what());
    }
    check(ok,
          "{}: cannot expand {} into its function body for these input "
          "types",
          describeNode(node), node.op_type());
    body = &built;
  } else {
    return false;
  }
  OpsetMap bodyOpsets = scope.opsets;
  if (body->opset_import().empty())
    bodyOpsets[""] = schema->since_version();
  for (const auto &id : body->opset_import())
    bodyOpsets[normalizeDomain(id.domain())] = int(id.version());
  inlineFunction(node, *body, bodyOpsets, schema, scope);
  return true;
}

void GraphImporter::inlineFunction(const onnx::NodeProto &caller,
                                   const onnx::FunctionProto &body,
                                   OpsetMap bodyOpsets,
                                   const onnx::OpSchema *schema, Scope &scope) {
  std::string where = describeNode(caller);
  check(inlineDepth_ < 32,
        "{}: function expansion is nested too deeply (is '{}' recursive?)",
        where, body.name());
  check(caller.input_size() <= body.input_size(),
        "{}: has {} inputs, but function '{}' takes {}", where,
        caller.input_size(), body.name(), body.input_size());
  check(caller.output_size() <= body.output_size(),
        "{}: has {} outputs, but function '{}' produces {}", where,
        caller.output_size(), body.name(), body.output_size());

  Scope inner(scope.fn, nullptr, std::move(bodyOpsets));
  for (int i = 0; i < body.input_size(); ++i) {
    Value *v = nullptr;
    if (i < caller.input_size() && !caller.input(i).empty()) {
      bool found = false;
      v = lookup(scope, caller.input(i), found);
      check(found, "{}: input '{}' is not defined", where, caller.input(i));
    }
    inner.values[body.input(i)] = v;
  }
  AttrMap attrs;
  if (schema)
    for (const auto &[name, spec] : schema->attributes())
      if (spec.default_value.type() != AttributeProto::UNDEFINED) {
        attrs[name] = spec.default_value;
        attrs[name].set_name(name);
      }
  for (const auto &a : caller.attribute())
    attrs[a.name()] = a;
  for (int i = 0; i < caller.output_size(); ++i) {
    const std::string &out = caller.output(i);
    if (out.empty())
      continue;
    inner.resultNames[body.output(i)] = out;
    auto t = scope.onnxTypes.find(out);
    if (t != scope.onnxTypes.end())
      inner.onnxTypes[body.output(i)] = t->second;
  }
  collectUses(body.node(), inner.used);
  for (const std::string &out : body.output())
    inner.used.insert(out);

  ++inlineDepth_;
  for (const auto &bodyNode : body.node()) {
    onnx::NodeProto bound = bodyNode;
    bindAttributeRefs(bound, attrs);
    bound.set_name(nodeLabel(caller) + "/" + nodeLabel(bodyNode));
    try {
      importNode(bound, inner);
    } catch (...) {
      --inlineDepth_;
      throw;
    }
  }
  --inlineDepth_;

  for (int i = 0; i < caller.output_size(); ++i) {
    if (caller.output(i).empty())
      continue;
    bool found = false;
    Value *v = lookup(inner, body.output(i), found);
    check(found && v, "{}: function '{}' does not define its output '{}'",
          where, body.name(), body.output(i));
    scope.values[caller.output(i)] = v;
  }
}

} // namespace kiln::onnxfe
