/* EDK2 glue (used only by HvDxe.inf): EDK2's entry-point library calls HvDxeEdk2Entry with its
 * own types; hand over to the driver's entry, which uses ours (hv/uefi.h). The two declarations
 * cannot meet in one file (AutoGen.h declares the INF's ENTRY_POINT with EDK2 types), hence this
 * file. Unload is installed by hv_efi_main itself. */
#include <Uefi.h>

EFI_STATUS EFIAPI hv_efi_main(VOID *image, VOID *system_table);

EFI_STATUS EFIAPI HvDxeEdk2Entry(IN EFI_HANDLE ImageHandle, IN EFI_SYSTEM_TABLE *SystemTable) {
    return hv_efi_main(ImageHandle, SystemTable);
}
