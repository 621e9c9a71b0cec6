/* The VMCS field table (vmcs_fields.def): encodings unique, metadata consistent with the encoding
 * bits (also asserted at compile time), lookups and exit-reason names. */
#include "harness.h"
#include "hv/vmcs.h"

int main(void) {
    bool unique = true, widths = true, groups = true;
    for (size_t i = 0; i < hv_vmcs_field_count; i++) {
        const hv_vmcs_field_info_t *f = &hv_vmcs_fields[i];
        for (size_t j = i + 1; j < hv_vmcs_field_count; j++)
            if (hv_vmcs_fields[j].encoding == f->encoding ||
                !strcmp(hv_vmcs_fields[j].name, f->name))
                unique = false;
        if (((f->encoding >> 13) & 3) != f->width)
            widths = false;
        if (((f->encoding >> 10) & 3) != f->group)
            groups = false;
    }
    CHECK(hv_vmcs_field_count > 150, "table lists the SDM's fields");
    CHECK(unique, "encodings and names unique");
    CHECK(widths, "widths match encoding bits 14:13");
    CHECK(groups, "groups match encoding bits 11:10");
    const hv_vmcs_field_info_t *rip = hv_vmcs_field_find(0x681e);
    CHECK(rip && !strcmp(rip->name, "GUEST_RIP") && rip->width == HV_VMCS_WNAT &&
              rip->group == HV_VMCS_GUEST && !rip->read_only,
          "GUEST_RIP found by encoding");
    const hv_vmcs_field_info_t *reason = hv_vmcs_field_find(VMCS_VM_EXIT_REASON);
    CHECK(reason && reason->read_only && reason->group == HV_VMCS_EXIT, "VM_EXIT_REASON read-only");
    CHECK(hv_vmcs_field_find(0x681f) == NULL, "high-half encoding is not a table entry");
    CHECK(VMCS_EPT_POINTER == 0x201a && VMCS_HOST_RIP == 0x6c16 && VMCS_GUEST_CR0 == 0x6800,
          "enum encodings");
    CHECK_STR(hv_vmx_exit_reason_name(10), "CPUID", "exit reason 10 is CPUID");
    CHECK_STR(hv_vmx_exit_reason_name(48), "EPT_VIOLATION", "exit reason 48 is EPT_VIOLATION");
    CHECK_STR(hv_vmx_exit_reason_name(35), "RESERVED", "exit reason 35 is reserved");
    CHECK(VMX_SECONDARY_VM_EXEC_CONTROL_ENABLE_EPT == 2 &&
              VMX_SECONDARY_VM_EXEC_CONTROL_UNRESTRICTED_GUEST == 0x80,
          "control bit masks");
    CHECK_STR(hv_vmx_instruction_error_text(7), "VM entry with invalid control field(s)",
              "VM-instruction error 7 text");
    HARNESS_EXIT();
}
