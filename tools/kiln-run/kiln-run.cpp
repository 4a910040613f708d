//===- kiln-run.cpp - run a model and print or check its outputs ----------===//
// Loads a model, binds inputs from files (or random data), runs it on the
// chosen target and prints the outputs or compares them with references.
//===----------------------------------------------------------------------===//
#include "kiln/Driver/CompiledModel.h"
#include "kiln/Driver/ModelLoader.h"
#include "kiln/Driver/RandomInputs.h"
#include "kiln/Driver/TensorCompare.h"
#include "kiln/Driver/TensorPrint.h"
#include "kiln/Driver/TestData.h"
#include "kiln/Driver/ToolMain.h"
#include "kiln/Frontend/TensorFile.h"
#include "kiln/Interpreter/Interpreter.h"

#include "../common/PassFlags.h"
#include "../common/QuantizeFlags.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/raw_ostream.h"

#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <set>

using namespace kiln;
namespace cl = llvm::cl;
namespace fs = std::filesystem;

static cl::OptionCategory runCategory("kiln-run options");

static cl::opt<std::string> modelPath(cl::Positional, cl::Required,
                                      cl::desc("<model (.onnx, .onnxtxt, "
                                               ".onnxtext or .kir)>"),
                                      cl::cat(runCategory));
static cl::list<std::string>
    inputFiles(cl::Positional, cl::desc("[input files, in input order]"),
               cl::cat(runCategory));
static cl::list<std::string>
    namedInputs("input",
                cl::desc("Bind input NAME to a .pb (TensorProto) or .npy "
                         "file (repeatable)"),
                cl::value_desc("NAME=FILE"), cl::cat(runCategory));
static cl::opt<bool>
    randomInputs("random-inputs",
                 cl::desc("Fill inputs that have no file with seeded random "
                          "data (floats in [-1,1], ints in [-10,10])"),
                 cl::cat(runCategory));
static cl::opt<uint64_t> seed("seed",
                              cl::desc("Seed for --random-inputs (default 0)"),
                              cl::init(0), cl::cat(runCategory));
static cl::list<std::string>
    inputShapes("input-shape",
                cl::desc("Pin the shape of input NAME, e.g. "
                         "data=1x3x224x224 ('?' keeps a dim; repeatable)"),
                cl::value_desc("NAME=DIMS"), cl::cat(runCategory));
static cl::list<std::string>
    expectFiles("expect",
                cl::desc("Compare output NAME with a .pb or .npy file "
                         "(repeatable)"),
                cl::value_desc("NAME=FILE"), cl::cat(runCategory));
static cl::opt<std::string>
    expectDir("expect-dir",
              cl::desc("An ONNX test_data_set folder: input_*.pb feed inputs "
                       "not given otherwise, output_*.pb are the expected "
                       "outputs"),
              cl::value_desc("DIR"), cl::cat(runCategory));
static cl::opt<double> relTol("rtol",
                              cl::desc("Relative tolerance for float outputs "
                                       "(default 1e-3)"),
                              cl::init(kDefaultRtol), cl::cat(runCategory));
static cl::opt<double> absTol("atol",
                              cl::desc("Absolute tolerance for float outputs "
                                       "(default 1e-7)"),
                              cl::init(kDefaultAtol), cl::cat(runCategory));
static cl::opt<std::string>
    outputDir("output-dir",
              cl::desc("Write each output to DIR/<name>.npy (created if "
                       "missing)"),
              cl::value_desc("DIR"), cl::cat(runCategory));
static cl::opt<std::string> target("target",
                                   cl::desc("Execution target: interp (the "
                                            "reference interpreter, default), "
                                            "host (compiled, JIT) or "
                                            "loop-eval (lowered, loop IR "
                                            "evaluator)"),
                                   cl::init("interp"), cl::cat(runCategory));
static cl::opt<unsigned>
    printLimit("print-limit",
               cl::desc("Elements printed per output (default 20; 0 = all)"),
               cl::init(20), cl::cat(runCategory));

static cl::opt<int> optLevel(
    "O",
    cl::desc("Optimization level 0-3: the graph pipeline run before the model "
             "executes (default: 0 for --target=interp, 2 for compiled "
             "targets)"),
    cl::Prefix, cl::init(-1), cl::cat(runCategory));

static const char *const toolName = "kiln-run";

static tools::QuantizeFlags &quantizeFlags() {
  static tools::QuantizeFlags flags(runCategory);
  return flags;
}

static std::pair<std::string, std::string> splitBinding(const std::string &s,
                                                        const char *flag) {
  size_t eq = s.find('=');
  check(eq != std::string::npos && eq > 0 && eq + 1 < s.size(),
        "--{}={}: expected NAME=FILE", flag, s);
  return {s.substr(0, eq), s.substr(eq + 1)};
}

static size_t findValue(const std::vector<Value *> &values,
                        const std::string &name, const char *what) {
  for (size_t i = 0; i < values.size(); ++i)
    if (values[i]->name() == name)
      return i;
  std::string names;
  for (const Value *v : values)
    names += (names.empty() ? "'" : ", '") + v->name() + "'";
  fail("the model has no {} named '{}' (its {}s: {})", what, name, what,
       names.empty() ? "none" : names);
}

// A file-system-safe file name for an output.
static std::string fileNameFor(const std::string &name) {
  std::string s;
  for (char c : name)
    s += std::isalnum((unsigned char)c) || c == '-' || c == '_' || c == '.'
             ? c
             : '_';
  if (s.empty() || s[0] == '.')
    s = "out" + s;
  return s;
}

static void prepareOutputDir(const std::string &dir) {
  std::error_code ec;
  if (fs::exists(dir, ec)) {
    check(fs::is_directory(dir, ec), "--output-dir '{}' is not a directory",
          dir);
    return;
  }
  fs::create_directories(dir, ec);
  check(!ec, "cannot create --output-dir '{}': {}", dir, ec.message());
}

static int runMain() {
  check(target == "interp" || isCompiledTarget(target),
        "unknown target '{}' (kiln-run supports: interp, host, loop-eval)",
        std::string(target));
  check(relTol >= 0 && absTol >= 0, "tolerances must not be negative");
  if (!outputDir.empty())
    prepareOutputDir(outputDir);
  if (!expectDir.empty()) {
    std::error_code ec;
    check(fs::is_directory(std::string(expectDir), ec),
          "--expect-dir '{}' is not a directory", std::string(expectDir));
    check(!listTestDataFiles(expectDir, "output").empty(),
          "--expect-dir '{}' has no output_*.pb files", std::string(expectDir));
  }

  if (tools::listPassesIfAsked(std::cout))
    return 0;
  check(optLevel >= -1 && optLevel <= 3,
        "unknown optimization level -O{} (expected 0-3)", int(optLevel));
  unsigned level = optLevel >= 0 ? unsigned(optLevel) : target == "interp" ? 0 : 2;
  std::string pipeline = tools::graphPipelineFromFlags(level);
  PassInstrumentation instrumentation = tools::instrumentationFromFlags();
  // A -O pipeline skips passes a dynamic-shaped model cannot take; an explicit
  // --passes= reports them.
  instrumentation.skipUnmetRequirements =
      !tools::passesFlag(runCategory).getNumOccurrences();

  LoadOptions loadOptions;
  loadOptions.inputShapes = parseInputShapes(inputShapes);
  std::unique_ptr<Module> module = loadModel(modelPath, loadOptions);
  if (std::optional<PostTrainingOptions> q = quantizeFlags().options())
    quantizeModel(*module, *q);
  const Function &f = module->main();
  size_t numInputs = f.inputs().size();

  // Bind inputs: by name, then positional files, then --expect-dir, then
  // random data.
  std::vector<std::optional<Tensor>> inputs(numInputs);
  for (const std::string &binding : namedInputs) {
    auto [name, file] = splitBinding(binding, "input");
    size_t i = findValue(f.inputs(), name, "input");
    check(!inputs[i], "input '{}' is given more than once", name);
    inputs[i] = adaptTestTensor(readNamedTensorFile(file).tensor,
                                f.inputs()[i]->type().elementType());
  }
  size_t next = 0;
  for (const std::string &file : inputFiles) {
    while (next < numInputs && inputs[next])
      ++next;
    check(next < numInputs, "too many input files: the model has {} input{}",
          numInputs, numInputs == 1 ? "" : "s");
    inputs[next] = adaptTestTensor(readNamedTensorFile(file).tensor,
                                   f.inputs()[next]->type().elementType());
  }
  bool missing = false;
  for (const auto &t : inputs)
    missing |= !t.has_value();
  if (missing && !expectDir.empty()) {
    std::vector<NamedTensor> data;
    for (const std::string &p : listTestDataFiles(expectDir, "input"))
      data.push_back(readNamedTensorFile(p));
    std::optional<OnnxGraphInputs> graph;
    if (modelFormatForPath(modelPath) == ModelFormat::OnnxBinary)
      graph = summarizeOnnxModel(modelPath).inputs;
    std::vector<Tensor> bound = bindInputs(f, data, graph ? &*graph : nullptr);
    for (size_t i = 0; i < numInputs; ++i)
      if (!inputs[i])
        inputs[i] = bound[i];
  }
  std::string unbound;
  for (size_t i = 0; i < numInputs; ++i) {
    if (inputs[i])
      continue;
    if (randomInputs) {
      requireStaticInput(*f.inputs()[i]);
      inputs[i] = makeRandomTensor(f.inputs()[i]->type(), seed + i);
    } else {
      unbound +=
          fmt::format("{}'{}' ({})", unbound.empty() ? "" : ", ",
                      f.inputs()[i]->name(), f.inputs()[i]->type().str());
    }
  }
  check(unbound.empty(),
        "no data for input {}; give --input=NAME=FILE, an input file, "
        "--expect-dir or --random-inputs",
        unbound);

  // Expected outputs.
  std::map<size_t, NamedTensor> expected;
  if (!expectDir.empty()) {
    std::vector<NamedTensor> data;
    for (const std::string &p : listTestDataFiles(expectDir, "output"))
      data.push_back(readNamedTensorFile(p));
    std::vector<size_t> which = bindOutputs(f, data);
    for (size_t k = 0; k < data.size(); ++k)
      expected[which[k]] = data[k];
  }
  for (const std::string &binding : expectFiles) {
    auto [name, file] = splitBinding(binding, "expect");
    expected[findValue(f.outputs(), name, "output")] =
        readNamedTensorFile(file);
  }

  std::vector<Tensor> runInputs;
  for (auto &t : inputs)
    runInputs.push_back(std::move(*t));
  // Output names as the model gives them (passes may replace the values).
  std::vector<std::string> outputNames;
  for (const Value *v : f.outputs())
    outputNames.push_back(v->name());
  std::vector<Tensor> outputs;
  if (target == "interp") {
    tools::reportPasses(
        runGraphPipeline(*module, pipeline, instrumentation), "graph IR",
        std::cerr);
    outputs = Interpreter().run(f, runInputs);
  } else {
    // Compiled for the shapes of the given inputs.
    CompileOptions options;
    options.name = "model";
    options.graphPipeline = pipeline;
    options.instrumentation = instrumentation;
    options.schedule = level > 0;
    for (size_t i = 0; i < numInputs; ++i)
      options.inputShapes[f.inputs()[i]->name()] = runInputs[i].shape();
    std::unique_ptr<CompiledModel> compiled =
        CompiledModel::compile(*module, options, target);
    tools::reportPasses(compiled->compiled().graphPasses, "graph IR",
                        std::cerr);
    tools::reportPasses(compiled->compiled().loopPasses, "loop IR", std::cerr);
    outputs = compiled->run(runInputs);
  }

  unsigned mismatches = 0;
  std::set<std::string> usedFiles;
  for (size_t i = 0; i < outputs.size(); ++i) {
    const std::string &name = outputNames[i];
    auto it = expected.find(i);
    if (it == expected.end()) {
      std::cout << name << ": " << formatTensor(outputs[i], printLimit) << "\n";
    } else {
      CompareResult r = compareTensors(
          outputs[i],
          adaptTestTensor(it->second.tensor, outputs[i].elementType()), relTol,
          absTol);
      if (r.passed) {
        std::cout << "PASS " << name << "\n";
      } else {
        ++mismatches;
        std::cout << "FAIL " << name << ": " << r.message << "\n";
      }
    }
    if (!outputDir.empty()) {
      std::string file = fileNameFor(name);
      for (unsigned k = 1; !usedFiles.insert(file).second; ++k)
        file = fileNameFor(name) + "_" + std::to_string(k);
      writeNpyFile(
          (fs::path(std::string(outputDir)) / (file + ".npy")).string(),
          outputs[i]);
    }
  }
  std::cout.flush();
  check(mismatches == 0, "{} of {} checked outputs do not match", mismatches,
        expected.size());
  return 0;
}

int main(int argc, char **argv) {
  tools::registerPassFlags(runCategory);
  quantizeFlags();
  cl::HideUnrelatedOptions(runCategory);
  cl::SetVersionPrinter([](llvm::raw_ostream &os) {
    os << "kiln-run (Kiln) " KILN_VERSION "\n";
  });
  cl::ParseCommandLineOptions(
      argc, argv,
      "Kiln model runner\n\n"
      "  Runs a model on the reference interpreter and prints its outputs,\n"
      "  or compares them with expected tensors (exit status 1 on "
      "mismatch).\n");
  return runTool(toolName, runMain);
}
