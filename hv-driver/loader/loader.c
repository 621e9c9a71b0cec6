/* HvLoader: the UEFI application installed as \EFI\BOOT\BOOTX64.EFI. The boot manager will not
 * start a driver from that path, so this loads and starts \EFI\uefi-hv\HvDxe.efi from the device
 * the loader itself came from, reports the outcome on the console, then starts the UEFI Shell
 * from the firmware volume (see the end of hv_loader_main for why). */
#include "hv/format.h"
#include "hv/uefi.h"
#include "hv/version.h"
#include "lib/mem.h"

#define DRIVER_PATH u"\\EFI\\uefi-hv\\HvDxe.efi"
#define LINE_MAX    192

static efi_system_table_t *st;
static efi_boot_services_t *bs;

/* printf to the console: ASCII formatted, widened to UCS-2, "\r\n" appended. */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...) {
    char line[LINE_MAX];
    efi_char16_t wide[LINE_MAX + 2];
    va_list ap;
    va_start(ap, fmt);
    hv_vformat(line, sizeof(line), fmt, ap);
    va_end(ap);
    size_t n = 0;
    for (; line[n]; n++)
        wide[n] = (uint8_t)line[n];
    wide[n++] = '\r';
    wide[n++] = '\n';
    wide[n] = 0;
    st->con_out->output_string(st->con_out, wide);
}

static uint16_t node_length(const efi_device_path_t *node) {
    return (uint16_t)(node->length[0] | node->length[1] << 8);
}

static bool is_end(const efi_device_path_t *node) {
    return node->type == HV_EFI_DP_TYPE_END && node->sub_type == HV_EFI_DP_END_ENTIRE;
}

/* Bytes of a device path before its end node. */
static size_t path_size(const efi_device_path_t *dp) {
    size_t size = 0;
    while (!is_end(dp)) {
        uint16_t len = node_length(dp);
        if (len < sizeof(efi_device_path_t))
            break; /* malformed: stop rather than loop forever */
        size += len;
        dp = (const efi_device_path_t *)((const uint8_t *)dp + len);
    }
    return size;
}

/* Pool-allocated copy of `prefix` followed by one node of `node_size` bytes (type/sub_type, then
 * `payload`) and the end node. NULL when out of memory. */
static efi_device_path_t *append_node(const efi_device_path_t *prefix, uint8_t type,
                                      uint8_t sub_type, const void *payload, size_t payload_size) {
    size_t head = path_size(prefix);
    size_t node_size = sizeof(efi_device_path_t) + payload_size;
    uint8_t *buf = NULL;
    if (HV_EFI_IS_ERROR(bs->allocate_pool(HV_EFI_LOADER_DATA, head + node_size + 4, (void **)&buf)))
        return NULL;
    hv_memcpy(buf, prefix, head);
    efi_device_path_t *node = (efi_device_path_t *)(buf + head);
    node->type = type;
    node->sub_type = sub_type;
    node->length[0] = (uint8_t)node_size;
    node->length[1] = (uint8_t)(node_size >> 8);
    hv_memcpy(node + 1, payload, payload_size);
    efi_device_path_t *end = (efi_device_path_t *)(buf + head + node_size);
    end->type = HV_EFI_DP_TYPE_END;
    end->sub_type = HV_EFI_DP_END_ENTIRE;
    end->length[0] = 4;
    end->length[1] = 0;
    return (efi_device_path_t *)buf;
}

/* LoadImage + StartImage, each failure reported once on the console in words. */
static efi_status_t load_and_start(efi_handle_t parent, efi_device_path_t *path, const char *what) {
    efi_handle_t child = NULL;
    efi_status_t status = bs->load_image(false, parent, path, NULL, 0, &child);
    if (HV_EFI_IS_ERROR(status)) {
        say("uefi-hv loader: cannot load %s: %s (status 0x%llx)", what, hv_efi_status_text(status),
            (unsigned long long)status);
        return status;
    }
    status = bs->start_image(child, NULL, NULL);
    /* EFI_UNSUPPORTED is the driver's considered answer on a machine without usable VT-x (it logged
     * why on COM1): the plumbing still works and the firmware boots on, so it is not a failure. */
    if (status == HV_EFI_UNSUPPORTED)
        say("uefi-hv loader: %s declined this machine: %s (no usable VT-x; see its log)", what,
            hv_efi_status_text(status));
    else if (HV_EFI_IS_ERROR(status))
        say("uefi-hv loader: %s failed to start: %s (status 0x%llx)", what,
            hv_efi_status_text(status), (unsigned long long)status);
    return status;
}

static efi_status_t start_driver(efi_handle_t image) {
    static const efi_guid_t loaded_image_guid = HV_EFI_LOADED_IMAGE_PROTOCOL_GUID;
    static const efi_guid_t device_path_guid = HV_EFI_DEVICE_PATH_PROTOCOL_GUID;
    static const efi_char16_t file[] = DRIVER_PATH;

    efi_loaded_image_t *li = NULL;
    efi_status_t status = bs->handle_protocol(image, &loaded_image_guid, (void **)&li);
    if (HV_EFI_IS_ERROR(status)) {
        say("uefi-hv loader: no loaded image protocol: %s", hv_efi_status_text(status));
        return status;
    }
    efi_device_path_t *device = NULL;
    status = bs->handle_protocol(li->device_handle, &device_path_guid, (void **)&device);
    if (HV_EFI_IS_ERROR(status)) {
        say("uefi-hv loader: the boot device has no device path: %s", hv_efi_status_text(status));
        return status;
    }
    efi_device_path_t *path =
        append_node(device, HV_EFI_DP_TYPE_MEDIA, HV_EFI_DP_MEDIA_FILE_PATH, file, sizeof(file));
    if (!path) {
        say("uefi-hv loader: out of memory");
        return HV_EFI_OUT_OF_RESOURCES;
    }
    status = load_and_start(image, path, "\\EFI\\uefi-hv\\HvDxe.efi");
    bs->free_pool(path);
    return status;
}

/* The UEFI Shell from the firmware volume that holds it (OVMF: FILE_GUID of ShellPkg's app). */
static efi_status_t start_shell(efi_handle_t image) {
    static const efi_guid_t fv_guid = HV_EFI_FIRMWARE_VOLUME2_PROTOCOL_GUID;
    static const efi_guid_t device_path_guid = HV_EFI_DEVICE_PATH_PROTOCOL_GUID;
    static const efi_guid_t shell_guid = HV_EFI_SHELL_FILE_GUID;
    uint64_t count = 0;
    efi_handle_t *handles = NULL;
    efi_status_t status =
        bs->locate_handle_buffer(HV_EFI_LOCATE_BY_PROTOCOL, &fv_guid, NULL, &count, &handles);
    if (HV_EFI_IS_ERROR(status))
        return status;
    status = HV_EFI_NOT_FOUND;
    for (uint64_t i = 0; i < count && status == HV_EFI_NOT_FOUND; i++) {
        efi_device_path_t *fv = NULL;
        if (HV_EFI_IS_ERROR(bs->handle_protocol(handles[i], &device_path_guid, (void **)&fv)))
            continue;
        efi_device_path_t *path = append_node(fv, HV_EFI_DP_TYPE_MEDIA, HV_EFI_DP_MEDIA_FV_FILE,
                                              &shell_guid, sizeof(shell_guid));
        if (!path)
            break;
        efi_handle_t child = NULL;
        status = bs->load_image(false, image, path, NULL, 0, &child);
        bs->free_pool(path);
        if (!HV_EFI_IS_ERROR(status))
            status = bs->start_image(child, NULL, NULL);
        else if (status != HV_EFI_NOT_FOUND)
            break;
    }
    bs->free_pool(handles);
    return status;
}

efi_status_t HV_EFIAPI hv_loader_main(efi_handle_t image, efi_system_table_t *system_table) {
    st = system_table;
    bs = system_table->boot_services;

    /* Failures are reported where they happen; the shell comes next either way. */
    if (!HV_EFI_IS_ERROR(start_driver(image)))
        say("uefi-hv loader: HvDxe.efi started (uefi-hv " HV_VERSION ")");

    /* Chain on. Returning HV_EFI_SUCCESS makes OVMF's boot manager open the setup UI; returning an
     * error makes it try the next boot option (network boot first on a machine with a NIC). The
     * shell is what the user wants next, so start it ourselves. */
    efi_status_t status = start_shell(image);
    if (HV_EFI_IS_ERROR(status)) {
        say("uefi-hv loader: no UEFI Shell in the firmware (%s); back to the boot manager",
            hv_efi_status_text(status));
        return HV_EFI_NOT_FOUND;
    }
    return status;
}
