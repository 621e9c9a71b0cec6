/* VMX instructions (inline assembly). Each returns the VMX status: 0 success, 1 VMfailInvalid (CF:
 * no current VMCS), 2 VMfailValid (ZF: the VM-instruction error field says why). */
#ifndef HV_VMX_H
#define HV_VMX_H

#include "hv/types.h"

enum { HV_VMX_OK = 0, HV_VMX_FAIL_INVALID = 1, HV_VMX_FAIL_VALID = 2 };

#define HV_VMX_STATUS_ASM "setc %b0; setz %h0"
static inline int hv_vmx_status(uint16_t flags) {
    return (flags & 0xff) ? HV_VMX_FAIL_INVALID : (flags >> 8) ? HV_VMX_FAIL_VALID : HV_VMX_OK;
}

static inline int hv_vmxon(uint64_t pa) {
    uint16_t f;
    __asm__ volatile("vmxon %1; " HV_VMX_STATUS_ASM : "=&Q"(f) : "m"(pa) : "cc", "memory");
    return hv_vmx_status(f);
}

static inline int hv_vmxoff(void) {
    uint16_t f;
    __asm__ volatile("vmxoff; " HV_VMX_STATUS_ASM : "=&Q"(f) : : "cc", "memory");
    return hv_vmx_status(f);
}

static inline int hv_vmclear(uint64_t pa) {
    uint16_t f;
    __asm__ volatile("vmclear %1; " HV_VMX_STATUS_ASM : "=&Q"(f) : "m"(pa) : "cc", "memory");
    return hv_vmx_status(f);
}

static inline int hv_vmptrld(uint64_t pa) {
    uint16_t f;
    __asm__ volatile("vmptrld %1; " HV_VMX_STATUS_ASM : "=&Q"(f) : "m"(pa) : "cc", "memory");
    return hv_vmx_status(f);
}

static inline int hv_vmwrite(uint64_t field, uint64_t value) {
    uint16_t f;
    __asm__ volatile("vmwrite %2, %1; " HV_VMX_STATUS_ASM
                     : "=&Q"(f)
                     : "r"(field), "r"(value)
                     : "cc", "memory");
    return hv_vmx_status(f);
}

static inline int hv_vmread_checked(uint64_t field, uint64_t *value) {
    uint16_t f;
    uint64_t v = 0;
    __asm__ volatile("vmread %2, %1; " HV_VMX_STATUS_ASM
                     : "=&Q"(f), "=rm"(v)
                     : "r"(field)
                     : "cc", "memory");
    *value = v;
    return hv_vmx_status(f);
}

/* For fields that always exist: 0 if the read fails (a failing VMREAD leaves its destination
 * alone). No status flags to test: this is the exit handlers' hot path. */
static inline uint64_t hv_vmread(uint64_t field) {
    uint64_t v = 0;
    __asm__ volatile("vmread %1, %0" : "+r"(v) : "r"(field) : "cc");
    return v;
}

/* VMWRITE without the status, for exit handlers writing fields that always exist. */
static inline void hv_vmwrite_fast(uint64_t field, uint64_t value) {
    __asm__ volatile("vmwrite %1, %0" : : "r"(field), "r"(value) : "cc", "memory");
}

typedef struct {
    uint64_t eptp, reserved;
} hv_invept_desc_t;

/* INVEPT all-context (type 2): every CPU shares one EPT, and a changed entry must not linger in
 * any cached translation. */
static inline int hv_invept_all(void) {
    hv_invept_desc_t d = {0, 0};
    uint16_t f;
    __asm__ volatile("invept %1, %2; " HV_VMX_STATUS_ASM
                     : "=&Q"(f)
                     : "m"(d), "r"((uint64_t)2)
                     : "cc", "memory");
    return hv_vmx_status(f);
}

#endif
