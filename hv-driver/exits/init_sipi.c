/* INIT and SIPI, so that an OS (or the firmware's MP services) can restart a virtualized CPU. In
 * VMX non-root operation INIT is an exit: the handler puts the guest in the state INIT gives a
 * processor (real mode at 0xffff0 with caches disabled, SDM 10.1.1) and the wait-for-SIPI activity
 * state; the SIPI exit then starts it at vector * 0x1000. The CPU stays virtualized throughout.
 * No log lines on this path: the firmware's second SIPI follows the first by 200 us, and a line on
 * COM1 takes longer than that (the exit statistics count INITs and SIPIs). */
#include "hv/log.h"
#include "exits/exits.h"
#include "apic/apic.h"

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

/* The register state INIT gives a processor, in the VMCS. */
static void init_state(hv_vcpu_t *v, hv_guest_regs_t *r) {
    hv_global_t *hv = v->hv;
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
    /* Nothing blocked (Bochs leaves SMI/NMI blocking set in the state it saves at an INIT exit,
     * which fails the next entry outside SMM). */
    hv_vmwrite(VMCS_GUEST_INTERRUPTIBILITY_INFO, 0);
    hv_vmwrite(VMCS_GUEST_PENDING_DBG_EXCEPTIONS, 0);
    for (unsigned i = 0; i < 16; i++)
        (&r->rax)[i] = 0;
    r->rdx = hv_cpuid(1, 0).eax; /* processor signature, as after reset */
}

static void start_at(uint8_t vector) {
    hv_vmwrite(VMCS_GUEST_CS_SELECTOR, (uint64_t)vector << 8);
    hv_vmwrite(VMCS_GUEST_CS_BASE, (uint64_t)vector << 12);
    hv_vmwrite(VMCS_GUEST_RIP, 0);
    hv_vmwrite(VMCS_GUEST_ACTIVITY_STATE, 0);
}

void hv_init_emulate(hv_vcpu_t *v, hv_guest_regs_t *r) {
    init_state(v, r);
    hv_vmwrite(VMCS_VM_ENTRY_INTR_INFO_FIELD, 0); /* INIT discards what was being delivered */
    v->slow &= (uint8_t)~HV_SLOW_NMI_DEFERRED;
    hv_vmwrite(VMCS_GUEST_ACTIVITY_STATE, 3); /* wait for SIPI */
    v->inits++;
}

int hv_exit_init(hv_vcpu_t *v, hv_guest_regs_t *r) {
    if (!v->hv->wait_for_sipi_supported)
        hv_exit_fatal_report(v, r, "INIT without wait-for-SIPI support");
    if ((v->slow & HV_SLOW_JUST_STARTED) && hv_vmread(VMCS_GUEST_RIP) == 0 &&
        hv_vmread(VMCS_GUEST_CS_BASE) == (uint64_t)v->sipi_vector << 12) {
        /* An INIT before the started CPU ran a single instruction (still at the SIPI's start
         * address) cannot be the guest's doing: it is Bochs 2.7 keeping the INIT of the previous
         * INIT exit pending (its event loop exits to the VMM before clearing it), which then exits
         * again on every VM entry, for ever. No VMX operation clears it; only leaving VMX does:
         * the CPU then takes the INIT natively, waits for SIPI, and the firmware's second SIPI
         * starts it, unvirtualized. Done at once (no log line first: the SIPI is only 200 us
         * away); the BSP reports it (VMCALL). apic/ keeps INIT IPIs from reaching a virtualized
         * CPU natively, so this is only left for INITs it passes on (see apic/apic.h). */
        v->lost_to_init = true;
        v->launch_failed = true; /* restore the launch-time firmware state, not the VMCS's */
        hv_vmx_restore_firmware_state(v);
        for (;;)
            __asm__ volatile("sti; hlt; cli");
    }
    hv_init_emulate(v, r);
    return HV_EXIT_RESUME;
}

int hv_exit_sipi(hv_vcpu_t *v, hv_guest_regs_t *r) {
    (void)r;
    uint8_t vector = (uint8_t)hv_vmread(VMCS_EXIT_QUALIFICATION);
    /* Bochs 2.7 blocks INIT, SMI and NMI when it enters wait-for-SIPI and unblocks them only after
     * the SIPI exit has already left for the VMM: SMI stays blocked for good (only RSM unblocks
     * it) and every later exit saves "blocking by SMI", which fails the next VM entry outside SMM.
     * Such a CPU sends every exit through the general path, which clears that bit (never set
     * outside SMM on hardware, where this costs nothing); an IRETQ unblocks NMIs. */
    if (hv_vmread(VMCS_GUEST_INTERRUPTIBILITY_INFO) & 4)
        v->slow |= HV_SLOW_SMI_BLOCKED;
    hv_nmi_unblock();
    hv_vmwrite(VMCS_GUEST_INTERRUPTIBILITY_INFO, 0);
    hv_vmwrite(VMCS_GUEST_PENDING_DBG_EXCEPTIONS, 0);
    start_at(vector);
    v->sipi_vector = vector;
    v->slow |= HV_SLOW_JUST_STARTED;
    return HV_EXIT_RESUME;
}
