//===- TensorFile.h - reading and writing tensor files ----------*- C++ -*-===//
// ONNX TensorProto (.pb) and NumPy (.npy) files, as used by the ONNX test
// data and by kiln-run.
//===----------------------------------------------------------------------===//
#ifndef KILN_FRONTEND_TENSORFILE_H
#define KILN_FRONTEND_TENSORFILE_H

#include "kiln/IR/Tensor.h"

#include <string>

namespace kiln {

/// Reads a serialized onnx::TensorProto. Throws kiln::Error for malformed
/// files, string tensors or sizes that disagree with the dims.
Tensor readTensorProtoFile(const std::string &path);
/// Decodes a serialized TensorProto; external data is read from `baseDir`.
Tensor tensorFromProtoBytes(const std::string &bytes,
                            const std::string &baseDir);
void writeTensorProtoFile(const std::string &path, const Tensor &t);

/// NumPy .npy, format version 1.0-3.0, little-endian, C order.
Tensor readNpyFile(const std::string &path);
void writeNpyFile(const std::string &path, const Tensor &t);

/// Chooses the reader by extension (.npy or anything else = TensorProto).
Tensor readTensorFile(const std::string &path);

} // namespace kiln

#endif
