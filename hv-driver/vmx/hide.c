/* Self-protection through EPT. Every block from hv_alloc_pages() (VMCS, VMXON regions, host
 * stacks and tables, EPT tables, per-CPU state, bitmaps) is hidden: no guest access at all, an
 * access is an EPT violation that exits/ept.c logs and denies. The image is split by section: the
 * guest-side glue (entry, MP callbacks, unload) runs from it as a guest, so code and constants are
 * read+execute (never writable), and only writable sections stay writable: the host keeps no state
 * there that it trusts (its state is reached through the host stack). */
#include "hv/log.h"
#include "hv/platform.h"
#include "vmx/cpu.h"

#define IMAGE_SCN_MEM_WRITE 0x80000000u
#define MAX_OWNED           600

static uint32_t rd32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int protect_image(hv_global_t *hv, uint64_t base, uint64_t size) {
    if (hv_ept_protect(&hv->ept, base, size, EPT_READ | EPT_EXECUTE))
        return -1;
    const uint8_t *img = (const uint8_t *)(uintptr_t)base;
    if (img[0] != 'M' || img[1] != 'Z')
        return 0;
    uint32_t pe = rd32(img + 0x3c);
    if (pe > 0x400 || rd32(img + pe) != 0x00004550) /* "PE\0\0" */
        return 0;
    uint32_t sections = img[pe + 6] | (uint32_t)img[pe + 7] << 8;
    uint32_t opt_size = img[pe + 20] | (uint32_t)img[pe + 21] << 8;
    const uint8_t *s = img + pe + 24 + opt_size;
    for (uint32_t i = 0; i < sections && i < 32; i++, s += 40) {
        uint32_t vsize = rd32(s + 8), va = rd32(s + 12), flags = rd32(s + 36);
        if (!(flags & IMAGE_SCN_MEM_WRITE) || va >= size)
            continue;
        if (hv_ept_protect(&hv->ept, base + va, vsize, EPT_READ | EPT_WRITE))
            return -1;
        char name[9] = {0};
        for (int c = 0; c < 8; c++)
            name[c] = (char)s[c];
        HV_DEBUG("image section %s at 0x%llx (0x%x bytes) stays guest-writable", name,
                 HV_U64(base + va), vsize);
    }
    return 0;
}

int hv_hide_owned_memory(hv_global_t *hv) {
    static hv_range_t ranges[MAX_OWNED]; /* used once, before any CPU is a guest */
    size_t n = hv_owned_ranges(ranges, MAX_OWNED);
    uint64_t hidden = 0;
    for (size_t i = 0; i < n; i++) {
        if (ranges[i].base == hv->image_base) {
            if (protect_image(hv, ranges[i].base, ranges[i].size))
                return -1;
            continue;
        }
        if (hv_ept_protect(&hv->ept, ranges[i].base, ranges[i].size, EPT_HIDDEN))
            return -1;
        hidden += ranges[i].size;
    }
    for (size_t i = 0; i < n && i < HV_ARRAY_COUNT(hv->owned); i++)
        hv->owned[i] = ranges[i];
    hv->owned_count = n < HV_ARRAY_COUNT(hv->owned) ? (uint32_t)n : HV_ARRAY_COUNT(hv->owned);
    HV_INFO("EPT: %llu KiB in %llu ranges hidden from the guest, image 0x%llx+0x%llx read-only, "
            "%llu tables, %llu splits",
            HV_U64(hidden >> 10), HV_U64(n - 1), HV_U64(hv->image_base), HV_U64(hv->image_size),
            HV_U64(hv->ept.pool_used), HV_U64(hv->ept.splits));
    return 0;
}
