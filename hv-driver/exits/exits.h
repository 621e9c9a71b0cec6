/* What every exit handler shares: the handler type, guest register access, instruction skipping
 * and exception injection. One handler per basic exit reason, in exits/<concern>.c, registered in
 * the table of exits/dispatch.c. */
#ifndef HV_EXITS_EXITS_H
#define HV_EXITS_EXITS_H

#include "hv/vmx.h"
#include "vmx/cpu.h"

enum { HV_EXIT_RESUME = 0, HV_EXIT_LEAVE = 1 };

typedef int (*hv_exit_handler_t)(hv_vcpu_t *v, hv_guest_regs_t *r);

enum { HV_VEC_UD = 6, HV_VEC_GP = 13 };

/* Guest RIP past the instruction that exited (VM_EXIT_INSTRUCTION_LEN), ending STI/MOV-SS
 * blocking as the real instruction would. Inline: every emulated instruction takes this path. */
static inline void hv_guest_skip_instruction(void) {
    hv_vmwrite_fast(VMCS_GUEST_RIP,
                    hv_vmread(VMCS_GUEST_RIP) + hv_vmread(VMCS_VM_EXIT_INSTRUCTION_LEN));
    uint64_t intr = hv_vmread(VMCS_GUEST_INTERRUPTIBILITY_INFO);
    if (intr & 3)
        hv_vmwrite_fast(VMCS_GUEST_INTERRUPTIBILITY_INFO, intr & ~3ull);
}

/* Hardware exception on the next VM entry (the instruction is not skipped: faults point at it). */
void hv_inject_exception(uint32_t vector, bool has_error, uint32_t error);
static inline void hv_inject_ud(void) {
    hv_inject_exception(HV_VEC_UD, false, 0);
}
static inline void hv_inject_gp0(void) {
    hv_inject_exception(HV_VEC_GP, true, 0);
}

/* Guest GPR by the index VMX uses in exit qualifications (0 RAX ... 4 RSP ... 15 R15). */
uint64_t hv_guest_reg_read(const hv_guest_regs_t *r, unsigned index);
void hv_guest_reg_write(hv_guest_regs_t *r, unsigned index, uint64_t value);

/* Current privilege level of the guest (SS.DPL). */
unsigned hv_guest_cpl(void);

void hv_ept_lock(hv_global_t *hv);
void hv_ept_unlock(hv_global_t *hv);

/* Reports a fatal exit (reason, qualification, guest state) and halts this CPU for good. */
HV_NORETURN void hv_exit_fatal_report(hv_vcpu_t *v, hv_guest_regs_t *r, const char *why);

void hv_step_begin(hv_vcpu_t *v);
void hv_step_end(hv_vcpu_t *v);

int hv_exit_exception(hv_vcpu_t *v, hv_guest_regs_t *r);
int hv_exit_cpuid(hv_vcpu_t *v, hv_guest_regs_t *r);
int hv_exit_preemption_timer(hv_vcpu_t *v, hv_guest_regs_t *r);
int hv_exit_rdmsr(hv_vcpu_t *v, hv_guest_regs_t *r);
int hv_exit_wrmsr(hv_vcpu_t *v, hv_guest_regs_t *r);
int hv_exit_cr_access(hv_vcpu_t *v, hv_guest_regs_t *r);
int hv_exit_io(hv_vcpu_t *v, hv_guest_regs_t *r);
int hv_exit_xsetbv(hv_vcpu_t *v, hv_guest_regs_t *r);
int hv_exit_invd(hv_vcpu_t *v, hv_guest_regs_t *r);
int hv_exit_wbinvd(hv_vcpu_t *v, hv_guest_regs_t *r);
int hv_exit_ept_violation(hv_vcpu_t *v, hv_guest_regs_t *r);
int hv_exit_ept_misconfig(hv_vcpu_t *v, hv_guest_regs_t *r);
int hv_exit_monitor_trap(hv_vcpu_t *v, hv_guest_regs_t *r);
int hv_exit_init(hv_vcpu_t *v, hv_guest_regs_t *r);
int hv_exit_sipi(hv_vcpu_t *v, hv_guest_regs_t *r);
int hv_exit_vmx_instruction(hv_vcpu_t *v, hv_guest_regs_t *r);
int hv_exit_triple_fault(hv_vcpu_t *v, hv_guest_regs_t *r);
int hv_exit_vmcall(hv_vcpu_t *v, hv_guest_regs_t *r);

#endif
