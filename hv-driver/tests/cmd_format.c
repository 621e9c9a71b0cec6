#include <stdio.h>
#include <string.h>
#include "cmd_format.h"

typedef struct {
    char *p;
    size_t left;
} buf_t;

static void put(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#include <stdarg.h>
static void put(buf_t *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->p, b->left, fmt, ap);
    va_end(ap);
    if (n > 0 && (size_t)n < b->left) {
        b->p += n;
        b->left -= (size_t)n;
    }
}

static void hex_data(buf_t *b, const hv_cmd_t *c) {
    put(b, " data=");
    for (uint64_t i = 0; i < c->len; i++)
        put(b, "%02x", c->data[i]);
}

static void thread(buf_t *b, int64_t t) {
    if (t < 0)
        put(b, "-1");
    else
        put(b, "%llx", (unsigned long long)t);
}

static const char *const names[] = {
    [HV_CMD_UNKNOWN] = "unknown",
    [HV_CMD_ERROR] = "error",
    [HV_CMD_SUPPORTED] = "supported",
    [HV_CMD_STOP_QUERY] = "stop-query",
    [HV_CMD_READ_REGS] = "read-regs",
    [HV_CMD_WRITE_REGS] = "write-regs",
    [HV_CMD_READ_REG] = "read-reg",
    [HV_CMD_WRITE_REG] = "write-reg",
    [HV_CMD_READ_MEM] = "read-mem",
    [HV_CMD_WRITE_MEM] = "write-mem",
    [HV_CMD_INSERT_BP] = "insert-bp",
    [HV_CMD_REMOVE_BP] = "remove-bp",
    [HV_CMD_STEP] = "step",
    [HV_CMD_CONTINUE] = "continue",
    [HV_CMD_VCONT_QUERY] = "vcont-query",
    [HV_CMD_VCONT] = "vcont",
    [HV_CMD_SET_THREAD] = "set-thread",
    [HV_CMD_THREAD_ALIVE] = "thread-alive",
    [HV_CMD_CURRENT_THREAD] = "current-thread",
    [HV_CMD_THREADS_FIRST] = "threads-first",
    [HV_CMD_THREADS_NEXT] = "threads-next",
    [HV_CMD_THREAD_EXTRA] = "thread-extra",
    [HV_CMD_ATTACHED] = "attached",
    [HV_CMD_XFER_FEATURES] = "xfer-features",
    [HV_CMD_XFER_LIBRARIES] = "xfer-libraries",
    [HV_CMD_RCMD] = "rcmd",
    [HV_CMD_DETACH] = "detach",
    [HV_CMD_KILL] = "kill",
    [HV_CMD_HV_INFO] = "hv-info",
    [HV_CMD_HV_VMCS_ALL] = "hv-vmcs-all",
    [HV_CMD_HV_VMCS_READ] = "hv-vmcs-read",
    [HV_CMD_HV_VMCS_WRITE] = "hv-vmcs-write",
    [HV_CMD_HV_GREGS_READ] = "hv-gregs-read",
    [HV_CMD_HV_GREGS_WRITE] = "hv-gregs-write",
    [HV_CMD_HV_EPT] = "hv-ept",
    [HV_CMD_HV_GVA] = "hv-gva",
    [HV_CMD_HV_GPM_READ] = "hv-gpm-read",
    [HV_CMD_HV_GPM_WRITE] = "hv-gpm-write",
    [HV_CMD_HV_EXITS] = "hv-exits",
    [HV_CMD_HV_EXITS_RESET] = "hv-exits-reset",
    [HV_CMD_HV_RESET] = "hv-reset",
    [HV_CMD_HV_EXITBP_SET] = "hv-exitbp-set",
    [HV_CMD_HV_EXITBP_DEL] = "hv-exitbp-del",
    [HV_CMD_HV_EXITBP_DEL_ALL] = "hv-exitbp-del-all",
    [HV_CMD_HV_EXITBP_LIST] = "hv-exitbp-list",
};

size_t cmd_format(const hv_cmd_t *c, char *out, size_t cap) {
    buf_t b = {out, cap};
    out[0] = 0;
    put(&b, "%s", names[c->op]);
    typedef unsigned long long ull;
    switch (c->op) {
    case HV_CMD_ERROR:
        put(&b, " E%02x", c->err);
        break;
    case HV_CMD_WRITE_REGS:
        put(&b, " len=%llx", (ull)c->len);
        break;
    case HV_CMD_READ_REG:
        put(&b, " reg=%llx", (ull)c->reg);
        break;
    case HV_CMD_WRITE_REG:
        put(&b, " reg=%llx", (ull)c->reg);
        hex_data(&b, c);
        break;
    case HV_CMD_READ_MEM:
    case HV_CMD_HV_GPM_READ:
        put(&b, " %s=%llx len=%llx", c->op == HV_CMD_READ_MEM ? "addr" : "gpa", (ull)c->addr,
            (ull)c->len);
        break;
    case HV_CMD_WRITE_MEM:
    case HV_CMD_HV_GPM_WRITE:
        put(&b, " %s=%llx len=%llx", c->op == HV_CMD_WRITE_MEM ? "addr" : "gpa", (ull)c->addr,
            (ull)c->len);
        hex_data(&b, c);
        break;
    case HV_CMD_INSERT_BP:
    case HV_CMD_REMOVE_BP:
        put(&b, " type=%u addr=%llx kind=%llx", c->type, (ull)c->addr, (ull)c->kind);
        break;
    case HV_CMD_STEP:
    case HV_CMD_CONTINUE:
        if (c->has_addr)
            put(&b, " addr=%llx", (ull)c->addr);
        break;
    case HV_CMD_VCONT:
        for (size_t i = 0; i < c->count; i++) {
            put(&b, " %c", c->vcont[i].action);
            if (c->vcont[i].thread >= 0)
                put(&b, ":%llx", (ull)c->vcont[i].thread);
        }
        break;
    case HV_CMD_SET_THREAD:
        put(&b, " op=%c thread=", c->hop);
        thread(&b, c->thread);
        break;
    case HV_CMD_THREAD_ALIVE:
    case HV_CMD_THREAD_EXTRA:
        put(&b, " thread=");
        thread(&b, c->thread);
        break;
    case HV_CMD_XFER_FEATURES:
        put(&b, " annex=%.*s off=%llx len=%llx", (int)c->annex_len, (const char *)c->annex,
            (ull)c->addr, (ull)c->len);
        break;
    case HV_CMD_XFER_LIBRARIES:
        put(&b, " off=%llx len=%llx", (ull)c->addr, (ull)c->len);
        break;
    case HV_CMD_RCMD:
        put(&b, " text=");
        for (uint64_t i = 0; i < c->len; i++)
            put(&b, "%02x", c->data[i]);
        break;
    case HV_CMD_HV_VMCS_READ:
        put(&b, " encs=");
        for (size_t i = 0; i < c->count; i++)
            put(&b, "%s%llx", i ? "," : "", (ull)c->items[i].key);
        break;
    case HV_CMD_HV_VMCS_WRITE:
        for (size_t i = 0; i < c->count; i++)
            put(&b, " %llx=%llx", (ull)c->items[i].key, (ull)c->items[i].value);
        break;
    case HV_CMD_HV_GREGS_WRITE:
        for (size_t i = 0; i < c->count; i++)
            put(&b, " %s=%llx", hv_greg_names[c->items[i].key], (ull)c->items[i].value);
        break;
    case HV_CMD_HV_EPT:
        put(&b, " gpa=%llx", (ull)c->addr);
        break;
    case HV_CMD_HV_GVA:
        put(&b, " gva=%llx", (ull)c->addr);
        if (c->has_cr3)
            put(&b, " cr3=%llx", (ull)c->cr3);
        break;
    case HV_CMD_HV_EXITS:
        if (c->has_thread) {
            put(&b, " thread=");
            thread(&b, c->thread);
        }
        break;
    case HV_CMD_HV_EXITBP_SET: {
        const hv_exitbp_spec_t *x = &c->exitbp;
        put(&b, " id=%x reason=%x", x->id, x->reason);
        for (unsigned k = 0; k < HV_XF_COUNT; k++) {
            if (!(x->keys >> k & 1))
                continue;
            if (k == HV_XF_DIR) {
                put(&b, " dir=%s", x->lo[k] == HV_DIR_IN ? "in" : "out");
                continue;
            }
            put(&b, " %s=%llx", hv_exit_filter_names[k], (ull)x->lo[k]);
            if (x->hi[k] != x->lo[k])
                put(&b, "-%llx", (ull)x->hi[k]);
        }
        break;
    }
    case HV_CMD_HV_EXITBP_DEL:
        put(&b, " id=%x", c->exitbp.id);
        break;
    default:
        break;
    }
    return (size_t)(b.p - out);
}
