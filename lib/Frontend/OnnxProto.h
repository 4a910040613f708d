//===- OnnxProto.h - ONNX protobuf <-> Kiln values (private) ----*- C++ -*-===//
// Conversions between ONNX's TensorProto/TypeProto and Kiln's Tensor and
// TensorType, including external tensor data. Private to lib/Frontend.
//===----------------------------------------------------------------------===//
#ifndef KILN_LIB_FRONTEND_ONNXPROTO_H
#define KILN_LIB_FRONTEND_ONNXPROTO_H

#include "kiln/IR/Tensor.h"

#include <onnx/onnx_pb.h>

#include <optional>
#include <string>

namespace kiln::onnxfe {

/// The largest static dimension a type may have; bigger ones are rejected
/// before any arithmetic on them can overflow.
constexpr int64_t MaxDimSize = int64_t(1) << 40;

/// "" and "ai.onnx" both name ONNX's default domain; returns "" for both.
std::string normalizeDomain(const std::string &domain);

/// ONNX's name of a TensorProto data type, e.g. "float" or "string".
std::string onnxDataTypeName(int dataType);

/// The element type for an ONNX data type; throws "unsupported type
/// tensor(string) of <what>" for types Kiln has no element type for.
ElementType elementTypeFromOnnx(int dataType, const std::string &what);

/// Human-readable ONNX type, e.g. "tensor(float)" or "seq(tensor(int64))".
std::string typeProtoStr(const onnx::TypeProto &type);

/// The tensor type described by `type`, or nullopt if it carries no element
/// type. Non-tensor types and bad dims throw an Error naming `what`.
std::optional<TensorType> tensorTypeFromProto(const onnx::TypeProto &type,
                                              const std::string &what);

/// Builds a TypeProto for a Kiln tensor type (for ONNX function builders).
onnx::TypeProto typeProtoFromTensorType(const TensorType &type);

/// Checks a TensorProto's type, dims and data size without decoding it
/// (external data is checked when read).
void validateTensorProto(const onnx::TensorProto &proto,
                         const std::string &what);
/// Checks the static dims of a type: non-negative and at most MaxDimSize.
void validateTypeDims(const onnx::TypeProto &type, const std::string &what);

/// Decodes a TensorProto. `what` names it in diagnostics ("initializer 'w'");
/// external data is resolved against `baseDir` and must stay inside it.
Tensor tensorFromProto(const onnx::TensorProto &proto,
                       const std::string &baseDir, const std::string &what);
/// Densifies a SparseTensorProto.
Tensor tensorFromSparseProto(const onnx::SparseTensorProto &proto,
                             const std::string &baseDir,
                             const std::string &what);
/// Encodes a tensor as a TensorProto with raw little-endian data.
onnx::TensorProto tensorToProto(const Tensor &t, const std::string &name);

/// Parses a serialized message with protobuf's own logging silenced; returns
/// false for malformed input.
bool parseProtoQuietly(google::protobuf::MessageLite &msg,
                       const std::string &bytes);

} // namespace kiln::onnxfe

#endif
