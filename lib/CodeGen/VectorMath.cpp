//===- VectorMath.cpp - inline f32 exp/log/tanh as LLVM IR ----------------===//
// Range reduction with integer bit manipulation plus minimax polynomials
// (fitted for this file by Lawson's algorithm), no branches, no libm.
//===----------------------------------------------------------------------===//

#include "VectorMath.h"

#include <llvm/IR/Intrinsics.h>

using namespace llvm;

namespace kiln::codegen {

namespace {

/// Builds the sequences for one float or <N x float> type.
class MathBuilder {
public:
  MathBuilder(IRBuilder<> &b, Type *ft)
      : b_(b), ft_(ft), it_(ft->getWithNewType(b.getInt32Ty())) {}

  Value *exp(Value *x);
  Value *log(Value *x);
  Value *tanh(Value *x);

private:
  Value *f(double v) { return ConstantFP::get(ft_, v); }
  Value *i(int64_t v) { return ConstantInt::get(it_, uint64_t(v), true); }
  Value *bitsOf(Value *v) { return b_.CreateBitCast(v, it_); }
  Value *floatOf(Value *v) { return b_.CreateBitCast(v, ft_); }
  Value *mul(Value *a, Value *c) { return b_.CreateFMul(a, c); }
  Value *add(Value *a, Value *c) { return b_.CreateFAdd(a, c); }
  Value *sub(Value *a, Value *c) { return b_.CreateFSub(a, c); }
  /// Horner: c[0] + v*(c[1] + v*(...)).
  Value *horner(Value *v, std::initializer_list<double> c) {
    const double *p = c.end();
    Value *acc = f(*--p);
    while (p != c.begin())
      acc = add(mul(acc, v), f(*--p));
    return acc;
  }
  /// 2^n for integer n in [-126, 127].
  Value *pow2(Value *n) { return floatOf(b_.CreateShl(b_.CreateAdd(n, i(127)), 23)); }

  IRBuilder<> &b_;
  Type *ft_;
  Type *it_;
};

// ln 2 split so that n * kLn2Hi is exact for |n| < 2^14.
constexpr double kLn2Hi = 0.693359375;
constexpr double kLn2Lo = -2.12194440e-4;

// exp(x) = 2^n * e^r, n = round(x / ln 2), |r| <= ln(2)/2;
// e^r ~ 1 + r + r^2 P(r) (relative error 3e-9).
Value *MathBuilder::exp(Value *x) {
  // Clamp (NaN passes through): above 88.8 the result overflows to inf, below
  // -104 it rounds to 0 (exp(-103.97) is half the smallest denormal).
  Value *xc = b_.CreateSelect(b_.CreateFCmpOGT(x, f(88.8)), f(88.8), x);
  xc = b_.CreateSelect(b_.CreateFCmpOLT(xc, f(-104.0)), f(-104.0), xc);
  // Round x/ln2 to an integer by adding 1.5 * 2^23: the integer is then in
  // the low mantissa bits (no fptosi, which would be poison for NaN).
  Value *magic = f(12582912.0);
  Value *t = add(mul(xc, f(1.4426950408889634)), magic);
  Value *n = b_.CreateSub(bitsOf(t), bitsOf(magic));
  Value *nf = sub(t, magic);
  Value *r = sub(xc, mul(nf, f(kLn2Hi)));
  r = sub(r, mul(nf, f(kLn2Lo)));
  Value *p = horner(r, {0.49999994, 0.1666652, 0.041668393, 0.008368781,
                        0.0013814458});
  p = add(f(1.0), add(r, mul(mul(r, r), p)));
  // n is in [-150, 128]: scale in two halves so each factor is a normal
  // float and denormal results are rounded once.
  Value *n1 = b_.CreateAShr(n, 1);
  Value *n2 = b_.CreateSub(n, n1);
  return mul(mul(p, pow2(n1)), pow2(n2));
}

// log(x) = e ln2 + log(m), m in [sqrt(1/2), sqrt(2)); with f = m - 1 and
// s = f / (2 + f): log(m) = f - hfsq + s (hfsq + R(s^2)), hfsq = f^2 / 2.
Value *MathBuilder::log(Value *x) {
  // Denormals: scale into the normal range first.
  Value *den = b_.CreateFCmpOLT(x, f(1.17549435e-38));
  Value *xs = b_.CreateSelect(den, mul(x, f(8388608.0)), x);
  Value *bias = b_.CreateSelect(den, i(127 + 23), i(127));
  // Offset so the exponent field steps up where the mantissa passes sqrt(2).
  constexpr int64_t kSqrtHalf = 0x3f3504f3;
  Value *ix = b_.CreateAdd(bitsOf(xs), i(0x3f800000 - kSqrtHalf));
  Value *e = b_.CreateSub(b_.CreateAShr(ix, 23), bias);
  Value *m = floatOf(b_.CreateAdd(b_.CreateAnd(ix, i(0x7fffff)), i(kSqrtHalf)));
  Value *fm = sub(m, f(1.0));
  Value *s = b_.CreateFDiv(fm, add(f(2.0), fm));
  Value *z = mul(s, s);
  Value *rz = mul(z, horner(z, {0.66666776, 0.39977497, 0.29873046}));
  Value *hfsq = mul(mul(f(0.5), fm), fm);
  Value *ef = b_.CreateSIToFP(e, ft_);
  // ef*ln2hi - ((hfsq - (s*(hfsq+R) + ef*ln2lo)) - f)
  Value *inner = add(mul(s, add(hfsq, rz)), mul(ef, f(kLn2Lo)));
  Value *res = sub(mul(ef, f(kLn2Hi)), sub(sub(hfsq, inner), fm));
  res = b_.CreateSelect(b_.CreateFCmpOEQ(x, ConstantFP::getInfinity(ft_)), x, res);
  res = b_.CreateSelect(b_.CreateFCmpOEQ(x, f(0.0)),
                        ConstantFP::getInfinity(ft_, true), res);
  res = b_.CreateSelect(b_.CreateFCmpOLT(x, f(0.0)), ConstantFP::getNaN(ft_),
                        res);
  return b_.CreateSelect(b_.CreateFCmpUNO(x, x), x, res);
}

// tanh(x) = x + x^3 P(x^2) for |x| < 0.625, else
// sign(x) (1 - 2 / (exp(2|x|) + 1)), which is 1 once exp overflows.
Value *MathBuilder::tanh(Value *x) {
  Value *ax = b_.CreateUnaryIntrinsic(Intrinsic::fabs, x);
  Value *z = mul(x, x);
  Value *p = horner(z, {-0.3333328, 0.13331442, -0.053739708, 0.020639066,
                        -0.005704962});
  Value *small = add(x, mul(mul(x, z), p));
  Value *e = exp(add(ax, ax));
  Value *q = sub(f(1.0), b_.CreateFDiv(f(2.0), add(e, f(1.0))));
  // The sign also makes tanh(-0) = -0 (small gives +0 there).
  Value *res = b_.CreateSelect(b_.CreateFCmpOLT(ax, f(0.625)), small, q);
  return b_.CreateBinaryIntrinsic(Intrinsic::copysign, res, x);
}

} // namespace

Value *emitInlineMath(IRBuilder<> &b, loop::Intrinsic fn, Value *x) {
  if (!x->getType()->getScalarType()->isFloatTy())
    return nullptr;
  MathBuilder m(b, x->getType());
  switch (fn) {
  case loop::Intrinsic::Exp:
    return m.exp(x);
  case loop::Intrinsic::Log:
    return m.log(x);
  case loop::Intrinsic::Tanh:
    return m.tanh(x);
  default:
    return nullptr;
  }
}

} // namespace kiln::codegen
