/* VMX-preemption timer: armed only for the debug stub, so that every CPU exits at least every
 * HV_STUB_POLL_US (Ctrl-C polling on CPU 0, parking on the others). The work is done by
 * hv_debug_on_exit() before any handler; the exit itself needs nothing. */
#include "exits/exits.h"

int hv_exit_preemption_timer(hv_vcpu_t *v, hv_guest_regs_t *r) {
    (void)v;
    (void)r;
    return HV_EXIT_RESUME;
}
