/* Control-register accesses. Exits happen for CR0/CR4 bits the host owns (the guest/host masks:
 * the VMX-fixed bits and reserved bits); the guest reads its own view from the read shadows. A
 * write is validated like the processor would (#GP on reserved bits, on CR0.PG without PE, on
 * CR4.VMXE since VMX is hidden), then the real register gets the value with the fixed bits applied
 * and the shadow the value the guest wrote. */
#include "exits/exits.h"
#include "vmx/controls.h"

#define CR0_NW   (1ull << 29)
#define CR0_CD   (1ull << 30)
#define CR0_TS   (1ull << 3)
#define EFER_LME (1ull << 8)

static void set_guest_cr0(hv_vcpu_t *v, uint64_t value) {
    hv_global_t *hv = v->hv;
    uint64_t old = hv_vmread(VMCS_GUEST_CR0);
    hv_vmwrite(VMCS_GUEST_CR0,
               hv_vmx_fix_cr(value, hv->cr0_fixed0, hv->cr0_fixed1, CR0_PE | CR0_PG));
    hv_vmwrite(VMCS_CR0_READ_SHADOW, value);
    if ((old ^ value) & CR0_PG) {
        /* Paging toggled through this exit: keep EFER.LMA and the IA-32e entry control in step,
         * as the processor does for an unmasked write. */
        uint64_t efer = hv_vmread(VMCS_GUEST_IA32_EFER);
        uint64_t entry = hv_vmread(VMCS_VM_ENTRY_CONTROLS);
        bool lma = (efer & EFER_LME) && (value & CR0_PG);
        efer = lma ? efer | EFER_LMA : efer & ~EFER_LMA;
        entry = lma ? entry | VMX_VM_ENTRY_CONTROLS_IA32E_MODE
                    : entry & ~(uint64_t)VMX_VM_ENTRY_CONTROLS_IA32E_MODE;
        hv_vmwrite(VMCS_GUEST_IA32_EFER, efer);
        hv_vmwrite(VMCS_VM_ENTRY_CONTROLS, entry);
    }
}

static bool write_cr0(hv_vcpu_t *v, uint64_t value) {
    if ((value >> 32) || ((value & CR0_PG) && !(value & CR0_PE)) ||
        ((value & CR0_NW) && !(value & CR0_CD)))
        return false;
    set_guest_cr0(v, value);
    return true;
}

static bool write_cr4(hv_vcpu_t *v, uint64_t value) {
    hv_global_t *hv = v->hv;
    uint64_t reserved = ~hv->cr4_fixed1 & ~hv->cr4_fixed0;
    if ((value & reserved) || (value & CR4_VMXE))
        return false;
    hv_vmwrite(VMCS_GUEST_CR4, hv_vmx_fix_cr(value | CR4_VMXE, hv->cr4_fixed0, hv->cr4_fixed1, 0));
    hv_vmwrite(VMCS_CR4_READ_SHADOW, value);
    return true;
}

int hv_exit_cr_access(hv_vcpu_t *v, hv_guest_regs_t *r) {
    uint64_t q = hv_vmread(VMCS_EXIT_QUALIFICATION);
    unsigned cr = q & 15, type = (q >> 4) & 3, gpr = (q >> 8) & 15;
    bool ok = true;
    switch (type) {
    case 0: /* MOV to CR */
        if (cr == 0)
            ok = write_cr0(v, hv_guest_reg_read(r, gpr));
        else if (cr == 4)
            ok = write_cr4(v, hv_guest_reg_read(r, gpr));
        else if (cr == 3)
            hv_vmwrite(VMCS_GUEST_CR3, hv_guest_reg_read(r, gpr) & ~(1ull << 63));
        else
            hv_exit_fatal_report(v, r, "MOV to an unexpected control register");
        break;
    case 1: /* MOV from CR (only CR3/CR8 can exit) */
        if (cr == 3)
            hv_guest_reg_write(r, gpr, hv_vmread(VMCS_GUEST_CR3));
        else
            hv_exit_fatal_report(v, r, "MOV from an unexpected control register");
        break;
    case 2: /* CLTS */
        hv_vmwrite(VMCS_GUEST_CR0, hv_vmread(VMCS_GUEST_CR0) & ~CR0_TS);
        hv_vmwrite(VMCS_CR0_READ_SHADOW, hv_vmread(VMCS_CR0_READ_SHADOW) & ~CR0_TS);
        break;
    case 3: { /* LMSW: bits 3:0 of CR0; PE can be set, not cleared */
        uint64_t shadow = hv_vmread(VMCS_CR0_READ_SHADOW);
        uint64_t msw = (q >> 16) & 0xf;
        set_guest_cr0(v, (shadow & ~0xeull) | (msw & 0xe) | ((shadow | msw) & 1));
        break;
    }
    }
    if (!ok) {
        hv_inject_gp0();
        return HV_EXIT_RESUME;
    }
    hv_guest_skip_instruction();
    return HV_EXIT_RESUME;
}
