/*===- eval.c - top-1 accuracy of a Kiln-compiled classifier on idx data ---===
 * Runs a model compiled by kilnc on every image of an uncompressed idx
 * file (Fashion-MNIST's test set) and counts top-1 hits against the labels.
 * Build with -DKILN_MODEL=<name> -DKILN_MODEL_HEADER='"<name>.h"', link
 * <name>.o and the Kiln runtime; bench/fashion/accuracy.py drives it.
 *===----------------------------------------------------------------------===*/
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kiln/runtime.h"

#ifndef KILN_MODEL
#error "compile with -DKILN_MODEL=<name> -DKILN_MODEL_HEADER='\"<name>.h\"'"
#endif
#include KILN_MODEL_HEADER

#define KILN_PASTE_(a, b) a##b
#define KILN_PASTE(a, b) KILN_PASTE_(a, b)
#define MODEL(suffix) KILN_PASTE(KILN_MODEL, suffix)

#if MODEL(_weights_separate)
#error "compile the model with --weights=embedded (the default)"
#endif

static const char *program = "fashion-eval";

static void usage(FILE *to) {
  fprintf(to,
          "usage: %s --images=IDX3 --labels=IDX1 [--mean=M] [--std=S]\n"
          "       [--limit=N] [--dump=K --dump-dir=DIR] [--predictions=FILE]"
          " [--threads=N]\n"
          "Feeds each u8 image x of the (uncompressed) idx file to the model "
          "as\n(x / 255 - M) / S in f32 (default M=0, S=1) and prints the "
          "top-1 accuracy.\n--dump writes the first K inputs and outputs as "
          "raw f32 input_NNNNN.bin and\noutput_NNNNN.bin; --predictions "
          "writes each image's predicted class, one\ndigit per image.\n",
          program);
}

/* Prints "<program>: <message>" and exits with status 1. */
#if defined(__GNUC__)
static void fail(const char *fmt, ...)
    __attribute__((noreturn, format(printf, 1, 2)));
#endif
static void fail(const char *fmt, ...) {
  va_list args;
  fprintf(stderr, "%s: ", program);
  va_start(args, fmt);
  vfprintf(stderr, fmt, args);
  va_end(args);
  fprintf(stderr, "\n");
  exit(1);
}

static unsigned char *read_file(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  unsigned char *data;
  long n = 0;
  if (!f)
    fail("cannot open '%s': %s", path, strerror(errno));
  if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
      fseek(f, 0, SEEK_SET) != 0)
    fail("cannot read '%s'", path);
  data = (unsigned char *)malloc((size_t)n + 1);
  if (!data || fread(data, 1, (size_t)n, f) != (size_t)n)
    fail("cannot read '%s'", path);
  fclose(f);
  *size = (size_t)n;
  return data;
}

static unsigned long be32(const unsigned char *p) {
  return ((unsigned long)p[0] << 24) | ((unsigned long)p[1] << 16) |
         ((unsigned long)p[2] << 8) | (unsigned long)p[3];
}

/* Checks an idx file of u8 data and rank `rank`; returns the data and sets
 * dims[0..rank). */
static const unsigned char *parse_idx(const unsigned char *raw, size_t size,
                                      int rank, unsigned long *dims,
                                      const char *path) {
  size_t expect = 1, header = 4 + 4 * (size_t)rank;
  int d;
  if (size < 4 || raw[0] || raw[1] || raw[2] != 0x08)
    fail("'%s' is not an uncompressed u8 idx file", path);
  if (raw[3] != rank || size < header)
    fail("'%s' has the wrong rank or a truncated header", path);
  for (d = 0; d < rank; ++d) {
    dims[d] = be32(raw + 4 + 4 * d);
    expect *= dims[d];
  }
  if (size - header != expect)
    fail("'%s': the header's dimensions do not match the file's size", path);
  return raw + header;
}

static double parse_double(const char *s, const char *flag) {
  char *end = 0;
  double v = strtod(s, &end);
  if (!*s || *end)
    fail("%s expects a number, got '%s'", flag, s);
  return v;
}

static long parse_long(const char *s, const char *flag) {
  char *end = 0;
  long v = strtol(s, &end, 10);
  if (!*s || *end || v < 0)
    fail("%s expects a non-negative integer, got '%s'", flag, s);
  return v;
}

static void write_raw(const char *dir, const char *kind, long index,
                      const void *data, size_t bytes) {
  char path[4096];
  FILE *f;
  snprintf(path, sizeof path, "%s/%s_%05ld.bin", dir, kind, index);
  f = fopen(path, "wb");
  if (!f || fwrite(data, 1, bytes, f) != bytes || fclose(f) != 0)
    fail("cannot write '%s'", path);
}

static void *aligned(size_t bytes) {
  void *p = 0;
  if (posix_memalign(&p, KILN_ARENA_ALIGNMENT, bytes ? bytes : 1) != 0)
    fail("out of memory");
  return p;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  const char *images_path = 0, *labels_path = 0, *dump_dir = 0;
  const char *pred_path = 0;
  double mean = 0.0, std = 1.0, start, seconds;
  long limit = -1, dump = 0, n, i, correct = 0;
  unsigned long idims[3], ldims[1];
  unsigned char *images_raw, *labels_raw;
  const unsigned char *images, *labels;
  size_t isize, lsize, pixels;
  const struct kiln_tensor_info *in = &MODEL(_input_info)[0];
  const struct kiln_tensor_info *out = &MODEL(_output_info)[0];
  float *input, *output, fmean, fstd;
  void *arena;
  char *predictions;
  int a;

  if (argc > 0)
    program = argv[0];
  for (a = 1; a < argc; ++a) {
    const char *s = argv[a];
    if (strncmp(s, "--images=", 9) == 0)
      images_path = s + 9;
    else if (strncmp(s, "--labels=", 9) == 0)
      labels_path = s + 9;
    else if (strncmp(s, "--mean=", 7) == 0)
      mean = parse_double(s + 7, "--mean");
    else if (strncmp(s, "--std=", 6) == 0)
      std = parse_double(s + 6, "--std");
    else if (strncmp(s, "--limit=", 8) == 0)
      limit = parse_long(s + 8, "--limit");
    else if (strncmp(s, "--dump=", 7) == 0)
      dump = parse_long(s + 7, "--dump");
    else if (strncmp(s, "--dump-dir=", 11) == 0)
      dump_dir = s + 11;
    else if (strncmp(s, "--predictions=", 14) == 0)
      pred_path = s + 14;
    else if (strncmp(s, "--threads=", 10) == 0) {
      if (kiln_set_num_threads((int)parse_long(s + 10, "--threads")) != KILN_OK)
        fail("%s", kiln_status_string(KILN_ERROR_THREAD));
    } else if (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0) {
      usage(stdout);
      return 0;
    } else {
      fprintf(stderr, "%s: unknown argument '%s'\n", program, s);
      usage(stderr);
      return 1;
    }
  }
  if (!images_path || !labels_path) {
    usage(stderr);
    return 1;
  }
  if (dump > 0 && !dump_dir)
    fail("--dump needs --dump-dir");
  if (!(std > 0.0))
    fail("--std must be positive");

  /* The model must be an image classifier: one f32 input of H*W elements,
   * one f32 output of one score per class. */
  if (MODEL(_num_inputs) != 1 || MODEL(_num_outputs) < 1 ||
      in->dtype != KILN_F32 || out->dtype != KILN_F32)
    fail("the model needs one f32 input and an f32 first output; it has "
         "input '%s' and output '%s'",
         in->name, out->name);

  images_raw = read_file(images_path, &isize);
  labels_raw = read_file(labels_path, &lsize);
  images = parse_idx(images_raw, isize, 3, idims, images_path);
  labels = parse_idx(labels_raw, lsize, 1, ldims, labels_path);
  if (idims[0] != ldims[0])
    fail("'%s' and '%s' hold different numbers of items", images_path,
         labels_path);
  pixels = (size_t)idims[1] * idims[2];
  if ((size_t)in->num_elements != pixels)
    fail("the model's input '%s' does not have one element per pixel of "
         "'%s'",
         in->name, images_path);
  n = (long)idims[0];
  if (limit >= 0 && limit < n)
    n = limit;

  input = (float *)aligned(pixels * sizeof(float));
  output = (float *)aligned((size_t)out->num_elements * sizeof(float));
  arena = aligned((size_t)MODEL(_arena_size));
  predictions = (char *)malloc((size_t)n + 1);
  if (!predictions)
    fail("out of memory");
  {
    /* Extra outputs (if any) get buffers too; only the first is scored. */
    void *outs[MODEL(_num_outputs)];
    const void *ins[1];
    int o;
    outs[0] = output;
    for (o = 1; o < MODEL(_num_outputs); ++o)
      outs[o] = aligned((size_t)MODEL(_output_info)[o].num_elements *
                        kiln_dtype_size(MODEL(_output_info)[o].dtype));
    ins[0] = input;
    /* In f32, exactly as numpy computes fmnist.normalize. */
    fmean = (float)mean;
    fstd = (float)std;
    start = now_s();
    for (i = 0; i < n; ++i) {
      const unsigned char *img = images + (size_t)i * pixels;
      size_t p;
      int32_t c, best = 0, status;
      for (p = 0; p < pixels; ++p)
        input[p] = ((float)img[p] / 255.0f - fmean) / fstd;
      status = MODEL(_run_ptrs)(ins, outs, arena);
      if (status != KILN_OK) {
        fprintf(stderr, "%s: the model failed on image %ld: %s\n", program, i,
                kiln_status_string(status));
        return 2;
      }
      /* The first maximum, as torch.argmax. */
      for (c = 1; c < (int32_t)out->num_elements; ++c)
        if (output[c] > output[best])
          best = c;
      if (best == (int32_t)labels[i])
        ++correct;
      predictions[i] = (char)(best < 10 ? '0' + best : '?');
      if (i < dump) {
        write_raw(dump_dir, "input", i, input, pixels * sizeof(float));
        write_raw(dump_dir, "output", i, output,
                  (size_t)out->num_elements * sizeof(float));
      }
    }
    seconds = now_s() - start;
  }
  predictions[n] = '\0';
  if (pred_path) {
    FILE *f = fopen(pred_path, "wb");
    if (!f || fwrite(predictions, 1, (size_t)n, f) != (size_t)n ||
        fclose(f) != 0)
      fail("cannot write '%s'", pred_path);
  }
  printf("top-1: %ld/%ld = %.2f%% (%.3f ms per image, %d thread(s))\n", correct,
         n, n ? 100.0 * (double)correct / (double)n : 0.0,
         n ? 1e3 * seconds / (double)n : 0.0, kiln_get_num_threads());
  printf("correct=%ld images=%ld\n", correct, n);
  return 0;
}
