/* VMCS field encodings, exit reasons and control bits, all generated from the shared .def tables
 * (the debug adapter parses the same files), plus the field metadata table for dumps and decoders.
 */
#ifndef HV_VMCS_H
#define HV_VMCS_H

#include "hv/types.h"

typedef enum {
#define VMCS_FIELD(enc, name, width, group, access, desc) VMCS_##name = (enc),
#include "hv/vmcs_fields.def"
#undef VMCS_FIELD
} hv_vmcs_field_t;

typedef enum {
#define VMX_EXIT_REASON(num, name, desc) VMX_EXIT_##name = (num),
#include "hv/vmx_exit_reasons.def"
#undef VMX_EXIT_REASON
    VMX_EXIT_REASON_LIMIT = 80 /* table size for dispatch and statistics (basic reasons 0..79) */
} hv_vmx_exit_reason_t;

/* Control bits: VMX_<FIELD>_<NAME> as a mask, e.g. VMX_SECONDARY_VM_EXEC_CONTROL_ENABLE_EPT. */
enum {
#define VMCS_CONTROL_BIT(field, bit, name, desc) VMX_##field##_##name = (int)(1u << (bit)),
#include "hv/vmcs_control_bits.def"
#undef VMCS_CONTROL_BIT
};

typedef enum { HV_VMCS_W16, HV_VMCS_W64, HV_VMCS_W32, HV_VMCS_WNAT } hv_vmcs_width_t;
typedef enum { HV_VMCS_CTRL, HV_VMCS_EXIT, HV_VMCS_GUEST, HV_VMCS_HOST } hv_vmcs_group_t;

typedef struct {
    uint32_t encoding;
    uint8_t width; /* hv_vmcs_width_t, the encoding's bits 14:13 */
    uint8_t group; /* hv_vmcs_group_t, the encoding's bits 11:10 */
    bool read_only;
    const char *name;
    const char *description;
} hv_vmcs_field_info_t;

extern const hv_vmcs_field_info_t hv_vmcs_fields[];
extern const size_t hv_vmcs_field_count;

const hv_vmcs_field_info_t *hv_vmcs_field_find(uint32_t encoding);
const char *hv_vmx_exit_reason_name(uint32_t basic_reason);
const char *hv_vmx_instruction_error_text(uint32_t error);

#endif
