/* Extended page tables: a 4-level identity map of guest-physical to host-physical memory with the
 * MTRR memory types, large pages where the types allow, split on demand. Pure code over a pool of
 * pages (host unit tested): table addresses are the pool's addresses, which the driver's memory
 * makes physical (identity mapped). */
#ifndef HV_EPT_EPT_H
#define HV_EPT_EPT_H

#include "hv/types.h"
#include "ept/mtrr.h"

#define EPT_READ    (1ull << 0)
#define EPT_WRITE   (1ull << 1)
#define EPT_EXECUTE (1ull << 2)
#define EPT_RWX     (EPT_READ | EPT_WRITE | EPT_EXECUTE)
#define EPT_LARGE   (1ull << 7)
/* Software bit (ignored by the CPU): the page belongs to the hypervisor and is hidden. */
#define EPT_HIDDEN      (1ull << 11)
#define EPT_ADDR_MASK   0x000ffffffffff000ull
#define EPT_TYPE_SHIFT  3
#define EPT_MAX_ADDRESS (1ull << 48) /* 4-level EPT */

typedef struct {
    uint64_t *pml4;
    uint8_t *pool; /* page-aligned table pages */
    uint64_t pool_pages;
    uint64_t pool_used;
    bool huge_1g; /* 1 GiB leaves allowed (IA32_VMX_EPT_VPID_CAP bit 17) */
    const hv_mtrr_state_t *mtrr;
    uint64_t mapped_top; /* identity map built below this address */
    uint64_t splits;     /* large pages split so far (statistics) */
} hv_ept_t;

/* Zeroes the pool's first page as the PML4. Returns 0, or -1 if the pool is empty. */
int hv_ept_init(hv_ept_t *ept, void *pool, uint64_t pool_pages, bool huge_1g,
                const hv_mtrr_state_t *mtrr);

/* Identity maps [0, top) RWX, each block with its MTRR type, as large as the types allow. top is
 * rounded up to 2 MiB and capped at EPT_MAX_ADDRESS. Returns 0, or -1 when the pool runs out. */
int hv_ept_map_identity(hv_ept_t *ept, uint64_t top);

/* Identity maps the one 4 KiB page at gpa if nothing maps it yet (on-demand mapping of MMIO above
 * the initial top). Returns 0, 1 if it was mapped already, -1 on pool exhaustion / bad address. */
int hv_ept_map_page_on_demand(hv_ept_t *ept, uint64_t gpa);

/* The 4 KiB leaf entry for gpa, splitting large pages on the way (types and permissions kept).
 * NULL if gpa is not mapped or the pool runs out. */
uint64_t *hv_ept_leaf_4k(hv_ept_t *ept, uint64_t gpa);

/* The leaf entry mapping gpa at whatever level, without splitting (*level: 1 = 4 KiB, 2 = 2 MiB,
 * 3 = 1 GiB). NULL if unmapped. */
uint64_t *hv_ept_find(const hv_ept_t *ept, uint64_t gpa, int *level);

/* Sets the permissions (EPT_READ/WRITE/EXECUTE and EPT_HIDDEN) of every 4 KiB page overlapping
 * [base, base + size), splitting as needed. Returns 0 or -1. */
int hv_ept_protect(hv_ept_t *ept, uint64_t base, uint64_t size, uint64_t perms);

/* EPT pointer: write-back paging structures, 4-level walk, the PML4's address. */
uint64_t hv_ept_pointer(const hv_ept_t *ept);

#endif
