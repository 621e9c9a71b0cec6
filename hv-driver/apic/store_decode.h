/* Decoder for the guest stores the local APIC page sees (pure: host unit tested). The APIC page is
 * write-protected in EPT so that INIT IPIs can be intercepted; a store to it exits, and the host
 * performs it. Compilers write APIC registers with a 32-bit MOV: MOV r/m32, r32 (89 /r) or
 * MOV r/m32, imm32 (C7 /0). Those are decoded here; anything else (other widths or
 * instructions) is reported as unknown and the caller lets the guest execute it itself. */
#ifndef HV_APIC_STORE_DECODE_H
#define HV_APIC_STORE_DECODE_H

#include "hv/types.h"

#define HV_INSN_MAX 15

typedef enum { HV_STORE_UNKNOWN = 0, HV_STORE_REG, HV_STORE_IMM } hv_store_kind_t;

typedef struct {
    hv_store_kind_t kind;
    uint8_t length; /* bytes of the whole instruction */
    uint8_t reg;    /* HV_STORE_REG: source GPR, the VMX index (0 RAX ... 4 RSP ... 15 R15) */
    uint32_t imm;   /* HV_STORE_IMM */
} hv_store_t;

/* code: the bytes at the guest's RIP (len of them readable); long_mode: 64-bit code segment
 * (REX prefixes; otherwise 32-bit code with 32-bit addressing is assumed, the caller refuses
 * 16-bit code). */
hv_store_t hv_decode_store32(const uint8_t *code, size_t len, bool long_mode);

#endif
