/* Unload (shell `unload <handle>`, or the firmware): stop the hypervisor, give everything back. */
#include "boot/boot.h"
#include "hv/hypervisor.h"
#include "hv/log.h"
#include "hv/platform.h"

efi_status_t HV_EFIAPI hv_efi_unload(efi_handle_t image) {
    (void)image;

    hv_devirtualize_all(); /* VMX off on every CPU before its pages go */

    uint64_t pages = hv_memory_pages_owned();
    hv_memory_free_all();
    hv_mp_fini();
    HV_INFO("uefi-hv unloaded (%llu pages freed)", (unsigned long long)pages);
    return HV_EFI_SUCCESS;
}
