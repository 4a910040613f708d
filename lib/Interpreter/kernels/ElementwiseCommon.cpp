//===- ElementwiseCommon.cpp - loading, storing and rounding --------------===//
#include "ElementwiseCommon.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace kiln {

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

void checkOperandType(const EvalContext &ctx, size_t operand, unsigned set) {
  ElementType type = ctx.input(operand).elementType();
  if (!inTypeSet(type, set))
    ctx.error("operand {} has unsupported element type {}", operand,
              toString(type));
}

std::vector<double> loadDoubles(const Tensor &t) {
  std::vector<double> out(static_cast<size_t>(t.numElements()));
  visitType(t.elementType(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T *p = t.data<T>();
    for (size_t i = 0; i < out.size(); ++i)
      out[i] = double(p[i]);
  });
  return out;
}

std::vector<int64_t> loadInts(const Tensor &t) {
  std::vector<int64_t> out(static_cast<size_t>(t.numElements()));
  visitType(t.elementType(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T *p = t.data<T>();
    if constexpr (std::is_integral_v<T>) {
      for (size_t i = 0; i < out.size(); ++i)
        out[i] = int64_t(p[i]); // u64 keeps its bits (modular conversion)
    } else {
      fail("expected an integer or bool tensor, got {}",
           toString(t.elementType()));
    }
  });
  return out;
}

double roundHalfToEven(double v) {
  double r = std::floor(v);
  double diff = v - r;
  if (diff > 0.5)
    r += 1;
  else if (diff == 0.5 && std::fmod(r, 2.0) != 0)
    r += 1;
  // NaN and infinities stay; -0.4 rounds to -0 as in numpy.
  return std::isfinite(v) ? std::copysign(r, v) : v;
}

float toFloatRoundToOdd(double v) {
  float f = float(v);
  if (!std::isfinite(f) || double(f) == v)
    return f;
  // Truncate toward zero, then make the last mantissa bit sticky.
  if (std::fabs(double(f)) > std::fabs(v))
    f = std::nextafter(f, 0.0f);
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  bits |= 1;
  std::memcpy(&f, &bits, 4);
  return f;
}

// Round-to-odd float of a 64-bit integer magnitude with a sign, so that a
// following rounding to f16/bf16 is a single correct rounding.
static float intToFloatRoundToOdd(uint64_t mag, bool negative) {
  float f;
  if (mag < (uint64_t(1) << 24)) {
    f = float(mag);
  } else {
    int shift = 0;
    while ((mag >> shift) >= (uint64_t(1) << 24))
      ++shift;
    uint64_t top = mag >> shift;
    if (top << shift != mag)
      top |= 1;
    f = std::ldexp(float(top), shift);
  }
  return negative ? -f : f;
}

// Saturating float -> integer conversion (C++ leaves out-of-range UB).
template <typename T> static T saturateToInt(double v) {
  if (std::isnan(v))
    return 0;
  v = std::trunc(v);
  if (v <= double(std::numeric_limits<T>::lowest()))
    return std::numeric_limits<T>::lowest();
  // max() as double may round up (2^63, 2^64): compare with >=.
  if (v >= double(std::numeric_limits<T>::max()))
    return std::numeric_limits<T>::max();
  return T(v);
}

Tensor storeDoubles(ElementType type, const std::vector<int64_t> &shape,
                    const std::vector<double> &values) {
  Tensor out(type, shape);
  check(size_t(out.numElements()) == values.size(),
        "internal: {} values for shape {}", values.size(), shapeStr(shape));
  visitType(type, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T *p = out.data<T>();
    for (size_t i = 0; i < values.size(); ++i) {
      double v = values[i];
      if constexpr (std::is_same_v<T, bool>)
        p[i] = v != 0; // NaN != 0 holds
      else if constexpr (std::is_integral_v<T>)
        p[i] = saturateToInt<T>(v);
      else if constexpr (isHalfLike<T>)
        p[i] = T(toFloatRoundToOdd(v));
      else
        p[i] = T(v);
    }
  });
  return out;
}

Tensor storeInts(ElementType type, const std::vector<int64_t> &shape,
                 const std::vector<int64_t> &values, bool isUnsigned) {
  Tensor out(type, shape);
  check(size_t(out.numElements()) == values.size(),
        "internal: {} values for shape {}", values.size(), shapeStr(shape));
  visitType(type, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T *p = out.data<T>();
    for (size_t i = 0; i < values.size(); ++i) {
      int64_t v = values[i];
      if constexpr (std::is_same_v<T, bool>) {
        p[i] = v != 0;
      } else if constexpr (std::is_integral_v<T>) {
        // Through the unsigned type: modular, no UB.
        p[i] = T(std::make_unsigned_t<T>(uint64_t(v)));
      } else if constexpr (isHalfLike<T>) {
        bool neg = !isUnsigned && v < 0;
        uint64_t mag = neg ? 0 - uint64_t(v) : uint64_t(v);
        p[i] = T(intToFloatRoundToOdd(mag, neg));
      } else {
        // float/double conversions from integers round correctly.
        p[i] = isUnsigned ? T(uint64_t(v)) : T(v);
      }
    }
  });
  return out;
}

} // namespace kiln
