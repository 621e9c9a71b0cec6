/* The live debug stub inside the hypervisor (debug-adapter/PROTOCOL.md, section 3): the VMX core's
 * implementation of stub/target.h, the stop/park protocol between CPUs, the host #BP/#DB path and
 * the per-exit hooks (exit breakpoints, Ctrl-C, host debug registers).
 *
 * All state lives in one hv_alloc_pages() block reached through hv_global_t (never through image
 * data, which the guest can write). */
#ifndef HV_DEBUG_DEBUG_H
#define HV_DEBUG_DEBUG_H

#include "hv/types.h"
#include "vmx/cpu.h"

/* Boot glue, before hv_virtualize_all(): where the link is (port 0: no stub). */
void hv_debug_configure(uint16_t port, uint32_t baud);

/* In hv_virtualize_all() on the BSP (boot services up): allocates the stub's state, programs the
 * UART and hangs the state on hv->debug. 0, or -1 when out of memory (the stub is then absent). */
int hv_debug_setup(hv_global_t *hv);
/* The pin-based controls to ask for (the VMX-preemption timer, so Ctrl-C is seen). */
uint32_t hv_debug_wanted_pin_controls(void);
/* VMX-preemption timer value to program (0: timer not used). */
uint32_t hv_debug_timer_value(const hv_global_t *hv);

/* At the top of every VM exit, before the handler: host debug registers, Ctrl-C on CPU 0, exit
 * breakpoints, and parking when another CPU has stopped. */
void hv_debug_on_exit(hv_vcpu_t *v, hv_guest_regs_t *r, uint32_t reason);

/* #BP / #DB taken in host context (vmx/host_entry.nasm): stops and serves the debugger. */
HV_EFIAPI void hv_debug_host_trap(hv_host_frame_t *f);

/* The I/O port range of the debug UART (hidden from the guest), or 0 when there is no stub. */
uint16_t hv_debug_port(const hv_global_t *hv);

#endif
