/*===- kiln/math.h - libm-free math for bare-metal model code ---------------===
 * Objects compiled for targets without an OS (Cortex-M) call these instead
 * of libm (runtime/src/math.c); hosted objects keep calling libm.
 *===----------------------------------------------------------------------===*/
#ifndef KILN_MATH_H
#define KILN_MATH_H

#ifdef __cplusplus
extern "C" {
#endif

/* C99 semantics for NaN, infinities and signed zeros; no errno, no floating
 * point exceptions relied upon. f64 results are within a few ulp of the exact
 * value; the f32 forms round the f64 result once. sin, cos and tan reduce
 * their argument exactly for |x| < 2^19 * pi/2; beyond that they lose
 * accuracy (the result still lies in [-1, 1] for sin and cos). */
double kiln_exp(double x);
double kiln_log(double x);
double kiln_pow(double x, double y);
double kiln_sqrt(double x);
double kiln_fmod(double x, double y);
double kiln_sin(double x);
double kiln_cos(double x);
double kiln_tan(double x);
double kiln_asin(double x);
double kiln_acos(double x);
double kiln_atan(double x);
double kiln_atan2(double y, double x);
double kiln_sinh(double x);
double kiln_cosh(double x);
double kiln_tanh(double x);
double kiln_asinh(double x);
double kiln_acosh(double x);
double kiln_atanh(double x);
double kiln_erf(double x);

float kiln_expf(float x);
float kiln_logf(float x);
float kiln_powf(float x, float y);
float kiln_sqrtf(float x);
float kiln_fmodf(float x, float y);
float kiln_sinf(float x);
float kiln_cosf(float x);
float kiln_tanf(float x);
float kiln_asinf(float x);
float kiln_acosf(float x);
float kiln_atanf(float x);
float kiln_atan2f(float y, float x);
float kiln_sinhf(float x);
float kiln_coshf(float x);
float kiln_tanhf(float x);
float kiln_asinhf(float x);
float kiln_acoshf(float x);
float kiln_atanhf(float x);
float kiln_erff(float x);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* KILN_MATH_H */
