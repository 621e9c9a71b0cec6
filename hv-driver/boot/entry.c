/* The driver's entry point: bring the platform layer up, say hello on COM1, start the hypervisor,
 * stay resident. */
#include "boot/boot.h"
#include "debug/debug.h"
#include "hv/hypervisor.h"
#include "hv/log.h"
#include "hv/platform.h"
#include "hv/version.h"
#include "log/log_internal.h"

efi_system_table_t *hv_st;
efi_boot_services_t *hv_bs;

/* Runs on every CPU through hv_run_on_each_cpu(): proves the MP path and the per-CPU log before
 * the VT-x core depends on them. */
static int report_cpu(void *ctx, uint32_t cpu) {
    (void)ctx;
    HV_DEBUG("online (cpu index %u)", cpu);
    return 0;
}

efi_status_t HV_EFIAPI hv_efi_main(efi_handle_t image, efi_system_table_t *st) {
    static const efi_guid_t loaded_image_guid = HV_EFI_LOADED_IMAGE_PROTOCOL_GUID;
    hv_st = st;
    hv_bs = st->boot_services;

    hv_log_init();
    hv_time_init();

    efi_loaded_image_t *li = NULL;
    efi_status_t status = hv_bs->handle_protocol(image, &loaded_image_guid, (void **)&li);
    if (HV_EFI_IS_ERROR(status) || !li) {
        HV_ERROR("uefi-hv " HV_VERSION ": no loaded image protocol (%s)",
                 hv_efi_status_text(status));
        return HV_EFI_IS_ERROR(status) ? status : HV_EFI_LOAD_ERROR;
    }
    hv_memory_init((uint64_t)(uintptr_t)li->image_base, li->image_size);
    uint32_t cpus = hv_mp_init();

    HV_INFO("uefi-hv " HV_VERSION " loaded at 0x%llx (size 0x%llx), %u CPUs",
            (unsigned long long)hv_image_base(), (unsigned long long)li->image_size, cpus);
    HV_DEBUG("tsc %llu Hz, physical top 0x%llx", (unsigned long long)hv_tsc_hz(),
             (unsigned long long)hv_phys_top());
    hv_run_on_each_cpu(report_cpu, NULL);

    hv_debug_port_init(); /* the debug stub's link, before the core starts */
    /* With a load-path window configured, a debugger can stop the driver from here on, VT-x or
     * not (debug/boot.c); the session ends before VMX starts or when the driver declines. */
    if (hv_debug_boot_begin())
        hv_debug_boot_wait();
    /* The VT-x core: every CPU becomes a guest of the hypervisor here, boot services still up. */
    int rc = hv_virtualize_all();
    if (rc != HV_OK) {
        efi_status_t why = rc == HV_ERR_UNSUPPORTED ? HV_EFI_UNSUPPORTED
                           : rc == HV_ERR_NO_MEMORY ? HV_EFI_OUT_OF_RESOURCES
                                                    : HV_EFI_DEVICE_ERROR;
        hv_debug_boot_end(why, hv_efi_status_text(why)); /* before its pages and code go */
        hv_memory_free_all();
        hv_mp_fini();
        HV_ERROR("uefi-hv not started (%s): the firmware boots on without it",
                 hv_efi_status_text(why));
        return why;
    }

    li->unload = hv_efi_unload;
    return HV_EFI_SUCCESS; /* resident: the image stays loaded until unload */
}
