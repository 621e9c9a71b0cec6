/* CPUID: the processor's answer, plus "hypervisor present" (leaf 1 ECX[31]) with VMX itself
 * hidden (no nested VMX: leaf 1 ECX[5] = 0), and the hypervisor leaves 0x40000000-0x400000ff. */
#include "hv/hypervisor.h"
#include "exits/exits.h"

static uint32_t sig(unsigned word) {
    const char *s = HV_CPUID_SIGNATURE;
    return (uint32_t)(uint8_t)s[4 * word] | (uint32_t)(uint8_t)s[4 * word + 1] << 8 |
           (uint32_t)(uint8_t)s[4 * word + 2] << 16 | (uint32_t)(uint8_t)s[4 * word + 3] << 24;
}

/* The hypervisor's own leaves (0x40000000-0x400000ff). */
static HV_NOINLINE int hypervisor_leaf(uint32_t leaf, hv_guest_regs_t *r) {
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
    }
    r->rax = c.eax;
    r->rbx = c.ebx;
    r->rcx = c.ecx;
    r->rdx = c.edx;
    hv_guest_skip_instruction();
    return HV_EXIT_RESUME;
}

/* Hot: the benchmark's path. The processor's leaves first, with one test for the hypervisor
 * range. */
int hv_exit_cpuid(hv_vcpu_t *v, hv_guest_regs_t *r) {
    (void)v;
    uint32_t leaf = (uint32_t)r->rax;
    if (__builtin_expect((leaf & 0xffffff00u) == HV_CPUID_VENDOR_LEAF, 0))
        return hypervisor_leaf(leaf, r);
    hv_cpuid_t c = hv_cpuid(leaf, (uint32_t)r->rcx);
    if (leaf == 1)
        c.ecx = (c.ecx | (1u << 31)) & ~(1u << 5);
    r->rax = c.eax;
    r->rbx = c.ebx;
    r->rcx = c.ecx;
    r->rdx = c.edx;
    hv_guest_skip_instruction();
    return HV_EXIT_RESUME;
}
