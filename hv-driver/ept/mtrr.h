/* Memory types from the MTRRs (Intel SDM Vol. 3A, 12.11), as pure functions over a snapshot of the
 * MTRR MSRs so the EPT builder can be unit tested on the host. */
#ifndef HV_EPT_MTRR_H
#define HV_EPT_MTRR_H

#include "hv/types.h"

/* Memory-type encodings, shared by MTRRs, PAT and EPT leaf entries. */
enum { HV_MT_UC = 0, HV_MT_WC = 1, HV_MT_WT = 4, HV_MT_WP = 5, HV_MT_WB = 6 };

#define HV_MTRR_MAX_VARIABLE 32
#define HV_MTRR_FIXED_COUNT  88 /* 8 x 64 KiB, 16 x 16 KiB, 64 x 4 KiB covering the first MiB */

typedef struct {
    uint64_t base; /* IA32_MTRR_PHYSBASEn: type in bits 7:0, base in 51:12 */
    uint64_t mask; /* IA32_MTRR_PHYSMASKn: valid in bit 11, mask in 51:12 */
} hv_mtrr_variable_t;

typedef struct {
    bool enabled;       /* IA32_MTRR_DEF_TYPE.E */
    bool fixed_enabled; /* IA32_MTRR_DEF_TYPE.FE and IA32_MTRRCAP.FIX */
    uint8_t default_type;
    uint8_t fixed[HV_MTRR_FIXED_COUNT];
    uint32_t variable_count;
    hv_mtrr_variable_t variable[HV_MTRR_MAX_VARIABLE];
    uint64_t phys_mask; /* address bits the CPU implements (MAXPHYADDR), page aligned */
} hv_mtrr_state_t;

/* Reads the MTRR MSRs of the running CPU (not host-testable; the rest is). */
void hv_mtrr_read(hv_mtrr_state_t *state);

/* The memory type of the 4 KiB page at addr. */
uint8_t hv_mtrr_page_type(const hv_mtrr_state_t *state, uint64_t addr);

/* The type of the naturally aligned block [base, base + 2^order): true and *type when every page of
 * it has the same type, false when the MTRRs may give its pages different types (the caller then
 * maps it with smaller pages). Conservative: false never makes a wrong mapping, only a smaller one.
 */
bool hv_mtrr_block_type(const hv_mtrr_state_t *state, uint64_t base, unsigned order, uint8_t *type);

#endif
