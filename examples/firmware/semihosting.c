/*===- semihosting.c - console output and exit through the debugger -------===
 * SYS_WRITE0 and SYS_EXIT_EXTENDED of the Arm semihosting specification
 * (v2): r0 holds the operation, r1 its argument, BKPT 0xAB traps to the host.
 *===----------------------------------------------------------------------===*/
#include "semihosting.h"

#include <stdint.h>

enum {
  SYS_WRITE0 = 0x04,
  SYS_EXIT = 0x18,
  SYS_EXIT_EXTENDED = 0x20,
  ADP_STOPPED_APPLICATION_EXIT = 0x20026
};

static uintptr_t semihost_call(uintptr_t op, uintptr_t arg) {
  register uintptr_t r0 __asm__("r0") = op;
  register uintptr_t r1 __asm__("r1") = arg;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

void semihost_write(const char *text) {
  semihost_call(SYS_WRITE0, (uintptr_t)text);
}

void semihost_exit(int status) {
  /* {reason, exit status}: SYS_EXIT on 32-bit Arm carries no status. */
  uintptr_t block[2];
  block[0] = ADP_STOPPED_APPLICATION_EXIT;
  block[1] = (uintptr_t)status;
  semihost_call(SYS_EXIT_EXTENDED, (uintptr_t)block);
  semihost_call(SYS_EXIT, ADP_STOPPED_APPLICATION_EXIT); /* older hosts */
  for (;;)
    ;
}
