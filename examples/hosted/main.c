/*===- main.c - run any Kiln-compiled model on a hosted system -------------===
 * A generic C99 program: build it with -DKILN_MODEL=<name> and
 * -DKILN_MODEL_HEADER='"<name>.h"', link <name>.o and the Kiln runtime. It
 * reads each input from a raw little-endian file, runs the model and prints
 * (or writes) the outputs. See README.md.
 *===----------------------------------------------------------------------===*/
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <math.h>
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
/* Arrays of at least one element, as C requires. */
#define ARRAY_LEN(n) ((n) > 0 ? (n) : 1)

static const char *program = "hosted";

static void usage(FILE *to) {
  int i;
  fprintf(to,
          "usage: %s [--threads=N] [--write-outputs=DIR] [--repeat=N]"
#if MODEL(_weights_separate)
          " [--weights=FILE]"
#endif
          " INPUT.bin...\n"
          "Runs the compiled model; each input is a raw little-endian file "
          "of exactly\nthe input's size, given in this order:\n",
          program);
  for (i = 0; i < NUM_INPUTS; ++i) {
    const struct kiln_tensor_info *t = &MODEL(_input_info)[i];
    int d;
    fprintf(to, "  %d: %s %s[", i, t->name, kiln_dtype_name(t->dtype));
    for (d = 0; d < t->rank; ++d)
      fprintf(to, "%s%lld", d ? "," : "", (long long)t->shape[d]);
    fprintf(to, "] (%lld bytes)\n",
            (long long)(t->num_elements * (int64_t)kiln_dtype_size(t->dtype)));
  }
}

/* Every buffer is 64-byte aligned, never NULL (even for 0 bytes) and framed
 * by GUARD bytes of a known pattern, checked after the run: a model writing
 * outside its buffers is reported instead of corrupting memory silently. */
#define GUARD 64
#define GUARD_BYTE 0xA5

static void *aligned_buffer(size_t bytes) {
  void *raw = 0;
  unsigned char *p;
  if (posix_memalign(&raw, KILN_ARENA_ALIGNMENT, bytes + 2 * GUARD) != 0) {
    fprintf(stderr, "%s: out of memory (%lu bytes)\n", program,
            (unsigned long)bytes);
    exit(1);
  }
  p = (unsigned char *)raw;
  memset(p, GUARD_BYTE, GUARD);
  memset(p + GUARD + bytes, GUARD_BYTE, GUARD);
  return p + GUARD;
}

static void free_buffer(const void *data) {
  if (data)
    free((unsigned char *)data - GUARD);
}

/* 1 if the guards around `data` (of `bytes` bytes) are intact. */
static int guards_intact(const void *data, size_t bytes) {
  const unsigned char *p = (const unsigned char *)data;
  size_t i;
  for (i = 0; i < GUARD; ++i)
    if (p[(ptrdiff_t)i - GUARD] != GUARD_BYTE || p[bytes + i] != GUARD_BYTE)
      return 0;
  return 1;
}

static void check_guards(const void *data, size_t bytes, const char *what,
                         const char *name) {
  if (!guards_intact(data, bytes)) {
    fprintf(stderr, "%s: the model wrote outside %s%s%s%s\n", program, what,
            *name ? " '" : "", name, *name ? "'" : "");
    exit(3);
  }
}

static size_t tensor_bytes(const struct kiln_tensor_info *t) {
  return (size_t)t->num_elements * kiln_dtype_size(t->dtype);
}

/* Reads exactly `bytes` bytes of `path` into a new aligned buffer. */
static void *read_exact(const char *path, size_t bytes, const char *what) {
  struct stat st;
  FILE *f;
  void *data;
  if (stat(path, &st) != 0) {
    fprintf(stderr, "%s: cannot read %s from '%s': %s\n", program, what, path,
            strerror(errno));
    exit(1);
  }
  if (!S_ISREG(st.st_mode) || (size_t)st.st_size != bytes) {
    fprintf(stderr, "%s: %s needs exactly %lu bytes, but '%s' %s %lld bytes\n",
            program, what, (unsigned long)bytes, path,
            S_ISREG(st.st_mode) ? "has" : "is not a regular file of",
            (long long)st.st_size);
    exit(1);
  }
  data = aligned_buffer(bytes);
  f = fopen(path, "rb");
  if (!f || fread(data, 1, bytes, f) != bytes) {
    fprintf(stderr, "%s: cannot read %s from '%s'\n", program, what, path);
    exit(1);
  }
  fclose(f);
  return data;
}

/* IEEE half and bfloat16 bit patterns to float, for printing. */
static float half_to_float(uint16_t h) {
  int exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  float v;
  if (exp == 0)
    v = (float)mant / 1024.0f / 16384.0f; /* subnormal: mant * 2^-24 */
  else if (exp == 31)
    v = mant ? NAN : INFINITY;
  else {
    v = 1.0f + (float)mant / 1024.0f;
    for (; exp > 15; --exp)
      v *= 2.0f;
    for (; exp < 15; ++exp)
      v /= 2.0f;
  }
  return (h & 0x8000) ? -v : v;
}

static float bf16_to_float(uint16_t b) {
  uint32_t bits = (uint32_t)b << 16;
  float v;
  memcpy(&v, &bits, sizeof v);
  return v;
}

static void print_value(const void *data, kiln_dtype dtype, int64_t i) {
  switch (dtype) {
  case KILN_F32:
    printf("%.9g", (double)((const float *)data)[i]);
    break;
  case KILN_F64:
    printf("%.17g", ((const double *)data)[i]);
    break;
  case KILN_F16:
    printf("%.9g", (double)half_to_float(((const uint16_t *)data)[i]));
    break;
  case KILN_BF16:
    printf("%.9g", (double)bf16_to_float(((const uint16_t *)data)[i]));
    break;
  case KILN_BOOL:
    printf("%s", ((const uint8_t *)data)[i] ? "true" : "false");
    break;
  case KILN_U8:
    printf("%u", (unsigned)((const uint8_t *)data)[i]);
    break;
  case KILN_I8:
    printf("%d", (int)((const int8_t *)data)[i]);
    break;
  case KILN_U16:
    printf("%u", (unsigned)((const uint16_t *)data)[i]);
    break;
  case KILN_I16:
    printf("%d", (int)((const int16_t *)data)[i]);
    break;
  case KILN_I32:
    printf("%ld", (long)((const int32_t *)data)[i]);
    break;
  case KILN_U32:
    printf("%lu", (unsigned long)((const uint32_t *)data)[i]);
    break;
  case KILN_I64:
    printf("%lld", (long long)((const int64_t *)data)[i]);
    break;
  case KILN_U64:
    printf("%llu", (unsigned long long)((const uint64_t *)data)[i]);
    break;
  }
}

/* name: f32[1,10] = [v0, v1, ...] */
static void print_output(const struct kiln_tensor_info *t, const void *data) {
  int d;
  int64_t i;
  printf("%s: %s[", t->name, kiln_dtype_name(t->dtype));
  for (d = 0; d < t->rank; ++d)
    printf("%s%lld", d ? "," : "", (long long)t->shape[d]);
  printf("] = [");
  for (i = 0; i < t->num_elements; ++i) {
    if (i)
      printf(", ");
    print_value(data, t->dtype, i);
  }
  printf("]\n");
}

/* A file-system-safe form of an output name (as kiln-run --output-dir). */
static void file_name_for(const char *name, char *out, size_t cap) {
  size_t n = 0;
  if (*name == '.' || *name == '\0')
    n += (size_t)snprintf(out, cap, "out");
  for (; *name && n + 1 < cap; ++name) {
    char c = *name;
    int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
             (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    out[n++] = ok ? c : '_';
  }
  out[n] = '\0';
}

static void write_output(const char *dir, int index,
                         const struct kiln_tensor_info *t, const void *data) {
  char base[200], path[4096];
  int k;
  FILE *f;
  file_name_for(t->name, base, sizeof base);
  /* Two names may map to one file: later ones get their index appended. */
  for (k = 0; k < index; ++k) {
    char other[200];
    file_name_for(MODEL(_output_info)[k].name, other, sizeof other);
    if (strcmp(base, other) == 0) {
      size_t len = strlen(base);
      snprintf(base + len, sizeof base - len, "_%d", index);
      break;
    }
  }
  snprintf(path, sizeof path, "%s/%s.bin", dir, base);
  f = fopen(path, "wb");
  if (!f || fwrite(data, 1, tensor_bytes(t), f) != tensor_bytes(t) ||
      fclose(f) != 0) {
    fprintf(stderr, "%s: cannot write '%s'\n", program, path);
    exit(1);
  }
}

static int parse_int(const char *s, const char *flag) {
  char *end = 0;
  long v = strtol(s, &end, 10);
  if (!*s || *end || v < -1000000 || v > 1000000) {
    fprintf(stderr, "%s: %s expects an integer, got '%s'\n", program, flag, s);
    exit(1);
  }
  return (int)v;
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int main(int argc, char **argv) {
  const void *inputs[ARRAY_LEN(NUM_INPUTS)] = {0};
  void *outputs[ARRAY_LEN(NUM_OUTPUTS)] = {0};
  const char *files[ARRAY_LEN(NUM_INPUTS)] = {0};
  const char *out_dir = 0;
  int num_files = 0, repeat = 1, status = KILN_OK, i, r;
  void *arena;
  double start;
#if MODEL(_weights_separate)
  const char *weights_path = MODEL(_weights_file);
  void *weights;
#endif

  if (argc > 0)
    program = argv[0];
  for (i = 1; i < argc; ++i) {
    const char *a = argv[i];
    if (strncmp(a, "--threads=", 10) == 0) {
      int n = parse_int(a + 10, "--threads");
      if (kiln_set_num_threads(n) != KILN_OK)
        fprintf(stderr, "%s: warning: %s; using %d thread(s)\n", program,
                kiln_status_string(KILN_ERROR_THREAD), kiln_get_num_threads());
    } else if (strncmp(a, "--write-outputs=", 16) == 0) {
      out_dir = a + 16;
    } else if (strncmp(a, "--repeat=", 9) == 0) {
      repeat = parse_int(a + 9, "--repeat");
      if (repeat < 1)
        repeat = 1;
#if MODEL(_weights_separate)
    } else if (strncmp(a, "--weights=", 10) == 0) {
      weights_path = a + 10;
#endif
    } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage(stdout);
      return 0;
    } else if (a[0] == '-' && a[1] == '-') {
      fprintf(stderr, "%s: unknown option '%s'\n", program, a);
      usage(stderr);
      return 1;
    } else {
      if (num_files == NUM_INPUTS) {
        fprintf(stderr, "%s: too many input files: the model has %d input%s\n",
                program, NUM_INPUTS, NUM_INPUTS == 1 ? "" : "s");
        usage(stderr);
        return 1;
      }
      files[num_files++] = a;
    }
  }
  if (num_files != NUM_INPUTS) {
    fprintf(stderr, "%s: expected %d input file%s, got %d\n", program,
            NUM_INPUTS, NUM_INPUTS == 1 ? "" : "s", num_files);
    usage(stderr);
    return 1;
  }
  if (out_dir && mkdir(out_dir, 0777) != 0 && errno != EEXIST) {
    fprintf(stderr, "%s: cannot create '%s': %s\n", program, out_dir,
            strerror(errno));
    return 1;
  }

  /* Everything is allocated up front; running allocates nothing. */
  for (i = 0; i < NUM_INPUTS; ++i) {
    char what[256];
    const struct kiln_tensor_info *t = &MODEL(_input_info)[i];
    snprintf(what, sizeof what, "input %d '%s'", i, t->name);
    inputs[i] = read_exact(files[i], tensor_bytes(t), what);
  }
  for (i = 0; i < NUM_OUTPUTS; ++i) {
    size_t bytes = tensor_bytes(&MODEL(_output_info)[i]);
    outputs[i] = aligned_buffer(bytes);
    /* Garbage (3.4e38 as f32) so an element the model fails to write shows. */
    memset(outputs[i], 0x7F, bytes);
  }
  arena = aligned_buffer((size_t)MODEL(_arena_size));
#if MODEL(_weights_separate)
  weights = read_exact(weights_path, (size_t)MODEL(_weights_size), "weights");
#endif

  start = now_ms();
  for (r = 0; r < repeat && status == KILN_OK; ++r)
#if MODEL(_weights_separate)
    status = MODEL(_run_ptrs)(inputs, outputs, arena, weights);
#else
    status = MODEL(_run_ptrs)(inputs, outputs, arena);
#endif
  if (status != KILN_OK) {
    fprintf(stderr, "%s: the model failed: %s (status %d)\n", program,
            kiln_status_string(status), status);
    return 2;
  }
  if (repeat > 1)
    fprintf(stderr, "%d runs, %.4f ms per run, %d thread(s)\n", repeat,
            (now_ms() - start) / repeat, kiln_get_num_threads());

  for (i = 0; i < NUM_INPUTS; ++i)
    check_guards(inputs[i], tensor_bytes(&MODEL(_input_info)[i]), "input",
                 MODEL(_input_info)[i].name);
  for (i = 0; i < NUM_OUTPUTS; ++i)
    check_guards(outputs[i], tensor_bytes(&MODEL(_output_info)[i]), "output",
                 MODEL(_output_info)[i].name);
  check_guards(arena, (size_t)MODEL(_arena_size), "the arena", "");

  for (i = 0; i < NUM_OUTPUTS; ++i) {
    print_output(&MODEL(_output_info)[i], outputs[i]);
    if (out_dir)
      write_output(out_dir, i, &MODEL(_output_info)[i], outputs[i]);
  }
  for (i = 0; i < NUM_INPUTS; ++i)
    free_buffer(inputs[i]);
  for (i = 0; i < NUM_OUTPUTS; ++i)
    free_buffer(outputs[i]);
  free_buffer(arena);
#if MODEL(_weights_separate)
  free_buffer(weights);
#endif
  return 0;
}
