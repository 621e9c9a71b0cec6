/* ICR decoding and INIT target selection (see icr.h). */
#include "apic/icr.h"

hv_icr_t hv_icr_decode(uint64_t icr, bool x2apic) {
    hv_icr_t d;
    d.vector = (uint8_t)icr;
    d.delivery = (uint8_t)((icr >> 8) & 7);
    d.logical = (icr >> 11) & 1;
    d.assert = (icr >> 14) & 1;
    d.level_trigger = (icr >> 15) & 1;
    d.shorthand = (uint8_t)((icr >> 18) & 3);
    d.dest = x2apic ? (uint32_t)(icr >> 32) : (uint32_t)((icr >> 56) & 0xff);
    d.x2apic = x2apic;
    return d;
}

bool hv_icr_is_init(const hv_icr_t *icr) {
    /* INIT level de-assert: level 0 with level trigger (SDM 10.6.1). */
    return icr->delivery == HV_ICR_DM_INIT && !(icr->level_trigger && !icr->assert);
}

bool hv_icr_init_targets(const hv_icr_t *icr, const uint32_t *ids, uint32_t count, uint64_t ours,
                         uint32_t self, uint64_t *targets) {
    uint64_t all = count >= 64 ? ~0ull : (1ull << count) - 1;
    uint32_t broadcast = icr->x2apic ? 0xffffffffu : 0xffu;
    uint64_t t = 0;
    *targets = 0;
    if (count == 0 || count > 64 || self >= count)
        return false;
    switch (icr->shorthand) {
    case HV_ICR_SELF:
        return false; /* INIT to self is not a valid command: the APIC decides */
    case HV_ICR_ALL:
        t = all;
        break;
    case HV_ICR_ALL_BUT_SELF:
        t = all & ~(1ull << self);
        break;
    default:
        if (icr->logical)
            return false; /* logical destinations depend on LDR/DFR: sent as written */
        if (icr->dest == broadcast) {
            t = all;
            break;
        }
        for (uint32_t i = 0; i < count; i++)
            if (ids[i] == icr->dest)
                t |= 1ull << i;
        if (!t)
            return false; /* a CPU the hypervisor does not know */
        break;
    }
    if (t & ~ours)
        return false; /* some target runs without us: the native INIT is right for all */
    *targets = t;
    return t != 0;
}

uint64_t hv_icr_nmi_to(uint32_t apic_id, bool x2apic) {
    uint64_t low = (uint64_t)HV_ICR_DM_NMI << 8 | 1ull << 14; /* physical, edge, assert */
    return low | (x2apic ? (uint64_t)apic_id << 32 : (uint64_t)(apic_id & 0xff) << 56);
}
