//===- OnnxSupport.cpp - which ONNX operators Kiln can import -------------===//
// A pre-pass over the whole model (subgraphs and function bodies included)
// so that one import reports every unsupported operator at once.
//===----------------------------------------------------------------------===//
#include "OnnxInternal.h"

#include <onnx/defs/schema.h>

namespace kiln::onnxfe {

std::optional<OpKind> kilnOpFor(const std::string &opType) {
  if (opType == "Upsample")
    return OpKind::Resize;
  if (opType == "Scatter")
    return OpKind::ScatterElements;
  return lookupOp(opType);
}

const onnx::OpSchema *findSchema(const std::string &opType, int version) {
  return onnx::OpSchemaRegistry::Schema(opType, version, "");
}

namespace {

class SupportChecker {
public:
  explicit SupportChecker(const LocalFunctions &functions)
      : functions_(functions) {}

  void checkGraph(const onnx::GraphProto &graph, const OpsetMap &opsets) {
    for (const auto &node : graph.node())
      checkNode(node, opsets, "");
  }

  std::vector<std::string> lines;

private:
  void
  checkNodes(const google::protobuf::RepeatedPtrField<onnx::NodeProto> &nodes,
             const OpsetMap &opsets, const std::string &context) {
    for (const auto &node : nodes)
      checkNode(node, opsets, context);
  }

  void checkNode(const onnx::NodeProto &node, const OpsetMap &opsets,
                 const std::string &context) {
    std::string domain = normalizeDomain(node.domain());
    auto local = functions_.find({domain, node.op_type()});
    if (local != functions_.end()) {
      const onnx::FunctionProto *fn = local->second;
      if (!visited_.insert(fn).second)
        return;
      OpsetMap fnOpsets = opsets;
      for (const auto &id : fn->opset_import())
        fnOpsets[normalizeDomain(id.domain())] = int(id.version());
      checkNodes(fn->node(), fnOpsets,
                 fmt::format(" (in function '{}')", fn->name()));
      return;
    }
    for (const auto &a : node.attribute()) {
      if (a.has_g())
        checkGraph(a.g(), opsets);
      for (const auto &g : a.graphs())
        checkGraph(g, opsets);
    }
    auto it = opsets.find(domain);
    int version = it == opsets.end() ? 0 : it->second;
    if (domain.empty()) {
      const onnx::OpSchema *schema = findSchema(node.op_type(), version);
      bool knownToOnnx = schema || version > 17;
      if (knownToOnnx && kilnOpFor(node.op_type()))
        return;
      if (schema && schema->HasFunction()) {
        const onnx::FunctionProto *body = schema->GetFunction();
        OpsetMap bodyOpsets = opsets;
        for (const auto &id : body->opset_import())
          bodyOpsets[normalizeDomain(id.domain())] = int(id.version());
        checkNodes(body->node(), bodyOpsets,
                   fmt::format(" (in the expansion of {})", node.op_type()));
        return;
      }
      if (schema && schema->HasContextDependentFunction())
        return; // its body is checked when it is built
    }
    std::string op =
        domain.empty() ? node.op_type() : domain + "." + node.op_type();
    std::string line =
        fmt::format("unsupported ONNX operator '{}' (opset {}) in node '{}'{}",
                    op, version, nodeLabel(node), context);
    if (std::find(lines.begin(), lines.end(), line) == lines.end())
      lines.push_back(line);
  }

  const LocalFunctions &functions_;
  std::set<const onnx::FunctionProto *> visited_;
};

} // namespace

void checkOperatorSupport(const onnx::ModelProto &model, const OpsetMap &opsets,
                          const LocalFunctions &functions) {
  SupportChecker checker(functions);
  checker.checkGraph(model.graph(), opsets);
  if (checker.lines.empty())
    return;
  // The tool prefixes the first line with "error: "; the others get their
  // own prefix so that every operator reads as one diagnostic.
  std::string msg;
  for (const std::string &line : checker.lines)
    msg += (msg.empty() ? "" : "\nerror: ") + line;
  throw Error(msg);
}

} // namespace kiln::onnxfe
