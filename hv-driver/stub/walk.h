/* Address-translation walks read straight from the tables in memory (PROTOCOL.md 5.5, 5.6): what
 * the CPU would do, not what the hypervisor believes it configured. */
#ifndef HV_STUB_WALK_H
#define HV_STUB_WALK_H

#include "hv/types.h"
#include "target.h"

typedef enum { HV_WALK_OK, HV_WALK_MISS, HV_WALK_BAD, HV_WALK_FAULT } hv_walk_result_t;

typedef struct {
    uint8_t levels; /* entries filled in lvl[], from the top (lvl[0] is level 4) */
    struct {
        uint64_t table, entry;
    } lvl[4];
    hv_walk_result_t result;
    uint8_t fail_level; /* MISS / BAD / FAULT: the level (4..1) */
    uint64_t out, page_size;
    uint8_t mt; /* EPT: memory type of the leaf */
} hv_walk_t;

#define HV_ADDR_MASK 0x000ffffffffff000ull

/* EPT walk of gpa under eptp (VMCS 0x201a). */
void hv_ept_walk(const hv_target_ops *t, void *ctx, uint64_t eptp, uint64_t gpa, hv_walk_t *w);

/* The guest's 4-level walk of gva; every guest table is read through EPT. Returns 0 or HV_E_PAGING
 * (mode not 4-level long mode) / HV_E_FAULT (a guest table not reachable through EPT). With paging
 * off, the result is OK with out = gva and no levels. */
int hv_guest_walk(const hv_target_ops *t, void *ctx, uint64_t eptp, uint64_t cr0, uint64_t cr4,
                  uint64_t efer, uint64_t cr3, uint64_t gva, hv_walk_t *w);

/* Guest-physical access through EPT, page by page; stops at an untranslated page or at memory the
 * hypervisor owns. Returns the bytes done. */
size_t hv_gpm_access(const hv_target_ops *t, void *ctx, uint64_t eptp, uint64_t gpa, void *buf,
                     size_t len, bool write);

#endif
