/*===- math.c - libm-free math for bare-metal model code -------------------===
 * The kiln_* functions of kiln/math.h: range reduction plus Taylor series in
 * double precision, using only + - * / and bit manipulation (no libm).
 *===----------------------------------------------------------------------===*/
#include "kiln/math.h"

#include <stdint.h>

/* ---- bits ---------------------------------------------------------------- */

typedef union {
  double d;
  uint64_t u;
} f64_bits;

static uint64_t bits_of(double x) {
  f64_bits b;
  b.d = x;
  return b.u;
}

static double double_of(uint64_t u) {
  f64_bits b;
  b.u = u;
  return b.d;
}

#define SIGN_BIT 0x8000000000000000u
#define EXP_MASK 0x7ff0000000000000u
#define MANT_MASK 0x000fffffffffffffu

static double inf_value(void) { return double_of(EXP_MASK); }
static double nan_value(void) { return double_of(0x7ff8000000000000u); }
static int is_nan(double x) { return x != x; }
static int is_inf(double x) { return (bits_of(x) & ~SIGN_BIT) == EXP_MASK; }
static double abs_value(double x) { return double_of(bits_of(x) & ~SIGN_BIT); }
static double with_sign(double x, double s) {
  return double_of((bits_of(x) & ~SIGN_BIT) | (bits_of(s) & SIGN_BIT));
}
/* x with its low 27 significand bits cleared: a product of two such values
 * is exact, so the double-double steps below need no fused multiply-add and
 * stay correct if the compiler contracts. */
static double high_part(double x) {
  return double_of(bits_of(x) & 0xfffffffff8000000u);
}

/* x * 2^n for any int n, rounding once. */
static double scale2(double x, int n) {
  int i;
  for (i = 0; i < 2 && n > 1023; ++i) {
    x *= 0x1p1023;
    n -= 1023;
  }
  for (i = 0; i < 2 && n < -1022; ++i) {
    x *= 0x1p-969; /* 2^-1022 * 2^53: stays normal, so exact */
    n += 969;
  }
  if (n > 1023)
    n = 1023;
  if (n < -1022)
    n = -1022;
  return x * double_of((uint64_t)(0x3ff + n) << 52);
}

/* ln 2 with 32 significant bits (k * LN2_HI is exact for |k| < 2^21). */
static const double LN2_HI = 6.93147180369123816490e-01;
static const double LN2_LO = 1.90821492927058770002e-10;
static const double INV_LN2 = 1.44269504088896338700e+00;
static const double PI_HI = 3.14159265358979311600e+00;
static const double PI_LO = 1.22464679914735317720e-16;
static const double PIO2_HI = 1.57079632679489655800e+00;
static const double PIO2_LO = 6.12323399573676588610e-17;

/* ---- exp, log ------------------------------------------------------------- */

/* e^(hi + lo) for |lo| much smaller than |hi|: hi = k ln2 + r, |r| <= ln2/2,
 * e^r by its Taylor series (degree 13: truncation below 2^-57). */
static double exp_ext(double hi, double lo) {
  double x = hi + lo, kd, r, p;
  int k;
  if (is_nan(x))
    return x;
  if (x > 709.8)
    return inf_value();
  if (x < -745.2)
    return 0.0;
  kd = x * INV_LN2;
  k = (int)(kd < 0 ? kd - 0.5 : kd + 0.5);
  kd = (double)k;
  r = (hi - kd * LN2_HI) + (lo - kd * LN2_LO);
  p = 1.0 / 6227020800.0;
  p = p * r + 1.0 / 479001600.0;
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = 1.0 + (r + r * r * p);
  return scale2(p, k);
}

double kiln_exp(double x) { return exp_ext(x, 0.0); }

/* Splits a positive finite x = 2^e * m, m in [sqrt(1/2), sqrt(2)). */
static double split_exponent(double x, int *e) {
  uint64_t u = bits_of(x);
  int bias = 1023;
  if (u < 0x0010000000000000u) { /* subnormal */
    u = bits_of(x * 0x1p54);
    bias += 54;
  }
  *e = (int)(u >> 52) - bias;
  x = double_of((u & MANT_MASK) | 0x3ff0000000000000u);
  if (x > 1.41421356237309504880) {
    x *= 0.5;
    *e += 1;
  }
  return x;
}

/* 2 (s^2/3 + s^4/5 + ...) for |s| <= 0.1716 (s^2 <= 0.0295), to 2^-60. */
static double log_series(double z) {
  double p = 2.0 / 25.0;
  p = p * z + 2.0 / 23.0;
  p = p * z + 2.0 / 21.0;
  p = p * z + 2.0 / 19.0;
  p = p * z + 2.0 / 17.0;
  p = p * z + 2.0 / 15.0;
  p = p * z + 2.0 / 13.0;
  p = p * z + 2.0 / 11.0;
  p = p * z + 2.0 / 9.0;
  p = p * z + 2.0 / 7.0;
  p = p * z + 2.0 / 5.0;
  p = p * z + 2.0 / 3.0;
  return z * p;
}

/* log(m) = 2 atanh(s), s = f / (2 + f), f = m - 1, rewritten so the large
 * terms are exact: f - (f^2/2 - s (f^2/2 + R)). */
double kiln_log(double x) {
  double m, f, s, hfsq, r, ed;
  int e;
  if (is_nan(x))
    return x;
  if (x < 0)
    return nan_value();
  if (x == 0)
    return -inf_value();
  if (is_inf(x))
    return x;
  m = split_exponent(x, &e);
  f = m - 1.0;
  s = f / (2.0 + f);
  hfsq = 0.5 * f * f;
  r = log_series(s * s);
  ed = (double)e;
  return ed * LN2_HI - ((hfsq - (s * (hfsq + r) + ed * LN2_LO)) - f);
}

/* log(x) as hi + lo with about 70 significant bits, for pow. */
static void log_ext(double x, double *hi, double *lo) {
  double m, f, d, dlo, dh, dl, sh, sl, res, a, b, sum, err, tail;
  int e;
  m = split_exponent(x, &e);
  f = m - 1.0;                /* exact */
  d = 2.0 + f;
  dlo = f - (d - 2.0);        /* 2 + f = d + dlo exactly */
  sh = high_part(f / d);
  dh = high_part(d);
  dl = (d - dh) + dlo;
  res = (f - sh * dh) - sh * dl; /* sh * dh is exact */
  sl = res / d;                  /* s = sh + sl */
  /* log(m) = 2 sh + (2 sl + s R(s^2)), e ln2 = e LN2_HI + e LN2_LO. */
  a = (double)e * LN2_HI;
  b = 2.0 * sh;
  sum = a + b;
  err = (a - (sum - (sum - a))) + (b - (sum - a)); /* two-sum */
  tail = err + 2.0 * sl + (sh + sl) * log_series((sh + sl) * (sh + sl)) +
         (double)e * LN2_LO;
  *hi = sum + tail;
  *lo = tail - (*hi - sum);
}

/* ---- pow ----------------------------------------------------------------- */

/* 0: y is not an integer, 1: odd integer, 2: even integer. */
static int integer_kind(double y) {
  double a = abs_value(y);
  int64_t i;
  if (a >= 0x1p53)
    return 2;
  i = (int64_t)a;
  if ((double)i != a)
    return 0;
  return (i & 1) ? 1 : 2;
}

double kiln_pow(double x, double y) {
  double ax, lh, ll, yh, yl, hh, hl, ph, pl, r;
  int kind, negative;
  if (y == 0 || x == 1.0)
    return 1.0;
  if (is_nan(x) || is_nan(y))
    return x + y;
  ax = abs_value(x);
  if (is_inf(y)) {
    if (ax == 1.0)
      return 1.0;
    return (ax < 1.0) == (y > 0) ? 0.0 : inf_value();
  }
  kind = integer_kind(y);
  negative = x < 0 || (x == 0 && (bits_of(x) & SIGN_BIT));
  if (x == 0 || is_inf(x)) {
    /* |x|^y is 0 or inf; the sign is x's for odd integer y. */
    r = (x == 0) == (y < 0) ? inf_value() : 0.0;
    return negative && kind == 1 ? -r : r;
  }
  if (x < 0 && kind == 0)
    return nan_value();
  log_ext(ax, &lh, &ll);
  /* y * (lh + ll) as ph + pl, exactly enough for exp. */
  yh = high_part(y);
  yl = y - yh;
  hh = high_part(lh);
  hl = (lh - hh) + ll;
  ph = yh * hh;
  pl = yh * hl + yl * (lh + ll);
  r = exp_ext(ph, pl);
  return negative && kind == 1 ? -r : r;
}

/* ---- sqrt, fmod ----------------------------------------------------------- */

double kiln_sqrt(double x) {
  double m, y;
  int e, i;
  if (is_nan(x) || x == 0 || (is_inf(x) && x > 0))
    return x;
  if (x < 0)
    return nan_value();
  m = split_exponent(x, &e);
  if (e & 1) { /* make the exponent even: m in [sqrt(2)/2, 2 sqrt(2)) */
    m *= 2.0;
    e -= 1;
  }
  y = 0.5 + 0.5 * m; /* within 25% of sqrt(m); Newton doubles the digits */
  for (i = 0; i < 6; ++i)
    y = 0.5 * (y + m / y);
  return scale2(y, e / 2);
}

/* A significand with its implicit bit, shifted up to bit 52 if subnormal
 * (its exponent, 0 in the encoding, then counts down from 1). */
static uint64_t normalize(uint64_t mant, int *e) {
  if (*e)
    return mant | 0x0010000000000000u;
  *e = 1;
  while (!(mant & 0x0010000000000000u)) {
    mant <<= 1;
    --*e;
  }
  return mant;
}

/* Exact remainder by binary long division of the significands. */
double kiln_fmod(double x, double y) {
  uint64_t ux = bits_of(x), uy = bits_of(y), mx, my;
  int ex = (int)((ux >> 52) & 0x7ff), ey = (int)((uy >> 52) & 0x7ff);
  uint64_t sign = ux & SIGN_BIT;
  if (is_nan(x) || is_nan(y) || is_inf(x) || y == 0)
    return nan_value();
  if (is_inf(y) || abs_value(x) < abs_value(y))
    return x;
  /* Significands normalized to bit 52; subnormals get exponents below 1,
   * so the long division sees operands of equal bit length. */
  mx = ux & MANT_MASK;
  my = uy & MANT_MASK;
  mx = normalize(mx, &ex);
  my = normalize(my, &ey);
  for (; ex > ey; --ex) {
    if (mx >= my)
      mx -= my;
    mx <<= 1;
  }
  if (mx >= my)
    mx -= my;
  if (mx == 0)
    return double_of(sign);
  while (mx < 0x0010000000000000u) {
    mx <<= 1;
    --ex;
  }
  if (ex < 1) /* subnormal result (exact: a multiple of y's last bit) */
    return double_of(sign | (mx >> (1 - ex)));
  return double_of(sign | ((uint64_t)ex << 52) | (mx & MANT_MASK));
}

/* ---- sin, cos, tan --------------------------------------------------------- */

/* pi/2 in three parts of at most 32 bits (n * part is exact for |n| <
 * 2^21) plus a tail: Cody-Waite reduction below 2^20. */
static const double PIO2_1 = 1.57079632673412561417e+00;
static const double PIO2_2 = 6.07710050630396597660e-11;
static const double PIO2_3 = 2.02226624871116645580e-21;
static const double PIO2_3T = 8.47842766036889956997e-32;

/* 2/pi in binary, 32 bits a word, most significant first (1216 bits:
 * enough for the largest double). */
static const uint32_t TWO_OVER_PI[38] = {
  0xa2f9836e, 0x4e441529, 0xfc2757d1, 0xf534ddc0, 0xdb629599, 0x3c439041,
  0xfe5163ab, 0xdebbc561, 0xb7246e3a, 0x424dd2e0, 0x06492eea, 0x09d1921c,
  0xfe1deb1c, 0xb129a73e, 0xe88235f5, 0x2ebb4484, 0xe99c7026, 0xb45f7e41,
  0x3991d639, 0x835339f4, 0x9c845f8b, 0xbdf9283b, 0x1ff897ff, 0xde05980f,
  0xef2f118b, 0x5a0a6d1f, 0x6d367ecf, 0x27cb09b7, 0x4f463f66, 0x9e5fea2d,
  0x7527bac7, 0xebe5f17b, 0x3d0739f7, 0x8a5292ea, 0x6bfb5fb1, 0x1f8d5d08,
  0x56033046, 0xfc7b6bab};

static uint64_t two_over_pi_word(int i) {
  return i >= 0 && i < 38 ? TWO_OVER_PI[i] : 0;
}

/* The 32 bits of 2/pi starting at bit pos (0 = the first after the binary
 * point; bits before it, pos < 0, are 0). */
static uint32_t two_over_pi_bits(int pos) {
  int w, s;
  if (pos <= -32)
    return 0;
  w = (pos + 64) / 32 - 2; /* floor(pos / 32) */
  s = (pos + 64) % 32;
  return (uint32_t)((((two_over_pi_word(w) << 32) | two_over_pi_word(w + 1))
                     << s) >> 32);
}

/* Payne-Hanek: for |x| = m 2^k (m < 2^53 an integer), x 2/pi mod 4 needs
 * only the 2/pi bits from weight 2^1 on after scaling by 2^k (the rest
 * times m is a multiple of 4); 192 of them give 130+ fraction bits. */
static int reduce_large(double x, double *r) {
  uint64_t u = bits_of(x), m, top, back;
  uint32_t w[6], part[2], p[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int k = (int)((u >> 52) & 0x7ff) - 1075, i, j, q;
  double fh, fl, s, e, y;
  m = (u & MANT_MASK) | 0x0010000000000000u;
  part[0] = (uint32_t)m;
  part[1] = (uint32_t)(m >> 32);
  for (i = 0; i < 6; ++i) /* w[0] least significant */
    w[i] = two_over_pi_bits(k - 2 + 32 * (5 - i));
  for (j = 0; j < 2; ++j) {
    uint64_t carry = 0;
    for (i = 0; i < 6; ++i) {
      uint64_t t = (uint64_t)w[i] * part[j] + p[i + j] + carry;
      p[i + j] = (uint32_t)t;
      carry = t >> 32;
    }
    p[6 + j] = (uint32_t)carry;
  }
  /* The product scaled by 2^-190: bits 191..190 are the quadrant, the
   * fraction starts at bit 189 (in p[5]). */
  q = (int)(p[5] >> 30);
  top = ((uint64_t)(p[5] & 0x3fffffffu) << 32) | p[4];
  fh = (double)top * 0x1p-62;
  back = (uint64_t)(fh * 0x1p62);
  fl = ((double)(int64_t)(top - back) + (double)p[3] * 0x1p-32 +
        (double)p[2] * 0x1p-64) * 0x1p-62;
  if (fh >= 0.5) { /* round to the nearest quadrant */
    fh -= 1.0;
    ++q;
  }
  s = fh + fl;
  e = fl - (s - fh);
  y = s * PIO2_HI + (s * PIO2_LO + e * PIO2_HI);
  if (x < 0) {
    *r = -y;
    return (4 - q) & 3;
  }
  *r = y;
  return q & 3;
}

/* x = n pi/2 + r, |r| <= pi/4 (about); returns n mod 4. */
static int reduce_pio2(double x, double *r) {
  double nd, t;
  if (abs_value(x) <= 0.78539816339744830962) {
    *r = x;
    return 0;
  }
  if (abs_value(x) >= 0x1p20)
    return reduce_large(x, r);
  nd = x * 6.36619772367581382433e-01;
  nd = (double)(int32_t)(nd < 0 ? nd - 0.5 : nd + 0.5);
  t = x - nd * PIO2_1;
  t -= nd * PIO2_2;
  t -= nd * PIO2_3;
  *r = t - nd * PIO2_3T;
  return (int)((int32_t)nd & 3);
}

/* sin and cos of |r| <= pi/4 by Taylor series (truncation below 2^-60). */
static double sin_kernel(double r) {
  double z = r * r, p;
  p = -1.0 / 121645100408832000.0;
  p = p * z + 1.0 / 355687428096000.0;
  p = p * z - 1.0 / 1307674368000.0;
  p = p * z + 1.0 / 6227020800.0;
  p = p * z - 1.0 / 39916800.0;
  p = p * z + 1.0 / 362880.0;
  p = p * z - 1.0 / 5040.0;
  p = p * z + 1.0 / 120.0;
  p = p * z - 1.0 / 6.0;
  return r + r * z * p;
}

static double cos_kernel(double r) {
  double z = r * r, p;
  p = 1.0 / 2432902008176640000.0;
  p = p * z - 1.0 / 6402373705728000.0;
  p = p * z + 1.0 / 20922789888000.0;
  p = p * z - 1.0 / 87178291200.0;
  p = p * z + 1.0 / 479001600.0;
  p = p * z - 1.0 / 3628800.0;
  p = p * z + 1.0 / 40320.0;
  p = p * z - 1.0 / 720.0;
  p = p * z + 1.0 / 24.0;
  return 1.0 - (0.5 * z - z * z * p);
}

/* sin(x) if want_cos is 0, cos(x) otherwise. */
static double sin_or_cos(double x, int want_cos) {
  double r;
  int n;
  if (is_nan(x) || is_inf(x))
    return nan_value();
  if (abs_value(x) < 0x1p-27)
    return want_cos ? 1.0 : x; /* keeps sin(-0) = -0 */
  n = (reduce_pio2(x, &r) + want_cos) & 3;
  switch (n) {
  case 0:
    return sin_kernel(r);
  case 1:
    return cos_kernel(r);
  case 2:
    return -sin_kernel(r);
  default:
    return -cos_kernel(r);
  }
}

double kiln_sin(double x) { return sin_or_cos(x, 0); }
double kiln_cos(double x) { return sin_or_cos(x, 1); }

double kiln_tan(double x) {
  double r;
  int n;
  if (is_nan(x) || is_inf(x))
    return nan_value();
  if (abs_value(x) < 0x1p-27)
    return x;
  n = reduce_pio2(x, &r);
  return (n & 1) ? -cos_kernel(r) / sin_kernel(r)
                 : sin_kernel(r) / cos_kernel(r);
}

/* ---- atan, atan2, asin, acos --------------------------------------------- */

/* atan(a) for 0 <= a <= 1: from 0.1875 on atan(a) = atan(c) + atan(t),
 * t = (a - c) / (1 + a c), c = 0.375 or 0.75, so |t| <= 0.18; then the
 * alternating series to t^25 (truncation below 2^-60). */
static double atan_unit(double a) {
  double c_hi = 0, c_lo = 0, t = a, z, p;
  if (a >= 0.5625) {
    t = (a - 0.75) / (1.0 + 0.75 * a);
    c_hi = 6.43501108793284385616e-01;
    c_lo = 1.58347850514442863000e-17;
  } else if (a >= 0.1875) {
    t = (a - 0.375) / (1.0 + 0.375 * a);
    c_hi = 3.58770670270572245572e-01;
    c_lo = -2.46238155826386350000e-17;
  }
  z = t * t;
  p = 1.0 / 25.0;
  p = p * z - 1.0 / 23.0;
  p = p * z + 1.0 / 21.0;
  p = p * z - 1.0 / 19.0;
  p = p * z + 1.0 / 17.0;
  p = p * z - 1.0 / 15.0;
  p = p * z + 1.0 / 13.0;
  p = p * z - 1.0 / 11.0;
  p = p * z + 1.0 / 9.0;
  p = p * z - 1.0 / 7.0;
  p = p * z + 1.0 / 5.0;
  p = p * z - 1.0 / 3.0;
  return c_hi + (t + (t * z * p + c_lo));
}

/* atan(a) for a >= 0 (a may be inf). */
static double atan_positive(double a) {
  if (a <= 1.0)
    return atan_unit(a);
  /* pi/2 - atan(1/a) */
  return PIO2_HI - (atan_unit(1.0 / a) - PIO2_LO);
}

double kiln_atan(double x) {
  if (is_nan(x))
    return x;
  if (abs_value(x) < 0x1p-27)
    return x;
  return with_sign(atan_positive(abs_value(x)), x);
}

double kiln_atan2(double y, double x) {
  double a;
  int x_negative = (bits_of(x) & SIGN_BIT) != 0;
  if (is_nan(x) || is_nan(y))
    return x + y;
  if (y == 0)
    return x_negative ? with_sign(PI_HI, y) : y;
  if (x == 0)
    return with_sign(PIO2_HI, y);
  if (is_inf(x)) {
    if (is_inf(y))
      return with_sign(x_negative ? 2.35619449019234492885 : 0.78539816339744830962, y);
    return x_negative ? with_sign(PI_HI, y) : with_sign(0.0, y);
  }
  if (is_inf(y))
    return with_sign(PIO2_HI, y);
  a = atan_positive(abs_value(y / x)); /* inf and 0 quotients are fine */
  if (x_negative)
    a = PI_HI - (a - PI_LO);
  return with_sign(a, y);
}

double kiln_asin(double x) {
  double a = abs_value(x);
  if (is_nan(x))
    return x;
  if (a > 1.0)
    return nan_value();
  if (a < 0x1p-27)
    return x;
  /* 1 - a is exact for a >= 1/2, so the root stays accurate near 1. */
  return kiln_atan2(x, kiln_sqrt((1.0 - a) * (1.0 + a)));
}

double kiln_acos(double x) {
  double a = abs_value(x);
  if (is_nan(x))
    return x;
  if (a > 1.0)
    return nan_value();
  return kiln_atan2(kiln_sqrt((1.0 - a) * (1.0 + a)), x);
}

/* ---- hyperbolic ----------------------------------------------------------- */

/* e^x - 1 without cancellation for small |x|. */
static double expm1_value(double x) {
  double p;
  if (abs_value(x) >= 0.7)
    return kiln_exp(x) - 1.0;
  p = 1.0 / 51090942171709440000.0;
  p = p * x + 1.0 / 2432902008176640000.0;
  p = p * x + 1.0 / 121645100408832000.0;
  p = p * x + 1.0 / 6402373705728000.0;
  p = p * x + 1.0 / 355687428096000.0;
  p = p * x + 1.0 / 20922789888000.0;
  p = p * x + 1.0 / 1307674368000.0;
  p = p * x + 1.0 / 87178291200.0;
  p = p * x + 1.0 / 6227020800.0;
  p = p * x + 1.0 / 479001600.0;
  p = p * x + 1.0 / 39916800.0;
  p = p * x + 1.0 / 3628800.0;
  p = p * x + 1.0 / 362880.0;
  p = p * x + 1.0 / 40320.0;
  p = p * x + 1.0 / 5040.0;
  p = p * x + 1.0 / 720.0;
  p = p * x + 1.0 / 120.0;
  p = p * x + 1.0 / 24.0;
  p = p * x + 1.0 / 6.0;
  p = p * x + 0.5;
  return x + x * x * p;
}

/* log(1 + x) without cancellation: log(u) x / (u - 1), u = 1 + x rounded,
 * cancels the rounding of u. */
static double log1p_value(double x) {
  double u = 1.0 + x;
  if (is_inf(x) && x > 0)
    return x;
  if (u == 1.0)
    return x;
  return kiln_log(u) * (x / (u - 1.0));
}

/* e^a / 2 for a >= 0, also where e^a alone would overflow. */
static double half_exp(double a) {
  double w;
  if (a < 709.0)
    return 0.5 * kiln_exp(a);
  w = kiln_exp(0.5 * a);
  return (0.5 * w) * w;
}

double kiln_sinh(double x) {
  double a = abs_value(x), t;
  if (is_nan(x) || a < 0x1p-28)
    return x;
  if (a >= 22.0)
    return with_sign(half_exp(a), x);
  t = expm1_value(a);
  return with_sign(0.5 * (t + t / (t + 1.0)), x);
}

double kiln_cosh(double x) {
  double a = abs_value(x), t;
  if (is_nan(x))
    return x;
  if (a >= 22.0)
    return half_exp(a);
  if (a < 0.35) {
    t = expm1_value(a);
    return 1.0 + t * t / (2.0 * (1.0 + t));
  }
  t = kiln_exp(a);
  return 0.5 * t + 0.5 / t;
}

double kiln_tanh(double x) {
  double a = abs_value(x), t;
  if (is_nan(x) || a < 0x1p-28)
    return x;
  if (a >= 22.0)
    return with_sign(1.0, x);
  t = expm1_value(2.0 * a);
  return with_sign(t / (t + 2.0), x);
}

double kiln_asinh(double x) {
  double a = abs_value(x), r;
  if (is_nan(x) || is_inf(x) || a < 0x1p-28)
    return x;
  if (a > 0x1p28)
    r = kiln_log(a) + LN2_HI + LN2_LO;
  else if (a > 2.0)
    r = kiln_log(2.0 * a + 1.0 / (kiln_sqrt(a * a + 1.0) + a));
  else
    r = log1p_value(a + a * a / (1.0 + kiln_sqrt(1.0 + a * a)));
  return with_sign(r, x);
}

double kiln_acosh(double x) {
  double t;
  if (is_nan(x))
    return x;
  if (x < 1.0)
    return nan_value();
  if (is_inf(x))
    return x;
  if (x > 0x1p28)
    return kiln_log(x) + LN2_HI + LN2_LO;
  if (x > 2.0)
    return kiln_log(2.0 * x - 1.0 / (x + kiln_sqrt(x * x - 1.0)));
  t = x - 1.0;
  return log1p_value(t + kiln_sqrt(2.0 * t + t * t));
}

double kiln_atanh(double x) {
  double a = abs_value(x), r;
  if (is_nan(x) || a < 0x1p-28)
    return x;
  if (a > 1.0)
    return nan_value();
  if (a == 1.0)
    return with_sign(inf_value(), x);
  if (a < 0.5)
    r = 0.5 * log1p_value(2.0 * a + 2.0 * a * a / (1.0 - a));
  else
    r = 0.5 * log1p_value(2.0 * a / (1.0 - a));
  return with_sign(r, x);
}

/* ---- erf ------------------------------------------------------------------ */

/* e^(-a^2) with a^2 split so its rounding does not scale the result. */
static double exp_minus_square(double a) {
  double ah = high_part(a), al = a - ah;
  return exp_ext(-(ah * ah), -(al * (a + ah)));
}

/* erf(a) for a >= 0: below 1.2 its Taylor series in Horner form (to z^20,
 * truncation below 2^-60); above, 1 - erfc(a) with erfc from its continued fraction
 * (150 levels below 2, 60 above, both converged past 2^-60); from 6 on erf
 * rounds to 1. */
static double erf_positive(double a) {
  static const double TWO_OVER_SQRT_PI = 1.12837916709551257390;
  static const double INV_SQRT_PI = 0.56418958354775628695;
  static const double TWO_OVER_SQRT_PI_LO = 1.53354596131658800000e-17;
  /* (-1)^n / (n! (2n + 1)) for n = 20 down to 1 */
  static const double ERF_SERIES[20] = {
      1.0 / 99748982335242240000.0, -1.0 / 4744158915944448000.0,
      1.0 / 236887827111936000.0,   -1.0 / 12449059983360000.0,
      1.0 / 690452066304000.0,      -1.0 / 40537905408000.0,
      1.0 / 2528170444800.0,        -1.0 / 168129561600.0,
      1.0 / 11975040000.0,          -1.0 / 918086400.0,
      1.0 / 76204800.0,             -1.0 / 6894720.0,
      1.0 / 685440.0,               -1.0 / 75600.0,
      1.0 / 9360.0,                 -1.0 / 1320.0,
      1.0 / 216.0,                  -1.0 / 42.0,
      1.0 / 10.0,                   -1.0 / 3.0};
  double sum, z, frac;
  int n;
  if (a >= 6.0)
    return 1.0;
  if (a < 1.2) {
    z = a * a;
    sum = 0;
    for (n = 0; n < 20; ++n)
      sum = sum * z + ERF_SERIES[n];
    return TWO_OVER_SQRT_PI * a + (TWO_OVER_SQRT_PI_LO * a +
                                   TWO_OVER_SQRT_PI * (a * z * sum));
  }
  /* erfc(a) = e^(-a^2) / sqrt(pi) / (a + (1/2) / (a + 1 / (a + (3/2) / ...))) */
  frac = a;
  for (n = a < 2.0 ? 150 : 60; n >= 1; --n)
    frac = a + 0.5 * (double)n / frac;
  return 1.0 - INV_SQRT_PI * exp_minus_square(a) / frac;
}

double kiln_erf(double x) {
  if (is_nan(x))
    return x;
  return with_sign(erf_positive(abs_value(x)), x);
}

/* ---- f32 forms: the f64 result rounded once --------------------------------- */

float kiln_expf(float x) { return (float)kiln_exp(x); }
float kiln_logf(float x) { return (float)kiln_log(x); }
float kiln_powf(float x, float y) { return (float)kiln_pow(x, y); }
float kiln_sqrtf(float x) { return (float)kiln_sqrt(x); }
float kiln_fmodf(float x, float y) { return (float)kiln_fmod(x, y); }
float kiln_sinf(float x) { return (float)kiln_sin(x); }
float kiln_cosf(float x) { return (float)kiln_cos(x); }
float kiln_tanf(float x) { return (float)kiln_tan(x); }
float kiln_asinf(float x) { return (float)kiln_asin(x); }
float kiln_acosf(float x) { return (float)kiln_acos(x); }
float kiln_atanf(float x) { return (float)kiln_atan(x); }
float kiln_atan2f(float y, float x) { return (float)kiln_atan2(y, x); }
float kiln_sinhf(float x) { return (float)kiln_sinh(x); }
float kiln_coshf(float x) { return (float)kiln_cosh(x); }
float kiln_tanhf(float x) { return (float)kiln_tanh(x); }
float kiln_asinhf(float x) { return (float)kiln_asinh(x); }
float kiln_acoshf(float x) { return (float)kiln_acosh(x); }
float kiln_atanhf(float x) { return (float)kiln_atanh(x); }
float kiln_erff(float x) { return (float)kiln_erf(x); }
