/* The receiving side of INIT interception: NMIs. NMI exiting is on, so an NMI that arrives while
 * the guest runs is an exit, and one that arrives in root mode (an exit being handled) goes to the
 * host IDT. Either way the NMI is matched against the virtual INITs other CPUs posted (init_nmis):
 * ours are swallowed and the INIT is emulated right before the next VM entry
 * (hv_exit_pending_events, called by vmx/host_entry.nasm); the guest's own are injected back. */
#include "apic/apic.h"

#define INTR_TYPE_NMI      (2u << 8)
#define INTR_VALID         (1u << 31)
#define NMI_VECTOR         2u
#define BLOCKING_STI_MOVSS 3u
#define BLOCKING_NMI       8u

/* One NMI of a virtual INIT, if any is outstanding. */
static bool take_init_nmi(hv_vcpu_t *v) {
    uint32_t n = __atomic_load_n(&v->init_nmis, __ATOMIC_SEQ_CST);
    while (n)
        if (__atomic_compare_exchange_n(&v->init_nmis, &n, n - 1, false, __ATOMIC_SEQ_CST,
                                        __ATOMIC_SEQ_CST))
            return true;
    return false;
}

void hv_nmi_try_inject(hv_vcpu_t *v) {
    if (hv_vmread(VMCS_VM_ENTRY_INTR_INFO_FIELD) & INTR_VALID)
        return; /* an event is being delivered already: next exit */
    if (hv_vmread(VMCS_GUEST_INTERRUPTIBILITY_INFO) & (BLOCKING_STI_MOVSS | BLOCKING_NMI))
        return; /* the guest blocks NMIs (its own handler runs): it stays pending */
    uint64_t activity = hv_vmread(VMCS_GUEST_ACTIVITY_STATE);
    v->slow &= (uint8_t)~HV_SLOW_NMI_DEFERRED;
    if (activity == 3)
        return; /* waiting for SIPI: NMIs are blocked there, as on hardware */
    if (activity == 1)
        hv_vmwrite(VMCS_GUEST_ACTIVITY_STATE, 0); /* an NMI ends HLT */
    hv_vmwrite(VMCS_VM_ENTRY_INTR_INFO_FIELD, NMI_VECTOR | INTR_TYPE_NMI | INTR_VALID);
}

int hv_exit_nmi(hv_vcpu_t *v, hv_guest_regs_t *r) {
    (void)r;
    /* The exit left NMIs blocked in root mode (Bochs keeps them blocked across the next VM entry
     * too, whatever the guest state says): an IRETQ ends that. The guest was not blocking NMIs, or
     * this NMI would not have exited (Bochs saves the state with blocking set). */
    hv_nmi_unblock();
    uint64_t intr = hv_vmread(VMCS_GUEST_INTERRUPTIBILITY_INFO);
    if (intr & BLOCKING_NMI)
        hv_vmwrite(VMCS_GUEST_INTERRUPTIBILITY_INFO, intr & ~(uint64_t)BLOCKING_NMI);
    if (!take_init_nmi(v)) {
        v->slow |= HV_SLOW_NMI_DEFERRED;
        hv_nmi_try_inject(v);
    }
    return HV_EXIT_RESUME;
}

/* Host IDT, vector 2 (vmx/host_entry.nasm). Interrupted at the last look at the events before
 * VMRESUME: restart that look, so that what this NMI stands for is not left behind. */
HV_EFIAPI void hv_host_nmi(uint64_t *rip);
HV_EFIAPI void hv_host_nmi(uint64_t *rip) {
    hv_dtr_t gdtr = hv_sgdt();
    if (gdtr.limit != 0xffff)
        return; /* not the host GDT (a VM exit sets the limit to 0xffff): leaving VMX, drop it */
    hv_vcpu_t *v = *(hv_vcpu_t **)(uintptr_t)(gdtr.base + HV_GDT_VCPU_SLOT);
    if (*rip >= (uint64_t)(uintptr_t)hv_vmx_resume_check &&
        *rip <= (uint64_t)(uintptr_t)hv_vmx_resume_insn)
        *rip = (uint64_t)(uintptr_t)hv_vmx_resume_check;
    if (!take_init_nmi(v))
        __atomic_fetch_or(&v->events, HV_EVENT_NMI, __ATOMIC_SEQ_CST);
}

/* vmx/host_entry.nasm, before VMRESUME when events is not 0. */
HV_EFIAPI void hv_exit_pending_events(hv_vcpu_t *v, hv_guest_regs_t *r);
HV_EFIAPI void hv_exit_pending_events(hv_vcpu_t *v, hv_guest_regs_t *r) {
    uint32_t ev = __atomic_exchange_n(&v->events, 0, __ATOMIC_SEQ_CST);
    if (ev & HV_EVENT_INIT)
        hv_init_emulate(v, r);
    if (ev & HV_EVENT_NMI) {
        v->slow |= HV_SLOW_NMI_DEFERRED;
        hv_nmi_try_inject(v);
    }
}
