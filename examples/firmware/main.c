/*===- main.c - run a Kiln-compiled model on a Cortex-M board under QEMU ----===
 * Feeds deterministic inputs to any model (-DKILN_MODEL=<name>
 * -DKILN_MODEL_HEADER='"<name>.h"'), prints the outputs through semihosting
 * (exact bit patterns plus a readable value) and the stack it used.
 *===----------------------------------------------------------------------===*/
#include "semihosting.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifndef KILN_MODEL
#error "compile with -DKILN_MODEL=<name> -DKILN_MODEL_HEADER='\"<name>.h\"'"
#endif
#include KILN_MODEL_HEADER

#define KILN_PASTE_(a, b) a##b
#define KILN_PASTE(a, b) KILN_PASTE_(a, b)
#define MODEL(suffix) KILN_PASTE(KILN_MODEL, suffix)
#define STR_(x) #x
#define STR(x) STR_(x)

/* Input and output buffers come from one static pool (no malloc). */
#ifndef FW_IO_POOL_BYTES
#define FW_IO_POOL_BYTES 16384
#endif
static uint64_t io_pool[FW_IO_POOL_BYTES / 8];

/* With kilnc --arena-section the object defines the arena in its own
 * section (FW_MODEL_ARENA); otherwise it is a static array here. */
#ifdef FW_MODEL_ARENA
#define ARENA ((void *)MODEL(_arena))
#else
static unsigned char arena_storage[MODEL(_arena_size) > 0 ? MODEL(_arena_size)
                                                          : 1]
    __attribute__((aligned(64)));
#define ARENA ((void *)arena_storage)
#endif

extern uint32_t __stack_bottom[];
#define STACK_PAINT 0x5AC4A11Du

/* ---- output formatting (no printf: keeps the image small) ---- */

static char line[128];
static size_t line_len;

static void put(const char *s) {
  while (*s && line_len + 1 < sizeof line)
    line[line_len++] = *s++;
}

static void flush(void) {
  line[line_len] = 0;
  semihost_write(line);
  line_len = 0;
}

/* 32-bit division where the value allows: keeps libgcc's 64-bit division
 * out of images that do not otherwise need it. */
static void put_uint(uint64_t v) {
  char buf[24];
  int i = 23;
  buf[i] = 0;
  while (v > 0xFFFFFFFFu) {
    buf[--i] = (char)('0' + v % 10);
    v /= 10;
  }
  {
    uint32_t w = (uint32_t)v;
    do {
      buf[--i] = (char)('0' + w % 10);
      w /= 10;
    } while (w);
  }
  put(buf + i);
}

static void put_int(int64_t v) {
  if (v < 0) {
    put("-");
    put_uint((uint64_t)0 - (uint64_t)v);
  } else {
    put_uint((uint64_t)v);
  }
}

static void put_hex(uint64_t v, int digits) {
  char buf[20];
  int i;
  buf[0] = '0';
  buf[1] = 'x';
  for (i = 0; i < digits; ++i)
    buf[2 + i] = "0123456789abcdef"[(v >> (4 * (digits - 1 - i))) & 15];
  buf[2 + digits] = 0;
  put(buf);
}

/* About seven significant digits, d.dddddde+XX: for people; the hex bit
 * pattern is what the test compares. Single precision, so the M4's FPU does
 * it (f64 outputs print as bits only). */
static void put_float(float v) {
  int exp10 = 0, i;
  uint32_t digits;
  if (v != v) {
    put("nan");
    return;
  }
  if (v < 0) {
    put("-");
    v = -v;
  }
  if (v > 3.4e38f) {
    put("inf");
    return;
  }
  if (v != 0) {
    while (v >= 10) {
      v /= 10;
      ++exp10;
    }
    while (v < 1) {
      v *= 10;
      --exp10;
    }
  }
  digits = (uint32_t)(v * 1e6f + 0.5f);
  if (digits >= 10000000) { /* 9.9999996 rounded up */
    digits /= 10;
    ++exp10;
  }
  {
    char buf[10];
    buf[0] = (char)('0' + digits / 1000000);
    buf[1] = '.';
    for (i = 0; i < 6; ++i) {
      uint32_t p = 100000;
      int k;
      for (k = 0; k < i; ++k)
        p /= 10;
      buf[2 + i] = (char)('0' + (digits / p) % 10);
    }
    buf[8] = 0;
    put(buf);
  }
  put(exp10 < 0 ? "e-" : "e+");
  put_uint((uint64_t)(exp10 < 0 ? -exp10 : exp10));
}

/* ---- deterministic inputs (test/firmware/run_firmware.py repeats this) ---- */

static uint32_t input_hash(uint32_t input, uint32_t i) {
  uint32_t h = (i + 1u) * 2654435761u + input * 40503u;
  return h ^ (h >> 15);
}

static int fill_input(uint32_t input, kiln_dtype dtype, void *data,
                      int64_t n) {
  int64_t i;
  for (i = 0; i < n; ++i) {
    uint32_t h = input_hash(input, (uint32_t)i);
    /* floats: k / 32768 - 1 in [-1, 1), exact in every float type */
    float f = (float)((h >> 8) & 0xFFFFu) / 32768.0f - 1.0f;
    int32_t k = (int32_t)((h >> 8) % 21u) - 10;
    switch (dtype) {
    case KILN_F32: ((float *)data)[i] = f; break;
    case KILN_F64: ((double *)data)[i] = f; break;
    case KILN_I8: ((int8_t *)data)[i] = (int8_t)k; break;
    case KILN_U8: ((uint8_t *)data)[i] = (uint8_t)(k + 10); break;
    case KILN_I16: ((int16_t *)data)[i] = (int16_t)k; break;
    case KILN_U16: ((uint16_t *)data)[i] = (uint16_t)(k + 10); break;
    case KILN_I32: ((int32_t *)data)[i] = k; break;
    case KILN_U32: ((uint32_t *)data)[i] = (uint32_t)(k + 10); break;
    case KILN_I64: ((int64_t *)data)[i] = k; break;
    case KILN_U64: ((uint64_t *)data)[i] = (uint64_t)(k + 10); break;
    case KILN_BOOL: ((uint8_t *)data)[i] = (uint8_t)((h >> 8) & 1u); break;
    default: return 0; /* f16/bf16 inputs are not generated */
    }
  }
  return 1;
}

static void print_value(kiln_dtype dtype, const void *data, int64_t i) {
  switch (dtype) {
  case KILN_F32: {
    uint32_t b;
    float f = ((const float *)data)[i];
    memcpy(&b, &f, sizeof b);
    put_hex(b, 8);
    put(" ");
    put_float(f);
    break;
  }
  case KILN_F64: {
    uint64_t b;
    double d = ((const double *)data)[i];
    memcpy(&b, &d, sizeof b);
    put_hex(b, 16);
    break;
  }
  case KILN_F16:
  case KILN_BF16: put_hex(((const uint16_t *)data)[i], 4); break;
  case KILN_I8: put_int(((const int8_t *)data)[i]); break;
  case KILN_U8: put_uint(((const uint8_t *)data)[i]); break;
  case KILN_I16: put_int(((const int16_t *)data)[i]); break;
  case KILN_U16: put_uint(((const uint16_t *)data)[i]); break;
  case KILN_I32: put_int(((const int32_t *)data)[i]); break;
  case KILN_U32: put_uint(((const uint32_t *)data)[i]); break;
  case KILN_I64: put_int(((const int64_t *)data)[i]); break;
  case KILN_U64: put_uint(((const uint64_t *)data)[i]); break;
  case KILN_BOOL: put_uint(((const uint8_t *)data)[i]); break;
  }
}

/* Fills the unused stack with a pattern, so its high-water mark shows. */
static void paint_stack(void) {
  volatile uint32_t *p = __stack_bottom;
  uintptr_t below_sp = (uintptr_t)(void *)&p - 256; /* below this frame */
  while ((uintptr_t)p < below_sp)
    *p++ = STACK_PAINT;
}

static size_t stack_unused(void) {
  const uint32_t *p = __stack_bottom;
  while (*p == STACK_PAINT)
    ++p;
  return (size_t)((const char *)p - (const char *)__stack_bottom);
}

int main(void) {
  void *inputs[MODEL(_num_inputs) > 0 ? MODEL(_num_inputs) : 1];
  void *outputs[MODEL(_num_outputs) > 0 ? MODEL(_num_outputs) : 1];
  size_t used = 0;
  int k, status;
  extern uint32_t __stack_top[];

  paint_stack();
  put("kiln-fw: model " STR(KILN_MODEL) ", arena ");
  put_uint(MODEL(_arena_size));
  put(" bytes");
  flush();
  put("\n");
  flush();
  for (k = 0; k < MODEL(_num_inputs) + MODEL(_num_outputs); ++k) {
    const struct kiln_tensor_info *info =
        k < MODEL(_num_inputs) ? &MODEL(_input_info)[k]
                               : &MODEL(_output_info)[k - MODEL(_num_inputs)];
    size_t bytes = (size_t)info->num_elements * kiln_dtype_size(info->dtype);
    void *data = (char *)io_pool + used;
    used += (bytes + 63) / 64 * 64;
    if (used > sizeof io_pool) {
      put("kiln-fw: inputs and outputs need more than FW_IO_POOL_BYTES\n");
      flush();
      return 4;
    }
    if (k < MODEL(_num_inputs)) {
      int d;
      put("input ");
      put_int(k);
      put(" ");
      put(info->name);
      put(" ");
      put(kiln_dtype_name(info->dtype));
      put(" ");
      for (d = 0; d < info->rank; ++d) {
        put(d ? "x" : "");
        put_int(info->shape[d]);
      }
      put("\n");
      flush();
      inputs[k] = data;
      if (!fill_input((uint32_t)k, info->dtype, data, info->num_elements)) {
        put("kiln-fw: cannot generate input of type ");
        put(kiln_dtype_name(info->dtype));
        put("\n");
        flush();
        return 4;
      }
    } else {
      outputs[k - MODEL(_num_inputs)] = data;
    }
  }

  status = MODEL(_run_ptrs)((const void *const *)inputs, outputs, ARENA);
  if (status != KILN_OK) {
    put("kiln-fw: ");
    put(kiln_status_string(status));
    put("\n");
    flush();
    return 2;
  }
  for (k = 0; k < MODEL(_num_outputs); ++k) {
    const struct kiln_tensor_info *info = &MODEL(_output_info)[k];
    int64_t i;
    put("output ");
    put_int(k);
    put(" ");
    put(info->name);
    put(" ");
    put(kiln_dtype_name(info->dtype));
    put(" ");
    put_int(info->num_elements);
    put("\n");
    flush();
    for (i = 0; i < info->num_elements; ++i) {
      put("  ");
      put_int(i);
      put(" ");
      print_value(info->dtype, outputs[k], i);
      put("\n");
      flush();
    }
  }
  put("kiln-fw: stack used ");
  put_uint((size_t)((const char *)__stack_top - (const char *)__stack_bottom) -
           stack_unused());
  put(" bytes\nkiln-fw: done\n");
  flush();
  return 0;
}
