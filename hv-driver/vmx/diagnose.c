/* Readable reports of what went wrong: a failed VM entry (VM-instruction error, or the exit reason
 * and qualification of an entry failure) and the guest state at a fatal exit. */
#include "hv/log.h"
#include "hv/vmx.h"
#include "vmx/cpu.h"

/* Exit qualification of a VM-entry failure on guest state (SDM 27.8). */
static const char *entry_qualification_text(uint64_t q) {
    switch (q) {
    case 0:
        return "no further information";
    case 2:
        return "MSR loading failed";
    case 3:
        return "NMI injection not allowed (blocking)";
    case 4:
        return "invalid VMCS link pointer";
    default:
        return "reserved";
    }
}

void hv_vmx_log_entry_failure(hv_vcpu_t *vcpu, int vmx_status) {
    if (vmx_status == HV_VMX_FAIL_INVALID) {
        HV_ERROR("VM entry failed on cpu%u: VMfailInvalid (no current VMCS)", vcpu->index);
        return;
    }
    if (vmx_status == HV_VMX_FAIL_VALID) {
        uint32_t err = (uint32_t)hv_vmread(VMCS_VM_INSTRUCTION_ERROR);
        HV_ERROR("VM entry failed on cpu%u: VM-instruction error %u (%s)", vcpu->index, err,
                 hv_vmx_instruction_error_text(err));
        return;
    }
    uint32_t reason = (uint32_t)hv_vmread(VMCS_VM_EXIT_REASON);
    uint64_t qual = hv_vmread(VMCS_EXIT_QUALIFICATION);
    HV_ERROR("VM entry failed on cpu%u: exit reason 0x%08x (entry failure, basic %u %s), "
             "qualification %llu (%s)",
             vcpu->index, reason, reason & 0xffff, hv_vmx_exit_reason_name(reason & 0xffff),
             HV_U64(qual), entry_qualification_text(qual));
    HV_ERROR("  guest CR0 0x%llx CR3 0x%llx CR4 0x%llx EFER 0x%llx entry controls 0x%llx",
             HV_U64(hv_vmread(VMCS_GUEST_CR0)), HV_U64(hv_vmread(VMCS_GUEST_CR3)),
             HV_U64(hv_vmread(VMCS_GUEST_CR4)), HV_U64(hv_vmread(VMCS_GUEST_IA32_EFER)),
             HV_U64(hv_vmread(VMCS_VM_ENTRY_CONTROLS)));
}

void hv_vmx_log_guest_state(hv_vcpu_t *vcpu, const hv_guest_regs_t *r) {
    HV_ERROR("guest state cpu%u: rip 0x%llx rsp 0x%llx rflags 0x%llx activity %llu "
             "interruptibility 0x%llx",
             vcpu->index, HV_U64(hv_vmread(VMCS_GUEST_RIP)), HV_U64(hv_vmread(VMCS_GUEST_RSP)),
             HV_U64(hv_vmread(VMCS_GUEST_RFLAGS)), HV_U64(hv_vmread(VMCS_GUEST_ACTIVITY_STATE)),
             HV_U64(hv_vmread(VMCS_GUEST_INTERRUPTIBILITY_INFO)));
    HV_ERROR("  cr0 0x%llx cr3 0x%llx cr4 0x%llx efer 0x%llx cs %04llx/%llx ss %04llx",
             HV_U64(hv_vmread(VMCS_GUEST_CR0)), HV_U64(hv_vmread(VMCS_GUEST_CR3)),
             HV_U64(hv_vmread(VMCS_GUEST_CR4)), HV_U64(hv_vmread(VMCS_GUEST_IA32_EFER)),
             HV_U64(hv_vmread(VMCS_GUEST_CS_SELECTOR)), HV_U64(hv_vmread(VMCS_GUEST_CS_BASE)),
             HV_U64(hv_vmread(VMCS_GUEST_SS_SELECTOR)));
    HV_ERROR("  gdtr 0x%llx/%llx idtr 0x%llx/%llx exit qual 0x%llx intr info 0x%llx "
             "idt-vectoring 0x%llx",
             HV_U64(hv_vmread(VMCS_GUEST_GDTR_BASE)), HV_U64(hv_vmread(VMCS_GUEST_GDTR_LIMIT)),
             HV_U64(hv_vmread(VMCS_GUEST_IDTR_BASE)), HV_U64(hv_vmread(VMCS_GUEST_IDTR_LIMIT)),
             HV_U64(hv_vmread(VMCS_EXIT_QUALIFICATION)), HV_U64(hv_vmread(VMCS_VM_EXIT_INTR_INFO)),
             HV_U64(hv_vmread(VMCS_IDT_VECTORING_INFO_FIELD)));
    HV_ERROR("  rax %016llx rbx %016llx rcx %016llx rdx %016llx", HV_U64(r->rax), HV_U64(r->rbx),
             HV_U64(r->rcx), HV_U64(r->rdx));
    HV_ERROR("  rsi %016llx rdi %016llx rbp %016llx r8  %016llx", HV_U64(r->rsi), HV_U64(r->rdi),
             HV_U64(r->rbp), HV_U64(r->r8));
}
