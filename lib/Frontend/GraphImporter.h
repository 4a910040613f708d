//===- GraphImporter.h - ONNX graphs to Kiln functions (private) -*- C++
//-*-===//
// Turns checked ONNX graphs into Kiln Functions: values, constants, nodes,
// subgraph bodies and inlined function bodies, with ONNX-inferred types
// refined by Kiln's own inference.
//===----------------------------------------------------------------------===//
#ifndef KILN_LIB_FRONTEND_GRAPHIMPORTER_H
#define KILN_LIB_FRONTEND_GRAPHIMPORTER_H

#include "OnnxInternal.h"
#include "kiln/IR/Module.h"

#include <unordered_map>

namespace kiln::onnxfe {

/// Name resolution for one ONNX graph or inlined function body. Nodes are
/// created in `fn`; names not found here are looked up in `outer` (null for
/// function bodies, which see only their parameters).
struct Scope {
  Scope(Function &fn, Scope *outer, OpsetMap opsets)
      : fn(fn), outer(outer), opsets(std::move(opsets)) {}

  Function &fn;
  Scope *outer;
  OpsetMap opsets;
  /// ONNX name -> Kiln value; a null entry is an absent optional input.
  std::unordered_map<std::string, Value *> values;
  /// Types ONNX shape inference recorded, by ONNX name.
  std::unordered_map<std::string, const onnx::TypeProto *> onnxTypes;
  /// For inlined bodies: body output name -> the caller's output name,
  /// which the Kiln value takes.
  std::unordered_map<std::string, std::string> resultNames;
  /// Names something reads (nodes, subgraphs or outputs).
  std::set<std::string> used;
};

class GraphImporter {
public:
  GraphImporter(std::string baseDir, const LocalFunctions &functions)
      : baseDir_(std::move(baseDir)), functions_(functions) {}

  /// Imports the model's main graph as function "main" of `module`.
  void importMain(const onnx::GraphProto &graph, const OpsetMap &opsets,
                  Module &module);

  /// Imports one ONNX node (any domain, any opset) into `scope`.
  void importNode(const onnx::NodeProto &node, Scope &scope);
  /// Creates the Kiln node for a node already in canonical form.
  void emitCanonical(const onnx::NodeProto &node, Scope &scope);

  Value *lookup(Scope &scope, const std::string &name, bool &found) const;
  std::string freshName(Scope &scope, const std::string &hint);
  /// Creates a Constant named `name` (or a variant) and binds it.
  Value *addConstant(Scope &scope, const Tensor &value,
                     const std::string &name);

private:
  using TypeHints = std::vector<std::optional<TensorType>>;

  void importGraphBody(const onnx::GraphProto &graph, Scope &scope, bool isMain,
                       const TypeHints &hints);
  std::shared_ptr<Function> importSubgraph(const onnx::GraphProto &graph,
                                           Scope &outer,
                                           const std::string &name,
                                           const TypeHints &hints);
  TypeHints subgraphHints(OpKind kind, const std::string &attrName,
                          const onnx::NodeProto &node,
                          const std::vector<Value *> &operands);
  Attribute convertAttribute(const onnx::AttributeProto &attr,
                             const AttrSpec &spec, const onnx::NodeProto &node,
                             const std::vector<Value *> &operands, OpKind kind,
                             Scope &scope);
  TensorType declaredType(Scope &scope, const std::string &name,
                          ElementType fallback);
  void inlineFunction(const onnx::NodeProto &caller,
                      const onnx::FunctionProto &body, OpsetMap bodyOpsets,
                      const onnx::OpSchema *schema, Scope &scope);
  bool tryExpandSchemaFunction(const onnx::NodeProto &node, Scope &scope);
  void importConstantNode(const onnx::NodeProto &node, Scope &scope);

  std::string baseDir_;
  const LocalFunctions &functions_;
  unsigned nextId_ = 0;
  int inlineDepth_ = 0;
};

} // namespace kiln::onnxfe

#endif
