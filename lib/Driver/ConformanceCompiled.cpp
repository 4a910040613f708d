//===- ConformanceCompiled.cpp - conformance cases through compiled code --===//
//
// The model is compiled for the shapes of the first data set. When its
// shapes depend on input values (a Reshape whose shape is an input, Range
// bounds, a Compress condition) or an op needs a constant operand that the
// test passes as an input (Resize scales, Dropout ratio), the runner binds
// first the integer and bool inputs, then also float inputs of at most 16
// elements, as constants -- the way a user pins them with kilnc --bind --
// and compiles once per data set. Larger float inputs (the data) always stay
// run-time inputs. Cross targets (aarch64-linux-gnu) compile to an object
// and run under qemu-user (CrossRunner.h); the binding is the same.
//===----------------------------------------------------------------------===//

#include "ConformanceData.h"

#include "kiln/Driver/CompiledModel.h"
#include "kiln/Driver/CrossRunner.h"
#include "kiln/Driver/RandomInputs.h"
#include "kiln/Interpreter/Interpreter.h"
#include "kiln/Driver/Conformance.h"
#include "kiln/Frontend/OnnxImporter.h"
#include "kiln/IR/Verifier.h"

#include <filesystem>
#include <functional>

namespace kiln {

namespace fs = std::filesystem;

namespace {

bool isShapeError(const Error &e) {
  std::string m = e.what();
  return m.find("not static") != std::string::npos ||
         m.find("must be a compile-time constant") != std::string::npos;
}

// How much of the input data is bound as constants (see the file comment).
enum class Binding { None, NonFloat, Parameters };

bool shouldBind(const Tensor &t, Binding level) {
  if (level == Binding::None)
    return false;
  if (!isFloat(t.elementType()))
    return true;
  // Small float inputs are attribute-like parameters (Resize scales,
  // Dropout ratio, Range bounds, MelWeightMatrix frequencies).
  return level == Binding::Parameters && t.numElements() <= 16;
}

// A compiled case: runs inputs in signature order, returns the outputs.
using CaseProgram =
    std::function<std::vector<Tensor>(const std::vector<Tensor> &)>;

CaseProgram compileCase(const std::string &modelPath,
                        const std::vector<Tensor> &inputs, Binding level,
                        const ConformanceOptions &options,
                        std::unique_ptr<Module> &module) {
  module = importOnnxFile(modelPath);
  verify(*module);
  Function &f = module->main();
  CompileOptions co;
  co.name = "model";
  co.graphPipeline = options.graphPipeline;
  co.instrumentation.verifyEach = true;
  for (size_t i = 0; i < f.inputs().size(); ++i) {
    Value *v = f.inputs()[i];
    if (shouldBind(inputs[i], level)) {
      co.boundInputs[v->name()] = inputs[i];
    } else {
      // The data's shape wins over the declared one, as in the interpreter.
      v->setType(TensorType(inputs[i].elementType(), inputs[i].shape()));
    }
  }
  if (isCompiledTarget(options.target)) {
    std::shared_ptr<CompiledModel> cm =
        CompiledModel::compile(*module, co, options.target);
    return [cm](const std::vector<Tensor> &in) { return cm->run(in); };
  }
  cpu::CpuTargetOptions cpuOptions;
  cpuOptions.triple = options.target;
  cpuOptions.cpu = options.cpu;
  cpuOptions.features = options.features;
  // kilnc's LLVM level for -O3, else the host JIT's (-O2).
  cpuOptions.optLevel = options.optLevel == 3 ? 3 : 2;
  std::shared_ptr<CrossModel> xm = CrossModel::compile(
      *module, co, findCrossToolchain(options.target, options.crossRoot),
      cpuOptions, options.workDir);
  return [xm](const std::vector<Tensor> &in) { return xm->run(in); };
}

} // namespace

void runCompiledCase(const ConformanceCase &c,
                     const ConformanceOptions &options) {
  check(isCompiledTarget(options.target) || isCrossLinuxTriple(options.target),
        "unknown target '{}'", options.target);
  std::string modelPath = (fs::path(c.dir) / "model.onnx").string();
  OnnxModelSummary summary = summarizeOnnxModel(modelPath);
  std::unique_ptr<Module> original = importOnnxFile(modelPath);
  const Function &f0 = original->main();

  std::vector<std::string> sets = dataSetDirs(c.dir);
  check(!sets.empty(), "no test_data_set_* folder");
  std::unique_ptr<Module> module;
  CaseProgram cc;
  Binding level = Binding::None;
  for (const std::string &set : sets) {
    std::string setName = fs::path(set).filename().string();
    std::vector<NamedTensor> inputs = readAll(listTestDataFiles(set, "input"));
    std::vector<NamedTensor> expected =
        readAll(listTestDataFiles(set, "output"));
    check(!expected.empty(), "{}: no output_*.pb files", setName);
    std::vector<Tensor> bound = bindInputs(f0, inputs, &summary.inputs);
    if (!cc || level != Binding::None) {
      for (;;) {
        try {
          cc = compileCase(modelPath, bound, level, options, module);
          break;
        } catch (const Error &e) {
          if (level == Binding::Parameters || !isShapeError(e))
            throw;
          level = level == Binding::None ? Binding::NonFloat
                                         : Binding::Parameters;
        }
      }
    }
    std::vector<Tensor> reference;
    if (options.differential) {
      for (size_t i = 0; i < bound.size(); ++i)
        if (isFloat(bound[i].elementType()) && !shouldBind(bound[i], level))
          bound[i] = makeRandomTensor(
              TensorType(bound[i].elementType(), bound[i].shape()),
              options.seed + i);
      try {
        reference = Interpreter().run(f0, bound);
      } catch (const Error &e) {
        throw Error(std::string("unsupported for differential testing: the "
                                "interpreter rejects random inputs: ") +
                    e.what());
      }
    }
    std::vector<Tensor> runInputs;
    for (size_t i = 0; i < f0.inputs().size(); ++i)
      if (!shouldBind(bound[i], level))
        runInputs.push_back(bound[i]);
    std::vector<Tensor> actual = cc(runInputs);
    if (options.differential) {
      for (size_t k = 0; k < actual.size(); ++k) {
        CompareResult cmp = compareTensors(actual[k], reference.at(k),
                                           options.rtol, options.atol);
        if (!cmp.passed)
          throw Error(fmt::format("differential (seed {}): output {} ('{}') {}",
                                  options.seed, k, f0.outputs()[k]->name(),
                                  cmp.message));
      }
      return; // one data set is enough
    }
    std::vector<size_t> which = bindOutputs(f0, expected);
    for (size_t k = 0; k < expected.size(); ++k) {
      const Tensor &out = actual.at(which[k]);
      CompareResult cmp = compareTensors(
          out, adaptTestTensor(expected[k].tensor, out.elementType()),
          options.rtol, options.atol);
      if (!cmp.passed)
        throw Error(fmt::format("{}: output {} ('{}') {}", setName, which[k],
                                f0.outputs()[which[k]]->name(), cmp.message));
    }
  }
}

} // namespace kiln
