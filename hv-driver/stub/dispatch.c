#include "dispatch.h"
#include "hex.h"
#include "tdesc.h"

#define VMCS_EPTP 0x201au

void hv_stub_init(hv_stub_t *s, const hv_target_ops *t, void *tctx, hv_emit_fn emit, void *ectx) {
    s->t = t;
    s->tctx = tctx;
    s->emit = emit;
    s->ectx = ectx;
    s->stop = (hv_stop_t){.sig = 5};
    s->g_cpu = s->c_cpu = 0;
    s->sw_used = 0;
    s->hw_used = 0;
    hv_exitbp_clear(&s->exitbp);
    s->text_len = 0;
}

void hv_stub_stopped(hv_stub_t *s, const hv_stop_t *stop) {
    s->stop = *stop;
    s->g_cpu = s->c_cpu = stop->cpu;
}

void hv_stub_stop_reply(hv_stub_t *s, hv_reply_t *r) {
    const hv_regs_t *regs = s->t->regs(s->tctx, s->stop.cpu);
    hv_reply_stop(r, &s->stop, regs->gpr[6], regs->gpr[7], regs->rip);
}

static uint32_t cpus(hv_stub_t *s) {
    return s->t->cpu_count(s->tctx);
}

/* A thread id to a CPU: -1 and 0 mean "the one that stopped". False if there is no such CPU. */
static bool thread_cpu(hv_stub_t *s, int64_t t, uint32_t *cpu) {
    if (t <= 0) {
        *cpu = s->stop.cpu;
        return true;
    }
    if ((uint64_t)t > cpus(s))
        return false;
    *cpu = (uint32_t)(t - 1);
    return true;
}

/* ---- registers ------------------------------------------------------------------------------ */
/* Value of register n (only the first 8 bytes of wider ones can be non-zero). */
static uint64_t reg_value(const hv_regs_t *g, uint64_t n) {
    if (n < 16)
        return g->gpr[n];
    if (n == 16)
        return g->rip;
    if (n == 17)
        return g->rflags;
    if (n < 24)
        return g->seg[n - 18];
    if (n < 57)
        return 0; /* x87 and SSE: the hypervisor uses none */
    const uint64_t tail[] = {g->fs_base, g->gs_base, g->cr0, g->cr2,
                             g->cr3,     g->cr4,     g->cr8, g->efer};
    return n < HV_TDESC_REGS ? tail[n - 57] : 0;
}

/* Writes register n from little-endian bytes; read-only registers ignore it. */
static void reg_store(hv_regs_t *g, uint64_t n, const uint8_t *b) {
    size_t size = hv_tdesc_reg_size(n);
    uint64_t v = 0;
    for (size_t i = size < 8 ? size : 8; i-- > 0;)
        v = v << 8 | b[i];
    if (n < 16)
        g->gpr[n] = v;
    else if (n == 16)
        g->rip = v;
    else if (n == 17)
        g->rflags = (g->rflags & ~0xffffffffull) | v;
}

static void read_regs(hv_stub_t *s, hv_reply_t *r) {
    const hv_regs_t *g = s->t->regs(s->tctx, s->g_cpu);
    for (uint64_t n = 0; n < HV_TDESC_REGS; n++)
        hv_reply_hex_le(r, reg_value(g, n), hv_tdesc_reg_size(n));
}

static void write_regs(hv_stub_t *s, const hv_cmd_t *c, hv_reply_t *r) {
    size_t total = 0;
    for (uint64_t n = 0; n < HV_TDESC_REGS; n++)
        total += hv_tdesc_reg_size(n);
    if (c->len != total)
        return hv_reply_error(r, HV_E_LENGTH);
    hv_regs_t *g = s->t->regs(s->tctx, s->g_cpu);
    const uint8_t *b = c->data;
    for (uint64_t n = 0; n < HV_TDESC_REGS; b += hv_tdesc_reg_size(n), n++)
        reg_store(g, n, b);
    hv_reply_ok(r);
}

/* ---- memory and breakpoints ----------------------------------------------------------------- */
static int swbp_find(hv_stub_t *s, uint64_t addr) {
    for (unsigned i = 0; i < HV_SWBP_SLOTS; i++)
        if ((s->sw_used >> i & 1) && s->sw[i].addr == addr)
            return (int)i;
    return -1;
}

static void read_mem(hv_stub_t *s, const hv_cmd_t *c, hv_reply_t *r) {
    if (c->len > HV_MEM_MAX)
        return hv_reply_error(r, HV_E_LENGTH);
    if (c->len == 0)
        return;
    size_t n = s->t->mem_read(s->tctx, c->addr, s->scratch, (size_t)c->len);
    if (n == 0)
        return hv_reply_error(r, HV_E_FAULT);
    for (unsigned i = 0; i < HV_SWBP_SLOTS; i++) /* show the code, not our int3 */
        if ((s->sw_used >> i & 1) && s->sw[i].addr - c->addr < n)
            s->scratch[s->sw[i].addr - c->addr] = s->sw[i].orig;
    hv_reply_hex_bytes(r, s->scratch, n);
}

static void write_mem(hv_stub_t *s, const hv_cmd_t *c, hv_reply_t *r) {
    if (c->len > HV_MEM_MAX)
        return hv_reply_error(r, HV_E_LENGTH);
    size_t n = s->t->mem_write(s->tctx, c->addr, c->data, (size_t)c->len);
    static const uint8_t int3 = 0xcc;
    for (unsigned i = 0; i < HV_SWBP_SLOTS; i++) /* keep breakpoints armed under new bytes */
        if ((s->sw_used >> i & 1) && s->sw[i].addr - c->addr < n) {
            s->sw[i].orig = c->data[s->sw[i].addr - c->addr];
            s->t->mem_write(s->tctx, s->sw[i].addr, &int3, 1);
        }
    if (n < c->len)
        return hv_reply_error(r, HV_E_FAULT);
    hv_reply_ok(r);
}

static void insert_bp(hv_stub_t *s, const hv_cmd_t *c, hv_reply_t *r) {
    if (c->type > 1)
        return; /* watchpoints: unsupported, empty reply */
    if (s->t->protected_range(s->tctx, c->addr, 1))
        return hv_reply_error(r, HV_E_PROTECTED);
    if (c->type == 0) {
        if (swbp_find(s, c->addr) >= 0)
            return hv_reply_ok(r);
        unsigned i = 0;
        while (i < HV_SWBP_SLOTS && (s->sw_used >> i & 1))
            i++;
        if (i == HV_SWBP_SLOTS)
            return hv_reply_error(r, HV_E_NO_SLOT);
        static const uint8_t int3 = 0xcc;
        uint8_t orig;
        if (s->t->mem_read(s->tctx, c->addr, &orig, 1) != 1 ||
            s->t->mem_write(s->tctx, c->addr, &int3, 1) != 1)
            return hv_reply_error(r, HV_E_FAULT);
        s->sw[i] = (hv_swbp_t){c->addr, orig};
        s->sw_used |= 1ull << i;
        return hv_reply_ok(r);
    }
    unsigned i;
    for (i = 0; i < HV_HWBP_SLOTS; i++)
        if ((s->hw_used >> i & 1) && s->hw[i] == c->addr)
            return hv_reply_ok(r);
    for (i = 0; i < HV_HWBP_SLOTS && (s->hw_used >> i & 1); i++)
        ;
    if (i == HV_HWBP_SLOTS)
        return hv_reply_error(r, HV_E_NO_SLOT);
    if (!s->t->hwbp_set(s->tctx, i, c->addr))
        return hv_reply_error(r, HV_E_FAULT);
    s->hw[i] = c->addr;
    s->hw_used |= (uint8_t)(1u << i);
    hv_reply_ok(r);
}

static bool remove_sw(hv_stub_t *s, unsigned i) {
    bool ok = s->t->mem_write(s->tctx, s->sw[i].addr, &s->sw[i].orig, 1) == 1;
    s->sw_used &= ~(1ull << i);
    return ok;
}

static void remove_bp(hv_stub_t *s, const hv_cmd_t *c, hv_reply_t *r) {
    if (c->type > 1)
        return;
    if (c->type == 0) {
        int i = swbp_find(s, c->addr);
        if (i < 0)
            return hv_reply_error(r, HV_E_NOT_FOUND);
        return remove_sw(s, (unsigned)i) ? hv_reply_ok(r) : hv_reply_error(r, HV_E_FAULT);
    }
    for (unsigned i = 0; i < HV_HWBP_SLOTS; i++)
        if ((s->hw_used >> i & 1) && s->hw[i] == c->addr) {
            s->t->hwbp_clear(s->tctx, i);
            s->hw_used &= (uint8_t) ~(1u << i);
            return hv_reply_ok(r);
        }
    hv_reply_error(r, HV_E_NOT_FOUND);
}

static void remove_all(hv_stub_t *s) {
    for (unsigned i = 0; i < HV_SWBP_SLOTS; i++)
        if (s->sw_used >> i & 1)
            remove_sw(s, i);
    for (unsigned i = 0; i < HV_HWBP_SLOTS; i++)
        if (s->hw_used >> i & 1)
            s->t->hwbp_clear(s->tctx, i);
    s->hw_used = 0;
    hv_exitbp_clear(&s->exitbp);
}

/* ---- execution ------------------------------------------------------------------------------ */
static hv_action_t vcont(hv_stub_t *s, const hv_cmd_t *c, hv_reply_t *r, hv_resume_t *res) {
    res->step_mask = 0;
    res->run_others = false;
    for (size_t i = 0; i < c->count; i++) {
        const hv_vcont_action_t *a = &c->vcont[i];
        uint32_t cpu;
        if (!thread_cpu(s, a->thread, &cpu)) {
            hv_reply_error(r, HV_E_THREAD);
            return HV_ACT_REPLY;
        }
        if (a->action == 's')
            res->step_mask |= 1ull << (a->thread < 0 ? s->c_cpu : cpu);
        else if (a->action == 'c')
            res->run_others = true;
    }
    if (!res->step_mask && !res->run_others) {
        hv_reply_error(r, HV_E_SYNTAX);
        return HV_ACT_REPLY;
    }
    return HV_ACT_RESUME;
}

/* ---- qXfer objects ------------------------------------------------------------------------- */
static void xfer(hv_reply_t *r, const uint8_t *obj, size_t total, uint64_t off, uint64_t len) {
    if (off >= total) {
        hv_reply_char(r, 'l');
        return;
    }
    hv_reply_char(r, 'm');
    size_t max = len < r->cap ? (size_t)len : r->cap;
    size_t taken = hv_reply_escaped(r, obj + off, total - (size_t)off, max);
    if (off + taken == total)
        r->buf[0] = 'l';
}

static size_t library_list(hv_stub_t *s, uint8_t *buf, size_t cap) {
    const hv_target_info_t *info = s->t->info(s->tctx);
    hv_reply_t x;
    hv_reply_init(&x, buf, cap);
    hv_reply_str(&x, "<library-list><library name=\"");
    hv_reply_str(&x, info->lib_name);
    hv_reply_str(&x, "\"><segment address=\"0x");
    hv_reply_hex_u64(&x, info->lib_segment);
    hv_reply_str(&x, "\"/></library></library-list>");
    return x.overflow ? 0 : x.len;
}

static bool annex_is(const hv_cmd_t *c, const char *name) {
    size_t i = 0;
    for (; name[i]; i++)
        if (i >= c->annex_len || c->annex[i] != (uint8_t)name[i])
            return false;
    return i == c->annex_len;
}

/* ---- hypervisor packets -------------------------------------------------------------------- */
static void hv_info(hv_stub_t *s, hv_reply_t *r) {
    const hv_target_info_t *info = s->t->info(s->tctx);
    hv_reply_str(r, "proto:1;version:");
    hv_reply_hex_str(r, info->version);
    hv_reply_str(r, ";cpus:");
    hv_reply_hex_u64(r, cpus(s));
    hv_reply_str(r, ";base:");
    hv_reply_hex_u64(r, info->image_base);
    hv_reply_str(r, ";size:");
    hv_reply_hex_u64(r, info->image_size);
    hv_reply_str(r, ";caps:");
    hv_reply_str(r, info->caps);
}

static void vmcs_all(hv_stub_t *s, hv_reply_t *r) {
    size_t count;
    const uint32_t *f = s->t->vmcs_fields(s->tctx, &count);
    bool first = true;
    for (size_t i = 0; i < count; i++) {
        uint64_t v;
        int rc = s->t->vmread(s->tctx, s->g_cpu, f[i], &v);
        if (rc == HV_VMX_NO_VMCS)
            return hv_reply_error(r, HV_E_NO_VMCS);
        if (rc != HV_VMX_OK)
            continue;
        if (!first)
            hv_reply_char(r, ',');
        first = false;
        hv_reply_hex_u64(r, f[i]);
        hv_reply_char(r, '=');
        hv_reply_hex_u64(r, v);
    }
}

static void vmcs_read(hv_stub_t *s, const hv_cmd_t *c, hv_reply_t *r) {
    for (size_t i = 0; i < c->count; i++) {
        uint64_t v;
        int rc = s->t->vmread(s->tctx, s->g_cpu, (uint32_t)c->items[i].key, &v);
        if (rc == HV_VMX_NO_VMCS)
            return hv_reply_error(r, HV_E_NO_VMCS);
        if (i)
            hv_reply_char(r, ',');
        if (rc == HV_VMX_OK)
            hv_reply_hex_u64(r, v);
        else
            hv_reply_char(r, '-');
    }
}

static void vmcs_write(hv_stub_t *s, const hv_cmd_t *c, hv_reply_t *r) {
    for (size_t i = 0; i < c->count; i++) { /* check everything before writing anything */
        uint32_t enc = (uint32_t)c->items[i].key;
        uint64_t v;
        if (((enc >> 10) & 3) == 1)
            return hv_reply_error(r, HV_E_READ_ONLY);
        int rc = s->t->vmread(s->tctx, s->g_cpu, enc, &v);
        if (rc == HV_VMX_NO_VMCS)
            return hv_reply_error(r, HV_E_NO_VMCS);
        if (rc != HV_VMX_OK)
            return hv_reply_error(r, HV_E_VMX_FAIL);
    }
    for (size_t i = 0; i < c->count; i++)
        if (s->t->vmwrite(s->tctx, s->g_cpu, (uint32_t)c->items[i].key, c->items[i].value) !=
            HV_VMX_OK)
            return hv_reply_error(r, HV_E_VMX_FAIL);
    hv_reply_ok(r);
}

static void gregs_read(hv_stub_t *s, hv_reply_t *r) {
    for (unsigned i = 0; i < HV_GREG_COUNT; i++) {
        uint64_t v;
        int rc = s->t->greg_read(s->tctx, s->g_cpu, (hv_greg_t)i, &v);
        if (rc)
            return hv_reply_error(r, (uint8_t)rc);
        if (i)
            hv_reply_char(r, ';');
        hv_reply_str(r, hv_greg_names[i]);
        hv_reply_char(r, ':');
        hv_reply_hex_u64(r, v);
    }
}

static void gregs_write(hv_stub_t *s, const hv_cmd_t *c, hv_reply_t *r) {
    for (size_t i = 0; i < c->count; i++) {
        int rc = s->t->greg_write(s->tctx, s->g_cpu, (hv_greg_t)c->items[i].key, c->items[i].value);
        if (rc)
            return hv_reply_error(r, (uint8_t)rc);
    }
    hv_reply_ok(r);
}

void hv_stub_walk_reply(hv_reply_t *r, const hv_walk_t *w, bool ept) {
    for (unsigned i = 0; i < w->levels; i++) {
        hv_reply_char(r, ept ? 'e' : 'g');
        hv_reply_hex_u64(r, 4 - i);
        hv_reply_char(r, ':');
        hv_reply_hex_u64(r, w->lvl[i].table);
        hv_reply_char(r, ',');
        hv_reply_hex_u64(r, w->lvl[i].entry);
        hv_reply_char(r, ';');
    }
    if (w->result == HV_WALK_OK && ept) {
        hv_reply_str(r, "hpa:");
        hv_reply_hex_u64(r, w->out);
        hv_reply_str(r, ";size:");
        hv_reply_hex_u64(r, w->page_size);
        hv_reply_str(r, ";mt:");
        hv_reply_hex_u64(r, w->mt);
    } else if (w->result == HV_WALK_MISS || w->result == HV_WALK_BAD) {
        hv_reply_str(r, w->result == HV_WALK_BAD ? "bad:" : ept ? "miss:" : "gmiss:");
        hv_reply_hex_u64(r, w->fail_level);
    }
}

static bool eptp_of(hv_stub_t *s, uint64_t *eptp, hv_reply_t *r) {
    if (s->t->vmread(s->tctx, s->g_cpu, VMCS_EPTP, eptp) != HV_VMX_OK) {
        hv_reply_error(r, HV_E_NO_VMCS);
        return false;
    }
    return true;
}

static void ept_reply(hv_stub_t *s, uint64_t eptp, uint64_t gpa, hv_reply_t *r) {
    hv_walk_t w;
    hv_ept_walk(s->t, s->tctx, eptp, gpa, &w);
    if (w.result == HV_WALK_FAULT)
        return hv_reply_error(r, HV_E_FAULT);
    hv_reply_str(r, "eptp:");
    hv_reply_hex_u64(r, eptp);
    hv_reply_char(r, ';');
    hv_stub_walk_reply(r, &w, true);
}

static void gva_walk(hv_stub_t *s, const hv_cmd_t *c, hv_reply_t *r) {
    uint64_t eptp, cr0, cr3, cr4, efer;
    if (!eptp_of(s, &eptp, r))
        return;
    int rc = s->t->greg_read(s->tctx, s->g_cpu, HV_GREG_CR0, &cr0);
    rc = rc ? rc : s->t->greg_read(s->tctx, s->g_cpu, HV_GREG_CR3, &cr3);
    rc = rc ? rc : s->t->greg_read(s->tctx, s->g_cpu, HV_GREG_CR4, &cr4);
    rc = rc ? rc : s->t->greg_read(s->tctx, s->g_cpu, HV_GREG_EFER, &efer);
    if (rc)
        return hv_reply_error(r, (uint8_t)rc);
    if (c->has_cr3)
        cr3 = c->cr3;
    hv_walk_t g;
    rc = hv_guest_walk(s->t, s->tctx, eptp, cr0, cr4, efer, cr3, c->addr, &g);
    if (rc)
        return hv_reply_error(r, (uint8_t)rc);
    hv_reply_str(r, "cr3:");
    hv_reply_hex_u64(r, cr3);
    hv_reply_char(r, ';');
    hv_stub_walk_reply(r, &g, false);
    if (g.result != HV_WALK_OK)
        return;
    hv_reply_str(r, "gpa:");
    hv_reply_hex_u64(r, g.out);
    hv_reply_char(r, ';');
    hv_walk_t e;
    hv_ept_walk(s->t, s->tctx, eptp, g.out, &e);
    if (e.result == HV_WALK_FAULT)
        return hv_reply_error(r, HV_E_FAULT);
    hv_reply_str(r, "eptp:");
    hv_reply_hex_u64(r, eptp);
    hv_reply_char(r, ';');
    hv_stub_walk_reply(r, &e, true);
}

static void gpm(hv_stub_t *s, hv_cmd_t *c, hv_reply_t *r, bool write) {
    uint64_t eptp;
    if (c->len > HV_MEM_MAX)
        return hv_reply_error(r, HV_E_LENGTH);
    if (!eptp_of(s, &eptp, r))
        return;
    uint8_t *buf = write ? (uint8_t *)c->data : s->scratch;
    size_t n = hv_gpm_access(s->t, s->tctx, eptp, c->addr, buf, (size_t)c->len, write);
    if (write)
        return n == c->len ? hv_reply_ok(r) : hv_reply_error(r, HV_E_FAULT);
    if (n == 0 && c->len)
        return hv_reply_error(r, HV_E_FAULT);
    hv_reply_hex_bytes(r, s->scratch, n);
}

static void exits(hv_stub_t *s, const hv_cmd_t *c, hv_reply_t *r) {
    uint32_t only = 0;
    if (c->has_thread && c->thread > 0 && !thread_cpu(s, c->thread, &only))
        return hv_reply_error(r, HV_E_THREAD);
    bool one = c->has_thread && c->thread > 0, first = true;
    for (uint32_t reason = 0; reason < HV_EXIT_REASONS; reason++) {
        uint64_t sum = 0;
        for (uint32_t cpu = 0; cpu < cpus(s); cpu++)
            if (!one || cpu == only)
                sum += s->t->exit_count(s->tctx, cpu, reason);
        if (!sum)
            continue;
        if (!first)
            hv_reply_char(r, ',');
        first = false;
        hv_reply_hex_u64(r, reason);
        hv_reply_char(r, '=');
        hv_reply_hex_u64(r, sum);
    }
}

static void exitbp_list(hv_stub_t *s, hv_reply_t *r) {
    bool first = true;
    for (unsigned i = 0; i < HV_EXITBP_SLOTS; i++) {
        if (!(s->exitbp.used >> i & 1))
            continue;
        const hv_exitbp_spec_t *b = &s->exitbp.slot[i].spec;
        if (!first)
            hv_reply_char(r, ';');
        first = false;
        hv_reply_hex_u64(r, i);
        hv_reply_char(r, ',');
        hv_reply_hex_u64(r, b->reason);
        for (unsigned k = 0; k < HV_XF_COUNT; k++) {
            if (!(b->keys >> k & 1))
                continue;
            hv_reply_char(r, ',');
            hv_reply_str(r, hv_exit_filter_names[k]);
            hv_reply_char(r, '=');
            if (k == HV_XF_DIR) {
                hv_reply_str(r, b->lo[k] == HV_DIR_IN ? "in" : "out");
                continue;
            }
            hv_reply_hex_u64(r, b->lo[k]);
            if (b->hi[k] != b->lo[k]) {
                hv_reply_char(r, '-');
                hv_reply_hex_u64(r, b->hi[k]);
            }
        }
        hv_reply_str(r, ",hits=");
        hv_reply_hex_u64(r, s->exitbp.slot[i].hits);
    }
}

/* ---- the dispatcher ------------------------------------------------------------------------ */
hv_action_t hv_dispatch(hv_stub_t *s, uint8_t *payload, size_t n, hv_reply_t *r, hv_resume_t *res) {
    hv_cmd_t *c = &s->cmd;
    hv_reply_reset(r);
    hv_parse(payload, n, c);
    uint32_t cpu;
    switch (c->op) {
    case HV_CMD_UNKNOWN:
        break;
    case HV_CMD_ERROR:
        hv_reply_error(r, c->err);
        break;
    case HV_CMD_SUPPORTED:
        hv_reply_str(r, "PacketSize=1000;qXfer:features:read+;qXfer:libraries:read+;"
                        "vContSupported+");
        break;
    case HV_CMD_STOP_QUERY:
        hv_stub_stop_reply(s, r);
        break;
    case HV_CMD_READ_REGS:
        read_regs(s, r);
        break;
    case HV_CMD_WRITE_REGS:
        write_regs(s, c, r);
        break;
    case HV_CMD_READ_REG:
        if (c->reg >= HV_TDESC_REGS) {
            hv_reply_error(r, HV_E_REGISTER);
            break;
        }
        hv_reply_hex_le(r, reg_value(s->t->regs(s->tctx, s->g_cpu), c->reg),
                        hv_tdesc_reg_size(c->reg));
        break;
    case HV_CMD_WRITE_REG:
        if (c->reg >= HV_TDESC_REGS)
            hv_reply_error(r, HV_E_REGISTER);
        else if (c->len != hv_tdesc_reg_size(c->reg))
            hv_reply_error(r, HV_E_LENGTH);
        else {
            reg_store(s->t->regs(s->tctx, s->g_cpu), c->reg, c->data);
            hv_reply_ok(r);
        }
        break;
    case HV_CMD_READ_MEM:
        read_mem(s, c, r);
        break;
    case HV_CMD_WRITE_MEM:
        write_mem(s, c, r);
        break;
    case HV_CMD_INSERT_BP:
        insert_bp(s, c, r);
        break;
    case HV_CMD_REMOVE_BP:
        remove_bp(s, c, r);
        break;
    case HV_CMD_STEP:
    case HV_CMD_CONTINUE: {
        bool step = c->op == HV_CMD_STEP;
        cpu = step ? s->c_cpu : s->stop.cpu;
        if (c->has_addr)
            s->t->regs(s->tctx, cpu)->rip = c->addr;
        res->step_mask = step ? 1ull << cpu : 0;
        res->run_others = !step;
        return HV_ACT_RESUME;
    }
    case HV_CMD_VCONT_QUERY:
        hv_reply_str(r, "vCont;c;C;s;S");
        break;
    case HV_CMD_VCONT:
        return vcont(s, c, r, res);
    case HV_CMD_SET_THREAD:
        if (!thread_cpu(s, c->thread, &cpu))
            hv_reply_error(r, HV_E_THREAD);
        else if (c->hop != 'g' && c->hop != 'c')
            hv_reply_error(r, HV_E_SYNTAX);
        else {
            *(c->hop == 'g' ? &s->g_cpu : &s->c_cpu) = cpu;
            hv_reply_ok(r);
        }
        break;
    case HV_CMD_THREAD_ALIVE:
        if (c->thread > 0 && thread_cpu(s, c->thread, &cpu))
            hv_reply_ok(r);
        else
            hv_reply_error(r, HV_E_THREAD);
        break;
    case HV_CMD_CURRENT_THREAD:
        hv_reply_str(r, "QC");
        hv_reply_hex_u64(r, (uint64_t)s->stop.cpu + 1);
        break;
    case HV_CMD_THREADS_FIRST:
        hv_reply_char(r, 'm');
        for (uint32_t i = 0; i < cpus(s); i++) {
            if (i)
                hv_reply_char(r, ',');
            hv_reply_hex_u64(r, (uint64_t)i + 1);
        }
        break;
    case HV_CMD_THREADS_NEXT:
        hv_reply_char(r, 'l');
        break;
    case HV_CMD_THREAD_EXTRA: {
        if (c->thread <= 0 || !thread_cpu(s, c->thread, &cpu)) {
            hv_reply_error(r, HV_E_THREAD);
            break;
        }
        char text[32] = "cpu", *p = text + 3;
        char digits[10];
        int nd = 0;
        uint32_t v = cpu;
        do
            digits[nd++] = (char)('0' + v % 10);
        while ((v /= 10) != 0);
        while (nd)
            *p++ = digits[--nd];
        const char *where = s->t->cpu_in_guest(s->tctx, cpu) ? " guest" : " hypervisor";
        while (*where)
            *p++ = *where++;
        *p = 0;
        hv_reply_hex_str(r, text);
        break;
    }
    case HV_CMD_ATTACHED:
        hv_reply_char(r, '1');
        break;
    case HV_CMD_XFER_FEATURES:
        if (!annex_is(c, "target.xml"))
            hv_reply_error(r, HV_E_ANNEX);
        else
            xfer(r, (const uint8_t *)hv_tdesc_xml, hv_tdesc_xml_len, c->addr, c->len);
        break;
    case HV_CMD_XFER_LIBRARIES: {
        size_t len = library_list(s, s->scratch, sizeof s->scratch);
        xfer(r, s->scratch, len, c->addr, c->len);
        break;
    }
    case HV_CMD_RCMD:
        hv_monitor(s, c->data, (size_t)c->len, r);
        break;
    case HV_CMD_DETACH:
    case HV_CMD_KILL:
        remove_all(s);
        res->step_mask = 0;
        res->run_others = true;
        if (c->op == HV_CMD_KILL)
            return HV_ACT_KILL;
        hv_reply_ok(r);
        return HV_ACT_DETACH;
    case HV_CMD_HV_INFO:
        hv_info(s, r);
        break;
    case HV_CMD_HV_VMCS_ALL:
        vmcs_all(s, r);
        break;
    case HV_CMD_HV_VMCS_READ:
        vmcs_read(s, c, r);
        break;
    case HV_CMD_HV_VMCS_WRITE:
        vmcs_write(s, c, r);
        break;
    case HV_CMD_HV_GREGS_READ:
        gregs_read(s, r);
        break;
    case HV_CMD_HV_GREGS_WRITE:
        gregs_write(s, c, r);
        break;
    case HV_CMD_HV_EPT: {
        uint64_t eptp;
        if (eptp_of(s, &eptp, r))
            ept_reply(s, eptp, c->addr, r);
        break;
    }
    case HV_CMD_HV_GVA:
        gva_walk(s, c, r);
        break;
    case HV_CMD_HV_GPM_READ:
        gpm(s, c, r, false);
        break;
    case HV_CMD_HV_GPM_WRITE:
        gpm(s, c, r, true);
        break;
    case HV_CMD_HV_EXITS:
        exits(s, c, r);
        break;
    case HV_CMD_HV_EXITS_RESET:
        s->t->exits_reset(s->tctx);
        hv_reply_ok(r);
        break;
    case HV_CMD_HV_RESET:
        if (!s->t->reset)
            break; /* empty reply: this target cannot reset the machine */
        remove_all(s);
        hv_reply_ok(r);
        hv_reply_finish(r);
        return HV_ACT_RESET;
    case HV_CMD_HV_EXITBP_SET:
        hv_exitbp_set(&s->exitbp, &c->exitbp);
        hv_reply_ok(r);
        break;
    case HV_CMD_HV_EXITBP_DEL:
        if (hv_exitbp_del(&s->exitbp, c->exitbp.id))
            hv_reply_ok(r);
        else
            hv_reply_error(r, HV_E_NOT_FOUND);
        break;
    case HV_CMD_HV_EXITBP_DEL_ALL:
        hv_exitbp_clear(&s->exitbp);
        hv_reply_ok(r);
        break;
    case HV_CMD_HV_EXITBP_LIST:
        exitbp_list(s, r);
        break;
    }
    hv_reply_finish(r);
    return HV_ACT_REPLY;
}
