//===- DotProduct.cpp - 8-bit dot products from i32 sums of products ------===//
// Loop IR has no dot-product operation: an integer kernel writes
//   acc + sum over k < 4 of broadcast(a_k) * cast<i32xL>(w[..., ramp, k])
// with a_k an 8-bit value widened to i32 and w's last dimension 4 (four
// input channels per output lane, as QConvNCHWc packs its weights). Each
// such group of four is one VPDPBUSD / SDOT / UDOT / USDOT where the target
// has it, else an exact widening multiply and pairwise sums. docs/codegen.md
// ("Dot products") has the rules.
//===----------------------------------------------------------------------===//

#include "KernelEmitter.h"

#include "kiln/LoopIR/Schedule.h"
#include "kiln/LoopIR/Simplify.h"

#include <llvm/IR/IntrinsicsAArch64.h>
#include <llvm/IR/IntrinsicsX86.h>

#include <optional>

using namespace llvm;

namespace kiln::codegen {

using namespace kiln::loop;

namespace {

/// Which 8-bit ranges an i32 scalar expression provably lies in.
struct ByteRange {
  bool u8 = false, i8 = false;
};

ByteRange byteRange(const Expr &e) {
  if (e.type().lanes != 1 || e.type().elem != ElementType::I32)
    return {};
  int64_t v = 0;
  if (isConstInt(e, &v))
    return {v >= 0 && v <= 255, v >= -128 && v <= 127};
  if (const auto *c = e.as<CastNode>()) {
    ElementType from = c->value.type().elem;
    return {from == ElementType::U8, from == ElementType::I8};
  }
  if (const auto *s = e.as<SelectNode>()) {
    ByteRange a = byteRange(s->trueValue), b = byteRange(s->falseValue);
    return {a.u8 && b.u8, a.i8 && b.i8};
  }
  return {};
}

/// One product term broadcast(a) * cast<i32xL>(w[..., ramp(base, 1, L), k]).
struct ByteProduct {
  Expr a;
  ByteRange aRange;
  const LoadNode *w = nullptr;
  int64_t k = 0;
};

std::optional<ByteProduct> matchProduct(const Expr &e, int lanes) {
  const auto *mul = e.as<BinaryNode>();
  if (!mul || mul->op != BinaryOp::Mul)
    return std::nullopt;
  for (int side = 0; side < 2; ++side) {
    const Expr &bc = side ? mul->b : mul->a, &wc = side ? mul->a : mul->b;
    const auto *b = bc.as<BroadcastNode>();
    const auto *c = wc.as<CastNode>();
    if (!b || !c)
      continue;
    const auto *w = c->value.as<LoadNode>();
    ByteRange r = byteRange(b->value);
    if (!w || (!r.u8 && !r.i8) || w->type.lanes != lanes ||
        (w->type.elem != ElementType::U8 && w->type.elem != ElementType::I8))
      continue;
    const Buffer &buf = w->buffer;
    size_t rank = buf->rank();
    if (rank < 2 || buf->shape.back() != 4 || buf->strides.back() != 1 ||
        buf->strides[rank - 2] != 4)
      continue;
    int64_t k = 0, stride = 0;
    const auto *ramp = w->indices[rank - 2].as<RampNode>();
    if (!isConstInt(w->indices.back(), &k) || k < 0 || k > 3 || !ramp ||
        ramp->lanes != lanes || !isConstInt(ramp->stride, &stride) ||
        stride != 1)
      continue;
    bool scalarRest = true;
    for (size_t d = 0; d + 2 < rank; ++d)
      scalarRest &= w->indices[d].type().lanes == 1;
    if (!scalarRest)
      continue;
    return ByteProduct{b->value, r, w, k};
  }
  return std::nullopt;
}

/// Whether two product terms read the same four weights of each lane.
bool sameWeights(const LoadNode *a, const LoadNode *b) {
  if (a->buffer->name != b->buffer->name ||
      a->indices.size() != b->indices.size())
    return false;
  size_t rank = a->indices.size();
  for (size_t d = 0; d + 2 < rank; ++d)
    if (!exprEqual(a->indices[d], b->indices[d]))
      return false;
  return exprEqual(a->indices[rank - 2].as<RampNode>()->base,
                   b->indices[rank - 2].as<RampNode>()->base);
}

/// A depthwise tap: cast<i32xL>(u[...]) * cast<i32xL>(s[...]) of two
/// contiguous 8-bit vector loads, u of u8 and s of i8 (either order).
struct TapProduct {
  const LoadNode *u = nullptr, *s = nullptr;
};

std::optional<TapProduct> matchTap(const Expr &e, int lanes) {
  const auto *mul = e.as<BinaryNode>();
  if (!mul || mul->op != BinaryOp::Mul)
    return std::nullopt;
  const auto *ca = mul->a.as<CastNode>(), *cb = mul->b.as<CastNode>();
  if (!ca || !cb)
    return std::nullopt;
  const auto *la = ca->value.as<LoadNode>(), *lb = cb->value.as<LoadNode>();
  if (!la || !lb || la->type.lanes != lanes || lb->type.lanes != lanes)
    return std::nullopt;
  if (la->type.elem == ElementType::U8 && lb->type.elem == ElementType::I8)
    return TapProduct{la, lb};
  if (la->type.elem == ElementType::I8 && lb->type.elem == ElementType::U8)
    return TapProduct{lb, la};
  return std::nullopt;
}

/// Whether `b` reads what `a` reads shifted by k vectors of `lanes`
/// elements: the same buffer and indices but for one scalar index that is
/// k more, on a dimension of stride `lanes` (k = 0: the same access).
bool shiftedBy(const LoadNode *a, const LoadNode *b, int64_t k, int lanes) {
  if (a->buffer.get() != b->buffer.get() ||
      a->indices.size() != b->indices.size())
    return false;
  int differing = 0;
  for (size_t d = 0; d < a->indices.size(); ++d) {
    if (exprEqual(a->indices[d], b->indices[d]))
      continue;
    int64_t delta = 0;
    if (++differing > 1 || a->indices[d].type().lanes != 1 ||
        !isConstInt(simplify(b->indices[d] - a->indices[d]), &delta) ||
        delta != k || a->buffer->strides[d] != lanes)
      return false;
  }
  return differing == (k == 0 ? 0 : 1);
}

void addTerms(const Expr &e, std::vector<Expr> &terms) {
  const auto *add = e.as<BinaryNode>();
  if (add && add->op == BinaryOp::Add) {
    addTerms(add->a, terms);
    addTerms(add->b, terms);
    return;
  }
  terms.push_back(e);
}

} // namespace

Value *KernelEmitter::emitDotProducts(const BinaryNode *n) {
  DType t = n->type;
  int lanes = t.lanes;
  if (t.elem != ElementType::I32 || lanes < 2 || n->op != BinaryOp::Add)
    return nullptr;
  std::vector<Expr> terms;
  addTerms(n->a, terms);
  addTerms(n->b, terms);
  std::vector<std::optional<ByteProduct>> products;
  for (const Expr &e : terms)
    products.push_back(matchProduct(e, lanes));

  // Groups of four products k = 0..3 over the same weights.
  std::vector<std::array<size_t, 4>> groups;
  std::vector<TapProduct> tapProducts;
  std::vector<bool> used(terms.size(), false);
  for (size_t i = 0; i < terms.size(); ++i) {
    if (used[i] || !products[i] || products[i]->k != 0)
      continue;
    std::array<size_t, 4> g = {i, 0, 0, 0};
    bool found = true;
    for (int64_t k = 1; k < 4 && found; ++k) {
      found = false;
      for (size_t j = 0; j < terms.size(); ++j)
        if (!used[j] && products[j] && products[j]->k == k &&
            sameWeights(products[i]->w, products[j]->w)) {
          g[size_t(k)] = j;
          found = true;
          break;
        }
    }
    if (!found)
      continue;
    // One signedness for the four broadcast values.
    bool allU8 = true, allI8 = true;
    for (size_t j : g) {
      allU8 &= products[j]->aRange.u8;
      allI8 &= products[j]->aRange.i8;
    }
    if (!allU8 && !allI8)
      continue;
    for (size_t j : g)
      used[j] = true;
    groups.push_back(g);
  }
  // Depthwise taps over consecutive input columns: up to four products
  // whose inputs and weights each lie L elements apart become one dot
  // product of the bytes regrouped four per lane (AVX512-VNNI and VBMI's
  // byte permute; a masked load reads only the bytes the taps read).
  std::vector<std::vector<size_t>> taps;
  if (lanes == 16 && math_.vnni512) {
    std::vector<std::optional<TapProduct>> tp;
    for (const Expr &e : terms)
      tp.push_back(matchTap(e, lanes));
    for (size_t i = 0; i < terms.size(); ++i) {
      if (used[i] || !tp[i] ||
          contiguousRampDim(tp[i]->u->buffer, tp[i]->u->indices) < 0 ||
          contiguousRampDim(tp[i]->s->buffer, tp[i]->s->indices) < 0)
        continue;
      std::vector<size_t> g = {i};
      for (int64_t k = 1; k < 4; ++k) {
        size_t found = terms.size();
        for (size_t j = 0; j < terms.size() && found == terms.size(); ++j)
          if (j != i && !used[j] && tp[j] &&
              shiftedBy(tp[i]->u, tp[j]->u, k, lanes) &&
              shiftedBy(tp[i]->s, tp[j]->s, k, lanes))
            found = j;
        if (found == terms.size())
          break;
        g.push_back(found);
      }
      if (g.size() < 2)
        continue;
      for (size_t j : g)
        used[j] = true;
      taps.push_back(g);
      tapProducts.push_back(*tp[i]);
    }
  }
  if (groups.empty() && taps.empty())
    return nullptr;

  Value *acc = nullptr;
  for (size_t i = 0; i < terms.size(); ++i)
    if (!used[i]) {
      Value *v = emit(terms[i]);
      acc = acc ? b_.CreateAdd(acc, v) : v;
    }
  if (!acc)
    acc = intConst(t, 0);
  for (const auto &g : groups) {
    // The four values packed little-endian into one i32, as the
    // instructions read them.
    Value *packed = b_.getInt32(0);
    bool aSigned = false;
    for (unsigned k = 0; k < 4; ++k) {
      const ByteProduct &p = *products[g[k]];
      aSigned |= !p.aRange.u8;
      Value *byte = b_.CreateZExt(b_.CreateTrunc(emit(p.a), b_.getInt8Ty()),
                                  b_.getInt32Ty());
      packed = b_.CreateOr(packed, b_.CreateShl(byte, 8 * k));
    }
    const LoadNode *w = products[g[0]]->w;
    std::vector<Expr> first = w->indices;
    first[first.size() - 2] = first[first.size() - 2].as<RampNode>()->base;
    first.back() = Expr(0);
    acc = emitDot4(acc, packed, aSigned, scalarAddress(w->buffer, first),
                   w->type.elem == ElementType::I8, lanes);
  }
  for (size_t g = 0; g < taps.size(); ++g) {
    int k = int(taps[g].size());
    Value *u = regroupTaps(tapProducts[g].u, k, lanes);
    Value *sv = regroupTaps(tapProducts[g].s, k, lanes);
    auto *wordsTy = FixedVectorType::get(b_.getInt32Ty(), unsigned(lanes));
    acc = b_.CreateCall(
        llvm::Intrinsic::getDeclaration(
            &module_, llvm::Intrinsic::x86_avx512_vpdpbusd_512),
        {acc, b_.CreateBitCast(u, wordsTy), b_.CreateBitCast(sv, wordsTy)});
  }
  return acc;
}

Value *KernelEmitter::regroupTaps(const LoadNode *n, int taps, int lanes) {
  // Bytes [k * L + l] for k < taps, then byte 4l + k of the result is lane
  // l of tap k (zero for k >= taps).
  Type *i8 = b_.getInt8Ty();
  auto *bytesTy = FixedVectorType::get(i8, unsigned(4 * lanes));
  Value *p = contiguousAddress(n->buffer, n->indices);
  SmallVector<Constant *, 64> live;
  for (int i = 0; i < 4 * lanes; ++i)
    live.push_back(b_.getInt1(i < taps * lanes));
  Value *zero = Constant::getNullValue(bytesTy);
  Value *bytes =
      b_.CreateMaskedLoad(bytesTy, b_.CreateBitCast(p, bytesTy->getPointerTo()),
                          Align(1), ConstantVector::get(live), zero);
  SmallVector<int, 64> mask;
  for (int l = 0; l < lanes; ++l)
    for (int k = 0; k < 4; ++k)
      mask.push_back(k < taps ? k * lanes + l : 4 * lanes);
  return b_.CreateShuffleVector(bytes, zero, mask);
}

Value *KernelEmitter::emitDot4(Value *acc, Value *packed, bool aSigned,
                               Value *wPtr, bool wSigned, int lanes) {
  Type *i8 = b_.getInt8Ty(), *i32 = b_.getInt32Ty();
  auto *bytesTy = FixedVectorType::get(i8, unsigned(4 * lanes));
  auto *wordsTy = FixedVectorType::get(i32, unsigned(lanes));
  Value *wBytes = b_.CreateAlignedLoad(
      bytesTy, b_.CreateBitCast(wPtr, bytesTy->getPointerTo()), Align(1));
  Value *aWords = b_.CreateVectorSplat(unsigned(lanes), packed);
  Value *aBytes = b_.CreateBitCast(aWords, bytesTy);
  auto call = [&](llvm::Intrinsic::ID id, ArrayRef<Type *> types, Value *u,
                  Value *v) {
    return b_.CreateCall(llvm::Intrinsic::getDeclaration(&module_, id, types),
                         {acc, u, v});
  };
  // VPDPBUSD multiplies unsigned bytes of its first source by signed bytes
  // of its second; the product is symmetric, so either side may be the
  // broadcast one.
  if (aSigned != wSigned &&
      ((lanes == 16 && math_.vnni512) || (lanes == 8 && math_.vnni256))) {
    llvm::Intrinsic::ID id = lanes == 16
                                 ? llvm::Intrinsic::x86_avx512_vpdpbusd_512
                                 : llvm::Intrinsic::x86_avx512_vpdpbusd_256;
    Value *wWords = b_.CreateBitCast(wBytes, wordsTy);
    return aSigned ? call(id, {}, wWords, aWords)
                   : call(id, {}, aWords, wWords);
  }
  if (lanes == 4 && ((aSigned == wSigned && math_.armDot) ||
                     (aSigned != wSigned && math_.armUsdot))) {
    Type *types[] = {wordsTy, bytesTy};
    if (aSigned != wSigned)
      return aSigned ? call(llvm::Intrinsic::aarch64_neon_usdot, types, wBytes,
                            aBytes)
                     : call(llvm::Intrinsic::aarch64_neon_usdot, types, aBytes,
                            wBytes);
    return call(aSigned ? llvm::Intrinsic::aarch64_neon_sdot
                        : llvm::Intrinsic::aarch64_neon_udot,
                types, aBytes, wBytes);
  }
  // Exact everywhere: widen, multiply, and add the four products of each
  // lane (|sum| < 2^17, so no step wraps where the instructions would not).
  auto *wideTy = FixedVectorType::get(i32, unsigned(4 * lanes));
  Value *wWide =
      wSigned ? b_.CreateSExt(wBytes, wideTy) : b_.CreateZExt(wBytes, wideTy);
  Value *aWide =
      aSigned ? b_.CreateSExt(aBytes, wideTy) : b_.CreateZExt(aBytes, wideTy);
  Value *prod = b_.CreateMul(wWide, aWide);
  for (int k = 0; k < 4; ++k) {
    SmallVector<int, 16> mask;
    for (int l = 0; l < lanes; ++l)
      mask.push_back(4 * l + k);
    acc = b_.CreateAdd(acc, b_.CreateShuffleVector(prod, mask));
  }
  return acc;
}

} // namespace kiln::codegen
