//===- TestData.cpp - ONNX test data sets ---------------------------------===//
#include "kiln/Driver/TestData.h"
#include "kiln/Driver/ModelLoader.h"
#include "kiln/Frontend/TensorFile.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>

namespace kiln {

namespace fs = std::filesystem;

NamedTensor readNamedTensorFile(const std::string &path) {
  NamedTensor nt;
  nt.path = path;
  checkReadableFile(path, "tensor file");
  if (fs::path(path).extension() == ".npy") {
    nt.tensor = readNpyFile(path);
    return nt;
  }
  std::string bytes = readFileText(path);
  onnx::TensorProto proto;
  if (proto.ParseFromString(bytes))
    nt.name = proto.name();
  std::string baseDir = fs::path(path).parent_path().string();
  try {
    nt.tensor = tensorFromProtoBytes(bytes, baseDir.empty() ? "." : baseDir);
  } catch (const Error &e) {
    fail("'{}': {}", path, e.what());
  }
  return nt;
}

std::vector<std::string> listTestDataFiles(const std::string &dir,
                                           const std::string &prefix) {
  std::map<long, std::string> byIndex;
  std::error_code ec;
  for (const auto &entry : fs::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    std::string head = prefix + "_";
    if (name.size() <= head.size() + 3 || name.compare(0, head.size(), head) ||
        name.compare(name.size() - 3, 3, ".pb"))
      continue;
    std::string digits =
        name.substr(head.size(), name.size() - head.size() - 3);
    if (digits.empty() || digits.size() > 6 ||
        !std::all_of(digits.begin(), digits.end(), ::isdigit))
      continue;
    byIndex[std::stol(digits)] = entry.path().string();
  }
  if (ec)
    fail("cannot list '{}': {}", dir, ec.message());
  std::vector<std::string> files;
  for (const auto &[index, path] : byIndex) {
    check(index == long(files.size()), "'{}': {}_{}.pb is missing", dir, prefix,
          files.size());
    files.push_back(path);
  }
  return files;
}

static void collectOpTypes(const onnx::GraphProto &g,
                           std::set<std::string> &ops) {
  for (const auto &node : g.node()) {
    ops.insert(node.op_type());
    for (const auto &attr : node.attribute()) {
      if (attr.has_g())
        collectOpTypes(attr.g(), ops);
      for (const auto &sub : attr.graphs())
        collectOpTypes(sub, ops);
    }
  }
}

OnnxModelSummary summarizeOnnxModel(const std::string &path) {
  std::string bytes = readFileText(path);
  onnx::ModelProto model;
  check(model.ParseFromString(bytes), "'{}' is not a valid ONNX model", path);
  OnnxModelSummary s;
  std::set<std::string> inits;
  for (const auto &init : model.graph().initializer())
    inits.insert(init.name());
  for (const auto &in : model.graph().input()) {
    s.inputs.all.push_back(in.name());
    if (!inits.count(in.name()))
      s.inputs.nonInitializers.push_back(in.name());
  }
  for (const auto &out : model.graph().output())
    s.outputs.push_back(out.name());
  std::set<std::string> ops;
  collectOpTypes(model.graph(), ops);
  s.opTypes.assign(ops.begin(), ops.end());
  return s;
}

std::vector<Tensor> bindInputs(const Function &f,
                               const std::vector<NamedTensor> &data,
                               const OnnxGraphInputs *graph) {
  const std::vector<std::string> *order = nullptr;
  if (graph) {
    if (graph->all.size() == data.size())
      order = &graph->all;
    else if (graph->nonInitializers.size() == data.size())
      order = &graph->nonInitializers;
  }
  std::vector<Tensor> bound;
  for (size_t i = 0; i < f.inputs().size(); ++i) {
    const std::string &name = f.inputs()[i]->name();
    const NamedTensor *match = nullptr;
    for (const NamedTensor &nt : data)
      if (!nt.name.empty() && nt.name == name)
        match = &nt;
    if (!match && order) {
      auto it = std::find(order->begin(), order->end(), name);
      if (it != order->end())
        match = &data[it - order->begin()];
    }
    if (!match && f.inputs().size() == data.size())
      match = &data[i];
    check(match != nullptr,
          "no input data for input '{}' ({} tensors given for {} inputs)", name,
          data.size(), f.inputs().size());
    bound.push_back(
        adaptTestTensor(match->tensor, f.inputs()[i]->type().elementType()));
  }
  return bound;
}

Tensor adaptTestTensor(const Tensor &t, ElementType wanted) {
  if (t.elementType() != ElementType::U16 || wanted != ElementType::BF16)
    return t;
  Tensor out(ElementType::BF16, t.shape());
  if (t.byteSize())
    std::memcpy(out.rawData(), t.rawData(), t.byteSize());
  return out;
}

std::vector<size_t> bindOutputs(const Function &f,
                                const std::vector<NamedTensor> &expected) {
  check(expected.size() <= f.outputs().size(),
        "{} expected outputs given, but the model has {} outputs",
        expected.size(), f.outputs().size());
  std::vector<size_t> indices;
  for (size_t k = 0; k < expected.size(); ++k) {
    size_t index = k;
    for (size_t i = 0; i < f.outputs().size(); ++i)
      if (!expected[k].name.empty() &&
          f.outputs()[i]->name() == expected[k].name)
        index = i;
    indices.push_back(index);
  }
  return indices;
}

} // namespace kiln
