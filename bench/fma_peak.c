/*===- fma_peak.c - measured FP32 FMA peak of this machine -----------------===
 * The denominator of the benchmark's "% of peak": GFLOP/s of independent FMA
 * chains at the widest vector width, on 1..N threads (bench/run.py).
 *===----------------------------------------------------------------------===*/
/*
 * Build: cc -std=gnu99 -O2 -march=native bench/fma_peak.c -lpthread -o fma_peak
 * Usage: fma_peak [THREADS...]   (default: 1 2) prints "threads N gflops X"
 * per thread count: the best of TRIALS trials, each thread running its own
 * chains.
 *
 * CHAINS accumulators are updated round-robin, so CHAINS FMAs are in flight:
 * enough to cover FMA latency (4 cycles) times two FMA ports with room to
 * spare, within the 16 (AVX2) or 32 (AVX-512, NEON) vector registers.
 */
#define _GNU_SOURCE

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#if defined(__AVX512F__)
#include <immintrin.h>
#define WIDTH 16
#define CHAINS 16
typedef __m512 vec;
#define VSET1(x) _mm512_set1_ps(x)
#define VFMA(acc, a, b) _mm512_fmadd_ps(acc, a, b)
#define VSUM(v) _mm512_reduce_add_ps(v)
#define ISA "avx512"
#elif defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define WIDTH 8
#define CHAINS 12
typedef __m256 vec;
#define VSET1(x) _mm256_set1_ps(x)
#define VFMA(acc, a, b) _mm256_fmadd_ps(acc, a, b)
static float vsum(__m256 v) {
  float lanes[8];
  int i;
  float s = 0;
  _mm256_storeu_ps(lanes, v);
  for (i = 0; i < 8; ++i)
    s += lanes[i];
  return s;
}
#define VSUM(v) vsum(v)
#define ISA "avx2"
#elif defined(__ARM_NEON)
#include <arm_neon.h>
#define WIDTH 4
#define CHAINS 16
typedef float32x4_t vec;
#define VSET1(x) vdupq_n_f32(x)
#define VFMA(acc, a, b) vfmaq_f32(b, acc, a) /* acc * a + b */
#define VSUM(v) vaddvq_f32(v)
#define ISA "neon"
#else
#include <math.h>
#define WIDTH 1
#define CHAINS 12
typedef float vec;
#define VSET1(x) (x)
#define VFMA(acc, a, b) fmaf(acc, a, b)
#define VSUM(v) (v)
#define ISA "scalar"
#endif

/* Short trials, many of them: on a shared machine a short trial can fit
 * between other jobs' time slices, as a timed inference does. */
#define ITERS 1000000L /* per thread and trial: about 4 ms */
#define TRIALS 60 /* the best one counts */
#define MAX_THREADS 256

/* Read through volatiles so the compiler cannot fold the chains. */
static volatile float scale = 0.9999999f, offset = 1e-7f;
static float sink[MAX_THREADS];

/* Named accumulators, not an array: GCC at -O2 keeps an array in memory. */
#define DECL(i) vec acc##i = VSET1((float)i);
#define STEP(i) acc##i = VFMA(acc##i, a, b);
#define SUM(i) s += VSUM(acc##i);
#define CHAINS12(M) M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7) M(8) M(9) M(10) M(11)
#if CHAINS == 16
#define ALL(M) CHAINS12(M) M(12) M(13) M(14) M(15)
#else
#define ALL(M) CHAINS12(M)
#endif

static void *chains(void *arg) {
  vec a = VSET1(scale), b = VSET1(offset);
  float s = 0;
  long i;
  ALL(DECL)
  for (i = 0; i < ITERS; ++i) {
    ALL(STEP)
  }
  ALL(SUM)
  *(float *)arg = s;
  return 0;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double measure(int threads) {
  pthread_t ids[MAX_THREADS];
  double start = now_s(), seconds;
  int t;
  for (t = 0; t < threads; ++t)
    if (pthread_create(&ids[t], 0, chains, &sink[t]) != 0) {
      fprintf(stderr, "fma_peak: cannot start thread %d\n", t);
      exit(1);
    }
  for (t = 0; t < threads; ++t)
    pthread_join(ids[t], 0);
  seconds = now_s() - start;
  /* Two FLOPs (multiply and add) per lane per FMA. */
  return 2.0 * WIDTH * CHAINS * (double)ITERS * threads / seconds / 1e9;
}

int main(int argc, char **argv) {
  int defaults[] = {1, 2}, count = argc > 1 ? argc - 1 : 2, k;
  for (k = 0; k < count; ++k) {
    int threads = argc > 1 ? atoi(argv[k + 1]) : defaults[k], trial;
    double best = 0;
    if (threads < 1 || threads > MAX_THREADS) {
      fprintf(stderr, "fma_peak: thread count must be 1..%d\n", MAX_THREADS);
      return 1;
    }
    for (trial = 0; trial < TRIALS; ++trial) {
      double g = measure(threads);
      if (g > best)
        best = g;
    }
    printf("threads %d gflops %.1f isa %s width %d\n", threads, best, ISA,
           WIDTH);
  }
  return 0;
}
