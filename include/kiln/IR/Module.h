//===- Module.h - the top-level IR container --------------------*- C++ -*-===//
// A Module holds the model's functions (the main graph first) and metadata
// carried over from the source model.
//===----------------------------------------------------------------------===//
#ifndef KILN_IR_MODULE_H
#define KILN_IR_MODULE_H

#include "kiln/IR/Function.h"

namespace kiln {

class Module {
public:
  Function &addFunction(const std::string &name) {
    functions_.push_back(std::make_shared<Function>(name));
    return *functions_.back();
  }
  const std::vector<std::shared_ptr<Function>> &functions() const {
    return functions_;
  }
  /// The entry function: the one named "main", else the first.
  Function &main() const;
  Function *lookup(const std::string &name) const;

  /// Free-form metadata, e.g. {"source", "onnx"}, {"opset", "13"}.
  std::map<std::string, std::string> &metadata() { return metadata_; }
  const std::map<std::string, std::string> &metadata() const {
    return metadata_;
  }

private:
  std::vector<std::shared_ptr<Function>> functions_;
  std::map<std::string, std::string> metadata_;
};

} // namespace kiln

#endif
