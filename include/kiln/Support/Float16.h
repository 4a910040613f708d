//===- Float16.h - IEEE half and bfloat16 storage types ---------*- C++ -*-===//
// Storage-only 16-bit float types; arithmetic happens in float.
//===----------------------------------------------------------------------===//
#ifndef KILN_SUPPORT_FLOAT16_H
#define KILN_SUPPORT_FLOAT16_H

#include <cstdint>

namespace kiln {

float halfToFloat(uint16_t bits);
uint16_t floatToHalf(float value); // round to nearest even
float bfloat16ToFloat(uint16_t bits);
uint16_t floatToBfloat16(float value); // round to nearest even

/// IEEE 754 binary16 value; converts implicitly to and from float.
struct Half {
  uint16_t bits = 0;
  Half() = default;
  Half(float v) : bits(floatToHalf(v)) {}
  operator float() const { return halfToFloat(bits); }
  static Half fromBits(uint16_t b) {
    Half h;
    h.bits = b;
    return h;
  }
};

/// bfloat16 value; converts implicitly to and from float.
struct BFloat16 {
  uint16_t bits = 0;
  BFloat16() = default;
  BFloat16(float v) : bits(floatToBfloat16(v)) {}
  operator float() const { return bfloat16ToFloat(bits); }
  static BFloat16 fromBits(uint16_t b) {
    BFloat16 h;
    h.bits = b;
    return h;
  }
};

} // namespace kiln

#endif
