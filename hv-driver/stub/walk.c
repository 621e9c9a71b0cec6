#include "walk.h"

static bool read_u64(const hv_target_ops *t, void *ctx, uint64_t pa, uint64_t *v) {
    uint8_t b[8];
    if (t->phys_read(ctx, pa, b, 8) != 8)
        return false;
    *v = 0;
    for (int i = 7; i >= 0; i--)
        *v = *v << 8 | b[i];
    return true;
}

void hv_ept_walk(const hv_target_ops *t, void *ctx, uint64_t eptp, uint64_t gpa, hv_walk_t *w) {
    uint64_t table = eptp & HV_ADDR_MASK;
    w->levels = 0;
    w->out = w->page_size = 0;
    w->mt = 0;
    for (int level = 4; level >= 1; level--) {
        unsigned shift = 12u + 9u * (unsigned)(level - 1);
        uint64_t entry;
        w->fail_level = (uint8_t)level;
        if (!read_u64(t, ctx, table + ((gpa >> shift) & 0x1ff) * 8, &entry)) {
            w->result = HV_WALK_FAULT;
            return;
        }
        w->lvl[w->levels].table = table;
        w->lvl[w->levels++].entry = entry;
        if ((entry & 7) == 0) {
            w->result = HV_WALK_MISS;
            return;
        }
        if ((entry & 3) == 2) { /* write without read */
            w->result = HV_WALK_BAD;
            return;
        }
        bool leaf = level == 1 || ((level == 2 || level == 3) && (entry & 0x80));
        if (!leaf) {
            table = entry & HV_ADDR_MASK;
            continue;
        }
        uint8_t mt = (uint8_t)((entry >> 3) & 7);
        if (mt == 2 || mt == 3 || mt == 7) { /* reserved memory types */
            w->result = HV_WALK_BAD;
            return;
        }
        uint64_t size = 1ull << shift;
        w->out = (entry & HV_ADDR_MASK & ~(size - 1)) | (gpa & (size - 1));
        w->page_size = size;
        w->mt = mt;
        w->result = HV_WALK_OK;
        return;
    }
}

int hv_guest_walk(const hv_target_ops *t, void *ctx, uint64_t eptp, uint64_t cr0, uint64_t cr4,
                  uint64_t efer, uint64_t cr3, uint64_t gva, hv_walk_t *w) {
    w->levels = 0;
    w->mt = 0;
    if (!(cr0 & (1ull << 31))) { /* paging off: linear = physical */
        w->out = gva;
        w->page_size = 0;
        w->result = HV_WALK_OK;
        return 0;
    }
    if (!(cr4 & (1ull << 5)) || !(efer & (1ull << 10)) || (cr4 & (1ull << 12)))
        return HV_E_PAGING; /* 32-bit, PAE without long mode, or 5-level */
    uint64_t table = cr3 & HV_ADDR_MASK;
    for (int level = 4; level >= 1; level--) {
        unsigned shift = 12u + 9u * (unsigned)(level - 1);
        uint64_t gpa = table + ((gva >> shift) & 0x1ff) * 8, entry;
        hv_walk_t e;
        hv_ept_walk(t, ctx, eptp, gpa, &e);
        if (e.result != HV_WALK_OK || t->hv_owned(ctx, e.out, 8) ||
            !read_u64(t, ctx, e.out, &entry))
            return HV_E_FAULT;
        w->lvl[w->levels].table = table;
        w->lvl[w->levels++].entry = entry;
        w->fail_level = (uint8_t)level;
        if (!(entry & 1)) {
            w->result = HV_WALK_MISS;
            return 0;
        }
        if (level == 1 || ((level == 2 || level == 3) && (entry & 0x80))) {
            uint64_t size = 1ull << shift;
            w->out = (entry & HV_ADDR_MASK & ~(size - 1)) | (gva & (size - 1));
            w->page_size = size;
            w->result = HV_WALK_OK;
            return 0;
        }
        table = entry & HV_ADDR_MASK;
    }
    return HV_E_FAULT; /* not reached */
}

size_t hv_gpm_access(const hv_target_ops *t, void *ctx, uint64_t eptp, uint64_t gpa, void *buf,
                     size_t len, bool write) {
    size_t done = 0;
    while (done < len) {
        uint64_t a = gpa + done;
        size_t chunk = (size_t)(HV_PAGE_SIZE - (a & (HV_PAGE_SIZE - 1)));
        if (chunk > len - done)
            chunk = len - done;
        hv_walk_t w;
        hv_ept_walk(t, ctx, eptp, a, &w);
        if (w.result != HV_WALK_OK || t->hv_owned(ctx, w.out, chunk))
            break;
        size_t n = write ? t->phys_write(ctx, w.out, (uint8_t *)buf + done, chunk)
                         : t->phys_read(ctx, w.out, (uint8_t *)buf + done, chunk);
        done += n;
        if (n < chunk)
            break;
    }
    return done;
}
