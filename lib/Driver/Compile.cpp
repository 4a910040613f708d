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

CompiledProgram compileToLoopIR(Function &f, const CompileOptions &options) {
  bindInputsAsConstants(f, options.boundInputs);
  pinInputShapes(f, options.inputShapes);
  prepareForLowering(f);

  CompiledProgram out;
  out.program = lowerFunction(f, options.name);
  if (options.verify)
    verifyAll(out.program);
  for (loop::PrimFunc &func : out.program.funcs) {
    if (options.simplify)
      func = loop::simplify(func);
    if (options.schedule)
      func = loop::applyDefaultSchedule(func, options.scheduleOptions);
  }
  for (size_t c = 0; c < out.program.calls.size(); ++c)
    out.program.calls[c].workspaceSize =
        loop::workspaceBytes(out.program.funcs[out.program.calls[c].func]);
  if (options.verify)
    verifyAll(out.program);
  out.memory = planMemory(out.program, options.inPlace);
  return out;
}

} // namespace kiln
