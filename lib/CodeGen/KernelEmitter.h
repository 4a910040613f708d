//===- KernelEmitter.h - one loop IR kernel to LLVM IR ----------*- C++ -*-===//
// Private to KilnCodeGen: emits a PrimFunc's statements and expressions into
// an LLVM function, outlining Parallel loops for kiln_parallel_for.
//===----------------------------------------------------------------------===//
#ifndef KILN_LIB_CODEGEN_KERNELEMITTER_H
#define KILN_LIB_CODEGEN_KERNELEMITTER_H

#include "BareMetalMath.h"

#include "kiln/CodeGen/LLVMCodeGen.h"
#include "kiln/LoopIR/PrimFunc.h"

#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Module.h>

#include <unordered_map>

namespace kiln::codegen {

/// Values are kept in "register" types: bool is i1, f16 and bf16 are float
/// values that are exactly representable in their type (every operation
/// rounds its result). In memory bool is i8, f16 is half and bf16 is i16.
/// The dimension of the one vector index of an access when that index is a
/// Ramp stepping through consecutive elements (the access is then one
/// contiguous vector load/store, Memory.cpp); else -1.
int contiguousRampDim(const loop::Buffer &buffer,
                      const std::vector<loop::Expr> &indices);

class KernelEmitter {
public:
  KernelEmitter(llvm::Module &module, const CodeGenOptions &options);

  /// Emits `void symbol(ptr param0, ..., ptr workspace)` (internal linkage).
  llvm::Function *emitKernel(const loop::PrimFunc &func,
                             const std::string &symbol);

  /// Applies options.functionAttributes and the common attributes to f.
  void addAttributes(llvm::Function *f) const;

private:
  // Types (KernelTypes.cpp).
  llvm::Type *scalarRegType(ElementType e) const;
  llvm::Type *regType(loop::DType t) const;
  llvm::Type *memType(ElementType e) const;
  llvm::Value *toReg(llvm::Value *mem, loop::DType t);
  llvm::Value *toMem(llvm::Value *reg, loop::DType t);
  /// Rounds a float register value to f16/bf16 when t is one of them.
  llvm::Value *roundTo(llvm::Value *v, loop::DType t);
  llvm::Value *truncToFloatOdd(llvm::Value *v);
  llvm::Value *emitCast(llvm::Value *v, loop::DType from, loop::DType to);
  llvm::Value *splat(llvm::Value *v, int lanes);
  llvm::Value *intConst(loop::DType t, int64_t v);

  // Expressions (ExprEmitter.cpp).
  llvm::Value *emit(const loop::Expr &e);
  llvm::Value *emitBinary(const loop::BinaryNode *n);
  /// op on emitted operands of type t; n (for division by a constant) may
  /// be null for other ops.
  llvm::Value *emitBinaryOp(loop::BinaryOp op, llvm::Value *a, llvm::Value *c,
                            loop::DType t, const loop::BinaryNode *n);
  /// An i64 vector computation narrowed by a cast (EvenOddLanes.cpp), done
  /// in even and odd lane halves on x86; else null.
  llvm::Value *emitEvenOddLanes(const loop::CastNode *n);
  llvm::Value *emitHalfLanes(const loop::Expr &e, bool odd);
  llvm::Value *emitIntDiv(loop::BinaryOp op, llvm::Value *a, llvm::Value *b,
                          const loop::BinaryNode *n);
  llvm::Value *emitShift(loop::BinaryOp op, llvm::Value *a, llvm::Value *b,
                         loop::DType t);
  llvm::Value *emitCall(const loop::CallNode *n);
  /// Calls libm's `name` (f32: `name`f) per lane; on bare metal the
  /// runtime's kiln_`name` instead.
  llvm::Value *emitLibmCall(const std::string &name,
                            std::vector<llvm::Value *> args, loop::DType t);
  /// Bare metal only: inline or kiln_* forms of calls that would otherwise
  /// reach libm; null where the generic lowering is libm-free already.
  llvm::Value *emitBareMetalCall(loop::Intrinsic fn, const std::string &name,
                                 const std::vector<llvm::Value *> &args,
                                 loop::DType t);
  llvm::Value *emitFloor(llvm::Value *x);
  /// An i32 vector Add whose terms include groups of four 8-bit products
  /// (DotProduct.cpp), with a dot-product instruction per group; else null.
  llvm::Value *emitDotProducts(const loop::BinaryNode *n);
  /// acc + per lane l the sum over k < 4 of byte k of `packed` times
  /// wPtr[4l + k] (signedness of each side given).
  llvm::Value *emitDot4(llvm::Value *acc, llvm::Value *packed, bool aSigned,
                        llvm::Value *wPtr, bool wSigned, int lanes);
  /// The 4L bytes of `taps` consecutive L-lane vectors from n's address,
  /// regrouped so that each i32 lane holds its lane's byte of every tap.
  llvm::Value *regroupTaps(const loop::LoadNode *n, int taps, int lanes);
  llvm::Value *emitLoad(const loop::LoadNode *n);

  // Memory access (Memory.cpp).
  llvm::Value *bufferBase(const loop::Buffer &buffer);
  /// The element pointer of a scalar access, or null for a vector access.
  llvm::Value *scalarAddress(const loop::Buffer &buffer,
                             const std::vector<loop::Expr> &indices);
  /// The pointer to the first lane of a contiguous vector access, or null.
  llvm::Value *contiguousAddress(const loop::Buffer &buffer,
                                 const std::vector<loop::Expr> &indices);
  /// The flat element offsets of a vector access as <lanes x i64>.
  llvm::Value *laneOffsets(const loop::Buffer &buffer,
                           const std::vector<loop::Expr> &indices, int lanes);
  llvm::Value *indexToI64(llvm::Value *v, loop::DType t);
  llvm::Value *loadAccess(const loop::Buffer &buffer,
                          const std::vector<loop::Expr> &indices,
                          loop::DType type);
  void storeAccess(const loop::Buffer &buffer,
                   const std::vector<loop::Expr> &indices, llvm::Value *value,
                   loop::DType type);

  // Statements (StmtEmitter.cpp).
  void emit(const loop::Stmt &s);
  void emitFor(const loop::ForNode *n);
  void emitLoop(const loop::ForNode *n, llvm::Value *begin, llvm::Value *end,
                llvm::Value *offset);
  void emitParallelFor(const loop::ForNode *n);
  void emitAllocate(const loop::AllocateNode *n);
  llvm::AllocaInst *entryAlloca(llvm::Type *type, const std::string &name);
  void bindBuffer(const loop::Buffer &buffer, llvm::Value *base);

  [[noreturn]] void unsupported(const std::string &what) const;

  llvm::Module &module_;
  llvm::LLVMContext &ctx_;
  const CodeGenOptions &options_;
  MathTarget math_;
  llvm::IRBuilder<> b_;

  // Per-function state; saved and restored around outlined loop bodies.
  struct State {
    llvm::Function *fn = nullptr;
    llvm::Value *workspace = nullptr;
    std::unordered_map<const loop::VarNode *, llvm::Value *> vars;
    std::unordered_map<const loop::BufferNode *, llvm::Value *> buffers;
    // reshapeView makes a new buffer node over the same memory; such views
    // are found by name.
    std::unordered_map<std::string, llvm::Value *> buffersByName;
  };
  State st_;
  std::string kernelName_;
  int64_t workspaceOffset_ = 0;
  int outlined_ = 0;
};

} // namespace kiln::codegen

#endif
