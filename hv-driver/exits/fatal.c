/* Exits the guest cannot continue from (triple fault, EPT misconfiguration, anything unexpected):
 * reported with the guest state, then this CPU halts with interrupts off. Never a silent hang. */
#include "hv/log.h"
#include "exits/exits.h"

HV_NORETURN void hv_exit_fatal_report(hv_vcpu_t *v, hv_guest_regs_t *r, const char *why) {
    uint32_t reason = (uint32_t)hv_vmread(VMCS_VM_EXIT_REASON);
    HV_ERROR("FATAL on cpu%u: %s (exit reason %u %s, qualification 0x%llx)", v->index, why,
             reason & 0xffff, hv_vmx_exit_reason_name(reason & 0xffff),
             HV_U64(hv_vmread(VMCS_EXIT_QUALIFICATION)));
    hv_vmx_log_guest_state(v, r);
    HV_ERROR("cpu%u halted", v->index);
    for (;;)
        __asm__ volatile("cli; hlt");
}

int hv_exit_triple_fault(hv_vcpu_t *v, hv_guest_regs_t *r) {
    hv_exit_fatal_report(v, r, "guest triple fault");
}

int hv_exit_ept_misconfig(hv_vcpu_t *v, hv_guest_regs_t *r) {
    HV_ERROR("EPT misconfiguration at guest-physical 0x%llx",
             HV_U64(hv_vmread(VMCS_GUEST_PHYSICAL_ADDRESS)));
    hv_exit_fatal_report(v, r, "EPT misconfiguration");
}
