/* EDK2 glue (used only by HvLoader.inf): see HvDxeEntry.c. */
#include <Uefi.h>

EFI_STATUS EFIAPI hv_loader_main(VOID *image, VOID *system_table);

EFI_STATUS EFIAPI HvLoaderEdk2Entry(IN EFI_HANDLE ImageHandle, IN EFI_SYSTEM_TABLE *SystemTable) {
    return hv_loader_main(ImageHandle, SystemTable);
}
