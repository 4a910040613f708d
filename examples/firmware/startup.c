/*===- startup.c - Cortex-M vector table and reset handler ---------------===
 * Copies .data from flash, zeroes .bss, enables the FPU (M4F/M7) and calls
 * main; the linker script (mps2-*.ld) provides the section symbols.
 *===----------------------------------------------------------------------===*/
#include "semihosting.h"

#include <stdint.h>

extern uint32_t __data_load[], __data_start[], __data_end[];
extern uint32_t __bss_start[], __bss_end[];
extern uint32_t __stack_top[];

int main(void);

void reset_handler(void) __attribute__((noreturn));
static void fault_handler(void) __attribute__((noreturn));

/* Placed at address 0 (the reset value of VTOR): initial stack pointer, then
 * the exception handlers; interrupts are unused. */
__attribute__((section(".vectors"), used)) static void (*const vectors[16])(
    void) = {
    (void (*)(void))(uintptr_t)__stack_top,
    reset_handler,
    fault_handler, /* NMI */
    fault_handler, /* HardFault */
    fault_handler, /* MemManage */
    fault_handler, /* BusFault */
    fault_handler, /* UsageFault */
    0, 0, 0, 0,
    fault_handler, /* SVCall */
    fault_handler, /* DebugMonitor */
    0,
    fault_handler, /* PendSV */
    fault_handler, /* SysTick */
};

void reset_handler(void) {
  uint32_t *src, *dst;
#if defined(__ARM_FP)
  /* CPACR: full access to CP10 and CP11 before any floating-point code. */
  *(volatile uint32_t *)0xE000ED88u |= 0xFu << 20;
  __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
  for (src = __data_load, dst = __data_start; dst < __data_end;)
    *dst++ = *src++;
  for (dst = __bss_start; dst < __bss_end;)
    *dst++ = 0;
  semihost_exit(main());
}

static void fault_handler(void) {
  semihost_write("kiln-fw: fault exception\n");
  semihost_exit(3);
}
