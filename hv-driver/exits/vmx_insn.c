/* VMX instructions from the guest: #UD, as on a processor without VMX (CPUID says so too), until
 * nested VMX exists. Also INVEPT, INVVPID and VMFUNC. */
#include "exits/exits.h"

int hv_exit_vmx_instruction(hv_vcpu_t *v, hv_guest_regs_t *r) {
    (void)v;
    (void)r;
    hv_inject_ud();
    return HV_EXIT_RESUME;
}
