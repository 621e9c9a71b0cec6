/* Pure VMX capability arithmetic (host unit tested): controls against the allowed-0/allowed-1
 * capability MSRs, CR0/CR4 against the fixed-bit MSRs. */
#ifndef HV_VMX_CONTROLS_H
#define HV_VMX_CONTROLS_H

#include "hv/types.h"

/* A capability MSR holds allowed-0 settings in bits 31:0 (a 1 there means the control must be 1)
 * and allowed-1 settings in bits 63:32 (a 0 there means it must be 0). Returns the wanted controls
 * with the must-be-1 bits added and the cannot-be-1 bits removed; *dropped (if not NULL) gets the
 * wanted bits that had to go. */
uint32_t hv_vmx_adjust_controls(uint64_t capability, uint32_t wanted, uint32_t *dropped);

/* CR0/CR4 as VMX operation requires them: fixed0 bits set, bits clear in fixed1 cleared. With
 * unrestricted guest, CR0.PE and CR0.PG are exempt from fixed0 (pass them in exempt). */
uint64_t hv_vmx_fix_cr(uint64_t value, uint64_t fixed0, uint64_t fixed1, uint64_t exempt);

/* Whether value obeys the fixed bits (same exemption). */
bool hv_vmx_cr_valid(uint64_t value, uint64_t fixed0, uint64_t fixed1, uint64_t exempt);

/* Capability MSR to use for a control field: the TRUE_ variant when IA32_VMX_BASIC bit 55 says
 * it exists (it can allow clearing default-1 controls such as CR3-load exiting). */
uint32_t hv_vmx_control_msr(uint64_t vmx_basic, uint32_t legacy_msr, uint32_t true_msr);

#endif
