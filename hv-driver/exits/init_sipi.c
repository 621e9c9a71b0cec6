/* INIT and SIPI, so that an OS (or the firmware's MP services) can restart a virtualized CPU. In
 * VMX non-root operation INIT is an exit: the handler puts the guest in the state INIT gives a
 * processor (real mode at 0xffff0 with caches disabled, SDM 10.1.1) and the wait-for-SIPI activity
 * state; the SIPI exit then starts it at vector * 0x1000. The CPU stays virtualized throughout. */
#include "hv/log.h"
#include "exits/exits.h"

static void real_mode_segment(uint32_t sel_f, uint32_t base_f, uint32_t limit_f, uint32_t ar_f,
                              uint16_t sel, uint64_t base, uint32_t ar) {
    hv_vmwrite(sel_f, sel);
    hv_vmwrite(base_f, base);
    hv_vmwrite(limit_f, 0xffff);
    hv_vmwrite(ar_f, ar);
}

#define SEG(NAME, sel, base, ar)                                                                   \
    real_mode_segment(VMCS_GUEST_##NAME##_SELECTOR, VMCS_GUEST_##NAME##_BASE,                      \
                      VMCS_GUEST_##NAME##_LIMIT, VMCS_GUEST_##NAME##_AR_BYTES, sel, base, ar)

int hv_exit_init(hv_vcpu_t *v, hv_guest_regs_t *r) {
    hv_global_t *hv = v->hv;
    if (!hv->wait_for_sipi_supported)
        hv_exit_fatal_report(v, r, "INIT without wait-for-SIPI support");
    uint64_t cr0 = 0x60000010; /* CD, NW, ET */
    hv_vmwrite(VMCS_GUEST_CR0, (cr0 | (hv->cr0_fixed0 & ~(CR0_PE | CR0_PG))) & hv->cr0_fixed1);
    hv_vmwrite(VMCS_CR0_READ_SHADOW, cr0);
    hv_vmwrite(VMCS_GUEST_CR3, 0);
    hv_vmwrite(VMCS_GUEST_CR4, (CR4_VMXE | hv->cr4_fixed0) & hv->cr4_fixed1);
    hv_vmwrite(VMCS_CR4_READ_SHADOW, 0);
    SEG(CS, 0xf000, 0xffff0000, 0x9b);
    SEG(SS, 0, 0, 0x93);
    SEG(DS, 0, 0, 0x93);
    SEG(ES, 0, 0, 0x93);
    SEG(FS, 0, 0, 0x93);
    SEG(GS, 0, 0, 0x93);
    SEG(LDTR, 0, 0, 0x82);
    SEG(TR, 0, 0, 0x8b);
    hv_vmwrite(VMCS_GUEST_GDTR_BASE, 0);
    hv_vmwrite(VMCS_GUEST_GDTR_LIMIT, 0xffff);
    hv_vmwrite(VMCS_GUEST_IDTR_BASE, 0);
    hv_vmwrite(VMCS_GUEST_IDTR_LIMIT, 0xffff);
    hv_vmwrite(VMCS_GUEST_RIP, 0xfff0);
    hv_vmwrite(VMCS_GUEST_RSP, 0);
    hv_vmwrite(VMCS_GUEST_RFLAGS, 0x2);
    hv_vmwrite(VMCS_GUEST_DR7, 0x400);
    hv_vmwrite(VMCS_GUEST_IA32_EFER, 0);
    hv_vmwrite(VMCS_GUEST_IA32_DEBUGCTL, 0);
    hv_vmwrite(VMCS_VM_ENTRY_CONTROLS,
               hv_vmread(VMCS_VM_ENTRY_CONTROLS) & ~(uint64_t)VMX_VM_ENTRY_CONTROLS_IA32E_MODE);
    hv_vmwrite(VMCS_GUEST_INTERRUPTIBILITY_INFO, 0);
    hv_vmwrite(VMCS_GUEST_PENDING_DBG_EXCEPTIONS, 0);
    hv_vmwrite(VMCS_GUEST_ACTIVITY_STATE, 3); /* wait for SIPI */
    for (unsigned i = 0; i < 16; i++)
        (&r->rax)[i] = 0;
    r->rdx = hv_cpuid(1, 0).eax; /* processor signature, as after reset */
    return HV_EXIT_RESUME;
}

int hv_exit_sipi(hv_vcpu_t *v, hv_guest_regs_t *r) {
    (void)v;
    (void)r;
    uint64_t vector = hv_vmread(VMCS_EXIT_QUALIFICATION) & 0xff;
    hv_vmwrite(VMCS_GUEST_CS_SELECTOR, vector << 8);
    hv_vmwrite(VMCS_GUEST_CS_BASE, vector << 12);
    hv_vmwrite(VMCS_GUEST_RIP, 0);
    /* Nothing blocked on the fresh start (Bochs leaves SMI/NMI blocking set in the saved state,
     * which fails the next entry outside SMM). */
    hv_vmwrite(VMCS_GUEST_INTERRUPTIBILITY_INFO, 0);
    hv_vmwrite(VMCS_GUEST_PENDING_DBG_EXCEPTIONS, 0);
    hv_vmwrite(VMCS_GUEST_ACTIVITY_STATE, 0);
    return HV_EXIT_RESUME;
}
