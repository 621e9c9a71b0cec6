/* EPT builder: identity map with MTRR types and large pages, splitting, protection (hiding),
 * on-demand mapping, EPT pointer. Tables live in a host heap pool (addresses = pool addresses). */
#include <stdlib.h>
#include "harness.h"
#include "ept/ept.h"

#define POOL_PAGES 64

static hv_mtrr_state_t mtrrs(void) {
    hv_mtrr_state_t s = {0};
    s.enabled = true;
    s.fixed_enabled = true;
    s.default_type = HV_MT_WB;
    s.phys_mask = ((1ull << 39) - 1) & ~0xfffull;
    for (int i = 0; i < HV_MTRR_FIXED_COUNT; i++)
        s.fixed[i] = i >= 16 && i < 24 ? HV_MT_UC : HV_MT_WB;
    s.variable_count = 2;
    s.variable[0].base = 0xc0000000ull | HV_MT_UC; /* 3G..4G MMIO */
    s.variable[0].mask = (~(0x40000000ull - 1) & s.phys_mask) | (1ull << 11);
    return s;
}

static uint8_t type_of(uint64_t e) {
    return (uint8_t)((e >> EPT_TYPE_SHIFT) & 7);
}

/* Walks the map and checks that every sampled page translates to itself with the MTRR type. */
static bool identity_ok(const hv_ept_t *ept, const hv_mtrr_state_t *s, uint64_t top,
                        uint64_t stride) {
    for (uint64_t a = 0; a < top; a += stride) {
        int level;
        uint64_t *e = hv_ept_find(ept, a, &level);
        if (!e)
            return false;
        uint64_t size = 1ull << (12 + 9 * (level - 1));
        uint64_t pa = (*e & EPT_ADDR_MASK) + (a & (size - 1));
        if (pa != a || type_of(*e) != hv_mtrr_page_type(s, a) || (*e & EPT_RWX) != EPT_RWX)
            return false;
    }
    return true;
}

int main(void) {
    hv_mtrr_state_t s = mtrrs();
    void *pool = aligned_alloc(4096, POOL_PAGES * 4096);
    hv_ept_t ept;
    CHECK(hv_ept_init(&ept, pool, POOL_PAGES, true, &s) == 0, "init");
    CHECK(hv_ept_map_identity(&ept, 5ull << 30) == 0, "identity map of 5 GiB");
    /* PML4 + PDPT + PD for GiB 0 + PT for the first 2 MiB (fixed ranges differ) = 4 tables. */
    CHECK(ept.pool_used == 4, "1 GiB pages where types allow: 4 tables");
    int level = 0;
    uint64_t *e = hv_ept_find(&ept, 0x40000000, &level);
    CHECK(e && level == 3 && type_of(*e) == HV_MT_WB, "GiB 1 is one WB 1 GiB page");
    e = hv_ept_find(&ept, 0xfee00000, &level);
    CHECK(e && level == 3 && type_of(*e) == HV_MT_UC, "GiB 3 (MMIO) is one UC 1 GiB page");
    e = hv_ept_find(&ept, 0x200000, &level);
    CHECK(e && level == 2 && type_of(*e) == HV_MT_WB, "2 MiB page above the first 2 MiB");
    e = hv_ept_find(&ept, 0xa0000, &level);
    CHECK(e && level == 1 && type_of(*e) == HV_MT_UC, "VGA hole 4 KiB UC");
    CHECK(identity_ok(&ept, &s, 5ull << 30, 0x7ff000), "sampled identity + types over 5 GiB");
    CHECK(identity_ok(&ept, &s, 1ull << 20, 0x1000), "every page of the first MiB");
    CHECK(hv_ept_find(&ept, 5ull << 30, &level) == NULL, "nothing mapped at top");

    /* Hide two pages in a 2 MiB page inside a 1 GiB page: 1G -> 2M split, 2M -> 4K split. */
    uint64_t used = ept.pool_used;
    CHECK(hv_ept_protect(&ept, 0x40201000, 0x2000, EPT_HIDDEN) == 0, "hide 2 pages");
    CHECK(ept.pool_used == used + 2 && ept.splits == 2, "split on demand: 2 new tables");
    e = hv_ept_find(&ept, 0x40201000, &level);
    CHECK(e && level == 1 && (*e & EPT_RWX) == 0 && (*e & EPT_HIDDEN), "hidden page: no access");
    CHECK(e && (*e & EPT_ADDR_MASK) == 0x40201000 && type_of(*e) == HV_MT_WB,
          "hidden page keeps address and type");
    e = hv_ept_find(&ept, 0x40203000, &level);
    CHECK(e && level == 1 && (*e & EPT_RWX) == EPT_RWX, "neighbour page stays RWX");
    e = hv_ept_find(&ept, 0x40000000, &level);
    CHECK(e && level == 2 && (*e & EPT_RWX) == EPT_RWX, "split GiB keeps 2 MiB pages elsewhere");
    bool rest_ok = true;
    for (uint64_t a = 0x40000000; a < 0x80000000; a += 0x1000) {
        if (a == 0x40201000 || a == 0x40202000)
            continue;
        uint64_t *x = hv_ept_find(&ept, a, &level);
        uint64_t size = 1ull << (12 + 9 * (level - 1));
        if (!x || (*x & EPT_ADDR_MASK) + (a & (size - 1)) != a || (*x & EPT_RWX) != EPT_RWX)
            rest_ok = false;
    }
    CHECK(rest_ok, "every other page of the split GiB still identity RWX");
    CHECK(hv_ept_protect(&ept, 0x40201000, 0x1000, EPT_RWX) == 0 &&
              (*hv_ept_find(&ept, 0x40201000, &level) & EPT_RWX) == EPT_RWX,
          "unhide restores access");
    CHECK(hv_ept_protect(&ept, 0x10000, 0x1000, EPT_READ | EPT_EXECUTE) == 0 &&
              (*hv_ept_find(&ept, 0x10000, &level) & EPT_RWX) == (EPT_READ | EPT_EXECUTE),
          "read+execute only");

    /* On demand above the map. */
    CHECK(hv_ept_map_page_on_demand(&ept, 0x1000000000ull + 0x123) == 0, "map page at 64 GiB");
    e = hv_ept_find(&ept, 0x1000000000ull, &level);
    CHECK(e && level == 1 && (*e & EPT_ADDR_MASK) == 0x1000000000ull && type_of(*e) == HV_MT_WB,
          "on-demand page identity with MTRR type");
    CHECK(hv_ept_map_page_on_demand(&ept, 0x1000000000ull) == 1, "second time: already mapped");
    CHECK(hv_ept_map_page_on_demand(&ept, 0x40201000) == 1, "hidden page is not remapped");
    CHECK(hv_ept_map_page_on_demand(&ept, 1ull << 40) == -1, "beyond MAXPHYADDR refused");

    uint64_t eptp = hv_ept_pointer(&ept);
    CHECK((eptp & 7) == HV_MT_WB && ((eptp >> 3) & 7) == 3 &&
              (eptp & EPT_ADDR_MASK) == (uint64_t)(uintptr_t)ept.pml4,
          "EPT pointer: WB, 4 levels, PML4 address");

    /* Pool exhaustion fails cleanly. */
    hv_ept_t small;
    hv_ept_init(&small, pool, 3, true, &s);
    CHECK(hv_ept_map_identity(&small, 1ull << 30) == -1, "pool exhaustion reported");

    /* Without 1 GiB pages: one PD per GiB. */
    hv_ept_t no1g;
    hv_ept_init(&no1g, pool, POOL_PAGES, false, &s);
    CHECK(hv_ept_map_identity(&no1g, 4ull << 30) == 0 && no1g.pool_used == 1 + 1 + 4 + 1,
          "no 1 GiB pages: PML4 + PDPT + 4 PDs + 1 PT");
    CHECK(identity_ok(&no1g, &s, 4ull << 30, 0x3ff000), "identity without 1 GiB pages");
    CHECK(hv_ept_map_identity(&no1g, 0) == 0, "empty map ok");
    free(pool);
    HARNESS_EXIT();
}
