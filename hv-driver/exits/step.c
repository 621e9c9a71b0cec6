/* Single-stepping one guest instruction, for the two places that let an instruction run against
 * something temporary (a decoy page, an opened I/O port): the monitor trap flag where the
 * processor has it; otherwise the guest's RFLAGS.TF with #DB exiting (Bochs' corei7_skylake_x has
 * no MTF). Either way the next exit after the instruction calls hv_step_done(). */
#include "exits/exits.h"
#include "apic/apic.h"

#define RFLAGS_TF (1ull << 8)
#define DB_VECTOR 1

void hv_step_begin(hv_vcpu_t *v) {
    if (v->stepping)
        return;
    v->stepping = true;
    if (v->hv->mtf_supported) {
        hv_vmwrite(VMCS_CPU_BASED_VM_EXEC_CONTROL,
                   hv_vmread(VMCS_CPU_BASED_VM_EXEC_CONTROL) |
                       VMX_CPU_BASED_VM_EXEC_CONTROL_MONITOR_TRAP_FLAG);
        return;
    }
    uint64_t rflags = hv_vmread(VMCS_GUEST_RFLAGS);
    v->step_guest_tf = rflags & RFLAGS_TF;
    hv_vmwrite(VMCS_GUEST_RFLAGS, rflags | RFLAGS_TF);
    hv_vmwrite(VMCS_EXCEPTION_BITMAP, hv_vmread(VMCS_EXCEPTION_BITMAP) | (1u << DB_VECTOR));
}

void hv_step_end(hv_vcpu_t *v) {
    if (!v->stepping)
        return;
    v->stepping = false;
    if (v->hv->mtf_supported) {
        hv_vmwrite(VMCS_CPU_BASED_VM_EXEC_CONTROL,
                   hv_vmread(VMCS_CPU_BASED_VM_EXEC_CONTROL) &
                       ~(uint64_t)VMX_CPU_BASED_VM_EXEC_CONTROL_MONITOR_TRAP_FLAG);
        return;
    }
    uint64_t rflags = hv_vmread(VMCS_GUEST_RFLAGS);
    if (!v->step_guest_tf)
        hv_vmwrite(VMCS_GUEST_RFLAGS, rflags & ~RFLAGS_TF);
    hv_vmwrite(VMCS_EXCEPTION_BITMAP, hv_vmread(VMCS_EXCEPTION_BITMAP) & ~(1ull << DB_VECTOR));
    /* The single-step trap consumed here is ours, not the guest's: no pending #DB is left. */
    hv_vmwrite(VMCS_GUEST_PENDING_DBG_EXCEPTIONS, 0);
}

/* Exception or NMI exit: NMIs (apic/nmi.c), and #DB only while stepping. */
int hv_exit_exception(hv_vcpu_t *v, hv_guest_regs_t *r) {
    uint32_t info = (uint32_t)hv_vmread(VMCS_VM_EXIT_INTR_INFO);
    if (((info >> 8) & 7) == 2)
        return hv_exit_nmi(v, r);
    if ((info & 0xff) == DB_VECTOR && v->stepping) {
        bool guest_wanted = v->step_guest_tf;
        hv_exit_monitor_trap(v, r);
        if (guest_wanted) /* the guest was single-stepping itself: give it its #DB */
            hv_inject_exception(DB_VECTOR, false, 0);
        return HV_EXIT_RESUME;
    }
    hv_exit_fatal_report(v, r, "unexpected exception exit");
}
