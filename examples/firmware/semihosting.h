/*===- semihosting.h - console output and exit through the debugger -------===
 * Arm semihosting calls (BKPT 0xAB), served by QEMU's -semihosting or a
 * debug probe: no UART driver and no C library needed.
 *===----------------------------------------------------------------------===*/
#ifndef KILN_FIRMWARE_SEMIHOSTING_H
#define KILN_FIRMWARE_SEMIHOSTING_H

/* Writes a NUL-terminated string to the host's console. */
void semihost_write(const char *text);

/* Ends the program with the given exit status (QEMU exits with it). */
void semihost_exit(int status) __attribute__((noreturn));

#endif
