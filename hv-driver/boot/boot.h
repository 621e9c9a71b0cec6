/* Boot glue internals: what entry.c and unload.c call to bring the platform layer (hv/platform.h)
 * up and down. Only boot/ includes this; the core sees hv/platform.h. */
#ifndef HV_BOOT_BOOT_H
#define HV_BOOT_BOOT_H

#include "hv/uefi.h"

/* The firmware's tables, set once by the entry point (valid until ExitBootServices). */
extern efi_system_table_t *hv_st;
extern efi_boot_services_t *hv_bs;

/* memory.c */
void hv_memory_init(uint64_t image_base, uint64_t image_size);
void hv_memory_free_all(void);
uint64_t hv_memory_pages_owned(void);

/* time.c: calibrates the TSC against boot services Stall(); the log clock starts here. */
void hv_time_init(void);
uint64_t hv_tsc_hz(void);
uint64_t hv_time_us(void); /* microseconds since hv_time_init() */

/* mp.c: returns the number of CPUs found (1 without MP services). */
uint32_t hv_mp_init(void);
void hv_mp_fini(void);

/* debug_port.c: reads HvDebugPort, configures the core's debug stub. */
void hv_debug_port_init(void);

/* entry.c / unload.c */
efi_status_t HV_EFIAPI hv_efi_main(efi_handle_t image, efi_system_table_t *st);
efi_status_t HV_EFIAPI hv_efi_unload(efi_handle_t image);

#endif
