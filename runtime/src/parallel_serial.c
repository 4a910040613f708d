/*===- parallel_serial.c - kiln_parallel_for without threads ---------------===
 * For bare-metal targets (KilnRuntimeSerial): every loop runs on the caller,
 * and the runtime keeps no global state.
 *===----------------------------------------------------------------------===*/
#include "kiln/runtime.h"

void kiln_parallel_for(int64_t count, kiln_parallel_body body, void *closure) {
  if (count > 0 && body)
    body(closure, 0, count);
}

int kiln_set_num_threads(int n) {
  return n <= 1 ? KILN_OK : KILN_ERROR_THREAD;
}

int kiln_get_num_threads(void) { return 1; }
