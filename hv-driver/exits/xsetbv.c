/* XSETBV exits unconditionally. Validated as the processor would (SDM XSETBV): CPL 0, XCR0 only,
 * x87 always on, only supported components, AVX needs SSE, AVX-512 all or none and needs AVX,
 * MPX both or none; anything else is #GP. The value itself is then set by the host, guarded. */
#include "exits/exits.h"

int hv_exit_xsetbv(hv_vcpu_t *v, hv_guest_regs_t *r) {
    uint32_t xcr = (uint32_t)r->rcx;
    uint64_t value = (r->rdx << 32) | (uint32_t)r->rax;
    uint64_t supported = ((uint64_t)v->hv->xcr0_supported_hi << 32) | v->hv->xcr0_supported_lo;
    if (!(hv_vmread(VMCS_GUEST_CR4) & CR4_OSXSAVE)) {
        hv_inject_ud();
        return HV_EXIT_RESUME;
    }
    bool bad = hv_guest_cpl() != 0 || xcr != 0 || !(value & 1) || (value & ~supported) ||
               ((value & 4) && !(value & 2)) || ((value & 0xe0) && (value & 0xe0) != 0xe0) ||
               ((value & 0xe0) && !(value & 4)) || (((value >> 3) & 1) != ((value >> 4) & 1));
    if (bad || hv_safe_xsetbv(xcr, value)) {
        hv_inject_gp0();
        return HV_EXIT_RESUME;
    }
    hv_guest_skip_instruction();
    return HV_EXIT_RESUME;
}
