/* The VMCS field table built from vmcs_fields.def, with compile-time checks that each line's
 * declared width, group and access match what the SDM encoding says (bits 14:13, 11:10; bit 0 is
 * the "high" access and never listed). */
#include "hv/vmcs.h"

enum { W_16 = 0, W_64 = 1, W_32 = 2, W_NAT = 3 };
enum { G_CTRL = 0, G_EXIT = 1, G_GUEST = 2, G_HOST = 3 };
enum { A_RW = 0, A_RO = 1 };

#define VMCS_FIELD(enc, name, width, group, access, desc)                                          \
    HV_STATIC_ASSERT((((enc) >> 13) & 3) == W_##width, #name ": width disagrees with encoding");   \
    HV_STATIC_ASSERT((((enc) >> 10) & 3) == G_##group, #name ": group disagrees with encoding");   \
    HV_STATIC_ASSERT(((enc)&1) == 0, #name ": list the full access only");                         \
    HV_STATIC_ASSERT((G_##group == G_EXIT) == (A_##access == A_RO), #name ": RO iff exit info");
#include "hv/vmcs_fields.def"
#undef VMCS_FIELD

const hv_vmcs_field_info_t hv_vmcs_fields[] = {
#define VMCS_FIELD(enc, name, width, group, access, desc)                                          \
    {(enc), W_##width, G_##group, A_##access == A_RO, #name, desc},
#include "hv/vmcs_fields.def"
#undef VMCS_FIELD
};

const size_t hv_vmcs_field_count = HV_ARRAY_COUNT(hv_vmcs_fields);

const hv_vmcs_field_info_t *hv_vmcs_field_find(uint32_t encoding) {
    for (size_t i = 0; i < hv_vmcs_field_count; i++) {
        if (hv_vmcs_fields[i].encoding == encoding)
            return &hv_vmcs_fields[i];
    }
    return NULL;
}

const char *hv_vmx_exit_reason_name(uint32_t basic_reason) {
    switch (basic_reason) {
#define VMX_EXIT_REASON(num, name, desc)                                                           \
    case (num):                                                                                    \
        return #name;
#include "hv/vmx_exit_reasons.def"
#undef VMX_EXIT_REASON
    default:
        return "RESERVED";
    }
}

/* VM-instruction error numbers (SDM Vol. 3C, 31.4). */
const char *hv_vmx_instruction_error_text(uint32_t error) {
    static const char *const text[] = {
        [1] = "VMCALL executed in VMX root operation",
        [2] = "VMCLEAR with invalid physical address",
        [3] = "VMCLEAR with VMXON pointer",
        [4] = "VMLAUNCH with non-clear VMCS",
        [5] = "VMRESUME with non-launched VMCS",
        [6] = "VMRESUME after VMXOFF",
        [7] = "VM entry with invalid control field(s)",
        [8] = "VM entry with invalid host-state field(s)",
        [9] = "VMPTRLD with invalid physical address",
        [10] = "VMPTRLD with VMXON pointer",
        [11] = "VMPTRLD with incorrect VMCS revision identifier",
        [12] = "VMREAD/VMWRITE from/to unsupported VMCS component",
        [13] = "VMWRITE to read-only VMCS component",
        [15] = "VMXON executed in VMX root operation",
        [16] = "VM entry with invalid executive-VMCS pointer",
        [17] = "VM entry with non-launched executive VMCS",
        [18] = "VM entry with executive-VMCS pointer not VMXON pointer",
        [19] = "VMCALL with non-clear VMCS",
        [20] = "VMCALL with invalid VM-exit control fields",
        [22] = "VMCALL with incorrect MSEG revision identifier",
        [23] = "VMXOFF under dual-monitor treatment of SMIs and SMM",
        [24] = "VMCALL with invalid SMM-monitor features",
        [25] = "VM entry with invalid VM-execution control fields in executive VMCS",
        [26] = "VM entry with events blocked by MOV SS",
        [28] = "Invalid operand to INVEPT/INVVPID",
    };
    if (error < HV_ARRAY_COUNT(text) && text[error])
        return text[error];
    return "unknown VM-instruction error";
}
