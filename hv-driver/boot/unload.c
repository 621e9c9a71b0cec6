/* Unload (shell `unload <handle>`, or the firmware): stop the hypervisor, give everything back. */
#include "boot/boot.h"
#include "hv/log.h"
#include "hv/platform.h"

efi_status_t HV_EFIAPI hv_efi_unload(efi_handle_t image) {
    (void)image;

    /* ==== HYPERVISOR STOP =====================================================================
     * The VT-x core (branch vmx) leaves VMX operation on every CPU here, before its pages go:
     *     hv_devirtualize_all();
     */

    uint64_t pages = hv_memory_pages_owned();
    hv_memory_free_all();
    hv_mp_fini();
    HV_INFO("uefi-hv unloaded (%llu pages freed)", (unsigned long long)pages);
    return EFI_SUCCESS;
}
