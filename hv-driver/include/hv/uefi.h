/* Minimal UEFI definitions for the boot glue and the loader (UEFI 2.10, PI 1.8 for MP services).
 *
 * Our own snake_case names: inside EDK2 every source gets AutoGen.h (and with it the whole
 * Uefi.h) force-included, so nothing here may reuse an EDK2 identifier. Only what we call is typed;
 * every other slot is an opaque pointer so the layout (checked below) still matches the spec. */
#ifndef HV_UEFI_H
#define HV_UEFI_H

#include "hv/types.h"

typedef uint64_t efi_status_t;
typedef void *efi_handle_t;
typedef void *efi_event_t;
typedef uint16_t efi_char16_t;
typedef uint64_t efi_physical_address_t;
typedef void (*efi_opaque_fn_t)(void);

/* ---- status codes (spec appendix D) ---------------------------------------------------------- */
#define HV_EFI_ERROR_BIT          (1ull << 63)
#define HV_EFI_ERR(n)             (HV_EFI_ERROR_BIT | (n))
#define HV_EFI_IS_ERROR(s)        (((s)&HV_EFI_ERROR_BIT) != 0)
#define HV_EFI_SUCCESS            0ull
#define HV_EFI_LOAD_ERROR         HV_EFI_ERR(1)
#define HV_EFI_INVALID_PARAMETER  HV_EFI_ERR(2)
#define HV_EFI_UNSUPPORTED        HV_EFI_ERR(3)
#define HV_EFI_BUFFER_TOO_SMALL   HV_EFI_ERR(5)
#define HV_EFI_NOT_READY          HV_EFI_ERR(6)
#define HV_EFI_DEVICE_ERROR       HV_EFI_ERR(7)
#define HV_EFI_OUT_OF_RESOURCES   HV_EFI_ERR(9)
#define HV_EFI_NOT_FOUND          HV_EFI_ERR(14)
#define HV_EFI_ACCESS_DENIED      HV_EFI_ERR(15)
#define HV_EFI_TIMEOUT            HV_EFI_ERR(18)
#define HV_EFI_NOT_STARTED        HV_EFI_ERR(19)
#define HV_EFI_ALREADY_STARTED    HV_EFI_ERR(20)
#define HV_EFI_ABORTED            HV_EFI_ERR(21)
#define HV_EFI_SECURITY_VIOLATION HV_EFI_ERR(26)

/* Human words for a status ("Not Found", "Security Violation", "warning 3", ...). Never NULL. */
const char *hv_efi_status_text(efi_status_t status);

/* ---- GUIDs --------------------------------------------------------------------------------------
 */
typedef struct {
    uint32_t data1;
    uint16_t data2;
    uint16_t data3;
    uint8_t data4[8];
} efi_guid_t;

#define HV_EFI_LOADED_IMAGE_PROTOCOL_GUID                                                          \
    {                                                                                              \
        0x5b1b31a1, 0x9562, 0x11d2, {                                                              \
            0x8e, 0x3f, 0x00, 0xa0, 0xc9, 0x69, 0x72, 0x3b                                         \
        }                                                                                          \
    }
#define HV_EFI_DEVICE_PATH_PROTOCOL_GUID                                                           \
    {                                                                                              \
        0x09576e91, 0x6d3f, 0x11d2, {                                                              \
            0x8e, 0x39, 0x00, 0xa0, 0xc9, 0x69, 0x72, 0x3b                                         \
        }                                                                                          \
    }
#define HV_EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID                                                    \
    {                                                                                              \
        0x964e5b22, 0x6459, 0x11d2, {                                                              \
            0x8e, 0x39, 0x00, 0xa0, 0xc9, 0x69, 0x72, 0x3b                                         \
        }                                                                                          \
    }
#define HV_EFI_MP_SERVICES_PROTOCOL_GUID                                                           \
    {                                                                                              \
        0x3fdda605, 0xa76e, 0x4f46, {                                                              \
            0xad, 0x29, 0x12, 0xf4, 0x53, 0x1b, 0x3d, 0x08                                         \
        }                                                                                          \
    }
#define HV_EFI_FIRMWARE_VOLUME2_PROTOCOL_GUID                                                      \
    {                                                                                              \
        0x220e73b6, 0x6bdb, 0x4413, {                                                              \
            0x84, 0x05, 0xb9, 0x74, 0xb1, 0x08, 0x61, 0x9a                                         \
        }                                                                                          \
    }
/* The UEFI Shell application's file name in OVMF's firmware volume (ShellPkg's FILE_GUID). */
#define HV_EFI_SHELL_FILE_GUID                                                                     \
    {                                                                                              \
        0x7c04a583, 0x9e3e, 0x4f1c, {                                                              \
            0xad, 0x65, 0xe0, 0x52, 0x68, 0xd0, 0xb4, 0xd1                                         \
        }                                                                                          \
    }

/* ---- table header -------------------------------------------------------------------------------
 */
typedef struct {
    uint64_t signature;
    uint32_t revision;
    uint32_t header_size;
    uint32_t crc32;
    uint32_t reserved;
} efi_table_header_t;

/* ---- memory --------------------------------------------------------------------------------- */
typedef enum {
    HV_EFI_ALLOCATE_ANY_PAGES,
    HV_EFI_ALLOCATE_MAX_ADDRESS,
    HV_EFI_ALLOCATE_ADDRESS,
} efi_allocate_type_t;

typedef enum {
    HV_EFI_RESERVED_MEMORY_TYPE,
    HV_EFI_LOADER_CODE,
    HV_EFI_LOADER_DATA,
    HV_EFI_BOOT_SERVICES_CODE,
    HV_EFI_BOOT_SERVICES_DATA,
    HV_EFI_RUNTIME_SERVICES_CODE,
    HV_EFI_RUNTIME_SERVICES_DATA,
    HV_EFI_CONVENTIONAL_MEMORY,
    HV_EFI_UNUSABLE_MEMORY,
    HV_EFI_ACPI_RECLAIM_MEMORY,
    HV_EFI_ACPI_MEMORY_NVS,
    HV_EFI_MEMORY_MAPPED_IO,
    HV_EFI_MEMORY_MAPPED_IO_PORT_SPACE,
    HV_EFI_PAL_CODE,
    HV_EFI_PERSISTENT_MEMORY,
} efi_memory_type_t;

typedef struct {
    uint32_t type;
    uint32_t pad;
    efi_physical_address_t physical_start;
    uint64_t virtual_start;
    uint64_t number_of_pages;
    uint64_t attribute;
} efi_memory_descriptor_t;

/* ---- device paths --------------------------------------------------------------------------- */
typedef struct {
    uint8_t type;
    uint8_t sub_type;
    uint8_t length[2]; /* little endian, includes this header */
} efi_device_path_t;

#define HV_EFI_DP_TYPE_MEDIA      0x04
#define HV_EFI_DP_MEDIA_FILE_PATH 0x04
#define HV_EFI_DP_MEDIA_FV_FILE   0x06
#define HV_EFI_DP_TYPE_END        0x7f
#define HV_EFI_DP_END_ENTIRE      0xff
#define HV_EFI_DP_END_INSTANCE    0x01

/* ---- simple text output ------------------------------------------------------------------------
 */
typedef struct efi_simple_text_output efi_simple_text_output_t;
struct efi_simple_text_output {
    efi_status_t(HV_EFIAPI *reset)(efi_simple_text_output_t *self, bool extended);
    efi_status_t(HV_EFIAPI *output_string)(efi_simple_text_output_t *self,
                                           const efi_char16_t *string);
    efi_opaque_fn_t test_string;
    efi_opaque_fn_t query_mode;
    efi_opaque_fn_t set_mode;
    efi_opaque_fn_t set_attribute;
    efi_opaque_fn_t clear_screen;
    efi_opaque_fn_t set_cursor_position;
    efi_opaque_fn_t enable_cursor;
    void *mode;
};

/* ---- boot services (all 44 slots, spec order) --------------------------------------------------
 */
typedef void(HV_EFIAPI *efi_ap_procedure_t)(void *arg);

typedef struct {
    efi_table_header_t hdr;
    efi_opaque_fn_t raise_tpl;
    efi_opaque_fn_t restore_tpl;
    efi_status_t(HV_EFIAPI *allocate_pages)(efi_allocate_type_t type, efi_memory_type_t memory_type,
                                            uint64_t pages, efi_physical_address_t *memory);
    efi_status_t(HV_EFIAPI *free_pages)(efi_physical_address_t memory, uint64_t pages);
    efi_status_t(HV_EFIAPI *get_memory_map)(uint64_t *map_size, efi_memory_descriptor_t *map,
                                            uint64_t *map_key, uint64_t *descriptor_size,
                                            uint32_t *descriptor_version);
    efi_status_t(HV_EFIAPI *allocate_pool)(efi_memory_type_t pool_type, uint64_t size,
                                           void **buffer);
    efi_status_t(HV_EFIAPI *free_pool)(void *buffer);
    efi_opaque_fn_t create_event;
    efi_opaque_fn_t set_timer;
    efi_opaque_fn_t wait_for_event;
    efi_opaque_fn_t signal_event;
    efi_opaque_fn_t close_event;
    efi_opaque_fn_t check_event;
    efi_opaque_fn_t install_protocol_interface;
    efi_opaque_fn_t reinstall_protocol_interface;
    efi_opaque_fn_t uninstall_protocol_interface;
    efi_status_t(HV_EFIAPI *handle_protocol)(efi_handle_t handle, const efi_guid_t *protocol,
                                             void **interface);
    void *reserved;
    efi_opaque_fn_t register_protocol_notify;
    efi_opaque_fn_t locate_handle;
    efi_opaque_fn_t locate_device_path;
    efi_opaque_fn_t install_configuration_table;
    efi_status_t(HV_EFIAPI *load_image)(bool boot_policy, efi_handle_t parent_image_handle,
                                        efi_device_path_t *device_path, void *source_buffer,
                                        uint64_t source_size, efi_handle_t *image_handle);
    efi_status_t(HV_EFIAPI *start_image)(efi_handle_t image_handle, uint64_t *exit_data_size,
                                         efi_char16_t **exit_data);
    efi_opaque_fn_t exit;
    efi_status_t(HV_EFIAPI *unload_image)(efi_handle_t image_handle);
    efi_opaque_fn_t exit_boot_services;
    efi_opaque_fn_t get_next_monotonic_count;
    efi_status_t(HV_EFIAPI *stall)(uint64_t microseconds);
    efi_opaque_fn_t set_watchdog_timer;
    efi_opaque_fn_t connect_controller;
    efi_opaque_fn_t disconnect_controller;
    efi_opaque_fn_t open_protocol;
    efi_opaque_fn_t close_protocol;
    efi_opaque_fn_t open_protocol_information;
    efi_opaque_fn_t protocols_per_handle;
    /* search_type: 2 = ByProtocol */
    efi_status_t(HV_EFIAPI *locate_handle_buffer)(int search_type, const efi_guid_t *protocol,
                                                  void *search_key, uint64_t *no_handles,
                                                  efi_handle_t **buffer);
    efi_status_t(HV_EFIAPI *locate_protocol)(const efi_guid_t *protocol, void *registration,
                                             void **interface);
    efi_opaque_fn_t install_multiple_protocol_interfaces;
    efi_opaque_fn_t uninstall_multiple_protocol_interfaces;
    efi_opaque_fn_t calculate_crc32;
    efi_opaque_fn_t copy_mem;
    efi_opaque_fn_t set_mem;
    efi_opaque_fn_t create_event_ex;
} efi_boot_services_t;

#define HV_EFI_LOCATE_BY_PROTOCOL 2

/* ---- system table --------------------------------------------------------------------------- */
typedef struct {
    efi_table_header_t hdr;
    efi_char16_t *firmware_vendor;
    uint32_t firmware_revision;
    efi_handle_t console_in_handle;
    void *con_in;
    efi_handle_t console_out_handle;
    efi_simple_text_output_t *con_out;
    efi_handle_t standard_error_handle;
    efi_simple_text_output_t *std_err;
    void *runtime_services;
    efi_boot_services_t *boot_services;
    uint64_t number_of_table_entries;
    void *configuration_table;
} efi_system_table_t;

/* ---- loaded image protocol ------------------------------------------------------------------ */
typedef efi_status_t(HV_EFIAPI *efi_image_unload_t)(efi_handle_t image_handle);

typedef struct {
    uint32_t revision;
    efi_handle_t parent_handle;
    efi_system_table_t *system_table;
    efi_handle_t device_handle;
    efi_device_path_t *file_path;
    void *reserved;
    uint32_t load_options_size;
    void *load_options;
    void *image_base;
    uint64_t image_size;
    efi_memory_type_t image_code_type;
    efi_memory_type_t image_data_type;
    efi_image_unload_t unload;
} efi_loaded_image_t;

/* ---- MP services protocol (PI 1.8 vol. 2, 13.4) -------------------------------------------- */
#define HV_EFI_PROCESSOR_AS_BSP_BIT        0x1u
#define HV_EFI_PROCESSOR_ENABLED_BIT       0x2u
#define HV_EFI_PROCESSOR_HEALTH_STATUS_BIT 0x4u

typedef struct {
    uint64_t processor_id; /* the local APIC ID */
    uint32_t status_flag;
    uint32_t package, core, thread;
    uint32_t extended[6]; /* only filled when bit 24 of the processor number is set */
} efi_processor_information_t;

typedef struct efi_mp_services efi_mp_services_t;
struct efi_mp_services {
    efi_status_t(HV_EFIAPI *get_number_of_processors)(efi_mp_services_t *self, uint64_t *count,
                                                      uint64_t *enabled);
    efi_status_t(HV_EFIAPI *get_processor_info)(efi_mp_services_t *self, uint64_t number,
                                                efi_processor_information_t *info);
    efi_opaque_fn_t startup_all_aps;
    efi_status_t(HV_EFIAPI *startup_this_ap)(efi_mp_services_t *self, efi_ap_procedure_t procedure,
                                             uint64_t number, efi_event_t wait_event,
                                             uint64_t timeout_us, void *arg, bool *finished);
    efi_opaque_fn_t switch_bsp;
    efi_opaque_fn_t enable_disable_ap;
    efi_status_t(HV_EFIAPI *who_am_i)(efi_mp_services_t *self, uint64_t *number);
};

/* ---- layout checks (offsets from the spec's x64 tables) ----------------------------------- */
HV_STATIC_ASSERT(sizeof(efi_guid_t) == 16, "HV_EFI_GUID");
HV_STATIC_ASSERT(sizeof(efi_table_header_t) == 24, "HV_EFI_TABLE_HEADER");
HV_STATIC_ASSERT(sizeof(efi_memory_descriptor_t) == 40, "HV_EFI_MEMORY_DESCRIPTOR");
HV_STATIC_ASSERT(sizeof(efi_device_path_t) == 4, "HV_EFI_DEVICE_PATH_PROTOCOL");
HV_STATIC_ASSERT(sizeof(efi_simple_text_output_t) == 80, "SIMPLE_TEXT_OUTPUT");
HV_STATIC_ASSERT(offsetof(efi_boot_services_t, allocate_pages) == 0x28, "AllocatePages");
HV_STATIC_ASSERT(offsetof(efi_boot_services_t, handle_protocol) == 0x98, "HandleProtocol");
HV_STATIC_ASSERT(offsetof(efi_boot_services_t, load_image) == 0xc8, "LoadImage");
HV_STATIC_ASSERT(offsetof(efi_boot_services_t, stall) == 0xf8, "Stall");
HV_STATIC_ASSERT(offsetof(efi_boot_services_t, locate_handle_buffer) == 0x138, "LocateHandleBuf");
HV_STATIC_ASSERT(offsetof(efi_boot_services_t, locate_protocol) == 0x140, "LocateProtocol");
HV_STATIC_ASSERT(sizeof(efi_boot_services_t) == 0x178, "HV_EFI_BOOT_SERVICES");
HV_STATIC_ASSERT(offsetof(efi_system_table_t, con_out) == 0x40, "ConOut");
HV_STATIC_ASSERT(offsetof(efi_system_table_t, boot_services) == 0x60, "BootServices");
HV_STATIC_ASSERT(sizeof(efi_system_table_t) == 0x78, "HV_EFI_SYSTEM_TABLE");
HV_STATIC_ASSERT(offsetof(efi_loaded_image_t, device_handle) == 0x18, "DeviceHandle");
HV_STATIC_ASSERT(offsetof(efi_loaded_image_t, image_base) == 0x40, "ImageBase");
HV_STATIC_ASSERT(offsetof(efi_loaded_image_t, unload) == 0x58, "Unload");
HV_STATIC_ASSERT(sizeof(efi_loaded_image_t) == 0x60, "HV_EFI_LOADED_IMAGE_PROTOCOL");
HV_STATIC_ASSERT(offsetof(efi_processor_information_t, status_flag) == 8, "StatusFlag");
HV_STATIC_ASSERT(sizeof(efi_processor_information_t) == 48, "HV_EFI_PROCESSOR_INFORMATION");
HV_STATIC_ASSERT(offsetof(efi_mp_services_t, who_am_i) == 48, "WhoAmI");

#endif
