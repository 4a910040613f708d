//===- ModelLoader.h - load a model file of any supported format -*- C++
//-*-===//
// Chooses the reader by file extension (ONNX binary, ONNX text, Kiln IR text),
// pins input shapes and verifies the result; shared by all tools.
//===----------------------------------------------------------------------===//
#ifndef KILN_DRIVER_MODELLOADER_H
#define KILN_DRIVER_MODELLOADER_H

#include "kiln/IR/Module.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace kiln {

/// Pinned input shapes by input name; a -1 dimension keeps the model's.
using InputShapeMap = std::map<std::string, std::vector<int64_t>>;

struct LoadOptions {
  InputShapeMap inputShapes;
  /// Run the verifier on the loaded module.
  bool verify = true;
};

enum class ModelFormat { OnnxBinary, OnnxText, KilnText };

/// The format implied by the path's extension; throws for unknown ones.
ModelFormat modelFormatForPath(const std::string &path);

/// Loads, pins and verifies a model. Throws kiln::Error naming the file.
std::unique_ptr<Module> loadModel(const std::string &path,
                                  const LoadOptions &options = {});

/// Parses "name=1x3x224x224" ("?" or -1 keeps a dimension, "name=" is a
/// scalar). The name is everything before the last '='.
std::pair<std::string, std::vector<int64_t>>
parseInputShape(const std::string &spec);
/// Parses several specs; a name given twice is an error.
InputShapeMap parseInputShapes(const std::vector<std::string> &specs);

/// Sets the dims of the named inputs of `f` and re-infers every node's
/// result types. Throws for unknown names, rank mismatches and conflicts
/// with static dims.
void pinInputShapes(Function &f, const InputShapeMap &shapes);

/// Throws unless `path` names a readable regular file.
void checkReadableFile(const std::string &path, const std::string &what);
/// Throws unless `path` could be created or overwritten as a regular file:
/// not a directory, and in an existing folder.
void checkWritableFile(const std::string &path, const std::string &what);
/// Reads a whole file; throws kiln::Error naming it (as `what`) on failure.
std::string readFileText(const std::string &path,
                         const std::string &what = "file");

} // namespace kiln

#endif
