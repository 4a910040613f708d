//===- ProgramEmitter.cpp - kernels, constants and the entry point --------===//
// The entry point checks its arguments (status codes of kiln/runtime.h),
// resolves each tensor to an address and calls the kernels in order.
//===----------------------------------------------------------------------===//

#include "KernelEmitter.h"

#include "kiln/CodeGen/WeightsBlob.h"
#include "kiln/LoopIR/Printer.h"

#include <llvm/IR/Constants.h>
#include <llvm/IR/GlobalVariable.h>

#include <unordered_map>

using namespace llvm;

namespace kiln::codegen {

using namespace kiln::loop;

namespace {
// Status codes of runtime/include/kiln/runtime.h.
constexpr int kStatusOk = 0;
constexpr int kStatusNullArgument = 1;
constexpr int kStatusMisalignedArena = 2;

int64_t alignUp(int64_t v, int64_t a) { return (v + a - 1) / a * a; }

void checkConstant(const ProgramTensor &t) {
  check(int64_t(t.value.byteSize()) == t.byteSize(),
        "constant '{}' holds {} bytes, its type needs {}", t.name,
        t.value.byteSize(), t.byteSize());
}
} // namespace

std::string entryName(const Program &program) { return program.name + "_run"; }
std::string arenaName(const Program &program) { return program.name + "_arena"; }

WeightsBlob buildWeightsBlob(const Program &program) {
  WeightsBlob blob;
  for (size_t id = 0; id < program.tensors.size(); ++id) {
    const ProgramTensor &t = program.tensors[id];
    if (t.storage != StorageKind::Constant)
      continue;
    checkConstant(t);
    int64_t offset = alignUp(int64_t(blob.bytes.size()), kWeightsAlignment);
    blob.bytes.resize(size_t(offset), 0);
    const uint8_t *data = t.byteSize() ? t.value.rawData() : nullptr;
    blob.bytes.insert(blob.bytes.end(), data, data + t.byteSize());
    blob.offsets[id] = offset;
  }
  return blob;
}

namespace {
class ProgramEmitter {
public:
  ProgramEmitter(const Program &p, Module &m, const CodeGenOptions &o)
      : p_(p), m_(m), ctx_(m.getContext()), opts_(o), b_(ctx_) {}

  void run() {
    check(!p_.name.empty(), "the program needs a name");
    check(p_.arenaSize >= 0, "negative arena size");
    checkCalls();
    if (!opts_.arenaSection.empty())
      emitArena();
    KernelEmitter kernels(m_, opts_);
    // Kernels that differ only in names (a network's repeated blocks)
    // share one function: LLVM's time is most of a compile.
    std::vector<Function *> fns;
    std::unordered_map<std::string, Function *> byText;
    for (const PrimFunc &f : p_.funcs) {
      Function *&fn = byText[printPrimFuncCanonical(f)];
      if (!fn)
        fn = kernels.emitKernel(f, p_.name + "_" + f.name);
      fns.push_back(fn);
    }
    emitEntry(kernels, fns);
  }

private:
  void checkCalls() {
    for (const KernelCall &c : p_.calls) {
      check(c.func < p_.funcs.size(), "call of kernel #{} of {}", c.func,
            p_.funcs.size());
      const PrimFunc &f = p_.funcs[c.func];
      check(c.args.size() == f.params.size(),
            "call of '{}' with {} arguments, it has {} parameters", f.name,
            c.args.size(), f.params.size());
      for (size_t i = 0; i < c.args.size(); ++i) {
        check(c.args[i] < p_.tensors.size(), "call of '{}': no tensor #{}",
              f.name, c.args[i]);
        const ProgramTensor &t = p_.tensors[c.args[i]];
        const Buffer &param = f.params[i];
        check(param->elem == t.elem,
              "call of '{}': parameter '{}' is {}, tensor '{}' is {}", f.name,
              param->name, kiln::toString(param->elem), t.name,
              kiln::toString(t.elem));
        // A kernel must never reach past the tensor it is given.
        check(param->byteSize() <= t.byteSize() || param->numElements() == 0,
              "call of '{}': parameter '{}' spans {} bytes, tensor '{}' has {}",
              f.name, param->name, param->byteSize(), t.name, t.byteSize());
      }
      int64_t ws = workspaceBytes(f);
      if (ws > 0)
        check(c.workspaceOffset >= 0 && c.workspaceOffset % kArenaAlignment == 0 &&
                  c.workspaceOffset + ws <= p_.arenaSize,
              "call of '{}': workspace of {} bytes at {} does not fit the "
              "arena of {} bytes",
              f.name, ws, c.workspaceOffset, p_.arenaSize);
    }
    for (const ProgramTensor &t : p_.tensors) {
      if (t.storage == StorageKind::Arena)
        check(t.offset >= 0 && t.offset + t.byteSize() <= p_.arenaSize,
              "tensor '{}' has no arena slot (offset {}, arena {} bytes): run "
              "memory planning first",
              t.name, t.offset, p_.arenaSize);
      if (t.storage == StorageKind::Input || t.storage == StorageKind::Output) {
        const auto &list =
            t.storage == StorageKind::Input ? p_.inputs : p_.outputs;
        check(t.index >= 0 && size_t(t.index) < list.size(),
              "tensor '{}' has no signature position", t.name);
      }
    }
  }

  // Zero-initialized and placed through the "bss-section" attribute (what
  // clang's `#pragma clang section bss=` sets), so the section is NOBITS like
  // .bss and costs no flash; an explicit section would make it PROGBITS. At
  // least one byte, so the symbol always exists.
  void emitArena() {
    const std::string &section = opts_.arenaSection;
    check(section.find_first_of(std::string("\"\\\0\n", 4)) ==
              std::string::npos,
          "invalid linker section name '{}'", section);
    std::string sym = arenaName(p_);
    for (const PrimFunc &f : p_.funcs)
      check(p_.name + "_" + f.name != sym,
            "kernel '{}' has the arena's symbol '{}'", f.name, sym);
    auto *type = ArrayType::get(b_.getInt8Ty(),
                                uint64_t(std::max<int64_t>(p_.arenaSize, 1)));
    auto *g = new GlobalVariable(m_, type, false, GlobalValue::ExternalLinkage,
                                 ConstantAggregateZero::get(type), sym);
    g->setAlignment(Align(kArenaAlignment));
    g->addAttribute("bss-section", section);
  }

  Value *constantAddress(size_t id, Value *weights) {
    const ProgramTensor &t = p_.tensors[id];
    if (weights)
      return b_.CreateGEP(b_.getInt8Ty(), weights,
                          b_.getInt64(blob_.offsets.at(id)));
    checkConstant(t);
    ArrayRef<uint8_t> bytes(t.byteSize() ? t.value.rawData() : nullptr,
                            size_t(t.byteSize()));
    Constant *init = ConstantDataArray::get(ctx_, bytes);
    auto *g = new GlobalVariable(m_, init->getType(), true,
                                 GlobalValue::PrivateLinkage, init,
                                 p_.name + "_const_" + t.name);
    g->setAlignment(Align(kArenaAlignment));
    if (!opts_.weightsSection.empty())
      g->setSection(opts_.weightsSection);
    return b_.CreateBitCast(g, b_.getInt8PtrTy());
  }

  void emitEntry(KernelEmitter &kernels, const std::vector<Function *> &fns) {
    Type *i8p = b_.getInt8PtrTy();
    std::vector<Type *> params{i8p, i8p, i8p};
    if (opts_.weightsSeparate)
      params.push_back(i8p);
    auto *fty = FunctionType::get(b_.getInt32Ty(), params, false);
    Function *f = Function::Create(fty, GlobalValue::ExternalLinkage,
                                   entryName(p_), m_);
    kernels.addAttributes(f);
    Value *inputs = f->getArg(0), *outputs = f->getArg(1), *arena = f->getArg(2);
    inputs->setName("inputs");
    outputs->setName("outputs");
    arena->setName("arena");
    Value *weights = nullptr;
    if (opts_.weightsSeparate) {
      weights = f->getArg(3);
      weights->setName("weights");
      blob_ = buildWeightsBlob(p_);
    }
    auto *entry = BasicBlock::Create(ctx_, "entry", f);
    auto *nullBB = BasicBlock::Create(ctx_, "null_argument", f);
    b_.SetInsertPoint(nullBB);
    b_.CreateRet(b_.getInt32(kStatusNullArgument));
    b_.SetInsertPoint(entry);

    // Bail out on a null pointer before reading through it.
    auto requireNonNull = [&](Value *p) {
      auto *ok = BasicBlock::Create(ctx_, "ok", f);
      b_.CreateCondBr(b_.CreateIsNull(p), nullBB, ok);
      b_.SetInsertPoint(ok);
    };
    // Tensors without elements are never accessed, so their pointers may
    // be null (as a C program's empty buffers often are).
    auto members = [&](Value *structPtr, const std::vector<size_t> &ids) {
      std::vector<Value *> out;
      if (ids.empty())
        return out;
      requireNonNull(structPtr);
      Value *arr = b_.CreateBitCast(structPtr, i8p->getPointerTo());
      for (size_t i = 0; i < ids.size(); ++i) {
        Value *p = b_.CreateAlignedLoad(
            i8p, b_.CreateConstGEP1_64(i8p, arr, i), Align(sizeof(void *)));
        if (p_.tensors[ids[i]].numElements() > 0)
          requireNonNull(p);
        out.push_back(p);
      }
      return out;
    };
    std::vector<Value *> in = members(inputs, p_.inputs);
    std::vector<Value *> out = members(outputs, p_.outputs);
    if (p_.arenaSize > 0) {
      requireNonNull(arena);
      auto *misBB = BasicBlock::Create(ctx_, "misaligned_arena", f);
      auto *ok = BasicBlock::Create(ctx_, "ok", f);
      Type *intPtr = m_.getDataLayout().getIntPtrType(ctx_);
      Value *low = b_.CreateAnd(b_.CreatePtrToInt(arena, intPtr),
                                ConstantInt::get(intPtr, kArenaAlignment - 1));
      b_.CreateCondBr(b_.CreateICmpNE(low, ConstantInt::get(intPtr, 0)),
                      misBB, ok);
      b_.SetInsertPoint(misBB);
      b_.CreateRet(b_.getInt32(kStatusMisalignedArena));
      b_.SetInsertPoint(ok);
    }
    if (weights && !blob_.offsets.empty())
      requireNonNull(weights);

    // Tensor addresses, resolved once.
    std::vector<Value *> addr(p_.tensors.size(), nullptr);
    auto address = [&](size_t id) -> Value * {
      if (addr[id])
        return addr[id];
      const ProgramTensor &t = p_.tensors[id];
      switch (t.storage) {
      case StorageKind::Input:
        return addr[id] = in[size_t(t.index)];
      case StorageKind::Output:
        return addr[id] = out[size_t(t.index)];
      case StorageKind::Arena:
        return addr[id] = b_.CreateGEP(b_.getInt8Ty(), arena,
                                       b_.getInt64(t.offset), t.name);
      case StorageKind::Constant:
        return addr[id] = constantAddress(id, weights);
      }
      fail("invalid storage of tensor '{}'", t.name);
    };
    for (const KernelCall &c : p_.calls) {
      std::vector<Value *> args;
      for (size_t a : c.args)
        args.push_back(address(a));
      args.push_back(
          b_.CreateGEP(b_.getInt8Ty(), arena, b_.getInt64(c.workspaceOffset)));
      b_.CreateCall(fns[c.func], args);
    }
    b_.CreateRet(b_.getInt32(kStatusOk));
  }

  const Program &p_;
  Module &m_;
  LLVMContext &ctx_;
  const CodeGenOptions &opts_;
  IRBuilder<> b_;
  WeightsBlob blob_;
};
} // namespace

void generateProgram(const Program &program, Module &module,
                     const CodeGenOptions &options) {
  ProgramEmitter(program, module, options).run();
}

} // namespace kiln::codegen
