#include "ept/mtrr.h"

#define MIB (1ull << 20)

/* Index into the fixed-range table of the page at addr (< 1 MiB). */
static unsigned fixed_index(uint64_t addr) {
    if (addr < 0x80000)
        return (unsigned)(addr >> 16); /* 64 KiB ranges 0..7 */
    if (addr < 0xc0000)
        return 8 + (unsigned)((addr - 0x80000) >> 14); /* 16 KiB ranges 8..23 */
    return 24 + (unsigned)((addr - 0xc0000) >> 12);    /* 4 KiB ranges 24..87 */
}

/* Overlapping variable ranges (SDM 12.11.4.1): UC wins, WT beats WB, other mixes are undefined and
 * treated as UC. */
static uint8_t combine(uint8_t acc, uint8_t type, bool first) {
    if (first || acc == type)
        return type;
    if (acc == HV_MT_UC || type == HV_MT_UC)
        return HV_MT_UC;
    if ((acc == HV_MT_WT && type == HV_MT_WB) || (acc == HV_MT_WB && type == HV_MT_WT))
        return HV_MT_WT;
    return HV_MT_UC;
}

bool hv_mtrr_block_type(const hv_mtrr_state_t *s, uint64_t base, unsigned order, uint8_t *type) {
    uint64_t size = 1ull << order;
    if (!s->enabled) {
        *type = HV_MT_UC;
        return true;
    }
    if (s->fixed_enabled && base < MIB) {
        if (base + size > MIB)
            return false; /* straddles the fixed ranges and the variable ones */
        uint8_t t = s->fixed[fixed_index(base)];
        for (uint64_t a = base; a < base + size; a += HV_PAGE_SIZE) {
            if (s->fixed[fixed_index(a)] != t)
                return false;
        }
        *type = t;
        return true;
    }
    uint64_t within = (size - 1) & ~(HV_PAGE_SIZE - 1);
    bool matched = false;
    uint8_t acc = 0;
    for (uint32_t i = 0; i < s->variable_count && i < HV_MTRR_MAX_VARIABLE; i++) {
        const hv_mtrr_variable_t *v = &s->variable[i];
        if (!(v->mask & (1ull << 11)))
            continue;
        uint64_t mask = v->mask & s->phys_mask;
        uint64_t high = mask & ~within;
        if ((base & high) != (v->base & high))
            continue; /* no page of the block can match */
        if (mask & within)
            return false; /* the range distinguishes pages inside the block */
        acc = combine(acc, (uint8_t)v->base, !matched);
        matched = true;
    }
    *type = matched ? acc : s->default_type;
    return true;
}

uint8_t hv_mtrr_page_type(const hv_mtrr_state_t *s, uint64_t addr) {
    uint8_t t = HV_MT_UC;
    hv_mtrr_block_type(s, addr & ~(HV_PAGE_SIZE - 1), 12, &t); /* a page is always uniform */
    return t;
}
