/* RDMSR/WRMSR. Only MSRs set in the MSR bitmap exit (VMX capability and feature-control MSRs, which
 * describe VMX as absent, and two monitored writes), plus every MSR outside the bitmap's ranges.
 * Everything else is executed by the host with a guarded instruction: an MSR the processor does not
 * implement gives the guest #GP, exactly as without us, and never faults the host. */
#include "exits/exits.h"
#include "apic/apic.h"

static bool is_vmx_capability(uint32_t msr) {
    return msr >= MSR_IA32_VMX_BASIC && msr <= MSR_IA32_VMX_VMFUNC;
}

int hv_exit_rdmsr(hv_vcpu_t *v, hv_guest_regs_t *r) {
    (void)v;
    uint32_t msr = (uint32_t)r->rcx;
    uint64_t value;
    if (is_vmx_capability(msr)) {
        hv_inject_gp0(); /* VMX is hidden: these do not exist */
        return HV_EXIT_RESUME;
    }
    if (msr == MSR_IA32_FEATURE_CONTROL) {
        /* Locked, VMX disabled: what a guest without nested VMX must see. */
        value = (hv_rdmsr(msr) | FEATURE_CONTROL_LOCK) & ~(0x6ull);
    } else if (hv_safe_rdmsr(msr, &value)) {
        hv_inject_gp0();
        return HV_EXIT_RESUME;
    }
    r->rax = (uint32_t)value;
    r->rdx = value >> 32;
    hv_guest_skip_instruction();
    return HV_EXIT_RESUME;
}

int hv_exit_wrmsr(hv_vcpu_t *v, hv_guest_regs_t *r) {
    uint32_t msr = (uint32_t)r->rcx;
    uint64_t value = (r->rdx << 32) | (uint32_t)r->rax;
    if (msr == 0x830) /* x2APIC ICR: INIT interception (apic/) */
        return hv_apic_x2apic_icr(v, r, value);
    if (is_vmx_capability(msr) || msr == MSR_IA32_FEATURE_CONTROL) {
        hv_inject_gp0(); /* read-only / locked */
        return HV_EXIT_RESUME;
    }
    if (hv_safe_wrmsr(msr, value)) {
        hv_inject_gp0();
        return HV_EXIT_RESUME;
    }
    hv_guest_skip_instruction();
    return HV_EXIT_RESUME;
}
