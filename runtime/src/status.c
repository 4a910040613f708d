/*===- status.c - readable names of kiln_status codes ----------------------===
 * Shared by the hosted and the serial runtime; no state.
 *===----------------------------------------------------------------------===*/
#include "kiln/runtime.h"

const char *kiln_status_string(int status) {
  switch (status) {
  case KILN_OK:
    return "KILN_OK: success";
  case KILN_ERROR_NULL_ARGUMENT:
    return "KILN_ERROR_NULL_ARGUMENT: a required pointer (inputs, outputs, "
           "one of their tensor buffers, the arena or the weights) is NULL";
  case KILN_ERROR_MISALIGNED_ARENA:
    return "KILN_ERROR_MISALIGNED_ARENA: the arena pointer is not aligned to "
           "64 bytes (KILN_ARENA_ALIGNMENT)";
  case KILN_ERROR_THREAD:
    return "KILN_ERROR_THREAD: the thread pool could not start its threads";
  default:
    return "unknown Kiln status code";
  }
}
