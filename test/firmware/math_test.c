/*===- math_test.c - runtime/src/math.c against the host's libm ------------===
 * Each kiln_* function on many seeded points and on the special values, with
 * the largest error in ulp printed per function; exits 1 past the tolerance.
 *===----------------------------------------------------------------------===*/
#include "kiln/math.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t next_random(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}

/* Uniform in [lo, hi]. */
static double uniform(double lo, double hi) {
  return lo + (hi - lo) * ((double)(next_random() >> 11) * 0x1p-53);
}

/* Log-uniform magnitude in [2^lo_exp, 2^hi_exp], random sign if signed. */
static double log_uniform(int lo_exp, int hi_exp, int is_signed) {
  double v = ldexp(1.0 + uniform(0, 1), (int)uniform(lo_exp, hi_exp));
  return is_signed && (next_random() & 1) ? -v : v;
}

static int64_t ordered(double x) {
  int64_t i;
  memcpy(&i, &x, sizeof i);
  return i < 0 ? INT64_MIN - i : i;
}

static int32_t ordered_f(float x) {
  int32_t i;
  memcpy(&i, &x, sizeof i);
  return i < 0 ? INT32_MIN - i : i;
}

/* Distance in ulp; NaN against NaN is 0, NaN against a number is huge. */
static double ulp_distance(double got, double want) {
  int64_t d;
  if (isnan(got) || isnan(want))
    return isnan(got) && isnan(want) ? 0 : 1e30;
  d = ordered(got) - ordered(want);
  return d < 0 ? -(double)d : (double)d;
}

static double ulp_distance_f(float got, float want) {
  int64_t d;
  if (isnan(got) || isnan(want))
    return isnan(got) && isnan(want) ? 0 : 1e30;
  d = (int64_t)ordered_f(got) - (int64_t)ordered_f(want);
  return d < 0 ? -(double)d : (double)d;
}

typedef double (*fn1)(double);
typedef double (*fn2)(double, double);
typedef float (*fn1f)(float);
typedef float (*fn2f)(float, float);

static int failures = 0;

struct result {
  double worst;
  double at_x, at_y;
};

static void note(struct result *r, double err, double x, double y) {
  if (err > r->worst) {
    r->worst = err;
    r->at_x = x;
    r->at_y = y;
  }
}

static void report(const char *name, const struct result *r, double tol) {
  int ok = r->worst <= tol;
  printf("%-8s max %6.1f ulp (tolerance %.0f)%s", name, r->worst, tol,
         ok ? "" : "  FAIL");
  if (r->worst > 0)
    printf("  at x=%.17g y=%.17g", r->at_x, r->at_y);
  printf("\n");
  if (!ok)
    ++failures;
}

static const double specials[] = {0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0,
                                  -2.0, 1e-310, -1e-310, 1e300, -1e300,
                                  710.0, -746.0, 3.0, 0.1, -0.1};

/* f(x) and f2(x) = (float)f(x) against libm over the given sampler. */
static void check1(const char *name, fn1 mine, fn1 ref, fn1f mine_f,
                   double (*sample)(void), double tol) {
  struct result r = {0, 0, 0}, rf = {0, 0, 0};
  char fname[32];
  int i;
  double extra[3];
  extra[0] = INFINITY;
  extra[1] = -INFINITY;
  extra[2] = NAN;
  for (i = 0; i < 200000 + 20; ++i) {
    double x;
    float xf;
    if (i < 17)
      x = specials[i];
    else if (i < 20)
      x = extra[i - 17];
    else
      x = sample();
    note(&r, ulp_distance(mine(x), ref(x)), x, 0);
    /* Signed zeros must match too. */
    if (mine(x) == 0 && ref(x) == 0 && signbit(mine(x)) != signbit(ref(x)))
      note(&r, 1e30, x, 0);
    xf = (float)x;
    note(&rf, ulp_distance_f(mine_f(xf), (float)ref((double)xf)), xf, 0);
  }
  report(name, &r, tol);
  snprintf(fname, sizeof fname, "%sf", name);
  report(fname, &rf, 1);
}

static void check2(const char *name, fn2 mine, fn2 ref, fn2f mine_f,
                   void (*sample)(double *, double *), double tol) {
  struct result r = {0, 0, 0}, rf = {0, 0, 0};
  char fname[32];
  int i, j;
  static const double sv[] = {0.0, -0.0, 1.0, -1.0, 0.5, -2.0, 3.0, -3.0,
                              1e300, -1e-300, 2.5, -0.5};
  double extra[3];
  extra[0] = INFINITY;
  extra[1] = -INFINITY;
  extra[2] = NAN;
  for (i = 0; i < 15; ++i)
    for (j = 0; j < 15; ++j) {
      double x = i < 12 ? sv[i] : extra[i - 12];
      double y = j < 12 ? sv[j] : extra[j - 12];
      double got = mine(x, y), want = ref(x, y);
      note(&r, ulp_distance(got, want), x, y);
      if (got == 0 && want == 0 && signbit(got) != signbit(want))
        note(&r, 1e30, x, y);
    }
  for (i = 0; i < 200000; ++i) {
    double x, y;
    float xf, yf;
    sample(&x, &y);
    note(&r, ulp_distance(mine(x, y), ref(x, y)), x, y);
    xf = (float)x;
    yf = (float)y;
    note(&rf, ulp_distance_f(mine_f(xf, yf), (float)ref((double)xf, (double)yf)),
         xf, yf);
  }
  report(name, &r, tol);
  snprintf(fname, sizeof fname, "%sf", name);
  report(fname, &rf, 1);
}

static double s_exp(void) {
  return next_random() & 1 ? uniform(-745, 709.7) : uniform(-2, 2);
}
static double s_any(void) { return log_uniform(-1074, 1023, 1); }
static double s_positive(void) { return log_uniform(-1074, 1023, 0); }
static double s_near_one(void) { return uniform(0.5, 2.0); }
static double s_trig(void) {
  return next_random() & 1 ? uniform(-1e5, 1e5) : uniform(-7, 7);
}
static double s_unit(void) { return uniform(-1, 1); }
static double s_wide(void) { return log_uniform(-40, 40, 1); }
static double s_hyp(void) {
  return next_random() & 1 ? uniform(-710, 710) : uniform(-3, 3);
}
static double s_tanh(void) { return uniform(-25, 25); }
static double s_acosh(void) { return 1.0 + log_uniform(-40, 60, 0); }
static double s_erf(void) { return uniform(-7, 7); }

static void s_pow(double *x, double *y) {
  switch (next_random() % 4) {
  case 0: /* moderate */
    *x = uniform(0, 100);
    *y = uniform(-50, 50);
    break;
  case 1: /* negative base, integer exponent */
    *x = -uniform(0, 10);
    *y = (double)(int)uniform(-60, 60);
    break;
  case 2: /* near 1 with large exponents */
    *x = uniform(0.999, 1.001);
    *y = log_uniform(0, 20, 1);
    break;
  default: /* results near overflow and underflow */
    *x = log_uniform(-1000, 1000, 0);
    *y = uniform(-1, 1);
    break;
  }
}

static void s_fmod(double *x, double *y) {
  *x = log_uniform(-1074, 1023, 1);
  *y = next_random() & 1 ? log_uniform(-1074, 1023, 1) : uniform(-10, 10);
}

static void s_atan2(double *x, double *y) {
  *x = log_uniform(-60, 60, 1);
  *y = log_uniform(-60, 60, 1);
}

static void s_sqrt_pair(double *x, double *y) { /* unused second argument */
  *x = s_positive();
  *y = 0;
}

static double sqrt_of_first(double x, double y) {
  (void)y;
  return sqrt(x);
}
static double kiln_sqrt_of_first(double x, double y) {
  (void)y;
  return kiln_sqrt(x);
}
static float kiln_sqrtf_of_first(float x, float y) {
  (void)y;
  return kiln_sqrtf(x);
}

int main(void) {
  check1("exp", kiln_exp, exp, kiln_expf, s_exp, 2);
  check1("log", kiln_log, log, kiln_logf, s_positive, 2);
  check1("log~1", kiln_log, log, kiln_logf, s_near_one, 2);
  check1("sqrt", kiln_sqrt, sqrt, kiln_sqrtf, s_positive, 1);
  check1("sin", kiln_sin, sin, kiln_sinf, s_trig, 2);
  check1("cos", kiln_cos, cos, kiln_cosf, s_trig, 2);
  check1("tan", kiln_tan, tan, kiln_tanf, s_trig, 4);
  check1("asin", kiln_asin, asin, kiln_asinf, s_unit, 3);
  check1("acos", kiln_acos, acos, kiln_acosf, s_unit, 3);
  check1("atan", kiln_atan, atan, kiln_atanf, s_wide, 2);
  check1("sinh", kiln_sinh, sinh, kiln_sinhf, s_hyp, 3);
  check1("cosh", kiln_cosh, cosh, kiln_coshf, s_hyp, 3);
  check1("tanh", kiln_tanh, tanh, kiln_tanhf, s_tanh, 3);
  check1("asinh", kiln_asinh, asinh, kiln_asinhf, s_wide, 3);
  check1("acosh", kiln_acosh, acosh, kiln_acoshf, s_acosh, 3);
  check1("atanh", kiln_atanh, atanh, kiln_atanhf, s_unit, 3);
  check1("erf", kiln_erf, erf, kiln_erff, s_erf, 3);
  check2("pow", kiln_pow, pow, kiln_powf, s_pow, 2);
  check2("fmod", kiln_fmod, fmod, kiln_fmodf, s_fmod, 0);
  check2("atan2", kiln_atan2, atan2, kiln_atan2f, s_atan2, 3);
  check2("sqrt2", kiln_sqrt_of_first, sqrt_of_first, kiln_sqrtf_of_first,
         s_sqrt_pair, 1);
  (void)s_any;
  if (failures) {
    printf("%d function(s) out of tolerance\n", failures);
    return 1;
  }
  printf("all functions within tolerance\n");
  return 0;
}
