/*===- harness.c - benchmark server for any Kiln-compiled model ------------===
 * Built per model with -DKILN_MODEL=<name> -DKILN_MODEL_HEADER='"<name>.h"';
 * loads the inputs once, then answers bench/run.py's commands on stdin.
 *===----------------------------------------------------------------------===*/
/*
 * Usage: harness INPUT.bin...   (raw little-endian, in <name>_input_info
 * order, each exactly the input's size). The harness prints "ready" and then
 * reads one command per line, answering each with one line:
 *
 *   threads N   set the runtime's thread count   -> "ok <threads in use>"
 *   run K       run the model K times            -> "times <ms> ... <ms>"
 *   write DIR   run once, write output i to DIR/out<i>.bin (raw) -> "ok"
 *   mem         peak resident set size (VmHWM)   -> "mem <KiB>"
 *   quit        exit (so does end of input)
 *
 * Any failure answers "error <message>" and exits with status 1. bench/ort/
 * ort_bench.js speaks the same protocol for ONNX Runtime.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "kiln/runtime.h"

#ifndef KILN_MODEL
#error "compile with -DKILN_MODEL=<name> -DKILN_MODEL_HEADER='\"<name>.h\"'"
#endif
#ifndef KILN_MODEL_HEADER
#error "compile with -DKILN_MODEL_HEADER='\"<name>.h\"'"
#endif
#include KILN_MODEL_HEADER

/* MODEL(_run_ptrs) is net_run_ptrs for -DKILN_MODEL=net. */
#define KILN_PASTE_(a, b) a##b
#define KILN_PASTE(a, b) KILN_PASTE_(a, b)
#define MODEL(suffix) KILN_PASTE(KILN_MODEL, suffix)

#define NUM_INPUTS MODEL(_num_inputs)
#define NUM_OUTPUTS MODEL(_num_outputs)
#define ARRAY_LEN(n) ((n) > 0 ? (n) : 1)

/* Buffers are framed by guard bytes checked after every command, so a model
 * writing outside its buffers fails the benchmark instead of skewing it. */
#define GUARD 64
#define GUARD_BYTE 0x5A
#define MAX_RUNS 100000

static const void *inputs[ARRAY_LEN(NUM_INPUTS)];
static void *outputs[ARRAY_LEN(NUM_OUTPUTS)];
static void *arena;
static double times[MAX_RUNS];
#if MODEL(_weights_separate)
static void *weights;
#endif

static void fail(const char *fmt, const char *arg) {
  printf("error ");
  printf(fmt, arg);
  printf("\n");
  fflush(stdout);
  exit(1);
}

static void *guarded_alloc(size_t bytes) {
  void *raw = 0;
  unsigned char *p;
  if (posix_memalign(&raw, KILN_ARENA_ALIGNMENT, bytes + 2 * GUARD) != 0)
    fail("out of memory%s", "");
  p = (unsigned char *)raw;
  memset(p, GUARD_BYTE, GUARD);
  memset(p + GUARD + bytes, GUARD_BYTE, GUARD);
  return p + GUARD;
}

static void check_guards(const void *data, size_t bytes, const char *what) {
  const unsigned char *p = (const unsigned char *)data;
  size_t i;
  for (i = 0; i < GUARD; ++i)
    if (p[(ptrdiff_t)i - GUARD] != GUARD_BYTE || p[bytes + i] != GUARD_BYTE)
      fail("the model wrote outside %s", what);
}

static size_t tensor_bytes(const struct kiln_tensor_info *t) {
  return (size_t)t->num_elements * kiln_dtype_size(t->dtype);
}

static void *read_exact(const char *path, size_t bytes) {
  struct stat st;
  FILE *f;
  void *data;
  if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
      (size_t)st.st_size != bytes) {
    fprintf(stderr, "harness: '%s' must be a file of %lu bytes\n", path,
            (unsigned long)bytes);
    fail("cannot read input '%s'", path);
  }
  data = guarded_alloc(bytes);
  f = fopen(path, "rb");
  if (!f || fread(data, 1, bytes, f) != bytes)
    fail("cannot read '%s'", path);
  fclose(f);
  return data;
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void run_once(void) {
  int status, i;
#if MODEL(_weights_separate)
  status = MODEL(_run_ptrs)(inputs, outputs, arena, weights);
#else
  status = MODEL(_run_ptrs)(inputs, outputs, arena);
#endif
  if (status != KILN_OK)
    fail("the model failed: %s", kiln_status_string(status));
  for (i = 0; i < NUM_INPUTS; ++i)
    check_guards(inputs[i], tensor_bytes(&MODEL(_input_info)[i]), "an input");
  for (i = 0; i < NUM_OUTPUTS; ++i)
    check_guards(outputs[i], tensor_bytes(&MODEL(_output_info)[i]),
                 "an output");
  check_guards(arena, (size_t)MODEL(_arena_size), "the arena");
}

static void write_outputs(const char *dir) {
  char path[4096 + 32];
  int i;
  run_once();
  for (i = 0; i < NUM_OUTPUTS; ++i) {
    size_t bytes = tensor_bytes(&MODEL(_output_info)[i]);
    FILE *f;
    snprintf(path, sizeof path, "%s/out%d.bin", dir, i);
    f = fopen(path, "wb");
    if (!f || fwrite(outputs[i], 1, bytes, f) != bytes || fclose(f) != 0)
      fail("cannot write '%s'", path);
  }
  printf("ok\n");
}

/* Peak resident set size in KiB, from /proc/self/status (Linux). */
static long peak_rss_kib(void) {
  char line[256];
  long kib = -1;
  FILE *f = fopen("/proc/self/status", "r");
  if (!f)
    return -1;
  while (fgets(line, sizeof line, f))
    if (strncmp(line, "VmHWM:", 6) == 0)
      kib = strtol(line + 6, 0, 10);
  fclose(f);
  return kib;
}

static long parse_count(const char *s, const char *cmd) {
  char *end = 0;
  long v = strtol(s, &end, 10);
  while (*end == ' ' || *end == '\n' || *end == '\r')
    ++end;
  if (end == s || *end || v < 0 || v > MAX_RUNS)
    fail("bad argument to '%s'", cmd);
  return v;
}

int main(int argc, char **argv) {
  char line[4096];
  int i;
  if (argc - 1 != NUM_INPUTS) {
    fprintf(stderr, "usage: %s INPUT.bin... (%d raw input files)\n", argv[0],
            NUM_INPUTS);
    return 2;
  }
  for (i = 0; i < NUM_INPUTS; ++i)
    inputs[i] = read_exact(argv[i + 1], tensor_bytes(&MODEL(_input_info)[i]));
  for (i = 0; i < NUM_OUTPUTS; ++i) {
    size_t bytes = tensor_bytes(&MODEL(_output_info)[i]);
    outputs[i] = guarded_alloc(bytes);
    memset(outputs[i], 0x7F, bytes); /* an unwritten element shows */
  }
  arena = guarded_alloc((size_t)MODEL(_arena_size));
#if MODEL(_weights_separate)
  weights = read_exact(MODEL(_weights_file), (size_t)MODEL(_weights_size));
#endif
  printf("ready\n");
  fflush(stdout);

  while (fgets(line, sizeof line, stdin)) {
    line[strcspn(line, "\r\n")] = '\0';
    if (strncmp(line, "threads ", 8) == 0) {
      long n = parse_count(line + 8, "threads");
      kiln_set_num_threads((int)n); /* a shortfall shows in the reply */
      printf("ok %d\n", kiln_get_num_threads());
    } else if (strncmp(line, "run ", 4) == 0) {
      long k = parse_count(line + 4, "run"), r;
      for (r = 0; r < k; ++r) {
        double start = now_ms();
        run_once();
        times[r] = now_ms() - start;
      }
      printf("times");
      for (r = 0; r < k; ++r)
        printf(" %.4f", times[r]);
      printf("\n");
    } else if (strncmp(line, "write ", 6) == 0) {
      write_outputs(line + 6);
    } else if (strcmp(line, "mem") == 0) {
      printf("mem %ld\n", peak_rss_kib());
    } else if (strcmp(line, "quit") == 0) {
      break;
    } else if (line[0]) {
      fail("unknown command '%s'", line);
    }
    fflush(stdout);
  }
  return 0;
}
