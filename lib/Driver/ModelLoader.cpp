//===- ModelLoader.cpp - load a model file of any supported format --------===//
#include "kiln/Driver/ModelLoader.h"
#include "kiln/Frontend/OnnxImporter.h"
#include "kiln/IR/InferContext.h"
#include "kiln/IR/Parser.h"
#include "kiln/IR/Verifier.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace kiln {

namespace fs = std::filesystem;

void checkReadableFile(const std::string &path, const std::string &what) {
  std::error_code ec;
  fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st))
    fail("cannot open {} '{}': no such file", what, path);
  if (fs::is_directory(st))
    fail("cannot read {} '{}': it is a directory", what, path);
  std::ifstream in(path, std::ios::binary);
  if (!in)
    fail("cannot open {} '{}': {}", what, path, std::strerror(errno));
}

void checkWritableFile(const std::string &path, const std::string &what) {
  std::error_code ec;
  check(!fs::is_directory(path, ec), "cannot write {} '{}': it is a directory",
        what, path);
  fs::path parent = fs::path(path).parent_path();
  check(parent.empty() || fs::is_directory(parent, ec),
        "cannot write {} '{}': folder '{}' does not exist", what, path,
        parent.string());
}

std::string readFileText(const std::string &path, const std::string &what) {
  checkReadableFile(path, what);
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad())
    fail("error reading '{}'", path);
  return ss.str();
}

static std::string lowerExtension(const std::string &path) {
  std::string ext = fs::path(path).extension().string();
  for (char &c : ext)
    c = char(std::tolower((unsigned char)c));
  return ext;
}

ModelFormat modelFormatForPath(const std::string &path) {
  std::string ext = lowerExtension(path);
  if (ext == ".onnx")
    return ModelFormat::OnnxBinary;
  if (ext == ".onnxtxt" || ext == ".onnxtext")
    return ModelFormat::OnnxText;
  if (ext == ".kir")
    return ModelFormat::KilnText;
  fail("'{}': unknown model format '{}' (expected .onnx, .onnxtxt, "
       ".onnxtext or .kir)",
       path, ext.empty() ? std::string("no extension") : ext);
}

static int64_t parseDim(const std::string &text, const std::string &spec) {
  if (text == "?" || text == "-1")
    return -1;
  check(!text.empty(), "input shape '{}': empty dimension", spec);
  int64_t v = 0;
  for (char c : text) {
    check(c >= '0' && c <= '9',
          "input shape '{}': dimension '{}' is not a non-negative integer",
          spec, text);
    check(v <= (INT64_MAX - 9) / 10,
          "input shape '{}': dimension '{}' is too "
          "large",
          spec, text);
    v = v * 10 + (c - '0');
  }
  return v;
}

std::pair<std::string, std::vector<int64_t>>
parseInputShape(const std::string &spec) {
  size_t eq = spec.rfind('=');
  check(eq != std::string::npos,
        "input shape '{}' must have the form NAME=DIMS, e.g. data=1x3x224x224",
        spec);
  std::string name = spec.substr(0, eq);
  std::string dims = spec.substr(eq + 1);
  check(!name.empty(), "input shape '{}' has no input name", spec);
  std::vector<int64_t> shape;
  if (dims.empty())
    return {name, shape}; // a scalar
  size_t start = 0;
  while (true) {
    size_t x = dims.find('x', start);
    shape.push_back(parseDim(dims.substr(start, x - start), spec));
    if (x == std::string::npos)
      break;
    start = x + 1;
  }
  return {name, shape};
}

InputShapeMap parseInputShapes(const std::vector<std::string> &specs) {
  InputShapeMap map;
  for (const std::string &spec : specs) {
    auto [name, shape] = parseInputShape(spec);
    check(map.emplace(name, shape).second,
          "input shape for '{}' is given more than once", name);
  }
  return map;
}

static std::string inputNames(const Function &f) {
  std::string s;
  for (const Value *v : f.inputs())
    s += (s.empty() ? "'" : ", '") + v->name() + "'";
  return s.empty() ? "none" : s;
}

// Re-infers result types after inputs changed, keeping declared knowledge
// where inference leaves dims unknown.
static void reinferTypes(Function &f) {
  for (auto &node : f.nodes())
    refineResultTypes(*node);
}

void pinInputShapes(Function &f, const InputShapeMap &shapes) {
  if (shapes.empty())
    return;
  for (const auto &[name, shape] : shapes) {
    Value *input = nullptr;
    for (Value *v : f.inputs())
      if (v->name() == name)
        input = v;
    check(input != nullptr,
          "--input-shape names '{}', but the model's inputs are {}", name,
          inputNames(f));
    const TensorType &old = input->type();
    check(!old.isRanked() || old.rank() == shape.size(),
          "--input-shape {}: rank {} does not match the input's type {}", name,
          shape.size(), old.str());
    std::vector<Dim> dims;
    for (size_t i = 0; i < shape.size(); ++i) {
      if (shape[i] < 0) {
        dims.push_back(old.isRanked() ? old.dim(i) : Dim::unknown());
        continue;
      }
      check(!old.isRanked() || !old.dim(i).isStatic() ||
                old.dim(i).size() == shape[i],
            "--input-shape {}: dimension {} is {} in the model, not {}", name,
            i, old.dim(i).size(), shape[i]);
      dims.push_back(Dim(shape[i]));
    }
    TensorType pinned = old;
    pinned.setDims(std::move(dims));
    input->setType(pinned);
  }
  reinferTypes(f);
}

std::unique_ptr<Module> loadModel(const std::string &path,
                                  const LoadOptions &options) {
  checkReadableFile(path, "model");
  ModelFormat format = modelFormatForPath(path);
  std::unique_ptr<Module> module;
  switch (format) {
  case ModelFormat::OnnxBinary: {
    ImportOptions io;
    io.inputShapes = options.inputShapes;
    module = importOnnxFile(path, io);
    break;
  }
  case ModelFormat::OnnxText: {
    ImportOptions io;
    io.inputShapes = options.inputShapes;
    module = importOnnxText(readFileText(path), io);
    break;
  }
  case ModelFormat::KilnText:
    module = parseModuleFile(path);
    pinInputShapes(module->main(), options.inputShapes);
    break;
  }
  check(module != nullptr, "'{}': the reader returned no module", path);
  // The importer pins shapes itself; make sure every name it was given
  // exists rather than silently ignoring a typo.
  const Function &main = module->main();
  for (const auto &entry : options.inputShapes) {
    bool found = false;
    for (const Value *v : main.inputs())
      found |= v->name() == entry.first;
    check(found, "--input-shape names '{}', but the model's inputs are {}",
          entry.first, inputNames(main));
  }
  if (options.verify)
    verify(*module);
  return module;
}

} // namespace kiln
