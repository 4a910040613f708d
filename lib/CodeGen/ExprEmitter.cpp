//===- ExprEmitter.cpp - loop IR expressions to LLVM IR -------------------===//
// Every operation is defined for every input (see Expr.h), so integer
// division and shifts are guarded with selects instead of relying on LLVM's
// undefined cases.
//===----------------------------------------------------------------------===//

#include "KernelEmitter.h"
#include "VectorMath.h"

#include "kiln/Support/Float16.h"

#include <llvm/IR/Intrinsics.h>

#include <cmath>
#include <limits>

using namespace llvm;

namespace kiln::codegen {

using namespace kiln::loop;

void KernelEmitter::unsupported(const std::string &what) const {
  fail("code generation of kernel '{}': {}", kernelName_, what);
}

static double roundedImm(ElementType e, double v) {
  if (e == ElementType::F16)
    return halfToFloat(floatToHalf(float(v)));
  if (e == ElementType::BF16)
    return bfloat16ToFloat(floatToBfloat16(float(v)));
  return v;
}

Value *KernelEmitter::emit(const Expr &e) {
  if (!e)
    unsupported("null expression");
  DType t = e.type();
  switch (e.kind()) {
  case ExprKind::IntImm: {
    int64_t v = e.as<IntImmNode>()->value;
    if (t.isFloat())
      return splat(ConstantFP::get(scalarRegType(t.elem), roundedImm(t.elem, double(v))), t.lanes);
    return intConst(t, t.isBool() ? v != 0 : v);
  }
  case ExprKind::FloatImm: {
    double v = e.as<FloatImmNode>()->value;
    if (!t.isFloat())
      unsupported("float immediate of type " + t.str());
    return splat(ConstantFP::get(scalarRegType(t.elem), roundedImm(t.elem, v)),
                 t.lanes);
  }
  case ExprKind::Var: {
    auto it = st_.vars.find(static_cast<const VarNode *>(e.get()));
    if (it == st_.vars.end())
      unsupported("unbound variable '" + e.as<VarNode>()->name + "'");
    return it->second;
  }
  case ExprKind::Binary:
    return emitBinary(e.as<BinaryNode>());
  case ExprKind::Unary: {
    const auto *n = e.as<UnaryNode>();
    Value *a = emit(n->a);
    switch (n->op) {
    case UnaryOp::Neg:
      return t.isFloat() ? b_.CreateFNeg(a) : b_.CreateNeg(a);
    case UnaryOp::Not:
    case UnaryOp::BitNot:
      return b_.CreateNot(a);
    }
    unsupported("unknown unary operator");
  }
  case ExprKind::Select: {
    const auto *n = e.as<SelectNode>();
    Value *c = emit(n->cond);
    Value *tv = emit(n->trueValue);
    Value *fv = emit(n->falseValue);
    return b_.CreateSelect(c, tv, fv);
  }
  case ExprKind::Cast: {
    const auto *n = e.as<CastNode>();
    if (Value *v = emitEvenOddLanes(n))
      return v;
    return emitCast(emit(n->value), n->value.type(), t);
  }
  case ExprKind::Load:
    return emitLoad(e.as<LoadNode>());
  case ExprKind::Call:
    return emitCall(e.as<CallNode>());
  case ExprKind::Ramp: {
    const auto *n = e.as<RampNode>();
    Value *base = splat(emit(n->base), n->lanes);
    Value *stride = splat(emit(n->stride), n->lanes);
    std::vector<Constant *> iota;
    Type *elem = scalarRegType(t.elem);
    for (int i = 0; i < n->lanes; ++i)
      iota.push_back(ConstantInt::get(elem, i));
    return b_.CreateAdd(base, b_.CreateMul(stride, ConstantVector::get(iota)));
  }
  case ExprKind::Broadcast: {
    const auto *n = e.as<BroadcastNode>();
    return splat(emit(n->value), n->lanes);
  }
  }
  unsupported("unknown expression kind");
}

Value *KernelEmitter::emitLoad(const LoadNode *n) {
  return loadAccess(n->buffer, n->indices, n->type);
}

// NaN-propagating float min/max: compare and select (a NaN `a` and ties,
// e.g. -0 vs +0, keep `a`), then let a NaN `c` win.
static Value *floatMinMax(IRBuilder<> &b, bool isMin, Value *a, Value *c) {
  Value *pick = isMin ? b.CreateFCmpOLT(c, a) : b.CreateFCmpOGT(c, a);
  Value *m = b.CreateSelect(pick, c, a);
  return b.CreateSelect(b.CreateFCmpUNO(c, c), c, m);
}

Value *KernelEmitter::emitBinary(const BinaryNode *n) {
  if (Value *dot = emitDotProducts(n))
    return dot;
  Value *a = emit(n->a);
  Value *c = emit(n->b);
  return emitBinaryOp(n->op, a, c, n->a.type(), n);
}

Value *KernelEmitter::emitBinaryOp(BinaryOp op, Value *a, Value *c, DType t,
                                   const BinaryNode *n) {
  bool fl = t.isFloat();
  bool sgn = isSigned(t.elem);
  switch (op) {
  case BinaryOp::Add:
    return fl ? roundTo(b_.CreateFAdd(a, c), t) : b_.CreateAdd(a, c);
  case BinaryOp::Sub:
    return fl ? roundTo(b_.CreateFSub(a, c), t) : b_.CreateSub(a, c);
  case BinaryOp::Mul:
    return fl ? roundTo(b_.CreateFMul(a, c), t) : b_.CreateMul(a, c);
  case BinaryOp::Div:
    if (fl)
      return roundTo(b_.CreateFDiv(a, c), t);
    return emitIntDiv(op, a, c, n);
  case BinaryOp::Mod:
    if (fl)
      return roundTo(math_.bareMetal ? emitLibmCall("fmod", {a, c}, t)
                                     : b_.CreateFRem(a, c),
                     t);
    return emitIntDiv(op, a, c, n);
  case BinaryOp::FloorDiv:
  case BinaryOp::FloorMod:
    if (fl) {
      Value *q = emitFloor(b_.CreateFDiv(a, c));
      if (op == BinaryOp::FloorDiv)
        return roundTo(q, t);
      return roundTo(b_.CreateFSub(a, b_.CreateFMul(q, c)), t);
    }
    return emitIntDiv(op, a, c, n);
  case BinaryOp::Min:
  case BinaryOp::Max: {
    bool isMin = op == BinaryOp::Min;
    if (fl)
      return floatMinMax(b_, isMin, a, c);
    Value *pick = isMin ? (sgn ? b_.CreateICmpSLT(a, c) : b_.CreateICmpULT(a, c))
                        : (sgn ? b_.CreateICmpSGT(a, c) : b_.CreateICmpUGT(a, c));
    return b_.CreateSelect(pick, a, c);
  }
  case BinaryOp::EQ:
    return fl ? b_.CreateFCmpOEQ(a, c) : b_.CreateICmpEQ(a, c);
  case BinaryOp::NE:
    return fl ? b_.CreateFCmpUNE(a, c) : b_.CreateICmpNE(a, c);
  case BinaryOp::LT:
    return fl ? b_.CreateFCmpOLT(a, c)
              : (sgn ? b_.CreateICmpSLT(a, c) : b_.CreateICmpULT(a, c));
  case BinaryOp::LE:
    return fl ? b_.CreateFCmpOLE(a, c)
              : (sgn ? b_.CreateICmpSLE(a, c) : b_.CreateICmpULE(a, c));
  case BinaryOp::GT:
    return fl ? b_.CreateFCmpOGT(a, c)
              : (sgn ? b_.CreateICmpSGT(a, c) : b_.CreateICmpUGT(a, c));
  case BinaryOp::GE:
    return fl ? b_.CreateFCmpOGE(a, c)
              : (sgn ? b_.CreateICmpSGE(a, c) : b_.CreateICmpUGE(a, c));
  case BinaryOp::And:
  case BinaryOp::BitAnd:
    return b_.CreateAnd(a, c);
  case BinaryOp::Or:
  case BinaryOp::BitOr:
    return b_.CreateOr(a, c);
  case BinaryOp::BitXor:
    return b_.CreateXor(a, c);
  case BinaryOp::Shl:
  case BinaryOp::Shr:
    return emitShift(op, a, c, t);
  }
  unsupported("unknown binary operator");
}

Value *KernelEmitter::emitIntDiv(BinaryOp op, Value *a, Value *c,
                                 const BinaryNode *n) {
  DType t = n->a.type();
  if (t.isBool())
    unsupported(std::string("'") + toString(op) + "' on bool");
  bool sgn = isSigned(t.elem);
  unsigned bits = scalarRegType(t.elem)->getIntegerBitWidth();
  Value *zero = intConst(t, 0);
  Value *one = intConst(t, 1);
  int64_t cv = 0;
  bool constDivisor = isConstInt(n->b, &cv) && cv != 0;
  Value *quot, *rem;
  if (constDivisor && sgn && cv == -1) {
    // x / -1 wraps (MIN / -1 = MIN), x % -1 = 0.
    quot = b_.CreateSub(zero, a);
    rem = zero;
  } else if (constDivisor) {
    quot = sgn ? b_.CreateSDiv(a, c) : b_.CreateUDiv(a, c);
    rem = sgn ? b_.CreateSRem(a, c) : b_.CreateURem(a, c);
  } else {
    // Divide by 1 where the divisor is 0 (and for MIN / -1, where the
    // quotient is then the wanted MIN and the remainder 0).
    Value *isZero = b_.CreateICmpEQ(c, zero);
    Value *bad = isZero;
    if (sgn) {
      Value *minV = intConst(t, int64_t(uint64_t(1) << (bits - 1)));
      Value *ovf = b_.CreateAnd(b_.CreateICmpEQ(a, minV),
                                b_.CreateICmpEQ(c, intConst(t, -1)));
      bad = b_.CreateOr(bad, ovf);
    }
    Value *safe = b_.CreateSelect(bad, one, c);
    quot = sgn ? b_.CreateSDiv(a, safe) : b_.CreateUDiv(a, safe);
    quot = b_.CreateSelect(isZero, zero, quot);
    rem = sgn ? b_.CreateSRem(a, safe) : b_.CreateURem(a, safe);
  }
  if (op == BinaryOp::Div)
    return quot;
  if (op == BinaryOp::Mod)
    return rem;
  if (!sgn)
    return op == BinaryOp::FloorDiv ? quot : rem;
  // Floor rounding: adjust when the remainder is nonzero and its sign differs
  // from the divisor's.
  Value *adjust = b_.CreateAnd(b_.CreateICmpNE(rem, zero),
                               b_.CreateICmpSLT(b_.CreateXor(rem, c), zero));
  if (op == BinaryOp::FloorDiv)
    return b_.CreateSelect(adjust, b_.CreateSub(quot, one), quot);
  return b_.CreateSelect(adjust, b_.CreateAdd(rem, c), rem);
}

Value *KernelEmitter::emitShift(BinaryOp op, Value *a, Value *c, DType t) {
  if (t.isBool())
    unsupported("shift of bool");
  unsigned bits = scalarRegType(t.elem)->getIntegerBitWidth();
  Value *width = intConst(t, bits);
  // Unsigned compare also rejects negative amounts.
  Value *inRange = b_.CreateICmpULT(c, width);
  Value *zero = intConst(t, 0);
  if (op == BinaryOp::Shl)
    return b_.CreateSelect(inRange, b_.CreateShl(a, b_.CreateSelect(inRange, c, zero)), zero);
  if (isSigned(t.elem)) {
    // Out of range: the sign fills every bit.
    Value *amount = b_.CreateSelect(inRange, c, intConst(t, bits - 1));
    return b_.CreateAShr(a, amount);
  }
  return b_.CreateSelect(inRange, b_.CreateLShr(a, b_.CreateSelect(inRange, c, zero)), zero);
}

Value *KernelEmitter::emitLibmCall(const std::string &name,
                                   std::vector<Value *> args, DType t) {
  bool isDouble = t.elem == ElementType::F64;
  std::string sym = (math_.bareMetal ? "kiln_" : "") + name;
  if (!isDouble)
    sym += "f";
  Type *st = scalarRegType(t.elem);
  std::vector<Type *> params(args.size(), st);
  FunctionCallee callee =
      module_.getOrInsertFunction(sym, FunctionType::get(st, params, false));
  if (auto *f = dyn_cast<Function>(callee.getCallee())) {
    f->setDoesNotThrow();
    if (math_.bareMetal)
      f->setDoesNotAccessMemory(); // the runtime's math has no errno
    else
      f->setOnlyAccessesInaccessibleMemory(); // errno only
  }
  if (t.lanes == 1)
    return b_.CreateCall(callee, args);
  // No vector libm here: call per lane.
  Value *result = UndefValue::get(regType(t));
  for (int l = 0; l < t.lanes; ++l) {
    std::vector<Value *> lane;
    for (Value *a : args)
      lane.push_back(b_.CreateExtractElement(a, uint64_t(l)));
    result = b_.CreateInsertElement(result, b_.CreateCall(callee, lane), uint64_t(l));
  }
  return result;
}

Value *KernelEmitter::emitFloor(Value *x) {
  if (math_.bareMetal)
    if (Value *v = emitInlineRounding(b_, loop::Intrinsic::Floor, x))
      return v;
  return b_.CreateUnaryIntrinsic(llvm::Intrinsic::floor, x);
}

// LLVM lowers llvm.exp, llvm.floor, frem, ... to libm calls where the target
// has no instruction (on Cortex-M even floorf), so bare metal avoids them.
Value *KernelEmitter::emitBareMetalCall(loop::Intrinsic fn,
                                        const std::string &name,
                                        const std::vector<Value *> &args,
                                        DType t) {
  bool isDouble = t.elem == ElementType::F64;
  if (!isDouble)
    if (Value *v = emitInlineMath(b_, fn, args[0])) // f32 exp, log, tanh
      return v;
  if (Value *v = emitInlineRounding(b_, fn, args[0]))
    return v;
  switch (fn) {
  case loop::Intrinsic::Exp:
  case loop::Intrinsic::Log:
  case loop::Intrinsic::Tanh:
  case loop::Intrinsic::Sin:
  case loop::Intrinsic::Cos:
  case loop::Intrinsic::Pow:
  case loop::Intrinsic::Fmod:
    return emitLibmCall(name, args, t);
  case loop::Intrinsic::Sqrt:
    if (!(isDouble ? math_.sqrtF64 : math_.sqrtF32))
      return emitLibmCall(name, args, t);
    return nullptr;
  default:
    return nullptr; // fabs, isnan, isinf: bit operations; the rest are calls
  }
}

Value *KernelEmitter::emitCall(const CallNode *n) {
  std::optional<loop::Intrinsic> in = lookupIntrinsic(n->name);
  if (!in)
    unsupported("unsupported call '" + n->name + "'");
  check(int(n->args.size()) == intrinsicArity(*in),
        "call '{}' with {} arguments", n->name, n->args.size());
  std::vector<Value *> args;
  for (const Expr &a : n->args) {
    if (!a.type().isFloat())
      unsupported("call '" + n->name + "' on " + a.type().str());
    args.push_back(emit(a));
  }
  DType at = n->args[0].type();
  Value *x = args[0];
  // Vector exp/log/tanh inline (VectorMath.cpp) rather than libm per lane.
  if (at.lanes > 1 && at.elem != ElementType::F64 && !options_.libmMath)
    if (Value *v = emitInlineMath(b_, *in, x))
      return roundTo(v, at);
  if (math_.bareMetal)
    if (Value *v = emitBareMetalCall(*in, n->name, args, at))
      return roundTo(v, at);
  auto unaryIntr = [&](llvm::Intrinsic::ID id) {
    return roundTo(b_.CreateUnaryIntrinsic(id, x), at);
  };
  using LI = llvm::Intrinsic::ID;
  switch (*in) {
  case loop::Intrinsic::Exp:
    return unaryIntr(LI(llvm::Intrinsic::exp));
  case loop::Intrinsic::Log:
    return unaryIntr(LI(llvm::Intrinsic::log));
  case loop::Intrinsic::Sqrt:
    return unaryIntr(LI(llvm::Intrinsic::sqrt));
  case loop::Intrinsic::Sin:
    return unaryIntr(LI(llvm::Intrinsic::sin));
  case loop::Intrinsic::Cos:
    return unaryIntr(LI(llvm::Intrinsic::cos));
  case loop::Intrinsic::Fabs:
    return unaryIntr(LI(llvm::Intrinsic::fabs));
  case loop::Intrinsic::Floor:
    return unaryIntr(LI(llvm::Intrinsic::floor));
  case loop::Intrinsic::Ceil:
    return unaryIntr(LI(llvm::Intrinsic::ceil));
  case loop::Intrinsic::Round:
    return unaryIntr(LI(llvm::Intrinsic::roundeven));
  case loop::Intrinsic::Trunc:
    return unaryIntr(LI(llvm::Intrinsic::trunc));
  case loop::Intrinsic::IsNan:
    return b_.CreateFCmpUNO(x, x);
  case loop::Intrinsic::IsInf: {
    Value *ax = b_.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, x);
    Value *inf = splat(ConstantFP::getInfinity(scalarRegType(at.elem)), at.lanes);
    return b_.CreateFCmpOEQ(ax, inf);
  }
  case loop::Intrinsic::Pow:
    return roundTo(b_.CreateBinaryIntrinsic(llvm::Intrinsic::pow, x, args[1]), at);
  case loop::Intrinsic::Fmod:
    return roundTo(b_.CreateFRem(x, args[1]), at);
  default:
    return roundTo(emitLibmCall(n->name, args, at), at);
  }
}

} // namespace kiln::codegen
