//===- OnnxImporter.h - ONNX models to graph IR -----------------*- C++ -*-===//
// Imports binary (.onnx, with external data) and textual (.onnxtxt) ONNX
// models into a Kiln Module, upgrading older opset forms to Kiln's ops.
//===----------------------------------------------------------------------===//
#ifndef KILN_FRONTEND_ONNXIMPORTER_H
#define KILN_FRONTEND_ONNXIMPORTER_H

#include "kiln/IR/Module.h"

#include <map>
#include <memory>

namespace kiln {

struct ImportOptions {
  /// Pins input dimensions, e.g. {"data", {1, 3, 224, 224}}; a -1 keeps the
  /// model's dimension.
  std::map<std::string, std::vector<int64_t>> inputShapes;
};

/// Imports a model file; the format is chosen by extension (.onnxtxt/.txt is
/// ONNX text, anything else binary protobuf). Throws kiln::Error with a
/// diagnostic naming the node on failure; all unsupported operators are
/// listed in one error.
std::unique_ptr<Module> importOnnxFile(const std::string &path,
                                       const ImportOptions &options = {});
/// Imports a serialized ModelProto. External data is resolved against
/// `baseDir`.
std::unique_ptr<Module> importOnnxBytes(const std::string &bytes,
                                        const std::string &baseDir,
                                        const ImportOptions &options = {});
/// Imports ONNX textual syntax (as parsed by onnx::OnnxParser).
std::unique_ptr<Module> importOnnxText(const std::string &text,
                                       const ImportOptions &options = {});

} // namespace kiln

#endif
