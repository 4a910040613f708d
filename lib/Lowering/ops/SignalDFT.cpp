//===- SignalDFT.cpp - lowering of DFT and STFT ---------------------------===//
// The interpreter's direct O(n^2) transform in f64, term by term in the same
// order: sum_j x[j] * e^{sign * 2 pi i ((j k) mod n) / n}, divided by n for
// the inverse, stored through f32 like Tensor::setDouble.
//===----------------------------------------------------------------------===//
#include "TensorLowerUtils.h"

#include <cmath>

namespace kiln {

using namespace loop;
using namespace lowerutil;

namespace {
// One complex sample as (re, im) f64 expressions of the summation index.
using Sample = std::function<std::pair<Expr, Expr>(Expr j)>;
} // namespace

// Stores bin k of the length-n transform of the first m samples into
// (reOut, imOut) indices of `out` (its last dim is [re, im]).
static Stmt transformBin(const Buffer &out, Indices at, Expr k, int64_t n,
                         int64_t m, bool inverse, const Sample &sample) {
  ElementType f = ElementType::F64;
  Buffer re = makeBuffer("re", f, {1}, MemoryScope::Stack);
  Buffer im = makeBuffer("im", f, {1}, MemoryScope::Stack);
  Indices z{Expr(0)};
  Var j("j");
  double sign = inverse ? 1.0 : -1.0;
  Expr angle = floatImm(DType(f), sign * 2 * M_PI) *
               cast(f, (Expr(j) * k) % Expr(n)) / floatImm(DType(f), double(n));
  Expr c = mathCall("cos", angle), s = mathCall("sin", angle);
  auto [xr, xi] = sample(j);
  Stmt body = makeFor(
      j, Expr(0), Expr(m), ForKind::Serial,
      makeSeq({makeStore(re, z, load(re, z) + (xr * c - xi * s)),
               makeStore(im, z, load(im, z) + (xr * s + xi * c))}));
  Expr rv = load(re, z), iv = load(im, z);
  if (inverse) {
    rv = rv / floatImm(DType(f), double(n));
    iv = iv / floatImm(DType(f), double(n));
  }
  Indices reAt = at, imAt = at;
  reAt.push_back(Expr(0));
  imAt.push_back(Expr(1));
  Stmt all = makeSeq({makeStore(re, z, floatImm(DType(f), 0)),
                      makeStore(im, z, floatImm(DType(f), 0)), body,
                      makeStore(out, reAt, fromDouble(rv, out->elem)),
                      makeStore(out, imAt, fromDouble(iv, out->elem))});
  return makeAllocate(re, makeAllocate(im, all));
}

static int64_t intScalar(const LowerContext &ctx, size_t i, const char *what) {
  const Tensor &t = ctx.requireConstant(i, what);
  if (t.numElements() != 1 || !isInteger(t.elementType()))
    ctx.error("{} must be an integer scalar", what);
  return t.getInt(0);
}

void lowerDFT(LowerContext &ctx) {
  const Buffer &x = ctx.input(0);
  const Buffer &out = ctx.output(0);
  int64_t rank = int64_t(x->rank());
  if (!isFloat(x->elem))
    ctx.error("input must be a float tensor");
  if (rank < 2 || (x->shape.back() != 1 && x->shape.back() != 2))
    ctx.error("input must be [..., 1|2]");
  int64_t axis = ctx.node.getInt("axis");
  if (axis < -rank || axis >= rank - 1 || axis == -1)
    ctx.error("axis {} is out of range for rank {}", axis, rank);
  if (axis < 0)
    axis += rank;
  int64_t len = x->shape[size_t(axis)];
  int64_t n = ctx.hasInput(1) ? intScalar(ctx, 1, "dft_length") : len;
  if (n <= 0)
    ctx.error("dft_length must be positive, not {}", n);
  bool inverse = ctx.node.getInt("inverse") != 0;
  int64_t bins = ctx.node.getInt("onesided") ? n / 2 + 1 : n;
  std::vector<int64_t> want = x->shape;
  want[size_t(axis)] = bins;
  want.back() = 2;
  if (out->shape != want)
    ctx.error("result shape differs from the transform's");
  bool complexIn = x->shape.back() == 2;
  int64_t m = std::min(n, len);
  std::vector<int64_t> outer(out->shape.begin(), out->shape.end() - 1);
  ctx.emit(loopNest(outer, [&](const Indices &o) {
    Sample sample = [&](Expr j) {
      Indices at = o;
      at[size_t(axis)] = j;
      at.push_back(Expr(0));
      Expr re = cast(ElementType::F64, load(x, at));
      at.back() = Expr(1);
      Expr im = complexIn ? cast(ElementType::F64, load(x, at))
                          : floatImm(DType(ElementType::F64), 0);
      return std::make_pair(re, im);
    };
    return transformBin(out, o, o[size_t(axis)], n, m, inverse, sample);
  }));
}

void lowerSTFT(LowerContext &ctx) {
  const Buffer &x = ctx.input(0);
  const Buffer &out = ctx.output(0);
  if (!isFloat(x->elem))
    ctx.error("signal must be a float tensor");
  if (x->rank() != 3 || (x->shape[2] != 1 && x->shape[2] != 2))
    ctx.error("signal must be [batch, length, 1|2]");
  int64_t batch = x->shape[0], len = x->shape[1];
  int64_t step = intScalar(ctx, 1, "frame_step");
  if (step <= 0)
    ctx.error("frame_step must be positive, not {}", step);
  Buffer window = ctx.hasInput(2) ? ctx.input(2) : Buffer();
  if (window && window->rank() != 1)
    ctx.error("window must have rank 1, not {}", window->rank());
  int64_t frameLength = ctx.hasInput(3) ? intScalar(ctx, 3, "frame_length")
                        : window        ? window->shape[0]
                                        : len;
  if (frameLength <= 0)
    ctx.error("frame_length must be positive, not {}", frameLength);
  if (len < frameLength)
    ctx.error("signal length {} is shorter than frame_length {}", len,
              frameLength);
  int64_t windowSize = window ? window->shape[0] : frameLength;
  int64_t frames = (len - frameLength) / step + 1;
  int64_t bins =
      ctx.node.getInt("onesided") ? frameLength / 2 + 1 : frameLength;
  if (out->shape != std::vector<int64_t>{batch, frames, bins, 2})
    ctx.error("result shape differs from the transform's");
  bool complexIn = x->shape[2] == 2;
  int64_t m = std::min(frameLength, windowSize);
  ElementType f = ElementType::F64;
  ctx.emit(loopNest({batch, frames, bins}, [&](const Indices &o) {
    Sample sample = [&](Expr j) {
      // Samples past the end are zero in the interpreter; they cannot occur
      // for these frame counts, and the clamp keeps the load in bounds.
      Expr t = o[1] * Expr(step) + j;
      Expr valid = t < Expr(len);
      Expr tc = clampIndex(t, len);
      Expr zero = floatImm(DType(f), 0);
      Expr re = select(valid, cast(f, load(x, {o[0], tc, Expr(0)})), zero);
      Expr im = complexIn
                    ? select(valid, cast(f, load(x, {o[0], tc, Expr(1)})), zero)
                    : zero;
      if (window) {
        Expr w = cast(f, load(window, {j}));
        re = re * w;
        im = im * w;
      }
      return std::make_pair(re, im);
    };
    return transformBin(out, o, o[2], frameLength, m, false, sample);
  }));
}

} // namespace kiln
