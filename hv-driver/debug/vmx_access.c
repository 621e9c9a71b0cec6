/* VMREAD/VMWRITE for the stub's target, apart from stub/target.h (whose HV_VMX_* status names
 * differ from hv/vmx.h's). */
#include "hv/vmx.h"
#include "hv/types.h"

int hv_debug_vmread(uint32_t enc, uint64_t *val);
int hv_debug_vmwrite(uint32_t enc, uint64_t val);

int hv_debug_vmread(uint32_t enc, uint64_t *val) {
    return hv_vmread_checked(enc, val) == HV_VMX_OK ? 0 : -1;
}

int hv_debug_vmwrite(uint32_t enc, uint64_t val) {
    return hv_vmwrite(enc, val) == HV_VMX_OK ? 0 : -1;
}
