//===- ElementwiseUtils.cpp - shared pieces of elementwise lowerings ------===//
#include "ElementwiseUtils.h"

namespace kiln::lower {

using namespace loop;

bool isUnsignedInt(ElementType type) {
  return isInteger(type) && !isSigned(type);
}

bool inTypeSet(ElementType type, unsigned set) {
  if (isFloat(type))
    return set & FloatTypes;
  if (type == ElementType::Bool)
    return set & BoolType;
  return set & (isSigned(type) ? SignedIntTypes : UnsignedIntTypes);
}

void checkOperandType(const LowerContext &ctx, size_t i, unsigned set) {
  ElementType type = ctx.input(i)->elem;
  if (!inTypeSet(type, set))
    ctx.error("operand {} has unsupported element type {}", i, toString(type));
}

ElementType computeType(ElementType type) {
  return type == ElementType::F16 || type == ElementType::BF16
             ? ElementType::F32
             : type;
}

Expr loadCompute(const Buffer &buffer, const Indices &idx) {
  return cast(computeType(buffer->elem), load(buffer, idx));
}

Expr loadBroadcastCompute(const Buffer &buffer, const Indices &outIdx) {
  return cast(computeType(buffer->elem), loadBroadcast(buffer, outIdx));
}

Expr loadScalar(const Buffer &buffer) {
  return load(buffer, Indices(buffer->rank(), Expr(0)));
}

Expr constLike(const Expr &e, double v) {
  return makeConst(e.type().scalar(), v);
}

Expr stdMin(Expr a, Expr b) { return select(b < a, b, a); }
Expr stdMax(Expr a, Expr b) { return select(a < b, b, a); }

// log1p(u) = log(w) * u / (w - 1) with w = 1 + u corrects the rounding of w
// (Goldberg); when w rounds to 1, u itself is the answer.
Expr log1p(Expr u) {
  Expr w = u + constLike(u, 1.0);
  Expr one = constLike(u, 1.0);
  Expr corrected = mathCall("log", w) * u / (w - one);
  Expr isInf = mathCall("isinf", w);
  return select(w == one, u, select(isInf, w, corrected));
}

void setInPlace(LowerContext &ctx, const std::vector<int> &candidates) {
  if (!ctx.hasOutput(0))
    return;
  const Buffer &out = ctx.output(0);
  for (int k : candidates) {
    if (!ctx.hasInput(size_t(k)))
      continue;
    const Buffer &in = ctx.input(size_t(k));
    if (in->elem == out->elem && in->shape == out->shape) {
      ctx.inPlace = {0, k};
      return;
    }
  }
}

// An immediate holding element i of t, in t's element type (f16/bf16 as f32
// immediates, which hold their values exactly).
static Expr elementImm(const Tensor &t, int64_t i) {
  ElementType e = t.elementType();
  if (isFloat(e))
    return floatImm(DType(e == ElementType::F64 ? e : ElementType::F32),
                    t.getDouble(i));
  return intImm(DType(e), t.getInt(i));
}

static bool sameElement(const Tensor &t, int64_t a, int64_t b) {
  size_t size = byteSize(t.elementType());
  return std::memcmp(t.rawData() + a * int64_t(size),
                     t.rawData() + b * int64_t(size), size) == 0;
}

void emitConstantData(LowerContext &ctx, const Buffer &out,
                      const Tensor &value) {
  int64_t n = out->numElements();
  if (value.numElements() != n)
    ctx.error("constant of {} elements for a result of {}",
              value.numElements(), n);
  // Runs of equal values become loops; the rest are single stores.
  constexpr int64_t MaxStores = 1 << 16;
  Buffer flat = reshapeView(out, {n});
  std::vector<Stmt> stmts;
  for (int64_t i = 0; i < n;) {
    int64_t j = i + 1;
    while (j < n && sameElement(value, i, j))
      ++j;
    Expr v = cast(out->elem, elementImm(value, i));
    if (j - i >= 4) {
      Var k("k");
      stmts.push_back(makeFor(k, Expr(i), Expr(j - i), ForKind::Serial,
                              makeStore(flat, {k}, v)));
    } else {
      for (int64_t k = i; k < j; ++k)
        stmts.push_back(makeStore(flat, {Expr(k)}, v));
    }
    if (int64_t(stmts.size()) > MaxStores)
      ctx.error("constant result of {} elements is too large to emit inline",
                n);
    i = j;
  }
  for (Stmt &s : stmts)
    ctx.emit(s);
}

int64_t normalizeAxisOrError(const LowerContext &ctx, int64_t axis,
                             int64_t rank) {
  if (axis < -rank || axis >= std::max<int64_t>(rank, 1))
    ctx.error("axis {} is out of range for rank {}", axis, rank);
  return axis < 0 ? axis + rank : axis;
}

} // namespace kiln::lower
