//===- PassDifferential.cpp - check graph passes against the interpreter --===//
// The module is printed once; every subject parses its own copy from that
// text, so no pass can see another's edits, and the copy's faithfulness is
// checked once (print -> parse -> print is the identity, the copy verifies).
//===----------------------------------------------------------------------===//

#include "kiln/Driver/PassDifferential.h"

#include "ConformanceData.h"
#include "kiln/Driver/TensorCompare.h"
#include "kiln/Frontend/OnnxImporter.h"
#include "kiln/IR/Parser.h"
#include "kiln/IR/Printer.h"
#include "kiln/IR/Verifier.h"
#include "kiln/Interpreter/Interpreter.h"
#include "kiln/Transforms/GraphUtils.h"
#include "kiln/Transforms/PassManager.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <functional>

namespace kiln {

namespace {

std::unique_ptr<Module> parseCopy(const std::string &text) {
  return parseModule(text, "<module copy>");
}

std::unique_ptr<Module> checkFaithful(const std::string &text) {
  std::unique_ptr<Module> copy = parseCopy(text);
  check(toText(*copy) == text,
        "module copy is not faithful: print -> parse -> print changed the "
        "text");
  verify(*copy);
  return copy;
}

// The pipeline of "O<n>" restricted to registered passes; `missing` gets the
// others.
std::string registeredPipeline(unsigned level, std::vector<std::string> &missing) {
  std::string pipeline = defaultGraphPipeline(level), kept;
  size_t pos = 0;
  while (pos <= pipeline.size()) {
    size_t comma = std::min(pipeline.find(',', pos), pipeline.size());
    std::string name = pipeline.substr(pos, comma - pos);
    pos = comma + 1;
    if (name.empty())
      continue;
    if (PassRegistry<Module>::instance().find(name)) {
      kept += (kept.empty() ? "" : ",") + name;
    } else if (std::find(missing.begin(), missing.end(), name) ==
               missing.end()) {
      missing.push_back(name);
    }
  }
  return kept;
}

std::string compareOutputs(const std::vector<Tensor> &actual,
                           const std::vector<Tensor> &expected,
                           const Function &f, const PassDiffOptions &options) {
  if (actual.size() != expected.size())
    return fmt::format("{} outputs after the pass, {} before", actual.size(),
                       expected.size());
  for (size_t k = 0; k < actual.size(); ++k) {
    CompareResult cmp =
        compareTensors(actual[k], expected[k], options.rtol, options.atol);
    if (!cmp.passed)
      return fmt::format("output {} ('{}') {}", k,
                         k < f.outputs().size() ? f.outputs()[k]->name() : "?",
                         cmp.message);
  }
  return "";
}

// Fills the pass manager; returns a note for the result ("" if none).
using Populate = std::function<std::string(PassManager<Module> &)>;

PassDiffResult checkSubject(const std::string &text,
                            const std::vector<Tensor> &inputs,
                            const std::vector<Tensor> &reference,
                            const std::string &subject,
                            const Populate &populate,
                            const PassDiffOptions &options) {
  PassDiffResult r;
  r.pass = subject;
  std::string note;
  try {
    PassInstrumentation instr;
    instr.verifyEach = true;
    instr.skipUnmetRequirements = true;
    PassManager<Module> pm(options.config, instr);
    note = populate(pm);
    std::unique_ptr<Module> copy = parseCopy(text);
    r.changed = pm.run(*copy);
    bool allSkipped = pm.size() > 0;
    for (const PassRecord &rec : pm.records()) {
      allSkipped &= rec.skipped;
      for (const auto &[counter, value] : rec.stats.counters())
        r.stats[counter] += value;
    }
    r.skipped = allSkipped;
    // Passes promise to say whether they changed anything.
    check(r.changed || toText(*copy) == text,
          "the module changed, but the pass reported no change");
    std::vector<Tensor> actual;
    try {
      actual = Interpreter().run(*copy, inputs);
    } catch (const Error &e) {
      throw Error(fmt::format("the interpreter fails on the transformed "
                              "module: {}",
                              e.what()));
    }
    std::string diff = compareOutputs(actual, reference, copy->main(), options);
    if (!diff.empty()) {
      r.ok = false;
      r.message = "outputs differ: " + diff;
    }
  } catch (const Error &e) {
    r.ok = false;
    r.message = e.what();
  } catch (const std::exception &e) {
    r.ok = false;
    r.message = std::string("internal error: ") + e.what();
  }
  if (r.ok)
    r.message = note;
  return r;
}

} // namespace

std::unique_ptr<Module> cloneModuleViaText(const Module &m) {
  return checkFaithful(toText(m));
}

std::vector<std::string>
passDifferentialSubjects(const PassDiffOptions &options) {
  std::vector<std::string> subjects = options.passes;
  if (subjects.empty())
    for (const auto *e : PassRegistry<Module>::instance().entries())
      subjects.push_back(e->name);
  if (options.pipelines)
    for (unsigned level = 1; level <= 3; ++level)
      subjects.push_back(fmt::format("O{}", level));
  return subjects;
}

std::vector<PassDiffResult>
checkPassesPreserveSemantics(const Module &m, const std::vector<Tensor> &inputs,
                             const PassDiffOptions &options) {
  std::string text = toText(m);
  checkFaithful(text);
  std::vector<Tensor> reference = Interpreter().run(m, inputs);
  std::vector<PassDiffResult> results;
  for (const std::string &subject : passDifferentialSubjects(options)) {
    Populate populate = [&](PassManager<Module> &pm) -> std::string {
      if (subject.size() == 2 && subject[0] == 'O') {
        std::vector<std::string> missing;
        pm.addPipeline(registeredPipeline(unsigned(subject[1] - '0'), missing));
        return missing.empty()
                   ? ""
                   : fmt::format("ran without unregistered passes: {}",
                                 fmt::join(missing, ", "));
      }
      pm.addPipeline(subject);
      return "";
    };
    results.push_back(
        checkSubject(text, inputs, reference, subject, populate, options));
  }
  return results;
}

PassDiffResult checkPassPreservesSemantics(const Module &m,
                                           const std::vector<Tensor> &inputs,
                                           std::unique_ptr<GraphPass> pass,
                                           const PassDiffOptions &options) {
  std::string text = toText(m);
  checkFaithful(text);
  std::vector<Tensor> reference = Interpreter().run(m, inputs);
  std::string name(pass->name());
  Populate populate = [&](PassManager<Module> &pm) -> std::string {
    pm.add(std::move(pass));
    return "";
  };
  return checkSubject(text, inputs, reference, name, populate, options);
}

void runPassDifferentialCase(const ConformanceCase &c,
                             const PassDiffOptions &options) {
  namespace fs = std::filesystem;
  std::string modelPath = (fs::path(c.dir) / "model.onnx").string();
  OnnxModelSummary summary = summarizeOnnxModel(modelPath);
  std::unique_ptr<Module> module = importOnnxFile(modelPath);
  verify(*module);
  std::vector<std::string> sets = dataSetDirs(c.dir);
  check(!sets.empty(), "no test_data_set_* folder");
  std::vector<Tensor> inputs = bindInputs(
      module->main(), readAll(listTestDataFiles(sets[0], "input")),
      &summary.inputs);

  // Pin the inputs to the data's shapes so static-shape passes run; a model
  // whose types do not re-infer that way is checked as imported.
  std::unique_ptr<Module> pinned = cloneModuleViaText(*module);
  try {
    Function &f = pinned->main();
    for (size_t i = 0; i < f.inputs().size() && i < inputs.size(); ++i)
      f.inputs()[i]->setType(
          TensorType(inputs[i].elementType(), inputs[i].shape()));
    reinferTypes(f);
    verify(*pinned);
    module = std::move(pinned);
  } catch (const Error &) {
  }

  std::vector<std::string> failures;
  for (const PassDiffResult &r :
       checkPassesPreserveSemantics(*module, inputs, options))
    if (!r.ok)
      failures.push_back(fmt::format("pass '{}': {}", r.pass, r.message));
  if (!failures.empty())
    fail("pass differential: {}", fmt::join(failures, "; "));
}

} // namespace kiln
