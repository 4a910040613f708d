//===- Float16.cpp - half and bfloat16 conversions ------------------------===//
#include "kiln/Support/Float16.h"

#include <cstring>

namespace kiln {

static uint32_t floatBits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

static float bitsFloat(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

float halfToFloat(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ff;
  if (exp == 0x1f) // inf or nan
    return bitsFloat(sign | 0x7f800000 | (mant << 13));
  if (exp == 0) {
    if (mant == 0)
      return bitsFloat(sign);
    // Subnormal: value = mant * 2^-24.
    float v = float(mant) * (1.0f / 16777216.0f);
    return sign ? -v : v;
  }
  return bitsFloat(sign | ((exp + 112) << 23) | (mant << 13));
}

uint16_t floatToHalf(float f) {
  uint32_t u = floatBits(f);
  uint32_t sign = (u >> 16) & 0x8000;
  uint32_t absU = u & 0x7fffffff;
  if (absU >= 0x7f800000) // inf or nan
    return uint16_t(sign | 0x7c00 | (absU > 0x7f800000 ? 0x200 : 0));
  if (absU >= 0x477ff000) // rounds to >= 65520: overflow to inf
    return uint16_t(sign | 0x7c00);
  if (absU < 0x38800000) { // below the smallest normal half: subnormal
    // Adding 0.5 makes the FPU do round-to-nearest-even into the low bits.
    float a = bitsFloat(absU) + 0.5f;
    return uint16_t(sign | (floatBits(a) - 0x3f000000));
  }
  uint32_t mantOdd = (absU >> 13) & 1;
  absU += 0xc8000fff + mantOdd; // rebias exponent and round to nearest even
  return uint16_t(sign | (absU >> 13));
}

float bfloat16ToFloat(uint16_t b) { return bitsFloat(uint32_t(b) << 16); }

uint16_t floatToBfloat16(float f) {
  uint32_t u = floatBits(f);
  if ((u & 0x7fffffff) > 0x7f800000) // nan stays a quiet nan
    return uint16_t((u >> 16) | 0x40);
  u += 0x7fff + ((u >> 16) & 1);
  return uint16_t(u >> 16);
}

} // namespace kiln
