/* The debug link's settings at load time: the HvDebugPort UEFI variable (hv/stub.h) over the
 * build-time defaults, handed to the core before it virtualizes. */
#include "boot/boot.h"
#include "debug/debug.h"
#include "hv/log.h"
#include "hv/stub.h"

/* The part of EFI_RUNTIME_SERVICES we use: GetVariable is the 7th entry after the header. */
typedef efi_status_t(HV_EFIAPI *efi_get_variable_t)(const efi_char16_t *name,
                                                    const efi_guid_t *guid, uint32_t *attributes,
                                                    uint64_t *size, void *data);
typedef struct {
    efi_table_header_t hdr;
    void *time_and_virtual_memory[6];
    efi_get_variable_t get_variable;
} efi_runtime_services_head_t;

void hv_debug_port_init(void);
void hv_debug_port_init(void) {
    static const efi_guid_t guid = HV_STUB_VAR_GUID;
    uint8_t var[16];
    uint64_t size = sizeof var;
    const efi_runtime_services_head_t *rt = hv_st->runtime_services;
    efi_status_t st =
        rt ? rt->get_variable(HV_STUB_VAR_NAME, &guid, NULL, &size, var) : HV_EFI_UNSUPPORTED;
    bool present = !HV_EFI_IS_ERROR(st);
    if (!present && st != HV_EFI_ERR(14) /* EFI_NOT_FOUND */)
        HV_WARN("HvDebugPort variable unreadable (%s): build defaults", hv_efi_status_text(st));
    hv_stub_link_config_t cfg;
    if (!hv_stub_link_config(present ? var : NULL, present ? (size_t)size : 0, &cfg))
        HV_WARN("HvDebugPort variable malformed (%llu bytes): build defaults", HV_U64(size));
    hv_debug_configure(cfg.io_port, cfg.baud, cfg.wait_s);
}
