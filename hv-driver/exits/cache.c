/* INVD and WBINVD. INVD would throw away dirty lines, the hypervisor's included: it is performed as
 * WBINVD, which is always a correct (if slower) implementation of it. */
#include "exits/exits.h"

int hv_exit_invd(hv_vcpu_t *v, hv_guest_regs_t *r) {
    (void)v;
    (void)r;
    hv_wbinvd();
    hv_guest_skip_instruction();
    return HV_EXIT_RESUME;
}

int hv_exit_wbinvd(hv_vcpu_t *v, hv_guest_regs_t *r) {
    return hv_exit_invd(v, r);
}
