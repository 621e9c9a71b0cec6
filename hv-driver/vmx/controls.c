#include "vmx/controls.h"

uint32_t hv_vmx_adjust_controls(uint64_t capability, uint32_t wanted, uint32_t *dropped) {
    uint32_t must_be_one = (uint32_t)capability;
    uint32_t may_be_one = (uint32_t)(capability >> 32);
    if (dropped)
        *dropped = wanted & ~may_be_one;
    return (wanted | must_be_one) & may_be_one;
}

uint64_t hv_vmx_fix_cr(uint64_t value, uint64_t fixed0, uint64_t fixed1, uint64_t exempt) {
    return (value | (fixed0 & ~exempt)) & fixed1;
}

bool hv_vmx_cr_valid(uint64_t value, uint64_t fixed0, uint64_t fixed1, uint64_t exempt) {
    return hv_vmx_fix_cr(value, fixed0, fixed1, exempt) == value;
}

uint32_t hv_vmx_control_msr(uint64_t vmx_basic, uint32_t legacy_msr, uint32_t true_msr) {
    return (vmx_basic & (1ull << 55)) ? true_msr : legacy_msr;
}
