//===- StmtEmitter.cpp - loop IR statements to LLVM IR --------------------===//
// Loops become header/body/latch blocks with loop metadata for unrolled and
// leftover vectorized loops; Parallel loops are outlined into
// `void body(ptr closure, i64 begin, i64 end)` for kiln_parallel_for.
//===----------------------------------------------------------------------===//

#include "KernelEmitter.h"

#include "kiln/LoopIR/Functor.h"

#include <llvm/IR/Metadata.h>

#include <unordered_set>

using namespace llvm;

namespace kiln::codegen {

using namespace kiln::loop;

KernelEmitter::KernelEmitter(Module &module, const CodeGenOptions &options)
    : module_(module), ctx_(module.getContext()), options_(options),
      math_(mathTarget(module, options)), b_(module.getContext()) {}

void KernelEmitter::addAttributes(Function *f) const {
  f->addFnAttr(Attribute::NoUnwind);
  for (const auto &[key, value] : options_.functionAttributes)
    f->addFnAttr(key, value);
}

static int64_t alignUp(int64_t v, int64_t a) { return (v + a - 1) / a * a; }

Function *KernelEmitter::emitKernel(const PrimFunc &func,
                                    const std::string &symbol) {
  kernelName_ = func.name;
  Type *i8p = Type::getInt8PtrTy(ctx_);
  std::vector<Type *> params(func.params.size() + 1, i8p);
  auto *fty = FunctionType::get(Type::getVoidTy(ctx_), params, false);
  Function *f =
      Function::Create(fty, GlobalValue::InternalLinkage, symbol, module_);
  addAttributes(f);
  st_ = State();
  st_.fn = f;
  workspaceOffset_ = 0;
  for (size_t i = 0; i < func.params.size(); ++i) {
    const Buffer &p = func.params[i];
    check(bool(p), "kernel '{}' has a null parameter", func.name);
    f->getArg(unsigned(i))->setName(p->name);
    bindBuffer(p, f->getArg(unsigned(i)));
  }
  st_.workspace = f->getArg(unsigned(func.params.size()));
  st_.workspace->setName("workspace");
  b_.SetInsertPoint(BasicBlock::Create(ctx_, "entry", f));
  if (func.body)
    emit(func.body);
  b_.CreateRetVoid();
  return f;
}

AllocaInst *KernelEmitter::entryAlloca(Type *type, const std::string &name) {
  BasicBlock &entry = st_.fn->getEntryBlock();
  IRBuilder<> eb(&entry, entry.begin());
  return eb.CreateAlloca(type, nullptr, name);
}

void KernelEmitter::emit(const Stmt &s) {
  if (!s)
    return;
  switch (s.kind()) {
  case StmtKind::For:
    return emitFor(s.as<ForNode>());
  case StmtKind::Seq:
    for (const Stmt &c : s.as<SeqNode>()->stmts)
      emit(c);
    return;
  case StmtKind::IfThenElse: {
    const auto *n = s.as<IfThenElseNode>();
    if (n->cond.type() != DType::boolean())
      unsupported("if condition of type " + n->cond.type().str());
    Value *c = emit(n->cond);
    Function *f = st_.fn;
    auto *thenBB = BasicBlock::Create(ctx_, "then", f);
    auto *elseBB = n->elseBody ? BasicBlock::Create(ctx_, "else", f) : nullptr;
    auto *join = BasicBlock::Create(ctx_, "endif", f);
    b_.CreateCondBr(c, thenBB, elseBB ? elseBB : join);
    b_.SetInsertPoint(thenBB);
    emit(n->thenBody);
    b_.CreateBr(join);
    if (elseBB) {
      b_.SetInsertPoint(elseBB);
      emit(n->elseBody);
      b_.CreateBr(join);
    }
    b_.SetInsertPoint(join);
    return;
  }
  case StmtKind::Store: {
    const auto *n = s.as<StoreNode>();
    DType t = n->value.type();
    if (t.elem != n->buffer->elem)
      unsupported("store of " + t.str() + " into " +
                  std::string(kiln::toString(n->buffer->elem)) + " buffer '" +
                  n->buffer->name + "'");
    storeAccess(n->buffer, n->indices, emit(n->value), t);
    return;
  }
  case StmtKind::Allocate:
    return emitAllocate(s.as<AllocateNode>());
  case StmtKind::Let: {
    const auto *n = s.as<LetNode>();
    st_.vars[n->var.node()] = emit(n->value);
    emit(n->body);
    st_.vars.erase(n->var.node());
    return;
  }
  case StmtKind::Evaluate:
    // Pure math calls have no effect; target intrinsics are not CPU ones.
    if (const auto *c = s.as<EvaluateNode>()->value.as<CallNode>())
      if (!lookupIntrinsic(c->name))
        unsupported("intrinsic '" + c->name + "' on the CPU");
    return;
  case StmtKind::Barrier:
    return; // Threads of a CPU kernel never share a block.
  }
  unsupported("unknown statement kind");
}

void KernelEmitter::emitAllocate(const AllocateNode *n) {
  const Buffer &buf = n->buffer;
  Type *mt = memType(buf->elem);
  int64_t count = std::max<int64_t>(buf->extentElements(), 1);
  Value *base;
  if (buf->scope == MemoryScope::Global) {
    base = b_.CreateGEP(b_.getInt8Ty(), st_.workspace,
                        b_.getInt64(workspaceOffset_), buf->name);
    workspaceOffset_ += alignUp(buf->byteSize(), kArenaAlignment);
  } else if (buf->scope == MemoryScope::Stack) {
    AllocaInst *a = entryAlloca(ArrayType::get(mt, uint64_t(count)), buf->name);
    a->setAlignment(Align(32));
    base = b_.CreateBitCast(a, b_.getInt8PtrTy());
  } else {
    unsupported(std::string("allocation in memory scope '") +
                toString(buf->scope) + "' on the CPU");
  }
  State saved = st_;
  bindBuffer(buf, base);
  st_.buffersByName[buf->name] = base; // innermost allocation wins by name
  emit(n->body);
  saved.fn = st_.fn;
  st_ = std::move(saved);
}

void KernelEmitter::emitFor(const ForNode *n) {
  switch (n->forKind) {
  case ForKind::Serial:
  case ForKind::Unrolled:
  case ForKind::Vectorized:
    break;
  case ForKind::Parallel:
    return emitParallelFor(n);
  default:
    unsupported(std::string("'") + toString(n->forKind) +
                "' loop on the CPU");
  }
  DType vt = n->var.type();
  if (!vt.isInt() || vt.lanes != 1)
    unsupported("loop variable of type " + vt.str());
  Value *min = emitCast(emit(n->min), n->min.type(), vt);
  Value *extent = emitCast(emit(n->extent), n->extent.type(), vt);
  emitLoop(n, ConstantInt::get(min->getType(), 0), extent, min);
}

// for (k = begin; k < end; ++k) { var = offset + k; body }
void KernelEmitter::emitLoop(const ForNode *n, Value *begin, Value *end,
                             Value *offset) {
  Function *f = st_.fn;
  bool sgn = isSigned(n->var.type().elem);
  BasicBlock *pre = b_.GetInsertBlock();
  auto *header = BasicBlock::Create(ctx_, n->var.name() + ".header", f);
  auto *body = BasicBlock::Create(ctx_, n->var.name() + ".body", f);
  auto *exit = BasicBlock::Create(ctx_, n->var.name() + ".exit", f);
  b_.CreateBr(header);
  b_.SetInsertPoint(header);
  PHINode *k = b_.CreatePHI(begin->getType(), 2, n->var.name() + ".k");
  k->addIncoming(begin, pre);
  Value *cont = sgn ? b_.CreateICmpSLT(k, end) : b_.CreateICmpULT(k, end);
  b_.CreateCondBr(cont, body, exit);
  b_.SetInsertPoint(body);
  st_.vars[n->var.node()] = b_.CreateAdd(offset, k, n->var.name());
  emit(n->body);
  st_.vars.erase(n->var.node());
  Value *next = b_.CreateAdd(k, ConstantInt::get(k->getType(), 1));
  k->addIncoming(next, b_.GetInsertBlock());
  BranchInst *latch = b_.CreateBr(header);
  if (n->forKind == ForKind::Unrolled || n->forKind == ForKind::Vectorized) {
    MDNode *hint =
        n->forKind == ForKind::Unrolled
            ? MDNode::get(ctx_, MDString::get(ctx_, "llvm.loop.unroll.full"))
            : MDNode::get(ctx_,
                          {MDString::get(ctx_, "llvm.loop.vectorize.enable"),
                           ConstantAsMetadata::get(b_.getTrue())});
    auto temp = MDNode::getTemporary(ctx_, None);
    MDNode *loopId = MDNode::getDistinct(ctx_, {temp.get(), hint});
    loopId->replaceOperandWith(0, loopId);
    latch->setMetadata(LLVMContext::MD_loop, loopId);
  }
  b_.SetInsertPoint(exit);
}

namespace {
/// Variables and buffers a statement uses but does not define.
struct FreeCollector : IRVisitor {
  std::vector<const VarNode *> vars;
  std::vector<Buffer> buffers;
  std::unordered_set<const VarNode *> bound, seenVars;
  std::unordered_set<const BufferNode *> allocated, seenBuffers;

  void visitVar(const VarNode *v) override {
    if (!bound.count(v) && seenVars.insert(v).second)
      vars.push_back(v);
  }
  void useBuffer(const Buffer &b) {
    if (!allocated.count(b.get()) && seenBuffers.insert(b.get()).second)
      buffers.push_back(b);
  }
  void visitLoad(const LoadNode *n) override {
    useBuffer(n->buffer);
    IRVisitor::visitLoad(n);
  }
  void visitStore(const StoreNode *n) override {
    useBuffer(n->buffer);
    IRVisitor::visitStore(n);
  }
  void visitFor(const ForNode *n) override {
    bound.insert(n->var.node());
    IRVisitor::visitFor(n);
  }
  void visitLet(const LetNode *n) override {
    visit(n->value);
    bound.insert(n->var.node());
    visit(n->body);
  }
  void visitAllocate(const AllocateNode *n) override {
    allocated.insert(n->buffer.get());
    IRVisitor::visitAllocate(n);
  }
};
} // namespace

void KernelEmitter::emitParallelFor(const ForNode *n) {
  DType vt = n->var.type();
  if (!vt.isInt() || vt.lanes != 1)
    unsupported("loop variable of type " + vt.str());
  Type *i64 = b_.getInt64Ty();
  Type *i8p = b_.getInt8PtrTy();
  Value *min = emitCast(emit(n->min), n->min.type(), DType::index());
  Value *extent = emitCast(emit(n->extent), n->extent.type(), DType::index());

  FreeCollector free;
  free.bound.insert(n->var.node());
  free.visit(n->body);

  // Closure: min, workspace, captured variables, captured buffer bases.
  std::vector<Value *> captured{min, st_.workspace};
  for (const VarNode *v : free.vars) {
    auto it = st_.vars.find(v);
    if (it == st_.vars.end())
      unsupported("unbound variable '" + v->name + "'");
    captured.push_back(it->second);
  }
  for (const Buffer &buf : free.buffers)
    captured.push_back(b_.CreateBitCast(bufferBase(buf), i8p));
  std::vector<Type *> fields;
  for (Value *v : captured)
    fields.push_back(v->getType());
  StructType *closureTy = StructType::get(ctx_, fields);
  AllocaInst *closure = entryAlloca(closureTy, "closure");
  for (size_t i = 0; i < captured.size(); ++i)
    b_.CreateStore(captured[i], b_.CreateStructGEP(closureTy, closure, unsigned(i)));

  auto *bodyTy = FunctionType::get(b_.getVoidTy(), {i8p, i64, i64}, false);
  std::string name = st_.fn->getName().str() + ".par" + std::to_string(outlined_++);
  Function *bodyFn =
      Function::Create(bodyTy, GlobalValue::InternalLinkage, name, module_);
  addAttributes(bodyFn);

  // Emit the outlined body with its own state.
  State saved = st_;
  IRBuilderBase::InsertPoint ip = b_.saveIP();
  st_ = State();
  st_.fn = bodyFn;
  b_.SetInsertPoint(BasicBlock::Create(ctx_, "entry", bodyFn));
  Value *cl = b_.CreateBitCast(bodyFn->getArg(0), closureTy->getPointerTo());
  auto field = [&](unsigned i) {
    return b_.CreateLoad(fields[i], b_.CreateStructGEP(closureTy, cl, i));
  };
  Value *innerMin = field(0);
  st_.workspace = field(1);
  unsigned fi = 2;
  for (const VarNode *v : free.vars)
    st_.vars[v] = field(fi++);
  for (const Buffer &buf : free.buffers)
    bindBuffer(buf, field(fi++));
  // The loop runs on i64 and is narrowed to the variable's type.
  Value *begin = bodyFn->getArg(1), *end = bodyFn->getArg(2);
  Type *varTy = regType(vt);
  emitLoop(n, b_.CreateTrunc(begin, varTy), b_.CreateTrunc(end, varTy),
           b_.CreateTrunc(innerMin, varTy));
  b_.CreateRetVoid();
  st_ = std::move(saved);
  b_.restoreIP(ip);

  FunctionCallee pf = module_.getOrInsertFunction(
      "kiln_parallel_for",
      FunctionType::get(b_.getVoidTy(), {i64, bodyTy->getPointerTo(), i8p},
                        false));
  b_.CreateCall(pf, {extent, bodyFn, b_.CreateBitCast(closure, i8p)});
}

} // namespace kiln::codegen
