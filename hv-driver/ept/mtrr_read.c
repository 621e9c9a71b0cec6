/* Snapshot of the running CPU's MTRRs (kept apart from mtrr.c so that stays host-testable). */
#include "ept/mtrr.h"
#include "hv/x86.h"

void hv_mtrr_read(hv_mtrr_state_t *s) {
    *s = (hv_mtrr_state_t){0};
    uint32_t maxphys = 36;
    if (hv_cpuid(0x80000000, 0).eax >= 0x80000008)
        maxphys = hv_cpuid(0x80000008, 0).eax & 0xff;
    s->phys_mask = ((1ull << maxphys) - 1) & ~(HV_PAGE_SIZE - 1);
    if (!(hv_cpuid(1, 0).edx & (1u << 12))) { /* no MTRRs: treat as disabled (all UC) */
        return;
    }
    uint64_t cap = hv_rdmsr(MSR_IA32_MTRRCAP);
    uint64_t def = hv_rdmsr(MSR_IA32_MTRR_DEF_TYPE);
    s->enabled = (def >> 11) & 1;
    s->fixed_enabled = ((def >> 10) & 1) && ((cap >> 8) & 1);
    s->default_type = (uint8_t)def;
    s->variable_count = (uint32_t)(cap & 0xff);
    if (s->variable_count > HV_MTRR_MAX_VARIABLE)
        s->variable_count = HV_MTRR_MAX_VARIABLE;
    for (uint32_t i = 0; i < s->variable_count; i++) {
        s->variable[i].base = hv_rdmsr(MSR_IA32_MTRR_PHYSBASE0 + 2 * i);
        s->variable[i].mask = hv_rdmsr(MSR_IA32_MTRR_PHYSBASE0 + 2 * i + 1);
    }
    if (s->fixed_enabled) {
        static const uint32_t msrs[11] = {0x250, 0x258, 0x259, 0x268, 0x269, 0x26a,
                                          0x26b, 0x26c, 0x26d, 0x26e, 0x26f};
        for (unsigned m = 0; m < 11; m++) {
            uint64_t v = hv_rdmsr(msrs[m]);
            for (unsigned b = 0; b < 8; b++)
                s->fixed[m * 8 + b] = (uint8_t)(v >> (8 * b));
        }
    }
}
