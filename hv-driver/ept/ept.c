#include "ept/ept.h"

#define ENTRIES 512

static uint64_t *table_of(uint64_t entry) {
    return (uint64_t *)(uintptr_t)(entry & EPT_ADDR_MASK);
}

static uint64_t *alloc_table(hv_ept_t *ept) {
    if (ept->pool_used >= ept->pool_pages)
        return NULL;
    uint64_t *t = (uint64_t *)(ept->pool + ept->pool_used * HV_PAGE_SIZE);
    ept->pool_used++;
    for (unsigned i = 0; i < ENTRIES; i++)
        t[i] = 0;
    return t;
}

static unsigned index_at(uint64_t gpa, int level) {
    return (unsigned)(gpa >> (12 + 9 * (level - 1))) & (ENTRIES - 1);
}

static uint64_t leaf(uint64_t addr, uint8_t type, uint64_t perms, int level) {
    return (addr & EPT_ADDR_MASK) | ((uint64_t)type << EPT_TYPE_SHIFT) | perms |
           (level > 1 ? EPT_LARGE : 0);
}

static bool is_leaf(uint64_t entry, int level) {
    return level == 1 || (entry & EPT_LARGE);
}

int hv_ept_init(hv_ept_t *ept, void *pool, uint64_t pool_pages, bool huge_1g,
                const hv_mtrr_state_t *mtrr) {
    *ept = (hv_ept_t){0};
    ept->pool = pool;
    ept->pool_pages = pool_pages;
    ept->huge_1g = huge_1g;
    ept->mtrr = mtrr;
    ept->pml4 = alloc_table(ept);
    return ept->pml4 ? 0 : -1;
}

/* Maps the aligned block at base of 2^(12 + 9 * (level - 1)) bytes into table t (at level),
 * recursing into smaller pages when the MTRRs do not give it one type. */
static int map_block(hv_ept_t *ept, uint64_t *t, int level, uint64_t base) {
    unsigned order = 12 + 9 * (unsigned)(level - 1);
    uint64_t *e = &t[index_at(base, level)];
    uint8_t type;
    bool leaf_ok = level == 1 || level == 2 || (level == 3 && ept->huge_1g);
    if (leaf_ok && hv_mtrr_block_type(ept->mtrr, base, order, &type)) {
        *e = leaf(base, type, EPT_RWX, level);
        return 0;
    }
    uint64_t *child = alloc_table(ept);
    if (!child)
        return -1;
    *e = (uint64_t)(uintptr_t)child | EPT_RWX;
    uint64_t step = 1ull << (order - 9);
    for (unsigned i = 0; i < ENTRIES; i++) {
        if (map_block(ept, child, level - 1, base + i * step))
            return -1;
    }
    return 0;
}

static uint64_t *ensure_table(hv_ept_t *ept, uint64_t *e) {
    if (!(*e & EPT_RWX) && !(*e & EPT_ADDR_MASK)) {
        uint64_t *child = alloc_table(ept);
        if (!child)
            return NULL;
        *e = (uint64_t)(uintptr_t)child | EPT_RWX;
    }
    return table_of(*e);
}

int hv_ept_map_identity(hv_ept_t *ept, uint64_t top) {
    const uint64_t two_mib = 1ull << 21, one_gib = 1ull << 30;
    top = (top + two_mib - 1) & ~(two_mib - 1);
    if (top > EPT_MAX_ADDRESS)
        top = EPT_MAX_ADDRESS;
    for (uint64_t gib = 0; gib < top; gib += one_gib) {
        uint64_t *pdpt = ensure_table(ept, &ept->pml4[index_at(gib, 4)]);
        if (!pdpt)
            return -1;
        if (gib + one_gib <= top) {
            if (map_block(ept, pdpt, 3, gib))
                return -1;
            continue;
        }
        /* Last, partial GiB: 2 MiB blocks up to top. */
        uint64_t *pd = ensure_table(ept, &pdpt[index_at(gib, 3)]);
        if (!pd)
            return -1;
        for (uint64_t a = gib; a < top; a += two_mib) {
            if (map_block(ept, pd, 2, a))
                return -1;
        }
    }
    ept->mapped_top = top;
    return 0;
}

uint64_t *hv_ept_find(const hv_ept_t *ept, uint64_t gpa, int *level) {
    if (gpa >= EPT_MAX_ADDRESS)
        return NULL;
    uint64_t *t = ept->pml4;
    for (int l = 4; l >= 1; l--) {
        uint64_t *e = &t[index_at(gpa, l)];
        if (l < 4 && is_leaf(*e, l) && (*e & (EPT_RWX | EPT_HIDDEN | EPT_ADDR_MASK))) {
            if (level)
                *level = l;
            return e;
        }
        if (!(*e & EPT_RWX))
            return NULL;
        t = table_of(*e);
    }
    return NULL;
}

/* Replaces the large leaf *e (at level) by a table of 512 leaves one level down, same type and
 * permissions, covering the same addresses. */
static int split(hv_ept_t *ept, uint64_t *e, int level) {
    uint64_t *child = alloc_table(ept);
    if (!child)
        return -1;
    uint64_t base = *e & EPT_ADDR_MASK;
    uint8_t type = (uint8_t)((*e >> EPT_TYPE_SHIFT) & 7);
    uint64_t perms = *e & (EPT_RWX | EPT_HIDDEN);
    uint64_t step = 1ull << (12 + 9 * (level - 2));
    for (unsigned i = 0; i < ENTRIES; i++)
        child[i] = leaf(base + i * step, type, perms, level - 1);
    *e = (uint64_t)(uintptr_t)child | EPT_RWX;
    ept->splits++;
    return 0;
}

uint64_t *hv_ept_leaf_4k(hv_ept_t *ept, uint64_t gpa) {
    if (gpa >= EPT_MAX_ADDRESS)
        return NULL;
    uint64_t *t = ept->pml4;
    for (int l = 4; l > 1; l--) {
        uint64_t *e = &t[index_at(gpa, l)];
        if (l < 4 && (*e & EPT_LARGE)) {
            if (split(ept, e, l))
                return NULL;
        } else if (!(*e & EPT_RWX)) {
            return NULL;
        }
        t = table_of(*e);
    }
    return &t[index_at(gpa, 1)];
}

int hv_ept_map_page_on_demand(hv_ept_t *ept, uint64_t gpa) {
    if (gpa >= EPT_MAX_ADDRESS || gpa >= ept->mtrr->phys_mask + HV_PAGE_SIZE)
        return -1;
    gpa &= ~(HV_PAGE_SIZE - 1);
    int level;
    if (hv_ept_find(ept, gpa, &level))
        return 1;
    uint64_t *t = ept->pml4;
    for (int l = 4; l > 1; l--) {
        uint64_t *e = &t[index_at(gpa, l)];
        if (l < 4 && (*e & EPT_LARGE))
            return 1; /* mapped (hidden or not) by a large page */
        t = ensure_table(ept, e);
        if (!t)
            return -1;
    }
    uint64_t *e = &t[index_at(gpa, 1)];
    if (*e)
        return 1;
    *e = leaf(gpa, hv_mtrr_page_type(ept->mtrr, gpa), EPT_RWX, 1);
    return 0;
}

int hv_ept_protect(hv_ept_t *ept, uint64_t base, uint64_t size, uint64_t perms) {
    uint64_t end = base + size;
    for (uint64_t a = base & ~(HV_PAGE_SIZE - 1); a < end; a += HV_PAGE_SIZE) {
        uint64_t *e = hv_ept_leaf_4k(ept, a);
        if (!e)
            return -1;
        *e = (*e & ~(EPT_RWX | EPT_HIDDEN)) | (perms & (EPT_RWX | EPT_HIDDEN));
    }
    return 0;
}

uint64_t hv_ept_pointer(const hv_ept_t *ept) {
    return ((uint64_t)(uintptr_t)ept->pml4 & EPT_ADDR_MASK) | HV_MT_WB | ((4 - 1) << 3);
}
