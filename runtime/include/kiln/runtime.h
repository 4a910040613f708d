/*===- kiln/runtime.h - the C99 runtime of Kiln-compiled models ------------===
 * What generated model code and the programs that call it share: the ABI
 * version, status codes, tensor descriptors and the parallel-for entry point.
 * Safe to include from C99 and C++. See docs/abi.md and docs/runtime.md.
 *===----------------------------------------------------------------------===*/
#ifndef KILN_RUNTIME_H
#define KILN_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version of the contract between a generated header/object and this
 * runtime. A generated header refuses to compile against another version. */
#define KILN_ABI_VERSION 1

/* Alignment in bytes that the arena (and a separate weights blob) must have. */
#define KILN_ARENA_ALIGNMENT 64

/* Hard upper bound on the threads of the hosted pool (caller included). */
#define KILN_MAX_THREADS 64

/* Returned by <name>_run and by runtime calls that can fail. */
typedef enum kiln_status {
  KILN_OK = 0,
  KILN_ERROR_NULL_ARGUMENT = 1,
  KILN_ERROR_MISALIGNED_ARENA = 2,
  KILN_ERROR_THREAD = 3
} kiln_status;

/* A readable description such as "KILN_OK: success"; never NULL (unknown
 * codes get a generic text). The string is static. */
const char *kiln_status_string(int status);

/* Element types of model inputs and outputs. */
typedef enum kiln_dtype {
  KILN_F32,
  KILN_U8,
  KILN_I8,
  KILN_U16,
  KILN_I16,
  KILN_I32,
  KILN_I64,
  KILN_BOOL,
  KILN_F16,
  KILN_F64,
  KILN_U32,
  KILN_U64,
  KILN_BF16
} kiln_dtype;

/* "f32", "i64", "bool", ...; "?" for an invalid value. */
const char *kiln_dtype_name(kiln_dtype dtype);
/* Bytes per element (bool is one byte; f16/bf16 are two); 0 if invalid. */
size_t kiln_dtype_size(kiln_dtype dtype);

/* Describes one model input or output (the generated <name>_input_info and
 * <name>_output_info tables), so generic programs can drive any model. */
struct kiln_tensor_info {
  const char *name;       /* the ONNX value name */
  kiln_dtype dtype;
  int rank;
  const int64_t *shape;   /* rank entries; NULL when rank is 0 */
  int64_t num_elements;
};

/* The body of a parallel loop: handles iterations [begin, end). */
typedef void (*kiln_parallel_body)(void *closure, int64_t begin, int64_t end);

/* Runs body over [0, count) split into contiguous chunks of equal size (+-1),
 * up to 4 per thread, and returns when all chunks are done. The threads,
 * the caller included, claim chunks one at a time, so a late thread's share
 * goes to the others. A call made while the pool is busy (a nested call from inside a
 * body, or a concurrent call from another thread) runs body(closure, 0,
 * count) on the calling thread. In the serial runtime (KilnRuntimeSerial)
 * it always does. count <= 0 does nothing. Never allocates memory. */
void kiln_parallel_for(int64_t count, kiln_parallel_body body, void *closure);

/* Sets the number of threads parallel loops use, the caller included:
 * 1 = serial, <= 0 = the default (env KILN_NUM_THREADS, else the number of
 * online CPUs), capped at KILN_MAX_THREADS. Starts the workers now; returns
 * KILN_ERROR_THREAD if fewer could be started (the pool then uses those it
 * has) and KILN_OK otherwise. The serial runtime accepts only n <= 1. */
int kiln_set_num_threads(int n);

/* The number of threads parallel loops use now (1 in the serial runtime). */
int kiln_get_num_threads(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* KILN_RUNTIME_H */
