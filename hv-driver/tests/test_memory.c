/* Host tests of the page allocator's owned-range registry (boot/memory.c) on a fake boot
 * services table: pages come from a host arena whose addresses stand in for physical ones. */
#include <stdarg.h>
#include <stdlib.h>
#include "harness.h"
#include "boot/boot.h"
#include "hv/log.h"
#include "hv/platform.h"
#include "lib/mem.h"

#define ARENA_PAGES 64

efi_system_table_t *hv_st;
efi_boot_services_t *hv_bs;

static uint8_t *arena;
static bool page_used[ARENA_PAGES];
static int frees;
static int errors_logged;

static uint64_t page_addr(size_t i) {
    return (uint64_t)(uintptr_t)(arena + i * HV_PAGE_SIZE);
}

/* First fit, lowest address first: consecutive allocations are adjacent. */
static efi_status_t HV_EFIAPI fake_allocate_pages(efi_allocate_type_t type, efi_memory_type_t mt,
                                                  uint64_t pages, efi_physical_address_t *out) {
    (void)type;
    if (mt != HV_EFI_RUNTIME_SERVICES_DATA)
        return HV_EFI_INVALID_PARAMETER;
    for (size_t i = 0; i + pages <= ARENA_PAGES; i++) {
        size_t n = 0;
        while (n < pages && !page_used[i + n])
            n++;
        if (n == pages) {
            for (n = 0; n < pages; n++)
                page_used[i + n] = true;
            memset(arena + i * HV_PAGE_SIZE, 0xa5,
                   pages * HV_PAGE_SIZE); /* dirty: must be zeroed */
            *out = page_addr(i);
            return HV_EFI_SUCCESS;
        }
    }
    return HV_EFI_OUT_OF_RESOURCES;
}

static efi_status_t HV_EFIAPI fake_free_pages(efi_physical_address_t addr, uint64_t pages) {
    size_t first = (size_t)((addr - page_addr(0)) / HV_PAGE_SIZE);
    for (size_t i = first; i < first + pages; i++)
        page_used[i] = false;
    frees++;
    return HV_EFI_SUCCESS;
}

/* A memory map with RAM up to 6 GiB (so hv_phys_top() is above the 4 GiB floor). */
static efi_status_t HV_EFIAPI fake_get_memory_map(uint64_t *size, efi_memory_descriptor_t *map,
                                                  uint64_t *key, uint64_t *desc_size,
                                                  uint32_t *version) {
    *desc_size = sizeof(efi_memory_descriptor_t);
    *key = 1;
    *version = 1;
    if (*size < 2 * sizeof(efi_memory_descriptor_t)) {
        *size = 2 * sizeof(efi_memory_descriptor_t);
        return HV_EFI_BUFFER_TOO_SMALL;
    }
    memset(map, 0, 2 * sizeof(*map));
    map[0].physical_start = 0;
    map[0].number_of_pages = 0xa0;
    map[1].physical_start = 0x100000000ull;
    map[1].number_of_pages = 0x80000; /* 2 GiB */
    *size = 2 * sizeof(efi_memory_descriptor_t);
    return HV_EFI_SUCCESS;
}

static efi_status_t HV_EFIAPI fake_allocate_pool(efi_memory_type_t t, uint64_t size, void **out) {
    (void)t;
    *out = malloc(size);
    return HV_EFI_SUCCESS;
}

static efi_status_t HV_EFIAPI fake_free_pool(void *p) {
    free(p);
    return HV_EFI_SUCCESS;
}

/* What memory.c needs from the rest of the driver. */
void *hv_memset(void *dst, int value, size_t n) {
    return memset(dst, value, n);
}

const char *hv_efi_status_text(efi_status_t status) {
    return HV_EFI_IS_ERROR(status) ? "error" : "ok";
}

void hv_log(hv_log_level_t level, const char *fmt, ...) {
    (void)fmt;
    if (level == HV_LOG_ERROR)
        errors_logged++;
}

static size_t ranges(hv_range_t *out) {
    return hv_owned_ranges(out, 600);
}

static bool all_zero(const void *p, size_t n) {
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return false;
    return true;
}

int main(void) {
    static efi_boot_services_t bs;
    bs.allocate_pages = fake_allocate_pages;
    bs.free_pages = fake_free_pages;
    bs.get_memory_map = fake_get_memory_map;
    bs.allocate_pool = fake_allocate_pool;
    bs.free_pool = fake_free_pool;
    hv_bs = &bs;
    arena = aligned_alloc(HV_PAGE_SIZE, ARENA_PAGES * HV_PAGE_SIZE);

    hv_range_t r[600];
    hv_memory_init(0x7e1a123, 0x8f00);
    CHECK(hv_image_base() == 0x7e1a000, "image base rounded down to a page");
    CHECK(hv_image_size() == 0xa000, "image size covers the last partial page");
    CHECK(ranges(r) == 1 && r[0].base == 0x7e1a000, "the image is owned range 0");
    CHECK(hv_phys_top() == 0x180000000ull, "physical top from the memory map");

    uint8_t *a = hv_alloc_pages(2);
    uint8_t *b = hv_alloc_pages(3);
    CHECK(a && b && b == a + 2 * HV_PAGE_SIZE, "two allocations, adjacent in the fake");
    CHECK(all_zero(a, 5 * HV_PAGE_SIZE), "pages are zeroed");
    CHECK(ranges(r) == 2 && r[1].base == (uintptr_t)a && r[1].size == 5 * HV_PAGE_SIZE,
          "adjacent allocations merge into one owned range");
    CHECK(hv_memory_pages_owned() == 5, "5 pages owned");

    hv_free_pages(a + HV_PAGE_SIZE, 2); /* the middle of the merged range */
    size_t n = ranges(r);
    CHECK(n == 3, "freeing the middle splits the range");
    CHECK(hv_memory_pages_owned() == 3, "3 pages owned after freeing 2");
    bool head = false, tail = false;
    for (size_t i = 1; i < n; i++) {
        head |= r[i].base == (uintptr_t)a && r[i].size == HV_PAGE_SIZE;
        tail |= r[i].base == (uintptr_t)(a + 3 * HV_PAGE_SIZE) && r[i].size == 2 * HV_PAGE_SIZE;
    }
    CHECK(head && tail, "the head page and the 2 tail pages stay owned");

    CHECK(hv_alloc_pages(0) == NULL, "0 pages: NULL");
    CHECK(hv_alloc_pages(ARENA_PAGES + 1) == NULL && errors_logged == 1,
          "firmware out of memory: NULL and one ERROR line");

    frees = 0;
    hv_memory_free_all();
    CHECK(ranges(r) == 1 && hv_memory_pages_owned() == 0, "free_all leaves only the image");
    CHECK(frees == 2, "free_all returns each range to the firmware");
    bool any_used = false;
    for (size_t i = 0; i < ARENA_PAGES; i++)
        any_used |= page_used[i];
    CHECK(!any_used, "every page is back in the fake firmware");

    CHECK(hv_owned_ranges(r, 0) == 0, "max 0 writes nothing");
    free(arena);
    HARNESS_EXIT();
}
