//===- FixedPoint.h - integer requantization arithmetic ---------*- C++ -*-===//
// The one definition of Requantize's semantics (docs/quantization.md,
// "Integer requantization"): a real scale as a Q31 multiplier and a shift,
// and the exact int64 multiply, round-half-to-even, add zero point, clamp.
//===----------------------------------------------------------------------===//
#ifndef KILN_SUPPORT_FIXEDPOINT_H
#define KILN_SUPPORT_FIXEDPOINT_H

#include <cstdint>

namespace kiln {

/// A real scale as multiplier * 2^-(31 + shift). A valid multiplier is 0 or
/// in [2^30, 2^31) (normalized, so every scale has full 31-bit precision);
/// a valid shift is in [kMinRequantShift, kMaxRequantShift], i.e. the total
/// right shift 31 + shift is in [1, 62]: at least one fraction bit (so the
/// rounding bias 2^(30 + shift) is an integer) and a rounded product that
/// cannot overflow int64. Multiplier 0 (with any valid shift) is the scale 0.
struct FixedPointMultiplier {
  int32_t multiplier = 0;
  int32_t shift = 0;
};

constexpr int32_t kMinRequantShift = -30;
constexpr int32_t kMaxRequantShift = 31;
constexpr int64_t kMinRequantMultiplier = int64_t(1) << 30;
/// The largest real scale quantizeMultiplier accepts: 2^30 - 1 (any larger
/// scale saturates every nonzero accumulator anyway).
constexpr double kMaxRequantScale = 1073741823.0;

bool isValidRequantMultiplier(int64_t multiplier);
bool isValidRequantShift(int64_t shift);

/// The multiplier/shift pair nearest to `realScale`, which must be finite
/// and in (0, kMaxRequantScale]; throws kiln::Error otherwise.
/// Error bound: for realScale >= 2^-32 the represented scale s' satisfies
/// |s' - realScale| <= 2^-31 * realScale (the multiplier is realScale's
/// mantissa rounded to 31 bits). Below 2^-32 the result is multiplier 0,
/// which is exact for Requantize: |acc * realScale| < 2^31 * 2^-32 = 1/2
/// rounds to 0 for every int32 acc.
FixedPointMultiplier quantizeMultiplier(double realScale);

/// The real value multiplier * 2^-(31 + shift) (exact in double).
double fixedPointValue(FixedPointMultiplier m);

/// round_half_to_even(acc * multiplier / 2^(31 + shift)), computed exactly
/// in int64 (|result| <= 2^62). Throws kiln::Error if multiplier or shift
/// is not valid.
int64_t roundedRescale(int32_t acc, int32_t multiplier, int32_t shift);

/// Requantize's reference: clamp(roundedRescale(acc, multiplier, shift) +
/// zeroPoint, qmin, qmax), with qmin <= qmax.
int32_t requantize(int32_t acc, int32_t multiplier, int32_t shift,
                   int32_t zeroPoint, int32_t qmin, int32_t qmax);

} // namespace kiln

#endif
