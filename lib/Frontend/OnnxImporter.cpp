//===- OnnxImporter.cpp - ONNX model files to Kiln modules ----------------===//
// The import pipeline: parse, check structure, list unsupported operators,
// pin input shapes, run ONNX shape inference, convert graphs (upgrading old
// opsets and inlining functions) and verify. See docs/frontend.md.
//===----------------------------------------------------------------------===//
#include "kiln/Frontend/OnnxImporter.h"
#include "GraphImporter.h"
#include "kiln/IR/Verifier.h"

#include <onnx/defs/parser.h>
#include <onnx/shape_inference/implementation.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace kiln {

using namespace onnxfe;
namespace fs = std::filesystem;

namespace {

std::string listInputs(const onnx::GraphProto &graph,
                       const std::set<std::string> &inits) {
  std::string s;
  for (const auto &vi : graph.input())
    if (!inits.count(vi.name()))
      s += (s.empty() ? "'" : ", '") + vi.name() + "'";
  return s.empty() ? "none" : s;
}

// Writes pinned dims into the graph's input types, before ONNX shape
// inference runs, so static shapes flow through the whole model. A pinned
// symbol ("N") is also replaced in the other inputs that use it.
void pinInputShapes(onnx::ModelProto &model, const ImportOptions &options) {
  if (options.inputShapes.empty())
    return;
  onnx::GraphProto &graph = *model.mutable_graph();
  std::set<std::string> inits;
  for (const auto &t : graph.initializer())
    inits.insert(t.name());
  std::map<std::string, int64_t> symbols;
  std::set<std::string> pinned;
  for (const auto &[name, shape] : options.inputShapes) {
    onnx::ValueInfoProto *input = nullptr;
    for (auto &vi : *graph.mutable_input())
      if (vi.name() == name && !inits.count(name))
        input = &vi;
    check(input != nullptr,
          "cannot pin the shape of '{}': the model has no such input (its "
          "inputs are {})",
          name, listInputs(graph, inits));
    check(input->type().value_case() == onnx::TypeProto::kTensorType,
          "cannot pin the shape of '{}': it is not a tensor", name);
    auto *tt = input->mutable_type()->mutable_tensor_type();
    if (!tt->has_shape()) {
      for (size_t i = 0; i < shape.size(); ++i)
        tt->mutable_shape()->add_dim();
    }
    auto *dims = tt->mutable_shape()->mutable_dim();
    check(dims->size() == int(shape.size()),
          "cannot pin the shape of '{}': rank {} given, but the input has "
          "rank {}",
          name, shape.size(), dims->size());
    for (size_t i = 0; i < shape.size(); ++i) {
      auto &d = (*dims)[int(i)];
      int64_t v = shape[i];
      if (v < 0)
        continue;
      check(v <= MaxDimSize,
            "cannot pin the shape of '{}': dimension {} is "
            "too large",
            name, v);
      if (d.has_dim_value()) {
        check(d.dim_value() == v,
              "cannot pin the shape of '{}': dimension {} is {} in the "
              "model, not {}",
              name, i, d.dim_value(), v);
        continue;
      }
      if (d.has_dim_param() && !d.dim_param().empty()) {
        auto [it, fresh] = symbols.emplace(d.dim_param(), v);
        check(fresh || it->second == v,
              "cannot pin the shape of '{}': dimension '{}' is already "
              "pinned to {}",
              name, d.dim_param(), it->second);
      }
      d.set_dim_value(v);
    }
    pinned.insert(name);
  }
  for (auto &vi : *graph.mutable_input()) {
    if (pinned.count(vi.name()) ||
        vi.type().value_case() != onnx::TypeProto::kTensorType)
      continue;
    for (auto &d : *vi.mutable_type()
                        ->mutable_tensor_type()
                        ->mutable_shape()
                        ->mutable_dim()) {
      if (!d.has_dim_param())
        continue;
      auto it = symbols.find(d.dim_param());
      if (it != symbols.end())
        d.set_dim_value(it->second);
    }
  }
}

// ONNX's inference gives types to intermediate values; Kiln's own inference
// refines them later. A model ONNX cannot infer is still imported: Kiln's
// inference is the authority.
void runOnnxShapeInference(onnx::ModelProto &model) {
  try {
    onnx::ShapeInferenceOptions options(/*check_type=*/false,
                                        /*error_mode=*/0,
                                        /*enable_data_propagation=*/true);
    onnx::shape_inference::InferShapes(
        model, onnx::OpSchemaRegistry::Instance(), options);
  } catch (const std::exception &) {
    // Keep whatever types the model declares.
  }
}

std::unique_ptr<Module> importModel(onnx::ModelProto &model,
                                    const std::string &baseDir,
                                    const ImportOptions &options) {
  check(model.has_graph(), "the model has no graph");
  OpsetMap opsets = readOpsets(model.opset_import(), "model");
  if (!opsets.count("") && model.ir_version() < 3)
    opsets[""] = 1; // IR versions 1 and 2 predate opset_import
  LocalFunctions functions;
  for (const auto &fn : model.functions()) {
    auto key = std::make_pair(normalizeDomain(fn.domain()), fn.name());
    check(functions.emplace(key, &fn).second,
          "model function '{}' of domain '{}' is defined twice", fn.name(),
          fn.domain());
  }

  checkModel(model, opsets);
  checkOperatorSupport(model, opsets, functions);
  pinInputShapes(model, options);
  runOnnxShapeInference(model);

  auto module = std::make_unique<Module>();
  GraphImporter importer(baseDir, functions);
  importer.importMain(model.graph(), opsets, *module);

  auto &meta = module->metadata();
  meta["source"] = "onnx";
  meta["opset"] = std::to_string(opsets[""]);
  if (!model.producer_name().empty())
    meta["producer"] =
        model.producer_name() + (model.producer_version().empty()
                                     ? std::string()
                                     : " " + model.producer_version());

  try {
    verify(*module);
  } catch (const Error &e) {
    // Ops whose Kiln inference is not written yet cannot be type-checked.
    if (std::string(e.what()).find("no type inference") == std::string::npos)
      throw;
  }
  return module;
}

std::unique_ptr<Module> importText(const std::string &text,
                                   const std::string &baseDir,
                                   const ImportOptions &options,
                                   const std::string &what) {
  onnx::ModelProto model;
  onnx::Common::Status status;
  try {
    status = onnx::OnnxParser::Parse(model, text.c_str());
  } catch (const std::exception &e) {
    fail("cannot parse ONNX text{}: {}", what, e.what());
  }
  check(status.IsOK(), "cannot parse ONNX text{}: {}", what,
        status.ErrorMessage());
  return importModel(model, baseDir, options);
}

std::string readModelFile(const std::string &path) {
  std::error_code ec;
  fs::file_status st = fs::status(path, ec);
  check(!ec && fs::exists(st), "cannot open ONNX model '{}': no such file",
        path);
  check(!fs::is_directory(st),
        "cannot read ONNX model '{}': it is a "
        "directory",
        path);
  std::ifstream in(path, std::ios::binary);
  check(bool(in), "cannot open ONNX model '{}'", path);
  std::ostringstream ss;
  ss << in.rdbuf();
  check(!in.bad(), "cannot read ONNX model '{}'", path);
  return ss.str();
}

bool isTextPath(const std::string &path) {
  std::string ext = fs::path(path).extension().string();
  for (char &c : ext)
    c = char(std::tolower((unsigned char)c));
  return ext == ".onnxtxt" || ext == ".onnxtext" || ext == ".txt";
}

} // namespace

std::unique_ptr<Module> importOnnxFile(const std::string &path,
                                       const ImportOptions &options) {
  std::string bytes = readModelFile(path);
  std::string dir = fs::path(path).parent_path().string();
  if (dir.empty())
    dir = ".";
  if (isTextPath(path))
    return importText(bytes, dir, options, fmt::format(" '{}'", path));
  onnx::ModelProto model;
  check(!bytes.empty(), "cannot parse ONNX model '{}': the file is empty",
        path);
  check(parseProtoQuietly(model, bytes),
        "cannot parse ONNX model '{}': the file is truncated or is not an "
        "ONNX protobuf",
        path);
  return importModel(model, dir, options);
}

std::unique_ptr<Module> importOnnxBytes(const std::string &bytes,
                                        const std::string &baseDir,
                                        const ImportOptions &options) {
  onnx::ModelProto model;
  check(parseProtoQuietly(model, bytes),
        "cannot parse ONNX model: the data is truncated or is not an ONNX "
        "protobuf");
  return importModel(model, baseDir.empty() ? "." : baseDir, options);
}

std::unique_ptr<Module> importOnnxText(const std::string &text,
                                       const ImportOptions &options) {
  return importText(text, ".", options, "");
}

} // namespace kiln
