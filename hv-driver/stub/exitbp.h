/* Exit breakpoints (PROTOCOL.md 5.9): matched in the VM-exit handler, so an exit that matches none
 * never reaches the link. The table is written only while every CPU is parked; hits are counted
 * atomically because several CPUs may match at once. */
#ifndef HV_STUB_EXITBP_H
#define HV_STUB_EXITBP_H

#include "hv/types.h"
#include "parse.h"

#define HV_EXITBP_SLOTS 16u

typedef struct {
    hv_exitbp_spec_t spec;
    uint64_t hits;
} hv_exitbp_slot_t;

typedef struct {
    uint16_t used; /* bit i: slot i holds a breakpoint */
    hv_exitbp_slot_t slot[HV_EXITBP_SLOTS];
} hv_exitbp_table_t;

/* What the exit handler knows about one exit (cheap to fill: it has all of it at hand). */
typedef struct {
    uint32_t cpu;
    uint32_t reason; /* full exit reason; bits 15:0 are matched */
    uint64_t qual;
    uint64_t rax, rcx; /* guest RAX/RCX at exit (CPUID leaf/subleaf, MSR index) */
    uint64_t gpa;      /* guest-physical address (EPT exits) */
} hv_exit_info_t;

void hv_exitbp_set(hv_exitbp_table_t *t, const hv_exitbp_spec_t *spec);
bool hv_exitbp_del(hv_exitbp_table_t *t, uint8_t id);
void hv_exitbp_clear(hv_exitbp_table_t *t);

/* The id of the first matching breakpoint (its hit count incremented), or -1. */
int hv_exitbp_match(hv_exitbp_table_t *t, const hv_exit_info_t *e);

#endif
