//===- BareMetalMath.cpp - math without libm for targets with no OS -------===//
// Decides per target whether the FPU can take sqrt, and expands rounding
// functions inline (Cortex-M4's FPv4 has no vrint; LLVM calls floorf there).
//===----------------------------------------------------------------------===//

#include "BareMetalMath.h"

#include <llvm/ADT/Triple.h>
#include <llvm/IR/Intrinsics.h>
#include <llvm/MC/MCSubtargetInfo.h>
#include <llvm/MC/TargetRegistry.h>

#include <memory>

using namespace llvm;

namespace kiln::codegen {

MathTarget mathTarget(const Module &module, const CodeGenOptions &options) {
  MathTarget mt;
  Triple triple(module.getTargetTriple());
  mt.bareMetal = triple.getOS() == Triple::UnknownOS;
  std::string cpu, features;
  for (const auto &[key, value] : options.functionAttributes) {
    if (key == "target-cpu")
      cpu = value;
    else if (key == "target-features")
      features = value;
  }
  // Without a registered target (never the case from kilnc) every sqrt is a
  // runtime call, which is always correct.
  std::string err;
  const Target *target = TargetRegistry::lookupTarget(triple.str(), err);
  if (!target)
    return mt;
  std::unique_ptr<MCSubtargetInfo> sti(
      target->createMCSubtargetInfo(triple.str(), cpu, features));
  if (!sti)
    return mt;
  if (triple.getArch() == Triple::x86_64) {
    mt.vnni512 = sti->checkFeatures("+avx512vnni");
    mt.vnni256 = sti->checkFeatures("+avxvnni") ||
                 (mt.vnni512 && sti->checkFeatures("+avx512vl"));
    mt.x86VectorBits = sti->checkFeatures("+avx512f") ? 512
                       : sti->checkFeatures("+avx2")  ? 256
                                                      : 128;
  } else if (triple.isAArch64()) {
    mt.armDot = sti->checkFeatures("+dotprod");
    mt.armUsdot = sti->checkFeatures("+i8mm");
  }
  if (!mt.bareMetal || sti->checkFeatures("+soft-float"))
    return mt;
  if (triple.isARM() || triple.isThumb()) {
    mt.sqrtF32 = sti->checkFeatures("+vfp2sp");
    mt.sqrtF64 = mt.sqrtF32 && sti->checkFeatures("+fp64");
  } else if (triple.isAArch64()) {
    mt.sqrtF32 = mt.sqrtF64 = sti->checkFeatures("+fp-armv8");
  } else if (triple.getArch() == Triple::x86_64) {
    mt.sqrtF32 = mt.sqrtF64 = true; // SSE2 is part of x86-64
  }
  return mt;
}

Value *emitInlineRounding(IRBuilder<> &b, loop::Intrinsic fn, Value *x) {
  using loop::Intrinsic;
  if (fn != Intrinsic::Floor && fn != Intrinsic::Ceil &&
      fn != Intrinsic::Trunc && fn != Intrinsic::Round)
    return nullptr;
  Type *ft = x->getType();
  Type *st = ft->getScalarType();
  if (!st->isFloatTy() && !st->isDoubleTy())
    return nullptr;
  bool dbl = st->isDoubleTy();
  // From 2^23 (f32) / 2^52 (f64) on every value is an integer, and below it
  // the integer part fits i32 / i64.
  Constant *big = ConstantFP::get(ft, dbl ? 4503599627370496.0 : 8388608.0);
  Value *ax = b.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, x);
  Value *small = b.CreateFCmpOLT(ax, big); // false for NaN and infinities
  auto keepSign = [&](Value *v) {
    // round(-0.3) and trunc(-0.5) are -0.
    return b.CreateBinaryIntrinsic(llvm::Intrinsic::copysign, v, x);
  };
  if (fn == Intrinsic::Round) {
    // Adding 2^p rounds |x| to an integer in the default rounding mode
    // (to nearest, ties to even); subtracting it again is exact.
    Value *r = b.CreateFSub(b.CreateFAdd(ax, big), big);
    return b.CreateSelect(small, keepSign(r), x);
  }
  // fptosi is poison for large |x|, but select then takes x instead.
  Type *it = ft->getWithNewType(dbl ? b.getInt64Ty() : b.getInt32Ty());
  Value *t = keepSign(b.CreateSIToFP(b.CreateFPToSI(x, it), ft));
  t = b.CreateSelect(small, t, x);
  if (fn == Intrinsic::Trunc)
    return t;
  Constant *one = ConstantFP::get(ft, 1.0);
  if (fn == Intrinsic::Floor)
    return b.CreateSelect(b.CreateFCmpOGT(t, x), b.CreateFSub(t, one), t);
  return b.CreateSelect(b.CreateFCmpOLT(t, x), b.CreateFAdd(t, one), t);
}

} // namespace kiln::codegen
