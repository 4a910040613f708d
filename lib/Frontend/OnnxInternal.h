//===- OnnxInternal.h - the ONNX importer's stages (private) ----*- C++ -*-===//
// Declarations shared by the ONNX importer's source files: model checks,
// operator support, function bodies and opset upgrades.
//===----------------------------------------------------------------------===//
#ifndef KILN_LIB_FRONTEND_ONNXINTERNAL_H
#define KILN_LIB_FRONTEND_ONNXINTERNAL_H

#include "OnnxProto.h"
#include "kiln/IR/Op.h"

#include <map>
#include <set>

namespace onnx {
class OpSchema;
}

namespace kiln::onnxfe {

/// Operator-set versions by normalized domain ("" is ONNX's default).
using OpsetMap = std::map<std::string, int>;

/// The newest default-domain opset Kiln accepts. Kiln's ops follow opset 17
/// (and 18's reductions); 18 models are read with that understanding.
constexpr int MaxOnnxOpset = 18;

/// Model-local functions by (domain, name).
using LocalFunctions =
    std::map<std::pair<std::string, std::string>, const onnx::FunctionProto *>;

/// "'relu1' (Relu)" style label of a node, falling back to its first output
/// when it has no name.
std::string nodeLabel(const onnx::NodeProto &node);
/// "node 'relu1' (Relu)".
std::string describeNode(const onnx::NodeProto &node);

/// Reads the opset_import list; checks versions are in range.
OpsetMap readOpsets(
    const google::protobuf::RepeatedPtrField<onnx::OperatorSetIdProto> &ids,
    const std::string &where);

//===- OnnxGraphCheck.cpp ---------------------------------------------===//

/// Checks a model's graphs and local functions before anything else reads
/// them: defined names, single definitions, required attributes and inputs
/// and attribute types (against the ONNX schema of the model's opset).
/// Sorts nodes topologically, reporting cycles.
void checkModel(onnx::ModelProto &model, const OpsetMap &opsets);

/// Names a graph reads that it does not define (its outer-scope captures).
std::set<std::string> freeNames(const onnx::GraphProto &graph);

/// The attribute's kind, inferred from its populated field when the model
/// (IR version < 3) did not record it.
onnx::AttributeProto::AttributeType
attributeType(const onnx::AttributeProto &attr);
/// "int", "floats", "graph", ... for diagnostics.
const char *attrTypeName(onnx::AttributeProto::AttributeType type);

//===- OnnxSupport.cpp ------------------------------------------------===//

/// Kiln's op for a default-domain ONNX op after renames (Upsample -> Resize,
/// Scatter -> ScatterElements), if Kiln has one.
std::optional<OpKind> kilnOpFor(const std::string &opType);

/// Throws one Error listing every node of the model whose operator Kiln
/// cannot import (neither a Kiln op nor expandable through a function).
void checkOperatorSupport(const onnx::ModelProto &model, const OpsetMap &opsets,
                          const LocalFunctions &functions);

/// The ONNX schema of a default-domain op at `version`, or null.
const onnx::OpSchema *findSchema(const std::string &opType, int version);

//===- OpsetUpgrade.cpp -----------------------------------------------===//

/// What an upgrade rule may use: operand types, fresh constants and the
/// emission of canonical nodes.
class UpgradeSink {
public:
  virtual ~UpgradeSink() = default;
  /// Type of a value by ONNX name, or null if absent or unknown.
  virtual const TensorType *typeOf(const std::string &name) = 0;
  /// The constant's value if `name` is a constant, else null.
  virtual const Tensor *constantOf(const std::string &name) = 0;
  /// Creates a Constant and returns the name bound to it.
  virtual std::string constant(const Tensor &value,
                               const std::string &hint) = 0;
  /// A fresh value name for an intermediate result.
  virtual std::string freshName(const std::string &hint) = 0;
  /// Whether anything reads the value (used to drop unused outputs).
  virtual bool isUsed(const std::string &name) = 0;
  /// Imports a node that is already in Kiln's canonical form.
  virtual void emit(const onnx::NodeProto &node) = 0;
};

/// Rewrites a default-domain node written for `opset` into Kiln's canonical
/// forms (attributes that became inputs, renamed ops, changed defaults) and
/// emits the result through `sink`.
void upgradeNode(onnx::NodeProto node, int opset, UpgradeSink &sink);

} // namespace kiln::onnxfe

#endif
