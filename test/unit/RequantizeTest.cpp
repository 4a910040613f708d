//===- RequantizeTest.cpp - integer requantization, exactly ---------------===//
// The fixed-point reference (rounding ties, negatives, saturation, extreme
// accumulators, quantizeMultiplier accuracy), the Requantize op's checks and
// kernel, and compiled code bit-exact against the interpreter.
//===----------------------------------------------------------------------===//
#include "kiln/Driver/CompiledModel.h"
#include "kiln/IR/InferContext.h"
#include "kiln/IR/Module.h"
#include "kiln/IR/Parser.h"
#include "kiln/IR/Verifier.h"
#include "kiln/Interpreter/Interpreter.h"
#include "kiln/Support/FixedPoint.h"
#include "kiln/Transforms/PassManager.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <random>

using namespace kiln;

namespace {

constexpr int32_t kMax = INT32_MAX, kMin = INT32_MIN;
constexpr int32_t kHalfQ31 = 1 << 30; // multiplier 2^30: 0.5 * 2^-shift

// round_half_to_even(acc * m / 2^(31 + s)) by exact rational arithmetic in
// __int128, written independently of FixedPoint.cpp: compare twice the
// remainder of a floor division with the divisor.
int64_t slowRescale(int32_t acc, int32_t m, int32_t s) {
  __int128 num = __int128(acc) * m, den = __int128(1) << (31 + s);
  __int128 q = num / den, r = num % den; // truncating
  if (r < 0) {                           // make it a floor division
    q -= 1;
    r += den;
  }
  if (2 * r > den || (2 * r == den && (q & 1) != 0))
    q += 1;
  return int64_t(q);
}

// The form the lowering emits (see lib/Lowering/ops/Requantize.cpp).
int64_t shortRescale(int32_t acc, int32_t m, int32_t s) {
  int64_t p = int64_t(acc) * m;
  int t = 31 + s;
  return (p + ((int64_t(1) << (t - 1)) - 1) + ((p >> t) & 1)) >> t;
}

// Accumulators worth testing: extremes, powers of two and their
// neighbours, and random values over the whole range.
std::vector<int32_t> interestingAccs(std::mt19937 &rng, size_t randomCount) {
  std::vector<int32_t> v = {0,  1,    -1,   2,        -2,      3,
                            -3, kMax, kMin, kMax - 1, kMin + 1};
  for (int k = 1; k < 31; ++k)
    for (int64_t d : {-1, 0, 1}) {
      v.push_back(int32_t((int64_t(1) << k) + d));
      v.push_back(int32_t(-(int64_t(1) << k) + d));
    }
  std::uniform_int_distribution<int32_t> any(kMin, kMax);
  for (size_t i = 0; i < randomCount; ++i)
    v.push_back(any(rng));
  return v;
}

// acc = odd * 2^s: an exact tie of acc * 2^30 / 2^(31 + s) (s in [0, 30]).
int32_t tieAcc(std::mt19937 &rng, int32_t s) {
  int64_t limit = (int64_t(1) << (30 - s)) - 1; // keeps |acc| < 2^31
  std::uniform_int_distribution<int64_t> k(-limit / 2, limit / 2);
  int64_t odd = 2 * k(rng) + 1;
  return int32_t(odd * (int64_t(1) << s));
}

Tensor i32Vector(const std::vector<int32_t> &v) {
  return Tensor::fromVector<int32_t>(v, {int64_t(v.size())});
}

std::string denseI32(const std::vector<int32_t> &v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i)
    s += (i ? ", " : "") + std::to_string(v[i]);
  return s;
}

// One Requantize over graph inputs (acc, multiplier, shift).
struct RequantGraph {
  Module m;
  Node *node = nullptr;
  RequantGraph(const TensorType &acc, const TensorType &mul,
               const TensorType &shift,
               const std::map<std::string, Attribute> &attrs) {
    Function &f = m.addFunction("main");
    std::vector<Value *> ops = {f.addInput("acc", acc), f.addInput("mul", mul),
                                f.addInput("shift", shift)};
    node = f.createNode(OpKind::Requantize, ops, {TensorType()}, "rq");
    for (const auto &[name, value] : attrs)
      node->setAttr(name, value);
    refineResultTypes(*node);
    f.setOutputs(node->results());
  }
};

// The message of the Error `fn` throws, or "" if it does not throw.
template <typename Fn> std::string errorOf(Fn fn) {
  try {
    fn();
  } catch (const Error &e) {
    return e.what();
  }
  return "";
}

} // namespace

TEST_CASE("requantize rounds exact ties to even", "[requant]") {
  // Multiplier 2^30 with shift 0 is the scale 1/2.
  struct Case {
    int32_t acc;
    int64_t expected;
  };
  for (Case c : std::vector<Case>{{0, 0},
                                  {1, 0},   // 0.5 -> 0 (even)
                                  {3, 2},   // 1.5 -> 2
                                  {5, 2},   // 2.5 -> 2
                                  {7, 4},   // 3.5 -> 4
                                  {2, 1},   // exact
                                  {-1, 0},  // -0.5 -> 0
                                  {-3, -2}, // -1.5 -> -2
                                  {-5, -2}, // -2.5 -> -2
                                  {-7, -4}, // -3.5 -> -4
                                  {-2, -1}}) {
    INFO("acc " << c.acc);
    CHECK(roundedRescale(c.acc, kHalfQ31, 0) == c.expected);
  }
  // Scale 1/4: 0.25 and 0.75 are not ties; 0.5 and 1.5 are.
  CHECK(roundedRescale(1, kHalfQ31, 1) == 0);
  CHECK(roundedRescale(3, kHalfQ31, 1) == 1);
  CHECK(roundedRescale(2, kHalfQ31, 1) == 0);
  CHECK(roundedRescale(6, kHalfQ31, 1) == 2);
  CHECK(roundedRescale(-1, kHalfQ31, 1) == 0);
  CHECK(roundedRescale(-3, kHalfQ31, 1) == -1);
  CHECK(roundedRescale(-2, kHalfQ31, 1) == 0);
  CHECK(roundedRescale(-6, kHalfQ31, 1) == -2);
  // One unit in the last place above or below a tie decides it.
  CHECK(roundedRescale(1, kHalfQ31 + 1, 0) == 1);
  CHECK(roundedRescale(-1, kHalfQ31 + 1, 0) == -1);
  CHECK(roundedRescale(3, kMax, -1) == 6); // 3 * (1 - 2^-31) * 2 = 5.99..
  CHECK(roundedRescale(-3, kMax, -1) == -6);
}

TEST_CASE("requantize at extreme accumulators, multipliers and shifts",
          "[requant]") {
  const int64_t two61 = int64_t(1) << 61, two31 = int64_t(1) << 31;
  // Smallest total shift (t = 1): the product is halved.
  // (2^31 - 1)^2 / 2 = 2^61 - 2^31 + 1/2: a tie with an even floor.
  CHECK(roundedRescale(kMax, kMax, -30) == two61 - two31);
  CHECK(roundedRescale(kMin, kMax, -30) == -two61 + (int64_t(1) << 30));
  CHECK(roundedRescale(kMin, kHalfQ31, -30) == -two61 / 2);
  // Largest total shift (t = 62).
  CHECK(roundedRescale(kMax, kMax, 31) == 1);     // 1 - 2^-30 + 2^-62
  CHECK(roundedRescale(kMin, kMax, 31) == -1);    // -(1 - 2^-31)
  CHECK(roundedRescale(kMin, kHalfQ31, 31) == 0); // -1/2: tie to 0
  CHECK(roundedRescale(kMin, kHalfQ31, 30) == -1);
  CHECK(roundedRescale(kMax, kHalfQ31, 31) == 0); // just under 1/2
  // Multiplier 0 is the scale 0 for every shift.
  for (int32_t acc : {kMin, -1, 0, 1, kMax})
    for (int32_t s : {kMinRequantShift, 0, kMaxRequantShift}) {
      CHECK(roundedRescale(acc, 0, s) == 0);
      CHECK(requantize(acc, 0, s, -7, -128, 127) == -7);
    }
  // Out-of-range parameters are errors, not undefined behaviour.
  CHECK_THROWS_WITH(roundedRescale(1, kHalfQ31 - 1, 0),
                    Catch::Contains("multiplier 1073741823 is not 0"));
  CHECK_THROWS_WITH(roundedRescale(1, -kHalfQ31, 0),
                    Catch::Contains("multiplier"));
  CHECK_THROWS_WITH(roundedRescale(1, kHalfQ31, -31),
                    Catch::Contains("shift -31 is not in [-30, 31]"));
  CHECK_THROWS_WITH(roundedRescale(1, kHalfQ31, 32), Catch::Contains("shift"));
}

TEST_CASE("requantize saturates at both ends of i8 and u8", "[requant]") {
  // Scale 1/2. i8, zero point 0.
  CHECK(requantize(254, kHalfQ31, 0, 0, -128, 127) == 127); // 127
  CHECK(requantize(255, kHalfQ31, 0, 0, -128, 127) == 127); // 127.5 -> 128
  CHECK(requantize(kMax, kHalfQ31, 0, 0, -128, 127) == 127);
  CHECK(requantize(-256, kHalfQ31, 0, 0, -128, 127) == -128);
  CHECK(requantize(-257, kHalfQ31, 0, 0, -128, 127) == -128); // -128.5
  CHECK(requantize(-259, kHalfQ31, 0, 0, -128, 127) == -128); // -129.5
  CHECK(requantize(kMin, kHalfQ31, 0, 0, -128, 127) == -128);
  // The zero point is added before saturating.
  CHECK(requantize(250, kHalfQ31, 0, 3, -128, 127) == 127);
  CHECK(requantize(247, kHalfQ31, 0, 3, -128, 127) == 127); // 123.5+3
  CHECK(requantize(245, kHalfQ31, 0, 3, -128, 127) == 125); // 122.5->122
  // u8, zero point 128.
  CHECK(requantize(-255, kHalfQ31, 0, 128, 0, 255) == 0); // -127.5 -> -128
  CHECK(requantize(-253, kHalfQ31, 0, 128, 0, 255) == 2); // -126.5 -> -126
  CHECK(requantize(-259, kHalfQ31, 0, 128, 0, 255) == 0);
  CHECK(requantize(kMin, kHalfQ31, 0, 128, 0, 255) == 0);
  CHECK(requantize(253, kHalfQ31, 0, 128, 0, 255) == 254); // 126.5 -> 126
  CHECK(requantize(255, kHalfQ31, 0, 128, 0, 255) == 255); // 128 -> 256
  CHECK(requantize(kMax, kHalfQ31, 0, 128, 0, 255) == 255);
  // A fused Relu6 as a clamp: zero point 10, six = 10 + 60 (scale 1/2 of
  // 0.05 units).
  CHECK(requantize(-100, kHalfQ31, 0, 10, 10, 70) == 10);
  CHECK(requantize(100, kHalfQ31, 0, 10, 10, 70) == 60);
  CHECK(requantize(200, kHalfQ31, 0, 10, 10, 70) == 70);
}

TEST_CASE("requantize matches exact rational arithmetic", "[requant]") {
  std::mt19937 rng(11);
  std::vector<int32_t> accs = interestingAccs(rng, 300);
  std::vector<int32_t> mults = {0,    kHalfQ31, kHalfQ31 + 1,
                                kMax, kMax - 1, 1518500250};
  std::uniform_int_distribution<int32_t> anyMult(kHalfQ31, kMax);
  for (int i = 0; i < 10; ++i)
    mults.push_back(anyMult(rng));
  size_t checked = 0;
  for (int32_t s = kMinRequantShift; s <= kMaxRequantShift; ++s) {
    std::vector<int32_t> local = accs;
    // With s < 0 the rescale is a whole multiple of acc: no ties.
    if (s >= 0 && s <= 30)
      for (int i = 0; i < 20; ++i)
        local.push_back(tieAcc(rng, s));
    for (int32_t m : mults)
      for (int32_t acc : local) {
        int64_t want = slowRescale(acc, m, s);
        int64_t got = roundedRescale(acc, m, s);
        int64_t fast = shortRescale(acc, m, s);
        if (got != want || fast != want) {
          FAIL_CHECK("acc " << acc << " m " << m << " s " << s << ": want "
                            << want << ", reference " << got << ", short "
                            << fast);
          return;
        }
        ++checked;
      }
  }
  CHECK(checked > 100000);
}

TEST_CASE("quantizeMultiplier is accurate to 2^-31 relative", "[requant]") {
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> exponent(-40, 29.9);
  std::vector<double> scales = {1.0,
                                0.5,
                                0.25,
                                0.75,
                                1.0 / 3,
                                2.0,
                                255.0,
                                std::ldexp(1.0, -32),
                                std::ldexp(1.0, -31),
                                std::nextafter(std::ldexp(1.0, -32), 1.0),
                                std::nextafter(1.0, 0.0),
                                std::nextafter(0.5, 0.0),
                                kMaxRequantScale,
                                0.0039215686274509803, // 1/255
                                1.2345e-5};
  for (int i = 0; i < 20000; ++i)
    scales.push_back(std::exp2(exponent(rng)));
  for (double scale : scales) {
    INFO("scale " << scale);
    FixedPointMultiplier q = quantizeMultiplier(scale);
    REQUIRE(isValidRequantMultiplier(q.multiplier));
    REQUIRE(isValidRequantShift(q.shift));
    if (scale < std::ldexp(1.0, -32)) {
      CHECK(q.multiplier == 0);
      continue;
    }
    REQUIRE(q.multiplier != 0);
    double rebuilt = fixedPointValue(q);
    REQUIRE(std::abs(rebuilt - scale) <= std::ldexp(scale, -31));
  }
  // Exact cases and the rounding carry into the next power of two.
  CHECK(quantizeMultiplier(1.0).multiplier == kHalfQ31);
  CHECK(quantizeMultiplier(1.0).shift == -1);
  CHECK(quantizeMultiplier(0.5).shift == 0);
  FixedPointMultiplier almostOne = quantizeMultiplier(1.0 - 1e-12);
  CHECK(almostOne.multiplier == kHalfQ31);
  CHECK(almostOne.shift == -1);
  CHECK(quantizeMultiplier(kMaxRequantScale).shift == kMinRequantShift);
  CHECK(quantizeMultiplier(std::ldexp(1.0, -32)).shift == kMaxRequantShift);
  // Scale 0 is exact below 2^-32: no accumulator reaches 1/2.
  FixedPointMultiplier tiny = quantizeMultiplier(std::ldexp(0.99, -32));
  CHECK(tiny.multiplier == 0);
  for (double bad :
       {0.0, -1.0, std::ldexp(1.0, 30), double(INFINITY), double(NAN)})
    CHECK_THROWS_WITH(quantizeMultiplier(bad),
                      Catch::Contains("is not in (0, 2^30 - 1]"));
}

TEST_CASE("quantized multipliers requantize to the nearest integer",
          "[requant]") {
  // |requantized - acc * scale| <= 1/2 + |acc| * scale * 2^-31.
  std::mt19937 rng(9);
  std::uniform_real_distribution<double> exponent(-36, 8);
  std::vector<int32_t> accs = interestingAccs(rng, 50);
  for (int i = 0; i < 300; ++i) {
    double scale = std::exp2(exponent(rng));
    FixedPointMultiplier q = quantizeMultiplier(scale);
    for (int32_t acc : accs) {
      long double exact = (long double)acc * scale;
      int64_t r = roundedRescale(acc, q.multiplier, q.shift);
      long double bound = 0.5L + std::fabs(exact) * std::ldexp(1.0L, -31);
      if (std::fabs((long double)r - exact) > bound) {
        FAIL_CHECK("scale " << scale << " acc " << acc << " gave " << r);
        return;
      }
    }
  }
}

TEST_CASE("Requantize inference checks operands and attributes", "[requant]") {
  const TensorType acc(ElementType::I32, std::vector<int64_t>{1, 4, 2, 2});
  const TensorType m4(ElementType::I32, std::vector<int64_t>{4});
  const TensorType s1(ElementType::I8, std::vector<int64_t>{1});
  const Attribute i8(std::string("i8")), u8(std::string("u8"));
  RequantGraph ok(acc, m4, s1, {{"output_type", u8}});
  CHECK(ok.node->result()->type().str() == "u8[1,4,2,2]");
  CHECK_NOTHROW(verify(ok.m));

  auto inferError = [&](const TensorType &a, const TensorType &m,
                        const TensorType &s,
                        std::map<std::string, Attribute> attrs) {
    return errorOf([&] { RequantGraph g(a, m, s, attrs); });
  };
  const TensorType f32(ElementType::F32, std::vector<int64_t>{1, 4, 2, 2});
  CHECK_THAT(inferError(f32, m4, s1, {{"output_type", i8}}),
             Catch::Contains("accumulator must be i32, not f32"));
  CHECK_THAT(inferError(acc, s1, s1, {{"output_type", i8}}),
             Catch::Contains("multiplier must be i32, not i8"));
  const TensorType u8s(ElementType::U8, std::vector<int64_t>{1});
  CHECK_THAT(inferError(acc, m4, u8s, {{"output_type", i8}}),
             Catch::Contains("shift must be i8 or i32, not u8"));
  CHECK_THAT(inferError(acc,
                        TensorType(ElementType::I32, std::vector<int64_t>{3}),
                        s1, {{"output_type", i8}}),
             Catch::Contains("multiplier has 3 entries but dimension 1 of the "
                             "accumulator has size 4"));
  CHECK_THAT(inferError(acc, m4, s1,
                        {{"output_type", i8}, {"axis", Attribute(int64_t(3))}}),
             Catch::Contains("dimension 3 of the accumulator has size 2"));
  CHECK_THAT(
      inferError(acc, m4, s1, {{"output_type", Attribute(std::string("i16"))}}),
      Catch::Contains("output_type must be \"i8\" or \"u8\", not \"i16\""));
  CHECK_THAT(
      inferError(acc, m4, s1,
                 {{"output_type", u8}, {"zero_point", Attribute(int64_t(-1))}}),
      Catch::Contains("zero_point = -1 is outside the range [0, 255] of u8"));
  CHECK_THAT(inferError(acc, m4, s1,
                        {{"output_type", i8},
                         {"min", Attribute(int64_t(5))},
                         {"max", Attribute(int64_t(4))}}),
             Catch::Contains("min = 5 is greater than max = 4"));
  CHECK_THAT(
      inferError(acc, m4, s1,
                 {{"output_type", i8}, {"max", Attribute(int64_t(128))}}),
      Catch::Contains("max = 128 is outside the range [-128, 127] of i8"));
}

TEST_CASE("the verifier rejects constant multipliers and shifts out of range",
          "[requant]") {
  auto verifyText = [](const std::string &mul, const std::string &shift) {
    std::string text = "func @main(%acc: i32[1,2,3]) {\n"
                       "  %m = Constant() {value = dense<i32[2]>[" +
                       mul +
                       "]} : i32[2]\n"
                       "  %s = Constant() {value = dense<i8[]>[" +
                       shift +
                       "]} : i8[]\n"
                       "  %y = Requantize(%acc, %m, %s) {output_type = \"i8\"}"
                       " : i8[1,2,3] loc(\"rq\")\n"
                       "  return %y\n}\n";
    return errorOf([&] { verify(*parseModule(text)); });
  };
  CHECK(verifyText("1073741824, 0", "31") == "");
  CHECK_THAT(verifyText("1073741824, 1073741823", "0"),
             Catch::Contains("node 'rq' (Requantize): multiplier[1] = "
                             "1073741823 is not 0 or in [2^30, 2^31)"));
  CHECK_THAT(verifyText("-2147483648, 1073741824", "0"),
             Catch::Contains("multiplier[0] = -2147483648"));
  CHECK_THAT(verifyText("1073741824, 1073741824", "32"),
             Catch::Contains("shift[0] = 32 is outside [-30, 31]"));
  CHECK_THAT(verifyText("1073741824, 1073741824", "-31"),
             Catch::Contains("shift[0] = -31 is outside [-30, 31]"));
}

TEST_CASE("the Requantize kernel applies the reference per channel",
          "[requant]") {
  std::mt19937 rng(3);
  // acc [2, 3, 4] per channel along axis 1 and, separately, along axis -1.
  std::vector<int32_t> accs = interestingAccs(rng, 0);
  accs.resize(24);
  Tensor acc = Tensor::fromVector<int32_t>(accs, {2, 3, 4});
  for (int64_t axis : {1, -1}) {
    int64_t c = axis == 1 ? 3 : 4, inner = axis == 1 ? 4 : 1;
    std::vector<int32_t> mult = {kHalfQ31, kMax, 0, 1518500250};
    std::vector<int32_t> shifts = {-30, 0, 31, 7};
    mult.resize(size_t(c));
    shifts.resize(size_t(c));
    for (auto [typeName, zp, lo, hi] :
         {std::tuple{"i8", -3, -128, 127}, std::tuple{"u8", 128, 0, 255},
          std::tuple{"u8", 7, 7, 100}}) {
      std::map<std::string, Attribute> attrs = {
          {"output_type", Attribute(std::string(typeName))},
          {"zero_point", Attribute(int64_t(zp))},
          {"axis", Attribute(axis)}};
      if (lo == 7) {
        attrs["min"] = Attribute(int64_t(lo));
        attrs["max"] = Attribute(int64_t(hi));
      }
      Tensor m = i32Vector(mult);
      std::vector<int8_t> s8(shifts.begin(), shifts.end());
      Tensor s = Tensor::fromVector<int8_t>(s8, {c});
      RequantGraph g(acc.type(), m.type(), s.type(), attrs);
      Tensor y = Interpreter().run(g.m.main(), {acc, m, s}).at(0);
      REQUIRE(y.shape() == acc.shape());
      for (int64_t i = 0; i < acc.numElements(); ++i) {
        size_t ch = size_t((i / inner) % c);
        int32_t want =
            requantize(accs[size_t(i)], mult[ch], shifts[ch], zp, lo, hi);
        int32_t got = std::string(typeName) == "i8"
                          ? int32_t(y.data<int8_t>()[i])
                          : int32_t(y.data<uint8_t>()[i]);
        INFO(typeName << " axis " << axis << " element " << i);
        CHECK(got == want);
      }
    }
  }
  // Run-time parameters out of range are reported by the kernel.
  Tensor m = i32Vector({5});
  Tensor s = Tensor::scalar<int32_t>(0);
  RequantGraph g(acc.type(), m.type(), s.type(),
                 {{"output_type", Attribute(std::string("i8"))}});
  CHECK_THROWS_WITH(Interpreter().run(g.m.main(), {acc, m, s}),
                    Catch::Contains("multiplier[0] = 5 is not 0"));
}

namespace {

// Per-channel parameters (axis 1 of [2, 8, 40]) covering the extremes.
const std::vector<int32_t> kChannelMult = {
    kHalfQ31, kHalfQ31, kHalfQ31, kMax, kMax, 0, 1518500250, kHalfQ31 + 12345};
const std::vector<int32_t> kChannelShift = {0, 3, 30, -30, 31, 5, 7, 20};

// Accumulators for channel c: ties of c's shift where the multiplier is
// 2^30, extremes, and random values over the whole range and near zero.
Tensor channelAccs(uint64_t seed) {
  std::mt19937 rng{uint32_t(seed)};
  std::vector<int32_t> extremes = interestingAccs(rng, 0);
  std::uniform_int_distribution<int32_t> any(kMin, kMax), small(-3000, 3000);
  std::vector<int32_t> v;
  for (int n = 0; n < 2; ++n)
    for (size_t c = 0; c < kChannelMult.size(); ++c)
      for (int j = 0; j < 40; ++j) {
        switch (j % 4) {
        case 0:
          v.push_back(kChannelMult[c] == kHalfQ31 && kChannelShift[c] >= 0 &&
                          kChannelShift[c] <= 30
                          ? tieAcc(rng, kChannelShift[c])
                          : any(rng));
          break;
        case 1:
          v.push_back(any(rng));
          break;
        case 2:
          v.push_back(
              extremes[size_t(j / 4 + 10 * n + 3 * c) % extremes.size()]);
          break;
        default:
          v.push_back(small(rng));
        }
      }
  return Tensor::fromVector<int32_t>(v, {2, 8, 40});
}

std::vector<Tensor> runCompiled(const std::string &text,
                                const std::vector<Tensor> &inputs,
                                const std::string &target,
                                const std::string &pipeline = "",
                                std::unique_ptr<Module> *after = nullptr) {
  std::unique_ptr<Module> m = parseModule(text);
  CompileOptions options;
  options.name = "rq";
  options.graphPipeline = pipeline;
  auto compiled = CompiledModel::compile(*m, options, target);
  std::vector<Tensor> out = compiled->run(inputs);
  if (after)
    *after = std::move(m);
  return out;
}

void checkIdentical(const std::vector<Tensor> &actual,
                    const std::vector<Tensor> &expected) {
  REQUIRE(actual.size() == expected.size());
  for (size_t k = 0; k < actual.size(); ++k) {
    REQUIRE(actual[k].shape() == expected[k].shape());
    int64_t n = expected[k].numElements(), bad = 0, first = -1;
    std::vector<int64_t> a = actual[k].toIntVector(),
                         e = expected[k].toIntVector();
    for (int64_t i = 0; i < n; ++i)
      if (a[size_t(i)] != e[size_t(i)] && bad++ == 0)
        first = i;
    INFO("output " << k << ": " << bad << " of " << n
                   << " elements differ; first at " << first << ": "
                   << (first >= 0 ? a[size_t(first)] : 0) << " vs "
                   << (first >= 0 ? e[size_t(first)] : 0));
    CHECK(bad == 0);
    CHECK(actual[k].identicalTo(expected[k]));
  }
}

/// Whether f has a node of `kind`, directly or inside a Fused node.
bool containsOp(const Function &f, OpKind kind) {
  for (const auto &n : f.nodes()) {
    if (n->kind() == kind)
      return true;
    if (n->kind() == OpKind::Fused && containsOp(n->getGraph("body"), kind))
      return true;
  }
  return false;
}

} // namespace

TEST_CASE("compiled Requantize is bit-exact with the interpreter",
          "[requant]") {
  Tensor acc = channelAccs(21);
  Tensor mult = i32Vector(kChannelMult);
  std::vector<int8_t> s8(kChannelShift.begin(), kChannelShift.end());
  Tensor shift8 = Tensor::fromVector<int8_t>(s8, {8});
  Tensor shift32 = i32Vector(kChannelShift);

  for (const char *target : {"loop-eval", "host"}) {
    // Parameters as run-time inputs (loads) and as constants (per-channel
    // constants and per-tensor immediates).
    std::string asInputs =
        "func @main(%acc: i32[2,8,40], %m: i32[8], %s: i8[8]) {\n"
        "  %y = Requantize(%acc, %m, %s) {output_type = \"i8\", zero_point = "
        "-5} : i8[2,8,40]\n"
        "  %z = Requantize(%acc, %m, %s) {max = 200, min = 3, output_type = "
        "\"u8\", zero_point = 128} : u8[2,8,40]\n"
        "  return %y, %z\n}\n";
    std::string asConstants =
        "func @main(%acc: i32[2,8,40]) {\n"
        "  %m = Constant() {value = dense<i32[8]>[" +
        denseI32(kChannelMult) +
        "]} : i32[8]\n"
        "  %s = Constant() {value = dense<i32[8]>[" +
        denseI32(kChannelShift) +
        "]} : i32[8]\n"
        "  %s22 = Constant() {value = dense<i8[8]>[0, 3, 22, -30, 22, 5, 7, "
        "20]} : i8[8]\n"
        "  %s31 = Constant() {value = dense<i32[8]>[1, 3, 31, 1, 31, 5, 7, "
        "20]} : i32[8]\n"
        "  %m1 = Constant() {value = dense<i32[1]>[2147483647]} : i32[1]\n"
        "  %s1 = Constant() {value = dense<i32[]>[-30]} : i32[]\n"
        "  %m2 = Constant() {value = dense<i32[]>[1073741824]} : i32[]\n"
        "  %s2 = Constant() {value = dense<i8[]>[2]} : i8[]\n"
        "  %y = Requantize(%acc, %m, %s) {output_type = \"u8\", zero_point = "
        "255} : u8[2,8,40]\n"
        "  %z = Requantize(%acc, %m1, %s1) {output_type = \"i8\"} : "
        "i8[2,8,40]\n"
        "  %w = Requantize(%acc, %m2, %s2) {output_type = \"i8\", "
        "zero_point = -128} : i8[2,8,40]\n"
        // Shifts of at most 22: the zero point joins the rounding constant.
        "  %v = Requantize(%acc, %m, %s22) {output_type = \"i8\", zero_point "
        "= -101} : i8[2,8,40]\n"
        "  %u = Requantize(%acc, %m, %s22) {max = 250, output_type = \"u8\", "
        "zero_point = 255} : u8[2,8,40]\n"
        // Shifts of at least 1: the clamp runs on i32 (zero point too when
        // a shift of 31 keeps it out of the rounding constant).
        "  %r = Requantize(%acc, %m, %s31) {output_type = \"i8\", zero_point "
        "= -77} : i8[2,8,40]\n"
        "  %q = Requantize(%acc, %m, %s31) {min = 5, output_type = \"u8\", "
        "zero_point = 200} : u8[2,8,40]\n"
        "  return %y, %z, %w, %v, %u, %r, %q\n}\n";
    // Parameters along the last axis.
    std::string lastAxis =
        "func @main(%acc: i32[2,8,40], %m: i32[40], %s: i32[40]) {\n"
        "  %y = Requantize(%acc, %m, %s) {axis = -1, output_type = \"i8\"} : "
        "i8[2,8,40]\n"
        "  return %y\n}\n";
    std::vector<int32_t> m40, s40;
    for (int i = 0; i < 40; ++i) {
      m40.push_back(kChannelMult[size_t(i) % 8]);
      s40.push_back(kChannelShift[size_t(i / 5) % 8]);
    }
    struct Case {
      std::string text;
      std::vector<Tensor> inputs;
    };
    for (const Case &c :
         {Case{asInputs, {acc, mult, shift8}}, Case{asConstants, {acc}},
          Case{lastAxis, {acc, i32Vector(m40), i32Vector(s40)}}}) {
      INFO(target << "\n" << c.text);
      std::unique_ptr<Module> ref = parseModule(c.text);
      verify(*ref);
      std::vector<Tensor> expected = Interpreter().run(ref->main(), c.inputs);
      checkIdentical(runCompiled(c.text, c.inputs, target), expected);
    }
  }
}

TEST_CASE("ConvInteger + bias + Requantize fuse into one bit-exact kernel",
          "[requant]") {
  std::mt19937 rng(17);
  std::uniform_int_distribution<int> w8(-128, 127), bias(-20000, 20000);
  std::vector<int32_t> wv(4 * 3 * 3 * 3), bv(4);
  for (int32_t &v : wv)
    v = w8(rng);
  for (int32_t &v : bv)
    v = bias(rng);
  // Per-channel requantization (scales 2^-9 .. 2^-12 roughly), a u8 input
  // with zero point 128 and i8 weights, Relu as the clamp min = zero point.
  std::vector<int32_t> mults, shifts;
  for (double scale : {0.0019, 0.00071, 0.00042, 0.0021}) {
    FixedPointMultiplier q = quantizeMultiplier(scale);
    mults.push_back(q.multiplier);
    shifts.push_back(q.shift);
  }
  std::string text =
      "func @main(%x: u8[1,3,9,9]) {\n"
      "  %w = Constant() {value = dense<i8[4,3,3,3]>[" +
      denseI32(wv) +
      "]} : i8[4,3,3,3]\n"
      "  %xzp = Constant() {value = dense<u8[]>[128]} : u8[]\n"
      "  %b = Constant() {value = dense<i32[1,4,1,1]>[" +
      denseI32(bv) +
      "]} : i32[1,4,1,1]\n"
      "  %m = Constant() {value = dense<i32[4]>[" +
      denseI32(mults) +
      "]} : i32[4]\n"
      "  %s = Constant() {value = dense<i8[4]>[" +
      denseI32(shifts) +
      "]} : i8[4]\n"
      "  %acc = ConvInteger(%x, %w, %xzp) {pads = [1, 1, 1, 1], strides = "
      "[2, 2]} : i32[1,4,5,5] loc(\"conv\")\n"
      "  %sum = Add(%acc, %b) : i32[1,4,5,5]\n"
      "  %y = Requantize(%sum, %m, %s) {min = -3, output_type = \"i8\", "
      "zero_point = -3} : i8[1,4,5,5]\n"
      "  return %y\n}\n";
  std::uniform_int_distribution<int> u8(0, 255);
  std::vector<uint8_t> xv(3 * 9 * 9);
  for (uint8_t &v : xv)
    v = uint8_t(u8(rng));
  xv[0] = 0;
  xv[1] = 255;
  Tensor x = Tensor::fromVector<uint8_t>(xv, {1, 3, 9, 9});

  std::unique_ptr<Module> ref = parseModule(text);
  verify(*ref);
  std::vector<Tensor> expected = Interpreter().run(ref->main(), {x});
  // The outputs use the whole clamped range, so saturation is exercised.
  std::vector<int64_t> e = expected[0].toIntVector();
  CHECK(std::count(e.begin(), e.end(), -3) > 0);
  CHECK(std::count(e.begin(), e.end(), 127) > 0);
  CHECK(std::count_if(e.begin(), e.end(),
                      [](int64_t v) { return v > -3 && v < 127; }) > 20);

  // -O2 keeps the plain layout: one Fused node holding the whole chain.
  std::unique_ptr<Module> optimized;
  checkIdentical(
      runCompiled(text, {x}, "host", defaultGraphPipeline(2), &optimized),
      expected);
  int fused = 0;
  for (const auto &n : optimized->main().nodes()) {
    if (n->kind() != OpKind::Fused)
      continue;
    ++fused;
    std::vector<OpKind> kinds;
    for (const auto &b : n->getGraph("body").nodes())
      if (b->kind() != OpKind::Constant)
        kinds.push_back(b->kind());
    CHECK(kinds == std::vector<OpKind>{OpKind::ConvInteger, OpKind::Add,
                                       OpKind::Requantize});
  }
  CHECK(fused == 1);
  checkIdentical(runCompiled(text, {x}, "loop-eval", defaultGraphPipeline(2)),
                 expected);
  // -O3 runs it as QConvNCHWc (layout-nchwc), still bit-exact.
  std::unique_ptr<Module> blocked;
  checkIdentical(
      runCompiled(text, {x}, "host", defaultGraphPipeline(3), &blocked),
      expected);
  CHECK(containsOp(blocked->main(), OpKind::QConvNCHWc));
}

TEST_CASE("MatMulInteger + bias + Requantize fuse bit-exactly", "[requant]") {
  std::mt19937 rng(23);
  std::uniform_int_distribution<int> i8(-128, 127);
  std::vector<int32_t> bv(16), av(6 * 32);
  for (int32_t &v : bv)
    v = i8(rng);
  for (int32_t &v : av)
    v = i8(rng);
  FixedPointMultiplier q = quantizeMultiplier(0.0123);
  std::string text =
      "func @main(%a: i8[6,32]) {\n"
      "  %b = Constant() {value = dense<i8[32,16]>[" +
      [&] {
        std::vector<int32_t> w(32 * 16);
        for (int32_t &v : w)
          v = i8(rng);
        return denseI32(w);
      }() +
      "]} : i8[32,16]\n"
      "  %bias = Constant() {value = dense<i32[16]>[" +
      denseI32(bv) +
      "]} : i32[16]\n"
      "  %m = Constant() {value = dense<i32[]>[" +
      std::to_string(q.multiplier) +
      "]} : i32[]\n"
      "  %s = Constant() {value = dense<i8[]>[" +
      std::to_string(q.shift) +
      "]} : i8[]\n"
      "  %acc = MatMulInteger(%a, %b) : i32[6,16] loc(\"mm\")\n"
      "  %sum = Add(%acc, %bias) : i32[6,16]\n"
      "  %y = Requantize(%sum, %m, %s) {output_type = \"u8\", zero_point = "
      "100} : u8[6,16]\n"
      "  return %y\n}\n";
  std::vector<int8_t> a8(av.begin(), av.end());
  Tensor a = Tensor::fromVector<int8_t>(a8, {6, 32});
  std::unique_ptr<Module> ref = parseModule(text);
  verify(*ref);
  std::vector<Tensor> expected = Interpreter().run(ref->main(), {a});
  std::unique_ptr<Module> optimized;
  checkIdentical(
      runCompiled(text, {a}, "host", defaultGraphPipeline(2), &optimized),
      expected);
  int fused = 0;
  for (const auto &n : optimized->main().nodes())
    fused += n->kind() == OpKind::Fused;
  CHECK(fused == 1);
  // -O3 runs it as QConvNCHWc (qmatmul-as-conv, layout-nchwc), still
  // bit-exact.
  std::unique_ptr<Module> blocked;
  checkIdentical(
      runCompiled(text, {a}, "host", defaultGraphPipeline(3), &blocked),
      expected);
  CHECK(containsOp(blocked->main(), OpKind::QConvNCHWc));
}
