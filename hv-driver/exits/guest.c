/* Guest-state helpers shared by the exit handlers. */
#include "exits/exits.h"

void hv_inject_exception(uint32_t vector, bool has_error, uint32_t error) {
    uint32_t info = vector | (3u << 8) /* hardware exception */ | (1u << 31) /* valid */;
    if (has_error) {
        info |= 1u << 11;
        hv_vmwrite(VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE, error);
    }
    hv_vmwrite(VMCS_VM_ENTRY_INTR_INFO_FIELD, info);
}

uint64_t hv_guest_reg_read(const hv_guest_regs_t *r, unsigned index) {
    if (index == 4)
        return hv_vmread(VMCS_GUEST_RSP);
    return (&r->rax)[index & 15];
}

void hv_guest_reg_write(hv_guest_regs_t *r, unsigned index, uint64_t value) {
    if (index == 4)
        hv_vmwrite(VMCS_GUEST_RSP, value);
    else
        (&r->rax)[index & 15] = value;
}

unsigned hv_guest_cpl(void) {
    return (unsigned)(hv_vmread(VMCS_GUEST_SS_AR_BYTES) >> 5) & 3;
}

void hv_ept_lock(hv_global_t *hv) {
    while (__atomic_exchange_n(&hv->ept_lock, 1, __ATOMIC_ACQUIRE))
        while (__atomic_load_n(&hv->ept_lock, __ATOMIC_RELAXED))
            __builtin_ia32_pause();
}

void hv_ept_unlock(hv_global_t *hv) {
    __atomic_store_n(&hv->ept_lock, 0, __ATOMIC_RELEASE);
}
