//===- LoweringHarness.h - compiled vs interpreted on random inputs -*- C++ -*-//
// Test helper: compiles a model given as ONNX text for a target ("loop-eval"
// or "host"), runs it and the reference interpreter on the same seeded
// random inputs, and reports the first mismatch.
//===----------------------------------------------------------------------===//
#ifndef KILN_TEST_UNIT_LOWERINGHARNESS_H
#define KILN_TEST_UNIT_LOWERINGHARNESS_H

#include "kiln/Driver/CompiledModel.h"
#include "kiln/Driver/RandomInputs.h"
#include "kiln/Driver/TensorCompare.h"
#include "kiln/Frontend/OnnxImporter.h"
#include "kiln/IR/Verifier.h"
#include "kiln/Interpreter/Interpreter.h"
#include "kiln/Transforms/PassManager.h"

#include <string>

namespace kiln {

/// Empty if every output matches, else a description of the mismatch or
/// of the error. Inputs are random (see makeRandomTensor) unless given; the
/// compiled side runs `graphPipeline` first (none by default).
inline std::string
compareCompiledWithInterpreter(const std::string &onnxText,
                               const std::string &target = "loop-eval",
                               uint64_t seed = 1, double rtol = 1e-4,
                               double atol = 1e-5,
                               std::vector<Tensor> inputs = {},
                               const std::string &graphPipeline = "") {
  try {
    std::unique_ptr<Module> reference = importOnnxText(onnxText);
    verify(*reference);
    const Function &rf = reference->main();
    if (inputs.empty())
      for (size_t i = 0; i < rf.inputs().size(); ++i)
        inputs.push_back(makeRandomTensor(rf.inputs()[i]->type(), seed + i));
    std::vector<Tensor> expected = Interpreter().run(rf, inputs);

    std::unique_ptr<Module> module = importOnnxText(onnxText);
    CompileOptions options;
    options.name = "model";
    options.graphPipeline = graphPipeline;
    for (size_t i = 0; i < inputs.size(); ++i)
      options.inputShapes[rf.inputs()[i]->name()] = inputs[i].shape();
    auto compiled = CompiledModel::compile(*module, options, target);
    std::vector<Tensor> actual = compiled->run(inputs);
    if (actual.size() != expected.size())
      return "output count differs";
    for (size_t k = 0; k < actual.size(); ++k) {
      CompareResult r = compareTensors(actual[k], expected[k], rtol, atol);
      if (!r.passed)
        return "output " + std::to_string(k) + ": " + r.message;
    }
    return "";
  } catch (const Error &e) {
    return std::string("error: ") + e.what();
  }
}

/// compareCompiledWithInterpreter on the host after the -O3 graph pipeline.
inline std::string compareO3(const std::string &onnxText, uint64_t seed = 3) {
  return compareCompiledWithInterpreter(onnxText, "host", seed, 1e-4, 1e-5, {},
                                        defaultGraphPipeline(3));
}

} // namespace kiln

#endif
