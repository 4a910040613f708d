//===- Requantize.cpp - checked attributes of the Requantize op -----------===//
// One place for the rules on Requantize's attributes and parameters, so
// inference, the interpreter and the lowering report the same messages.
//===----------------------------------------------------------------------===//
#include "kiln/IR/Requantize.h"
#include "kiln/Support/FixedPoint.h"

namespace kiln {

RequantizeAttrs readRequantizeAttrs(const Node &node) {
  RequantizeAttrs a;
  const std::string &type = node.getString("output_type");
  if (type == "i8") {
    a.outputType = ElementType::I8;
    a.qmin = -128;
    a.qmax = 127;
  } else if (type == "u8") {
    a.outputType = ElementType::U8;
    a.qmin = 0;
    a.qmax = 255;
  } else {
    fail("output_type must be \"i8\" or \"u8\", not \"{}\"", type);
  }
  const int32_t lo = a.qmin, hi = a.qmax;
  auto inRange = [&](const char *name, int64_t v) {
    check(v >= lo && v <= hi, "{} = {} is outside the range [{}, {}] of {}",
          name, v, lo, hi, type);
    return int32_t(v);
  };
  a.zeroPoint = inRange("zero_point", node.getInt("zero_point"));
  if (node.hasAttr("min"))
    a.qmin = inRange("min", node.getInt("min"));
  if (node.hasAttr("max"))
    a.qmax = inRange("max", node.getInt("max"));
  check(a.qmin <= a.qmax, "min = {} is greater than max = {}", a.qmin, a.qmax);
  return a;
}

int64_t requantizeParamChannels(const std::vector<int64_t> &paramShape,
                                const std::vector<int64_t> &accShape,
                                int64_t axis, const char *what) {
  if (paramShape.empty() || (paramShape.size() == 1 && paramShape[0] == 1))
    return 0;
  check(paramShape.size() == 1, "{} must be a scalar or 1-D, not {}", what,
        shapeStr(paramShape));
  check(paramShape[0] != 0, "{} has no elements", what);
  auto rank = int64_t(accShape.size());
  check(axis >= -rank && axis < rank,
        "axis {} is out of range for an accumulator of rank {}", axis, rank);
  if (axis < 0)
    axis += rank;
  int64_t c = accShape[size_t(axis)];
  check(c < 0 || c == paramShape[0],
        "{} has {} entries but dimension {} of the accumulator has size {}",
        what, paramShape[0], axis, c);
  return paramShape[0];
}

// Element i of an integer tensor as int64 (i8 and i32 only are expected).
static int64_t intAt(const Tensor &t, int64_t i) {
  return visitType(t.elementType(), [&](auto tag) -> int64_t {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_integral_v<T>)
      return int64_t(t.data<T>()[i]);
    else
      fail("expected an integer tensor, not {}", toString(t.elementType()));
  });
}

void checkRequantizeMultipliers(const Tensor &multiplier) {
  for (int64_t i = 0; i < multiplier.numElements(); ++i) {
    int64_t m = intAt(multiplier, i);
    check(isValidRequantMultiplier(m),
          "multiplier[{}] = {} is not 0 or in [2^30, 2^31) (a scale's "
          "mantissa as Q31; see quantizeMultiplier)",
          i, m);
  }
}

void checkRequantizeShifts(const Tensor &shift) {
  for (int64_t i = 0; i < shift.numElements(); ++i) {
    int64_t s = intAt(shift, i);
    check(isValidRequantShift(s), "shift[{}] = {} is outside [{}, {}]", i, s,
          kMinRequantShift, kMaxRequantShift);
  }
}

} // namespace kiln
