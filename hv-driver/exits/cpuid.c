/* CPUID: the processor's answer, plus "hypervisor present" (leaf 1 ECX[31]) with VMX itself
 * hidden (no nested VMX: leaf 1 ECX[5] = 0), and the hypervisor leaves 0x40000000-0x400000ff. */
#include "hv/hypervisor.h"
#include "exits/exits.h"

static uint32_t sig(unsigned word) {
    const char *s = HV_CPUID_SIGNATURE;
    return (uint32_t)(uint8_t)s[4 * word] | (uint32_t)(uint8_t)s[4 * word + 1] << 8 |
           (uint32_t)(uint8_t)s[4 * word + 2] << 16 | (uint32_t)(uint8_t)s[4 * word + 3] << 24;
}

int hv_exit_cpuid(hv_vcpu_t *v, hv_guest_regs_t *r) {
    (void)v;
    uint32_t leaf = (uint32_t)r->rax, sub = (uint32_t)r->rcx;
    hv_cpuid_t c = {0, 0, 0, 0};
    if (leaf == HV_CPUID_VENDOR_LEAF) {
        c.eax = HV_CPUID_MAX_LEAF;
        c.ebx = sig(0);
        c.ecx = sig(1);
        c.edx = sig(2);
    } else if (leaf == HV_CPUID_INTERFACE_LEAF) {
        c.eax = HV_INTERFACE_VERSION;
#ifdef HV_CPUID_FLOOR
        c.ebx = HV_BUILD_CPUID_FLOOR;
#endif
    } else if ((leaf & 0xffffff00u) != HV_CPUID_VENDOR_LEAF) {
        c = hv_cpuid(leaf, sub);
        if (leaf == 1)
            c.ecx = (c.ecx | (1u << 31)) & ~(1u << 5);
    }
    r->rax = c.eax;
    r->rbx = c.ebx;
    r->rcx = c.ecx;
    r->rdx = c.edx;
    hv_guest_skip_instruction();
    return HV_EXIT_RESUME;
}
