//===- RunProgram.cpp - reference execution of a lowered model ------------===//

#include "kiln/LoopIR/Evaluator.h"

#include "CompiledFunc.h"

#include <algorithm>
#include <cstring>

namespace kiln::loop {

static int64_t alignUp(int64_t v, int64_t a) { return (v + a - 1) / a * a; }

namespace {
// Host memory aligned to kArenaAlignment, zero-filled.
class AlignedBytes {
public:
  explicit AlignedBytes(int64_t size)
      : storage_(size_t(size + kArenaAlignment), 0) {
    auto p = reinterpret_cast<uintptr_t>(storage_.data());
    data_ = storage_.data() + (alignUp(int64_t(p), kArenaAlignment) - int64_t(p));
  }
  uint8_t *data() { return data_; }

private:
  std::vector<uint8_t> storage_;
  uint8_t *data_;
};
} // namespace

std::vector<Tensor> runProgram(const Program &p,
                               const std::vector<Tensor> &inputs) {
  check(inputs.size() == p.inputs.size(), "program '{}' takes {} inputs, got {}",
        p.name, p.inputs.size(), inputs.size());
  check(p.arenaSize >= 0, "program '{}' has a negative arena size", p.name);
  AlignedBytes arena(p.arenaSize);
  std::vector<Tensor> owned(p.tensors.size()); // inputs, outputs, constants
  std::vector<std::unique_ptr<AlignedBytes>> separate;
  std::vector<uint8_t *> memory(p.tensors.size(), nullptr);

  for (size_t i = 0; i < p.inputs.size(); ++i) {
    check(p.inputs[i] < p.tensors.size(), "program input {} is not a tensor", i);
    const ProgramTensor &t = p.tensors[p.inputs[i]];
    check(inputs[i].elementType() == t.elem && inputs[i].shape() == t.shape,
          "input '{}' must be {}, got {}", t.name,
          TensorType(t.elem, t.shape).str(), inputs[i].type().str());
  }
  for (size_t id = 0; id < p.tensors.size(); ++id) {
    const ProgramTensor &t = p.tensors[id];
    switch (t.storage) {
    case StorageKind::Input: {
      auto pos = std::find(p.inputs.begin(), p.inputs.end(), id);
      check(pos != p.inputs.end(), "tensor '{}' is not a program input", t.name);
      owned[id] = inputs[size_t(pos - p.inputs.begin())];
      break;
    }
    case StorageKind::Output:
      owned[id] = Tensor(t.elem, t.shape);
      break;
    case StorageKind::Constant:
      check(t.value.elementType() == t.elem && t.value.shape() == t.shape,
            "constant '{}' does not match its declared type", t.name);
      owned[id] = t.value; // a private copy: kernels must not change weights
      break;
    case StorageKind::Arena:
      if (t.offset < 0) {
        separate.push_back(std::make_unique<AlignedBytes>(t.byteSize()));
        memory[id] = separate.back()->data();
      } else {
        check(t.offset + t.byteSize() <= p.arenaSize,
              "tensor '{}' at arena offset {} ({} bytes) exceeds the arena of "
              "{} bytes", t.name, t.offset, t.byteSize(), p.arenaSize);
        memory[id] = arena.data() + t.offset;
      }
      break;
    }
    if (t.storage != StorageKind::Arena)
      memory[id] = owned[id].rawData();
  }

  std::vector<std::unique_ptr<CompiledFunc>> funcs;
  for (const PrimFunc &f : p.funcs)
    funcs.push_back(std::make_unique<CompiledFunc>(f));

  for (const KernelCall &call : p.calls) {
    check(call.func < p.funcs.size(), "call of unknown kernel {}", call.func);
    const PrimFunc &f = p.funcs[call.func];
    check(call.args.size() == f.params.size(),
          "call of '{}' with {} arguments for {} parameters", f.name,
          call.args.size(), f.params.size());
    std::vector<void *> args;
    for (size_t i = 0; i < call.args.size(); ++i) {
      check(call.args[i] < p.tensors.size(), "call of '{}' with unknown tensor",
            f.name);
      const ProgramTensor &t = p.tensors[call.args[i]];
      check(t.byteSize() >= f.params[i]->byteSize() &&
                byteSize(t.elem) == byteSize(f.params[i]->elem),
            "tensor '{}' ({}) cannot back parameter '{}' of '{}'", t.name,
            TensorType(t.elem, t.shape).str(), f.params[i]->name, f.name);
      args.push_back(memory[call.args[i]]);
    }
    uint8_t *workspace = nullptr;
    std::unique_ptr<AlignedBytes> fresh;
    if (p.arenaSize == 0) {
      fresh = std::make_unique<AlignedBytes>(std::max(call.workspaceSize, workspaceBytes(f)));
      workspace = fresh->data();
    } else {
      check(call.workspaceOffset >= 0 &&
                call.workspaceOffset + call.workspaceSize <= p.arenaSize,
            "workspace of '{}' lies outside the arena", f.name);
      workspace = arena.data() + call.workspaceOffset;
    }
    int64_t wsSize = p.arenaSize == 0 ? std::max(call.workspaceSize, workspaceBytes(f))
                                      : call.workspaceSize;
    funcs[call.func]->run(args, workspace, wsSize);
  }

  std::vector<Tensor> outputs;
  for (size_t id : p.outputs) {
    check(id < p.tensors.size(), "program output is not a tensor");
    const ProgramTensor &t = p.tensors[id];
    if (t.storage == StorageKind::Output) {
      outputs.push_back(owned[id]);
    } else {
      // An output that is also an input, constant or arena slot: copy it.
      Tensor copy(t.elem, t.shape);
      std::memcpy(copy.rawData(), memory[id], size_t(t.byteSize()));
      outputs.push_back(copy);
    }
  }
  return outputs;
}


} // namespace kiln::loop
