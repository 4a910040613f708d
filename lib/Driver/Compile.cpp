//===- Compile.cpp - the graph-to-loop-IR compilation pipeline ------------===//

#include "kiln/Driver/Compile.h"
#include "kiln/Driver/ModelLoader.h"

#include "kiln/IR/InferContext.h"
#include "kiln/LoopIR/Simplify.h"
#include "kiln/LoopIR/Verifier.h"
#include "kiln/Lowering/Lowering.h"

#include <set>

namespace kiln {

static Value *findInput(Function &f, const std::string &name, size_t *index) {
  for (size_t i = 0; i < f.inputs().size(); ++i)
    if (f.inputs()[i]->name() == name) {
      *index = i;
      return f.inputs()[i];
    }
  std::string names;
  for (const Value *v : f.inputs())
    names += (names.empty() ? "'" : ", '") + v->name() + "'";
  fail("the model has no input named '{}' (its inputs: {})", name,
       names.empty() ? "none" : names);
}

void bindInputsAsConstants(Function &f,
                           const std::map<std::string, Tensor> &values) {
  for (const auto &[name, value] : values) {
    size_t index;
    Value *v = findInput(f, name, &index);
    TensorType concrete(value.elementType(), value.shape());
    check(v->type().isCompatibleWith(concrete),
          "value bound to input '{}' is {}, the model expects {}", name,
          concrete.str(), v->type().str());
    Node *c = f.createNodeBefore(f.nodes().begin(), OpKind::Constant, {},
                                 {concrete}, name + "_bound");
    c->setAttr("value", Attribute(std::make_shared<const Tensor>(value)));
    f.replaceAllUsesWith(v, c->result(0));
    f.removeInput(index);
  }
}

static void verifyAll(const loop::Program &p) {
  for (const loop::PrimFunc &func : p.funcs)
    loop::verifyPrimFunc(func);
  loop::verifyProgram(p);
}

std::vector<PassRecord> runGraphPipeline(Module &m, const std::string &pipeline,
                                         const PassInstrumentation &inst,
                                         const PassConfig &config) {
  PassManager<Module> pm(config, inst);
  pm.addPipeline(pipeline);
  pm.run(m);
  return pm.records();
}

CompiledProgram compileToLoopIR(Module &m, const CompileOptions &options) {
  Function &f = m.main();
  bindInputsAsConstants(f, options.boundInputs);
  pinInputShapes(f, options.inputShapes);
  prepareForLowering(f);

  // Passes may replace an output value by another one (simplify drops an
  // output Identity); the entry point keeps the model's output names.
  std::vector<std::string> outputNames;
  for (const Value *v : f.outputs())
    outputNames.push_back(v->name());

  CompiledProgram out;
  PassConfig config;
  config.vectorBytes = options.scheduleOptions.vectorBytes;
  config.vectorRegisters = options.scheduleOptions.vectorRegisters;
  config.parallel = options.scheduleOptions.parallel;
  if (!options.graphPipeline.empty()) {
    out.graphPasses =
        runGraphPipeline(m, options.graphPipeline, options.instrumentation,
                         config);
    // Passes keep shapes static; this names the culprit if one did not.
    prepareForLowering(f);
  }

  LowerTarget target;
  target.vectorBytes = options.scheduleOptions.vectorBytes;
  target.vectorRegisters = options.scheduleOptions.vectorRegisters;
  out.program = lowerFunction(f, options.name, target);
  for (size_t k = 0; k < out.program.outputs.size() && k < outputNames.size();
       ++k)
    out.program.tensors[out.program.outputs[k]].name = outputNames[k];
  if (options.verify)
    verifyAll(out.program);
  std::string loopPipeline;
  if (options.simplify)
    loopPipeline = "simplify";
  if (options.schedule)
    loopPipeline += loopPipeline.empty() ? "schedule" : ",schedule";
  PassManager<loop::Program> lpm(config, options.instrumentation);
  lpm.addPipeline(loopPipeline);
  lpm.run(out.program);
  out.loopPasses = lpm.records();
  for (loop::KernelCall &call : out.program.calls)
    call.workspaceSize = loop::workspaceBytes(out.program.funcs[call.func]);
  if (options.verify)
    verifyAll(out.program);
  out.memory = planMemory(out.program, options.inPlace);
  return out;
}

void checkProgramInputs(const loop::Program &p,
                        const std::vector<Tensor> &inputs) {
  check(inputs.size() == p.inputs.size(),
        "the compiled model takes {} inputs, given {}", p.inputs.size(),
        inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    const loop::ProgramTensor &t = p.tensors[p.inputs[i]];
    check(inputs[i].elementType() == t.elem && inputs[i].shape() == t.shape,
          "input '{}' is {}{}, the compiled model expects {}{}", t.name,
          toString(inputs[i].elementType()), shapeStr(inputs[i].shape()),
          toString(t.elem), shapeStr(t.shape));
  }
}

} // namespace kiln
