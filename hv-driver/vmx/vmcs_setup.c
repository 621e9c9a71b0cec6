/* Fills the current VMCS: the guest is the CPU exactly as it runs now (segments, descriptor
 * tables, control registers, MSRs), the host is the same CPU on the hypervisor's own page tables,
 * GDT/TSS, IDT and stack; the controls come from the capability-adjusted values. */
#include "hv/log.h"
#include "hv/vmx.h"
#include "vmx/cpu.h"
#include "debug/debug.h"

#define AR_UNUSABLE (1u << 16)

typedef struct {
    uint16_t selector;
    uint64_t base;
    uint32_t limit;
    uint32_t ar;
} segment_t;

static uint32_t lar(uint16_t sel) {
    uint32_t ar;
    __asm__ volatile("lar %1, %0" : "=r"(ar) : "r"((uint32_t)sel) : "cc");
    return ar;
}

static uint32_t lsl(uint16_t sel) {
    uint32_t limit;
    __asm__ volatile("lsl %1, %0" : "=r"(limit) : "r"((uint32_t)sel) : "cc");
    return limit;
}

/* A segment as the VMCS wants it, read from the GDT (the firmware uses no LDT). A selector
 * outside the GDT is unusable: TR after an unload still holds the hypervisor's TSS selector,
 * which indexes past the end of the firmware's GDT. */
static segment_t segment(uint16_t sel, hv_dtr_t gdtr) {
    segment_t s = {sel, 0, 0, AR_UNUSABLE};
    uint64_t gdt_base = gdtr.base;
    if ((sel & ~3u) == 0 || (sel & 4) || (uint32_t)(sel | 7) > gdtr.limit)
        return s;
    const uint8_t *d = (const uint8_t *)(uintptr_t)(gdt_base + (sel & ~7u));
    s.base = (uint64_t)d[2] | (uint64_t)d[3] << 8 | (uint64_t)d[4] << 16 | (uint64_t)d[7] << 24;
    if (!(d[5] & 0x10)) /* system descriptor (TSS, LDT): 16 bytes with base bits 63:32 */
        s.base |= (uint64_t)(d[8] | d[9] << 8 | d[10] << 16 | (uint32_t)d[11] << 24) << 32;
    s.limit = lsl(sel);
    s.ar = (lar(sel) >> 8) & 0xf0ff;
    return s;
}

typedef struct {
    int status;
    uint32_t failed_field;
} writer_t;

static void put(writer_t *w, uint32_t field, uint64_t value) {
    if (w->status == 0 && hv_vmwrite(field, value) != HV_VMX_OK) {
        w->status = -1;
        w->failed_field = field;
    }
}

#define PUT_SEGMENT(w, NAME, seg)                                                                  \
    do {                                                                                           \
        put(w, VMCS_GUEST_##NAME##_SELECTOR, (seg).selector);                                      \
        put(w, VMCS_GUEST_##NAME##_BASE, (seg).base);                                              \
        put(w, VMCS_GUEST_##NAME##_LIMIT, (seg).limit);                                            \
        put(w, VMCS_GUEST_##NAME##_AR_BYTES, (seg).ar);                                            \
    } while (0)

static void guest_state(writer_t *w, hv_vcpu_t *vcpu) {
    hv_global_t *hv = vcpu->hv;
    hv_dtr_t gdtr = vcpu->fw_gdtr, idtr = vcpu->fw_idtr;
    segment_t cs = segment(hv_read_cs(), gdtr), ss = segment(hv_read_ss(), gdtr);
    segment_t ds = segment(hv_read_ds(), gdtr), es = segment(hv_read_es(), gdtr);
    segment_t fs = segment(hv_read_fs(), gdtr), gs = segment(hv_read_gs(), gdtr);
    segment_t ldtr = segment(hv_read_ldtr(), gdtr), tr = segment(hv_read_tr(), gdtr);
    fs.base = hv_rdmsr(MSR_IA32_FS_BASE);
    gs.base = hv_rdmsr(MSR_IA32_GS_BASE);
    if ((tr.ar & AR_UNUSABLE) || (tr.ar & 0x1f) != 0x0b) {
        /* OVMF runs with TR = 0; VM entry wants a usable busy TSS. It is never used: the guest
         * runs at CPL 0 without task switches or IST (firmware IDT). */
        tr = (segment_t){0, 0, 0x67, 0x8b};
    }
    PUT_SEGMENT(w, CS, cs);
    PUT_SEGMENT(w, SS, ss);
    PUT_SEGMENT(w, DS, ds);
    PUT_SEGMENT(w, ES, es);
    PUT_SEGMENT(w, FS, fs);
    PUT_SEGMENT(w, GS, gs);
    PUT_SEGMENT(w, LDTR, ldtr);
    PUT_SEGMENT(w, TR, tr);
    put(w, VMCS_GUEST_GDTR_BASE, gdtr.base);
    put(w, VMCS_GUEST_GDTR_LIMIT, gdtr.limit);
    put(w, VMCS_GUEST_IDTR_BASE, idtr.base);
    put(w, VMCS_GUEST_IDTR_LIMIT, idtr.limit);

    uint64_t cr0 = hv_read_cr0(), cr4 = hv_read_cr4();
#ifdef HV_FAULT_INJECT_BAD_GUEST_CR0
    /* Deliberately broken (test build): paging without protection is an invalid guest state. */
    cr0 = (cr0 | CR0_PG) & ~CR0_PE;
    HV_WARN("fault injection: GUEST_CR0 = 0x%llx (PG without PE)", HV_U64(cr0));
#endif
    put(w, VMCS_GUEST_CR0, cr0);
    put(w, VMCS_GUEST_CR3, hv_read_cr3());
    put(w, VMCS_GUEST_CR4, cr4);
    put(w, VMCS_GUEST_DR7, hv_read_dr7());
    put(w, VMCS_GUEST_RFLAGS, hv_read_rflags());
    put(w, VMCS_GUEST_IA32_DEBUGCTL, hv_rdmsr(MSR_IA32_DEBUGCTL));
    put(w, VMCS_GUEST_SYSENTER_CS, hv_rdmsr(MSR_IA32_SYSENTER_CS));
    put(w, VMCS_GUEST_SYSENTER_ESP, hv_rdmsr(MSR_IA32_SYSENTER_ESP));
    put(w, VMCS_GUEST_SYSENTER_EIP, hv_rdmsr(MSR_IA32_SYSENTER_EIP));
    if (hv->entry_ctls & VMX_VM_ENTRY_CONTROLS_LOAD_IA32_EFER)
        put(w, VMCS_GUEST_IA32_EFER, hv_rdmsr(MSR_IA32_EFER));
    if (hv->entry_ctls & VMX_VM_ENTRY_CONTROLS_LOAD_IA32_PAT)
        put(w, VMCS_GUEST_IA32_PAT, hv_rdmsr(MSR_IA32_PAT));
    put(w, VMCS_VMCS_LINK_POINTER, ~0ull);
    put(w, VMCS_GUEST_ACTIVITY_STATE, 0);
    put(w, VMCS_GUEST_INTERRUPTIBILITY_INFO, 0);
    put(w, VMCS_GUEST_PENDING_DBG_EXCEPTIONS, 0);
    /* GUEST_RSP and GUEST_RIP: hv_vmx_launch. */
}

static void host_state(writer_t *w, hv_vcpu_t *vcpu) {
    hv_global_t *hv = vcpu->hv;
    put(w, VMCS_HOST_CR0, hv_read_cr0());
    put(w, VMCS_HOST_CR3, hv->host_cr3);
    put(w, VMCS_HOST_CR4, hv_read_cr4());
    put(w, VMCS_HOST_CS_SELECTOR, hv_read_cs() & ~7u);
    put(w, VMCS_HOST_SS_SELECTOR, hv_read_ss() & ~7u);
    put(w, VMCS_HOST_DS_SELECTOR, hv_read_ds() & ~7u);
    put(w, VMCS_HOST_ES_SELECTOR, hv_read_es() & ~7u);
    put(w, VMCS_HOST_FS_SELECTOR, hv_read_fs() & ~7u);
    put(w, VMCS_HOST_GS_SELECTOR, hv_read_gs() & ~7u);
    put(w, VMCS_HOST_TR_SELECTOR, vcpu->host_tr);
    put(w, VMCS_HOST_FS_BASE, hv_rdmsr(MSR_IA32_FS_BASE));
    put(w, VMCS_HOST_GS_BASE, hv_rdmsr(MSR_IA32_GS_BASE));
    put(w, VMCS_HOST_TR_BASE, (uint64_t)(uintptr_t)vcpu->host_tss);
    put(w, VMCS_HOST_GDTR_BASE, (uint64_t)(uintptr_t)vcpu->host_gdt);
    put(w, VMCS_HOST_IDTR_BASE, (uint64_t)(uintptr_t)hv->host_idt);
    put(w, VMCS_HOST_IA32_SYSENTER_CS, 0);
    put(w, VMCS_HOST_IA32_SYSENTER_ESP, 0);
    put(w, VMCS_HOST_IA32_SYSENTER_EIP, 0);
    if (hv->exit_ctls & VMX_VM_EXIT_CONTROLS_LOAD_IA32_EFER)
        put(w, VMCS_HOST_IA32_EFER, hv_rdmsr(MSR_IA32_EFER));
    if (hv->exit_ctls & VMX_VM_EXIT_CONTROLS_LOAD_IA32_PAT)
        put(w, VMCS_HOST_IA32_PAT, 0x0007040600070406ull); /* power-on default: entry 0 = WB */
    uint64_t rsp = (uint64_t)(uintptr_t)vcpu->host_stack + HV_HOST_STACK_PAGES * HV_PAGE_SIZE - 16;
    *(hv_vcpu_t **)(uintptr_t)rsp = vcpu;
    put(w, VMCS_HOST_RSP, rsp);
    put(w, VMCS_HOST_RIP, (uint64_t)(uintptr_t)hv_vmx_exit_entry);
}

static void controls(writer_t *w, hv_vcpu_t *vcpu) {
    hv_global_t *hv = vcpu->hv;
    put(w, VMCS_PIN_BASED_VM_EXEC_CONTROL, hv->pin_ctls);
    if (hv->pin_ctls & VMX_PIN_BASED_VM_EXEC_CONTROL_PREEMPTION_TIMER) /* reloaded every entry */
        put(w, VMCS_VMX_PREEMPTION_TIMER_VALUE, hv_debug_timer_value(hv));
    put(w, VMCS_CPU_BASED_VM_EXEC_CONTROL, hv->proc_ctls);
    put(w, VMCS_SECONDARY_VM_EXEC_CONTROL, hv->proc2_ctls);
    uint32_t entry = hv->entry_ctls;
    if (hv_rdmsr(MSR_IA32_EFER) & EFER_LMA)
        entry |= VMX_VM_ENTRY_CONTROLS_IA32E_MODE;
    else
        entry &= ~(uint32_t)VMX_VM_ENTRY_CONTROLS_IA32E_MODE;
    put(w, VMCS_VM_ENTRY_CONTROLS, entry);
    put(w, VMCS_VM_EXIT_CONTROLS, hv->exit_ctls);
    put(w, VMCS_EXCEPTION_BITMAP, 0);
    put(w, VMCS_PAGE_FAULT_ERROR_CODE_MASK, 0);
    put(w, VMCS_PAGE_FAULT_ERROR_CODE_MATCH, 0);
    put(w, VMCS_CR3_TARGET_COUNT, 0);
    put(w, VMCS_VM_EXIT_MSR_STORE_COUNT, 0);
    put(w, VMCS_VM_EXIT_MSR_LOAD_COUNT, 0);
    put(w, VMCS_VM_ENTRY_MSR_LOAD_COUNT, 0);
    put(w, VMCS_VM_ENTRY_INTR_INFO_FIELD, 0);
    put(w, VMCS_MSR_BITMAP, (uint64_t)(uintptr_t)hv->msr_bitmap);
    put(w, VMCS_IO_BITMAP_A, (uint64_t)(uintptr_t)vcpu->io_bitmap_a);
    put(w, VMCS_IO_BITMAP_B, (uint64_t)(uintptr_t)vcpu->io_bitmap_b);
    put(w, VMCS_EPT_POINTER, hv_ept_pointer(&hv->ept));

    /* Guest/host masks: the host owns the bits VMX fixes (except CR0.PE/PG under unrestricted
     * guest) and the reserved ones; the guest reads its own value of them from the shadows. */
    uint64_t cr0_mask = (hv->cr0_fixed0 & ~(CR0_PE | CR0_PG)) | (~hv->cr0_fixed1 & 0xffffffffull);
    uint64_t cr4_mask = hv->cr4_fixed0 | ~hv->cr4_fixed1;
    put(w, VMCS_CR0_GUEST_HOST_MASK, cr0_mask);
    put(w, VMCS_CR4_GUEST_HOST_MASK, cr4_mask);
    put(w, VMCS_CR0_READ_SHADOW, vcpu->fw_cr0);
    put(w, VMCS_CR4_READ_SHADOW, vcpu->fw_cr4 & ~CR4_VMXE);
}

int hv_vmcs_setup(hv_vcpu_t *vcpu) {
    writer_t w = {0, 0};
    controls(&w, vcpu);
    host_state(&w, vcpu);
    guest_state(&w, vcpu);
    if (w.status) {
        const hv_vmcs_field_info_t *f = hv_vmcs_field_find(w.failed_field);
        uint32_t err = (uint32_t)hv_vmread(VMCS_VM_INSTRUCTION_ERROR);
        HV_ERROR("VMWRITE %s (0x%04x) failed: VM-instruction error %u (%s)", f ? f->name : "?",
                 w.failed_field, err, hv_vmx_instruction_error_text(err));
    }
    return w.status;
}
