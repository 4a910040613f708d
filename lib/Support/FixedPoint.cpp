//===- FixedPoint.cpp - integer requantization arithmetic -----------------===//
// quantizeMultiplier and the reference requantize step; see FixedPoint.h and
// docs/quantization.md for the rounding rule.
//===----------------------------------------------------------------------===//
#include "kiln/Support/FixedPoint.h"
#include "kiln/Support/Error.h"

#include <cmath>

namespace kiln {

bool isValidRequantMultiplier(int64_t multiplier) {
  return multiplier == 0 || (multiplier >= kMinRequantMultiplier &&
                             multiplier <= int64_t(INT32_MAX));
}

bool isValidRequantShift(int64_t shift) {
  return shift >= kMinRequantShift && shift <= kMaxRequantShift;
}

FixedPointMultiplier quantizeMultiplier(double realScale) {
  if (!(realScale > 0) || !(realScale <= kMaxRequantScale))
    fail("requantization scale {} is not in (0, 2^30 - 1]", realScale);
  // realScale = f * 2^e with f in [0.5, 1); f * 2^31 is exact in double,
  // so std::round is the only rounding.
  int e = 0;
  double f = std::frexp(realScale, &e);
  if (e < -31)
    return {0, 0}; // below 2^-32: scale 0 is exact (see the header)
  auto m = int64_t(std::round(std::ldexp(f, 31)));
  if (m == (int64_t(1) << 31)) { // f rounded up to 1.0
    m >>= 1;
    ++e;
  }
  // realScale <= 2^30 - 1 keeps e <= 30 (shift >= -30) even after rounding.
  return {int32_t(m), int32_t(-e)};
}

double fixedPointValue(FixedPointMultiplier m) {
  return std::ldexp(double(m.multiplier), -(31 + m.shift));
}

int64_t roundedRescale(int32_t acc, int32_t multiplier, int32_t shift) {
  if (!isValidRequantMultiplier(multiplier))
    fail("requantization multiplier {} is not 0 or in [2^30, 2^31)",
         multiplier);
  if (!isValidRequantShift(shift))
    fail("requantization shift {} is not in [{}, {}]", shift, kMinRequantShift,
         kMaxRequantShift);
  // |acc * multiplier| <= 2^31 * (2^31 - 1) < 2^62: exact in int64.
  int64_t product = int64_t(acc) * int64_t(multiplier);
  int t = 31 + shift; // in [1, 62]
  int64_t one = int64_t(1) << t;
  int64_t floor = product >> t; // arithmetic shift: floor division
  int64_t rem = product & (one - 1);
  // The plain definition (the lowering uses a shorter equivalent form, which
  // the tests check against this one): round up when the fraction rem / 2^t
  // is above one half, or exactly one half and the floor is odd.
  bool up = 2 * rem > one || (2 * rem == one && (floor & 1) != 0);
  return floor + (up ? 1 : 0);
}

int32_t requantize(int32_t acc, int32_t multiplier, int32_t shift,
                   int32_t zeroPoint, int32_t qmin, int32_t qmax) {
  int64_t v = roundedRescale(acc, multiplier, shift) + int64_t(zeroPoint);
  if (v < qmin)
    return qmin;
  if (v > qmax)
    return qmax;
  return int32_t(v);
}

} // namespace kiln
