/*===- cross_driver.c - run any model compiled with --name=model -----------===
 * One prebuilt object, linked with each model's object and the runtime, that
 * the cross runners (kiln-conformance --target=<triple>) run under an
 * emulator: it needs no header, only the arena size and the byte sizes of
 * the outputs on its command line.
 *
 *   driver ARENA_BYTES NUM_INPUTS NUM_OUTPUTS IN.bin... OUT.bin:BYTES...
 *
 * Each input is a raw little-endian file of exactly the input's size (the
 * caller checked that); each output is written to its file. Exit status: 0
 * success, 1 bad usage or I/O error, 2 the model returned a non-zero status,
 * 3 the model wrote outside a buffer.
 *===----------------------------------------------------------------------===*/
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The entry point reads its input and output structs as arrays of pointers
 * in signature order (docs/abi.md), so no model-specific header is needed. */
int32_t model_run(const void *const *inputs, void *const *outputs,
                  void *arena);

#define MAX_TENSORS 4096
#define ALIGNMENT 64
/* Guard bytes of a known pattern frame every buffer (the emulator does not
 * catch out-of-bounds writes within mapped memory). */
#define GUARD 64
#define GUARD_BYTE 0xA5

static const char *program = "kiln-cross-driver";

static void die(const char *what, const char *detail) {
  fprintf(stderr, "%s: %s%s%s\n", program, what, detail ? ": " : "",
          detail ? detail : "");
  exit(1);
}

static size_t parse_size(const char *s, const char *what) {
  char *end = 0;
  unsigned long long v;
  errno = 0;
  v = strtoull(s, &end, 10);
  if (!*s || *end || errno || v > (unsigned long long)SIZE_MAX / 2)
    die(what, s);
  return (size_t)v;
}

static unsigned char *guarded_buffer(size_t bytes) {
  void *raw = 0;
  unsigned char *p;
  if (posix_memalign(&raw, ALIGNMENT, bytes + 2 * GUARD) != 0)
    die("out of memory", 0);
  p = (unsigned char *)raw;
  memset(p, GUARD_BYTE, GUARD);
  memset(p + GUARD + bytes, GUARD_BYTE, GUARD);
  return p + GUARD;
}

static int guards_intact(const unsigned char *p, size_t bytes) {
  size_t i;
  for (i = 0; i < GUARD; ++i)
    if (p[(ptrdiff_t)i - GUARD] != GUARD_BYTE || p[bytes + i] != GUARD_BYTE)
      return 0;
  return 1;
}

static unsigned char *read_file(const char *path, size_t *bytes) {
  FILE *f = fopen(path, "rb");
  long size;
  unsigned char *data;
  if (!f || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 ||
      fseek(f, 0, SEEK_SET) != 0)
    die("cannot read", path);
  *bytes = (size_t)size;
  data = guarded_buffer(*bytes);
  if (fread(data, 1, *bytes, f) != *bytes)
    die("cannot read", path);
  fclose(f);
  return data;
}

int main(int argc, char **argv) {
  static const void *inputs[MAX_TENSORS];
  static void *outputs[MAX_TENSORS];
  static size_t input_bytes[MAX_TENSORS], output_bytes[MAX_TENSORS];
  static const char *output_paths[MAX_TENSORS];
  size_t arena_bytes, num_inputs, num_outputs, i;
  unsigned char *arena;
  int32_t status;

  if (argc < 4)
    die("usage: ARENA_BYTES NUM_INPUTS NUM_OUTPUTS IN.bin... OUT.bin:BYTES...",
        0);
  arena_bytes = parse_size(argv[1], "bad arena size");
  num_inputs = parse_size(argv[2], "bad input count");
  num_outputs = parse_size(argv[3], "bad output count");
  if (num_inputs > MAX_TENSORS || num_outputs > MAX_TENSORS ||
      (size_t)argc != 4 + num_inputs + num_outputs)
    die("the argument count does not match NUM_INPUTS and NUM_OUTPUTS", 0);

  for (i = 0; i < num_inputs; ++i)
    inputs[i] = read_file(argv[4 + i], &input_bytes[i]);
  for (i = 0; i < num_outputs; ++i) {
    char *spec = argv[4 + num_inputs + i];
    char *colon = strrchr(spec, ':');
    if (!colon)
      die("expected OUT.bin:BYTES, got", spec);
    *colon = '\0';
    output_paths[i] = spec;
    output_bytes[i] = parse_size(colon + 1, "bad output size");
    outputs[i] = guarded_buffer(output_bytes[i]);
    /* 3.4e38 as f32, so an element the model never writes shows. */
    memset(outputs[i], 0x7F, output_bytes[i]);
  }
  arena = guarded_buffer(arena_bytes);

  status = model_run(inputs, outputs, arena);
  if (status != 0) {
    fprintf(stderr, "%s: the model returned status %ld\n", program,
            (long)status);
    return 2;
  }
  for (i = 0; i < num_inputs; ++i)
    if (!guards_intact((const unsigned char *)inputs[i], input_bytes[i])) {
      fprintf(stderr, "%s: the model wrote outside input %lu\n", program,
              (unsigned long)i);
      return 3;
    }
  for (i = 0; i < num_outputs; ++i)
    if (!guards_intact((const unsigned char *)outputs[i], output_bytes[i])) {
      fprintf(stderr, "%s: the model wrote outside output %lu\n", program,
              (unsigned long)i);
      return 3;
    }
  if (!guards_intact(arena, arena_bytes)) {
    fprintf(stderr, "%s: the model wrote outside the arena\n", program);
    return 3;
  }
  for (i = 0; i < num_outputs; ++i) {
    FILE *f = fopen(output_paths[i], "wb");
    if (!f ||
        fwrite(outputs[i], 1, output_bytes[i], f) != output_bytes[i] ||
        fclose(f) != 0)
      die("cannot write", output_paths[i]);
  }
  return 0;
}
