/* Pages for the hypervisor (hv/platform.h) and the registry of everything it owns, so EPT can hide
 * those ranges from the guest. Allocated as EfiRuntimeServicesData: the OS keeps its hands off
 * them after ExitBootServices. */
#include "boot/boot.h"
#include "hv/log.h"
#include "hv/platform.h"
#include "lib/mem.h"

/* Owned ranges: [0] is the image, then one entry per allocation (adjacent ones are merged).
 * 512 entries cover thousands of pages allocated in runs; a full registry fails the allocation
 * rather than leave a range unprotected. */
#define MAX_RANGES 512

static hv_range_t ranges[MAX_RANGES];
static size_t range_count;
static uint64_t phys_top;

static uint64_t memory_map_top(void);

void hv_memory_init(uint64_t image_base, uint64_t image_size) {
    ranges[0].base = image_base & ~(HV_PAGE_SIZE - 1);
    ranges[0].size =
        (image_base + image_size - ranges[0].base + HV_PAGE_SIZE - 1) & ~(HV_PAGE_SIZE - 1);
    range_count = 1;
    phys_top = memory_map_top();
}

static bool record(uint64_t base, uint64_t size) {
    for (size_t i = 1; i < range_count; i++) {
        if (ranges[i].base + ranges[i].size == base) {
            ranges[i].size += size;
            return true;
        }
        if (base + size == ranges[i].base) {
            ranges[i].base = base;
            ranges[i].size += size;
            return true;
        }
    }
    if (range_count == MAX_RANGES)
        return false;
    ranges[range_count].base = base;
    ranges[range_count].size = size;
    range_count++;
    return true;
}

/* Removes [base, base+size) from whichever range holds it (splitting it if needed). */
static void forget(uint64_t base, uint64_t size) {
    for (size_t i = 1; i < range_count; i++) {
        hv_range_t *r = &ranges[i];
        if (base < r->base || base + size > r->base + r->size)
            continue;
        uint64_t tail_base = base + size, tail_size = r->base + r->size - tail_base;
        r->size = base - r->base;
        if (r->size == 0) {
            *r = ranges[--range_count];
            if (tail_size)
                record(tail_base, tail_size);
        } else if (tail_size && !record(tail_base, tail_size)) {
            HV_WARN("owned-range registry full: 0x%llx pages stay listed",
                    (unsigned long long)(tail_size >> 12));
            r->size += size + tail_size;
        }
        return;
    }
}

void *hv_alloc_pages(uint64_t pages) {
    efi_physical_address_t addr = 0;
    if (!hv_bs || pages == 0)
        return NULL;
    efi_status_t status = hv_bs->allocate_pages(HV_EFI_ALLOCATE_ANY_PAGES,
                                                HV_EFI_RUNTIME_SERVICES_DATA, pages, &addr);
    if (HV_EFI_IS_ERROR(status)) {
        HV_ERROR("AllocatePages(%llu) failed: %s", (unsigned long long)pages,
                 hv_efi_status_text(status));
        return NULL;
    }
    if (!record(addr, pages * HV_PAGE_SIZE)) {
        HV_ERROR("owned-range registry full (%u ranges): allocation refused", MAX_RANGES);
        hv_bs->free_pages(addr, pages);
        return NULL;
    }
    hv_memset((void *)(uintptr_t)addr, 0, pages * HV_PAGE_SIZE);
    return (void *)(uintptr_t)addr;
}

void hv_free_pages(void *base, uint64_t pages) {
    if (!base || pages == 0)
        return;
    forget((uint64_t)(uintptr_t)base, pages * HV_PAGE_SIZE);
    if (hv_bs)
        hv_bs->free_pages((uint64_t)(uintptr_t)base, pages);
}

void hv_memory_free_all(void) {
    /* Ranges may merge allocations made separately; FreePages accepts any run of pages that was
     * allocated, so freeing merged runs is fine. */
    while (range_count > 1) {
        hv_range_t r = ranges[--range_count];
        hv_bs->free_pages(r.base, r.size / HV_PAGE_SIZE);
    }
}

uint64_t hv_memory_pages_owned(void) {
    uint64_t bytes = 0;
    for (size_t i = 1; i < range_count; i++)
        bytes += ranges[i].size;
    return bytes / HV_PAGE_SIZE;
}

size_t hv_owned_ranges(hv_range_t *out, size_t max) {
    size_t n = range_count < max ? range_count : max;
    for (size_t i = 0; i < n; i++)
        out[i] = ranges[i];
    return n;
}

uint64_t hv_image_base(void) {
    return ranges[0].base;
}

uint64_t hv_image_size(void) {
    return ranges[0].size;
}

uint64_t hv_phys_top(void) {
    return phys_top;
}

#define FOUR_GIB (4ull << 30)

/* The end of the highest descriptor of the memory map, at least 4 GiB. */
static uint64_t memory_map_top(void) {
    uint64_t top = FOUR_GIB;
    uint64_t size = 0, key, desc_size = 0;
    uint32_t version;
    efi_memory_descriptor_t *map = NULL;
    efi_status_t status = hv_bs->get_memory_map(&size, NULL, &key, &desc_size, &version);
    if (status != HV_EFI_BUFFER_TOO_SMALL || desc_size == 0)
        return top;
    size += 4 * desc_size; /* the pool allocation below may add descriptors */
    if (HV_EFI_IS_ERROR(hv_bs->allocate_pool(HV_EFI_BOOT_SERVICES_DATA, size, (void **)&map)))
        return top;
    status = hv_bs->get_memory_map(&size, map, &key, &desc_size, &version);
    if (!HV_EFI_IS_ERROR(status)) {
        for (uint64_t off = 0; off + desc_size <= size; off += desc_size) {
            const efi_memory_descriptor_t *d =
                (const efi_memory_descriptor_t *)((const uint8_t *)map + off);
            uint64_t end = d->physical_start + d->number_of_pages * HV_PAGE_SIZE;
            if (end > top)
                top = end;
        }
    }
    hv_bs->free_pool(map);
    return top;
}
