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

/* Boot glue, before hv_virtualize_all(): where the link is (port 0: no stub) and how long the
 * load path waits for a debugger (0: it does not). */
void hv_debug_configure(uint16_t port, uint32_t baud, uint16_t wait_s);

/* The load-path debug session (debug/boot.c, PROTOCOL.md 8.2): the stub on the firmware's own
 * context, before VMX and without it, so the driver's entry can be debugged where it declines.
 *   hv_debug_boot_begin(): when a window is configured, programs the UART and hooks the firmware's
 *     #DB/#BP gates; true if the session runs.
 *   hv_debug_boot_wait(): the window, polling the link (a debugger that speaks stops the driver).
 *   hv_debug_boot_handover(): in hv_virtualize_all() once VMX is known usable, before anything of
 *     the hypervisor is allocated (EPT hides what it owns): unhooks, removes the session's
 *     breakpoints, frees its pages and hands a waiting debugger to the hypervisor's stub.
 *   hv_debug_boot_end(): the driver declined (status): tells a waiting debugger (O text, then
 *     W<low byte of status>), unhooks, removes breakpoints. Both are no-ops without a session. */
bool hv_debug_boot_begin(void);
void hv_debug_boot_wait(void);
void hv_debug_boot_handover(void);
void hv_debug_boot_end(uint64_t status, const char *status_text);

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

/* At the end of every VM exit, before VMRESUME: the guest's DR0-3/DR6 back if the host used them.
 */
void hv_debug_before_entry(hv_vcpu_t *v);

/* #BP / #DB taken in host context (vmx/host_entry.nasm): stops and serves the debugger. */
HV_EFIAPI void hv_debug_host_trap(hv_host_frame_t *f);

/* The I/O port range of the debug UART (hidden from the guest), or 0 when there is no stub. */
uint16_t hv_debug_port(const hv_global_t *hv);

#endif
