/* The local APIC's interrupt command register, as the INIT interception needs it (pure: host unit
 * tested). An INIT IPI aimed at CPUs the hypervisor runs is not sent: each target gets an NMI and a
 * "virtual INIT" mark instead, and emulates INIT itself at that NMI (apic/init_ipi.c says why).
 * Everything else is sent as the guest wrote it. */
#ifndef HV_APIC_ICR_H
#define HV_APIC_ICR_H

#include "hv/types.h"

enum {
    HV_ICR_DM_FIXED = 0,
    HV_ICR_DM_LOWEST = 1,
    HV_ICR_DM_SMI = 2,
    HV_ICR_DM_NMI = 4,
    HV_ICR_DM_INIT = 5,
    HV_ICR_DM_STARTUP = 6,
};

enum {
    HV_ICR_DEST_FIELD = 0, /* no shorthand: the destination field says who */
    HV_ICR_SELF = 1,       /* not valid with INIT */
    HV_ICR_ALL = 2,        /* all including self */
    HV_ICR_ALL_BUT_SELF = 3,
};

typedef struct {
    uint8_t vector;
    uint8_t delivery; /* HV_ICR_DM_* */
    bool logical;     /* destination mode */
    bool assert;      /* level: 1 assert, 0 de-assert */
    bool level_trigger;
    uint8_t shorthand; /* HV_ICR_* */
    uint32_t dest;     /* xAPIC: ICR[63:56]; x2APIC: ICR[63:32] */
    bool x2apic;
} hv_icr_t;

/* icr: the 64-bit command (xAPIC: high register << 32 | low register; x2APIC: the MSR 0x830
 * value). */
hv_icr_t hv_icr_decode(uint64_t icr, bool x2apic);

/* An INIT that takes effect (assert; the de-assert form only synchronises arbitration IDs on old
 * processors and is passed through). */
bool hv_icr_is_init(const hv_icr_t *icr);

/* Which of the hypervisor's CPUs an INIT reaches. ids[i] is CPU i's APIC ID (x2APIC ID when
 * icr->x2apic), present bit i of ours says the hypervisor runs CPU i, self is the sending CPU.
 * Returns true with *targets (bit i = CPU i) when every CPU the INIT reaches is one of ours, so
 * that it can be virtualized; false when it must go to the APIC as written (logical destinations, a
 * CPU not ours, nobody). */
bool hv_icr_init_targets(const hv_icr_t *icr, const uint32_t *ids, uint32_t count, uint64_t ours,
                         uint32_t self, uint64_t *targets);

/* The command that sends an NMI to one APIC ID (physical destination, edge, assert). */
uint64_t hv_icr_nmi_to(uint32_t apic_id, bool x2apic);

#endif
