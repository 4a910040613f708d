//===- KernelTypes.cpp - register/memory types and casts ------------------===//

#include "KernelEmitter.h"

#include <cmath>

#include <llvm/IR/Intrinsics.h>

using namespace llvm;

namespace kiln::codegen {

using loop::DType;

Type *KernelEmitter::scalarRegType(ElementType e) const {
  switch (e) {
  case ElementType::Bool:
    return Type::getInt1Ty(ctx_);
  case ElementType::I8:
  case ElementType::U8:
    return Type::getInt8Ty(ctx_);
  case ElementType::I16:
  case ElementType::U16:
    return Type::getInt16Ty(ctx_);
  case ElementType::I32:
  case ElementType::U32:
    return Type::getInt32Ty(ctx_);
  case ElementType::I64:
  case ElementType::U64:
    return Type::getInt64Ty(ctx_);
  case ElementType::F16:
  case ElementType::BF16:
  case ElementType::F32:
    return Type::getFloatTy(ctx_);
  case ElementType::F64:
    return Type::getDoubleTy(ctx_);
  }
  fail("invalid element type");
}

Type *KernelEmitter::regType(DType t) const {
  Type *s = scalarRegType(t.elem);
  return t.lanes > 1 ? FixedVectorType::get(s, t.lanes) : s;
}

Type *KernelEmitter::memType(ElementType e) const {
  switch (e) {
  case ElementType::Bool:
    return Type::getInt8Ty(ctx_);
  case ElementType::F16:
    return Type::getHalfTy(ctx_);
  case ElementType::BF16:
    return Type::getInt16Ty(ctx_);
  default:
    return scalarRegType(e);
  }
}

Value *KernelEmitter::splat(Value *v, int lanes) {
  return lanes > 1 ? b_.CreateVectorSplat(lanes, v) : v;
}

Value *KernelEmitter::intConst(DType t, int64_t v) {
  return splat(ConstantInt::get(scalarRegType(t.elem), uint64_t(v), true),
               t.lanes);
}

Value *KernelEmitter::toReg(Value *mem, DType t) {
  switch (t.elem) {
  case ElementType::Bool:
    return b_.CreateICmpNE(mem, Constant::getNullValue(mem->getType()));
  case ElementType::F16:
    return b_.CreateFPExt(mem, regType(t));
  case ElementType::BF16: {
    Value *wide = b_.CreateZExt(mem, regType(DType(ElementType::I32, t.lanes)));
    wide = b_.CreateShl(wide, 16);
    return b_.CreateBitCast(wide, regType(t));
  }
  default:
    return mem;
  }
}

Value *KernelEmitter::toMem(Value *reg, DType t) {
  switch (t.elem) {
  case ElementType::Bool:
    return b_.CreateZExt(reg, regType(DType(ElementType::I8, t.lanes)));
  case ElementType::F16: {
    Type *h = Type::getHalfTy(ctx_);
    return b_.CreateFPTrunc(reg, t.lanes > 1 ? FixedVectorType::get(h, t.lanes)
                                             : h);
  }
  case ElementType::BF16: {
    // Register values are already exact bf16 values: keep the high half.
    Value *bits =
        b_.CreateBitCast(reg, regType(DType(ElementType::I32, t.lanes)));
    bits = b_.CreateLShr(bits, 16);
    return b_.CreateTrunc(bits, regType(DType(ElementType::I16, t.lanes)));
  }
  default:
    return reg;
  }
}

Value *KernelEmitter::roundTo(Value *v, DType t) {
  if (t.elem == ElementType::F16) {
    Type *h = Type::getHalfTy(ctx_);
    Value *half =
        b_.CreateFPTrunc(v, t.lanes > 1 ? FixedVectorType::get(h, t.lanes) : h);
    return b_.CreateFPExt(half, regType(t));
  }
  if (t.elem == ElementType::BF16) {
    // Round to nearest even on the float's bits; NaN stays a quiet NaN.
    DType i32(ElementType::I32, t.lanes);
    Value *bits = b_.CreateBitCast(v, regType(i32));
    Value *lsb = b_.CreateAnd(b_.CreateLShr(bits, 16), intConst(i32, 1));
    Value *rounded = b_.CreateAdd(b_.CreateAdd(bits, intConst(i32, 0x7fff)), lsb);
    Value *nan = b_.CreateOr(bits, intConst(i32, 0x00400000));
    Value *isNan = b_.CreateFCmpUNO(v, v);
    Value *r = b_.CreateSelect(isNan, nan, rounded);
    r = b_.CreateAnd(r, intConst(i32, int64_t(0xffff0000u)));
    return b_.CreateBitCast(r, regType(t));
  }
  return v;
}

Value *KernelEmitter::emitCast(Value *v, DType from, DType to) {
  ElementType f = from.elem, t = to.elem;
  if (f == t)
    return v;
  Type *dst = regType(to);
  if (t == ElementType::Bool) {
    if (from.isFloat())
      return b_.CreateFCmpUNE(v, Constant::getNullValue(v->getType()));
    return b_.CreateICmpNE(v, Constant::getNullValue(v->getType()));
  }
  if (f == ElementType::Bool)
    return to.isFloat() ? b_.CreateUIToFP(v, dst) : b_.CreateZExt(v, dst);
  if (from.isInt() && to.isInt())
    return b_.CreateIntCast(v, dst, isSigned(f));
  bool to16 = t == ElementType::F16 || t == ElementType::BF16;
  if (from.isInt()) {
    if (!to16)
      return isSigned(f) ? b_.CreateSIToFP(v, dst) : b_.CreateUIToFP(v, dst);
    // Through double (exact up to 2^53) so that there is one rounding.
    Type *dt = regType(DType(ElementType::F64, to.lanes));
    v = isSigned(f) ? b_.CreateSIToFP(v, dt) : b_.CreateUIToFP(v, dt);
    return roundTo(truncToFloatOdd(v), to);
  }
  if (to.isInt() && to.lanes > 1 && dst->getScalarSizeInBits() < 32) {
    // Saturating float -> 8/16-bit vectors, which LLVM 14 would scalarize
    // lane by lane: clamp in float (maxnum takes the bound for NaN), convert
    // through i32, where every clamped value fits, and give NaN its 0.
    unsigned bits = dst->getScalarSizeInBits();
    double lo = isSigned(t) ? -std::ldexp(1.0, int(bits) - 1) : 0.0;
    double hi = isSigned(t) ? std::ldexp(1.0, int(bits) - 1) - 1
                            : std::ldexp(1.0, int(bits)) - 1;
    Value *c = b_.CreateBinaryIntrinsic(Intrinsic::maxnum, v,
                                        ConstantFP::get(v->getType(), lo));
    c = b_.CreateBinaryIntrinsic(Intrinsic::minnum, c,
                                 ConstantFP::get(v->getType(), hi));
    Value *i = b_.CreateFPToSI(c, regType(DType(ElementType::I32, to.lanes)));
    if (lo != 0.0)
      i = b_.CreateSelect(b_.CreateFCmpUNO(v, v),
                          Constant::getNullValue(i->getType()), i);
    return b_.CreateTrunc(i, dst);
  }
  if (to.isInt()) {
    // Saturating float -> int: NaN gives 0, out of range clamps.
    Intrinsic::ID id =
        isSigned(t) ? Intrinsic::fptosi_sat : Intrinsic::fptoui_sat;
    return b_.CreateIntrinsic(id, {dst, v->getType()}, {v});
  }
  // float -> float.
  if (v->getType() == dst)
    return roundTo(v, to); // f32/f16/bf16 among each other
  if (dst->getScalarSizeInBits() > v->getType()->getScalarSizeInBits())
    return b_.CreateFPExt(v, dst);
  return roundTo(to16 ? truncToFloatOdd(v) : b_.CreateFPTrunc(v, dst), to);
}

// double -> float rounding to odd: truncate toward zero and set the last bit
// when inexact. A second rounding to f16/bf16 is then correctly rounded, as
// if done directly from the double.
Value *KernelEmitter::truncToFloatOdd(Value *v) {
  auto *vt = dyn_cast<FixedVectorType>(v->getType());
  int lanes = vt ? int(vt->getNumElements()) : 1;
  DType i32(ElementType::I32, lanes);
  Value *r = b_.CreateFPTrunc(v, regType(DType(ElementType::F32, lanes)));
  Value *back = b_.CreateFPExt(r, v->getType());
  Value *absX = b_.CreateUnaryIntrinsic(Intrinsic::fabs, v);
  Value *absBack = b_.CreateUnaryIntrinsic(Intrinsic::fabs, back);
  Value *bits = b_.CreateBitCast(r, regType(i32));
  // Rounded away from zero: step the magnitude back by one ulp.
  bits = b_.CreateSelect(b_.CreateFCmpOGT(absBack, absX),
                         b_.CreateSub(bits, intConst(i32, 1)), bits);
  bits = b_.CreateSelect(b_.CreateFCmpONE(back, v),
                         b_.CreateOr(bits, intConst(i32, 1)), bits);
  return b_.CreateBitCast(bits, r->getType());
}

} // namespace kiln::codegen
