/* INIT interception (host side). Why: a virtualized CPU that receives an INIT must take it as a VM
 * exit and stay a guest (waiting for SIPI). Bochs 2.7 raises the INIT exit but keeps the INIT
 * pending, so the CPU exits with INIT again on every VM entry and can never run the guest again.
 * So INIT IPIs are caught where they are sent, which works the same everywhere: the local APIC
 * page is write-protected in EPT (xAPIC) and WRMSR to the x2APIC ICR exits (MSR bitmap); the
 * sender's hypervisor performs every APIC write itself, except an INIT aimed at CPUs the
 * hypervisor runs: each of those gets a "virtual INIT" mark and an NMI instead. NMI exiting is on,
 * so the target exits (or, in root mode, its NMI handler makes sure the next VM entry looks) and
 * emulates INIT: the INIT register state and the wait-for-SIPI activity state. The SIPIs that
 * follow are sent natively and give SIPI exits. INITs that still arrive natively (logical
 * destinations, an instruction the store decoder does not know) take the SDM path of
 * exits/init_sipi.c. */
#ifndef HV_APIC_APIC_H
#define HV_APIC_APIC_H

#include "exits/exits.h"

/* BSP, before any launch: finds the xAPIC page and write-protects it, adds the x2APIC ICR to the
 * MSR bitmap. Requires NMI exiting; without it INITs are left alone. */
int hv_apic_setup(hv_global_t *hv);

/* On each CPU before its launch: its xAPIC and x2APIC IDs. */
void hv_apic_read_ids(hv_vcpu_t *v);

/* EPT violation on the APIC page (a guest store). */
int hv_apic_page_write(hv_vcpu_t *v, hv_guest_regs_t *r, uint64_t gpa);

/* WRMSR to the x2APIC ICR (0x830). */
int hv_apic_x2apic_icr(hv_vcpu_t *v, hv_guest_regs_t *r, uint64_t value);

/* NMI exit: a virtual INIT's NMI (swallowed; the INIT is emulated before the VM entry), or the
 * guest's (re-injected). */
int hv_exit_nmi(hv_vcpu_t *v, hv_guest_regs_t *r);

/* A deferred guest NMI, injected when the guest can take it (end of every exit). */
void hv_nmi_try_inject(hv_vcpu_t *v);

/* exits/init_sipi.c: the processor state after INIT, waiting for SIPI. */
void hv_init_emulate(hv_vcpu_t *v, hv_guest_regs_t *r);

#endif
