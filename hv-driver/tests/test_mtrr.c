/* MTRR memory-type resolution: fixed ranges, variable ranges, overlaps, block uniformity. */
#include "harness.h"
#include "ept/mtrr.h"

static hv_mtrr_state_t typical(void) {
    /* What OVMF sets on a 512 MiB machine: WB default, fixed ranges WB except the VGA hole (UC),
     * one variable range making 2 GiB..4 GiB UC. */
    hv_mtrr_state_t s = {0};
    s.enabled = true;
    s.fixed_enabled = true;
    s.default_type = HV_MT_WB;
    s.phys_mask = ((1ull << 40) - 1) & ~0xfffull;
    for (int i = 0; i < HV_MTRR_FIXED_COUNT; i++)
        s.fixed[i] = HV_MT_WB;
    for (int i = 16; i < 24; i++) /* 0xa0000-0xbffff */
        s.fixed[i] = HV_MT_UC;
    s.variable_count = 8;
    s.variable[0].base = 0x80000000ull | HV_MT_UC;
    s.variable[0].mask = (~(0x80000000ull - 1) & s.phys_mask) | (1ull << 11);
    return s;
}

int main(void) {
    hv_mtrr_state_t s = typical();
    uint8_t t = 0xff;

    CHECK(hv_mtrr_page_type(&s, 0x0) == HV_MT_WB, "fixed 64K range: WB at 0");
    CHECK(hv_mtrr_page_type(&s, 0xa0000) == HV_MT_UC, "fixed 16K range: VGA hole UC");
    CHECK(hv_mtrr_page_type(&s, 0xbf000) == HV_MT_UC, "fixed 16K range: end of VGA hole UC");
    CHECK(hv_mtrr_page_type(&s, 0xc0000) == HV_MT_WB, "fixed 4K range: WB after VGA hole");
    CHECK(hv_mtrr_page_type(&s, 0x100000) == HV_MT_WB, "above 1 MiB: default WB");
    CHECK(hv_mtrr_page_type(&s, 0x80000000) == HV_MT_UC, "variable UC range start");
    CHECK(hv_mtrr_page_type(&s, 0xfee00000) == HV_MT_UC, "variable UC range: APIC page");
    CHECK(hv_mtrr_page_type(&s, 0x100000000ull) == HV_MT_WB, "above 4 GiB: default WB");

    CHECK(!hv_mtrr_block_type(&s, 0, 21, &t), "first 2 MiB mixes fixed types: not uniform");
    CHECK(hv_mtrr_block_type(&s, 0, 16, &t) && t == HV_MT_WB, "first 64 KiB uniform WB");
    CHECK(!hv_mtrr_block_type(&s, 0x80000, 18, &t), "0x80000-0xbffff (VGA hole inside) mixed");
    CHECK(hv_mtrr_block_type(&s, 0x80000, 17, &t) && t == HV_MT_WB, "0x80000-0x9ffff uniform WB");
    CHECK(hv_mtrr_block_type(&s, 0x200000, 21, &t) && t == HV_MT_WB, "2 MiB block WB");
    CHECK(hv_mtrr_block_type(&s, 0x40000000, 30, &t) && t == HV_MT_WB, "1 GiB block at 1G WB");
    CHECK(hv_mtrr_block_type(&s, 0xc0000000, 30, &t) && t == HV_MT_UC, "1 GiB block at 3G UC");
    CHECK(hv_mtrr_block_type(&s, 0x80000000, 30, &t) && t == HV_MT_UC, "1 GiB block at 2G UC");

    /* A 16 MiB UC range inside a GiB: the GiB and its 2 MiB neighbours differ. */
    s.variable[1].base = 0x41000000ull | HV_MT_UC;
    s.variable[1].mask = (~((16ull << 20) - 1) & s.phys_mask) | (1ull << 11);
    CHECK(!hv_mtrr_block_type(&s, 0x40000000, 30, &t), "GiB with a 16 MiB UC hole: not uniform");
    CHECK(hv_mtrr_block_type(&s, 0x41000000, 21, &t) && t == HV_MT_UC, "2 MiB inside UC hole");
    CHECK(hv_mtrr_block_type(&s, 0x40e00000, 21, &t) && t == HV_MT_WB, "2 MiB before the hole WB");

    /* Overlap rules. */
    s.variable[2].base = 0x41000000ull | HV_MT_WB;
    s.variable[2].mask = s.variable[1].mask;
    CHECK(hv_mtrr_page_type(&s, 0x41000000) == HV_MT_UC, "overlap UC+WB is UC");
    s.variable[1].base = 0x41000000ull | HV_MT_WT;
    CHECK(hv_mtrr_page_type(&s, 0x41000000) == HV_MT_WT, "overlap WT+WB is WT");
    s.variable[1].base = 0x41000000ull | HV_MT_WC;
    CHECK(hv_mtrr_page_type(&s, 0x41000000) == HV_MT_UC, "overlap WC+WB is undefined: UC");
    s.variable[1].mask &= ~(1ull << 11);
    s.variable[2].mask &= ~(1ull << 11);
    CHECK(hv_mtrr_page_type(&s, 0x41000000) == HV_MT_WB, "invalid (V=0) ranges are ignored");

    s.fixed_enabled = false;
    CHECK(hv_mtrr_page_type(&s, 0xa0000) == HV_MT_WB, "fixed ranges disabled: default type");
    s.enabled = false;
    CHECK(hv_mtrr_page_type(&s, 0x100000) == HV_MT_UC, "MTRRs disabled: everything UC");
    CHECK(hv_mtrr_block_type(&s, 0, 30, &t) && t == HV_MT_UC, "MTRRs disabled: 1 GiB uniform UC");
    HARNESS_EXIT();
}
