#include "parse.h"
#include "hex.h"
#include "packet.h"

const char *const hv_exit_filter_names[HV_XF_COUNT] = {"cpu",  "leaf", "subleaf", "msr",
                                                       "port", "dir",  "cr",      "gpa"};

const char *const hv_greg_names[HV_GREG_COUNT] = {
    "rax", "rbx", "rcx", "rdx", "rsi", "rdi",    "rbp", "rsp", "r8",  "r9",  "r10", "r11",
    "r12", "r13", "r14", "r15", "rip", "rflags", "cr0", "cr2", "cr3", "cr4", "dr7", "efer"};

/* A cursor over the payload. */
typedef struct {
    uint8_t *p, *end;
} cur_t;

static bool at_end(const cur_t *c) {
    return c->p == c->end;
}

/* Consumes the literal s if the input continues with it. */
static bool eat(cur_t *c, const char *s) {
    uint8_t *p = c->p;
    for (; *s; s++, p++)
        if (p == c->end || *p != (uint8_t)*s)
            return false;
    c->p = p;
    return true;
}

/* The whole remaining input is exactly s. */
static bool rest_is(cur_t *c, const char *s) {
    cur_t t = *c;
    return eat(&t, s) && at_end(&t);
}

static bool num(cur_t *c, uint64_t *v) {
    const uint8_t *p = c->p;
    if (!hv_hex_u64(&p, c->end, v))
        return false;
    c->p = (uint8_t *)p;
    return true;
}

static bool thread_id(cur_t *c, int64_t *t) {
    uint64_t v;
    if (eat(c, "-1")) {
        *t = -1;
        return true;
    }
    if (!num(c, &v) || v > 0x7fffffff)
        return false;
    *t = (int64_t)v;
    return true;
}

static void fail(hv_cmd_t *cmd, uint8_t err) {
    cmd->op = HV_CMD_ERROR;
    cmd->err = err;
}

/* Hex data to the end of the input, decoded in place; its byte count must be want (if want != ~0).
 */
static bool hex_data(cur_t *c, hv_cmd_t *cmd, uint64_t want) {
    size_t chars = (size_t)(c->end - c->p);
    if (chars % 2) {
        fail(cmd, HV_E_SYNTAX);
        return false;
    }
    if (want != ~0ull && chars / 2 != want) {
        fail(cmd, HV_E_LENGTH);
        return false;
    }
    if (!hv_hex_to_bytes(c->p, c->p, chars / 2)) {
        fail(cmd, HV_E_SYNTAX);
        return false;
    }
    cmd->data = c->p;
    cmd->len = chars / 2;
    c->p = c->end;
    return true;
}

/* "<addr>,<len>" */
static bool addr_len(cur_t *c, hv_cmd_t *cmd) {
    return num(c, &cmd->addr) && eat(c, ",") && num(c, &cmd->len);
}

static void parse_mem_write(cur_t *c, hv_cmd_t *cmd, bool binary) {
    if (!addr_len(c, cmd) || !eat(c, ":"))
        return fail(cmd, HV_E_SYNTAX);
    cmd->op = HV_CMD_WRITE_MEM;
    if (!binary) {
        hex_data(c, cmd, cmd->len);
        return;
    }
    long n = hv_unescape(c->p, c->p, (size_t)(c->end - c->p));
    if (n < 0)
        return fail(cmd, HV_E_SYNTAX);
    if ((uint64_t)n != cmd->len)
        return fail(cmd, HV_E_LENGTH);
    cmd->data = c->p;
}

static void parse_bp(cur_t *c, hv_cmd_t *cmd, bool insert) {
    uint64_t type;
    if (!num(c, &type) || type > 4 || !eat(c, ",") || !num(c, &cmd->addr) || !eat(c, ",") ||
        !num(c, &cmd->kind) || !at_end(c))
        return fail(cmd, HV_E_SYNTAX);
    cmd->op = insert ? HV_CMD_INSERT_BP : HV_CMD_REMOVE_BP;
    cmd->type = (uint8_t)type;
}

/* s[addr], c[addr], S<sig>[;addr], C<sig>[;addr] */
static void parse_resume(cur_t *c, hv_cmd_t *cmd, hv_cmd_op_t op, bool with_signal) {
    uint64_t sig;
    if (with_signal) {
        if (!num(c, &sig) || sig > 0xff)
            return fail(cmd, HV_E_SYNTAX);
        if (!at_end(c) && !eat(c, ";"))
            return fail(cmd, HV_E_SYNTAX);
    }
    if (!at_end(c)) {
        if (!num(c, &cmd->addr) || !at_end(c))
            return fail(cmd, HV_E_SYNTAX);
        cmd->has_addr = true;
    }
    cmd->op = op;
}

static void parse_vcont(cur_t *c, hv_cmd_t *cmd) {
    if (rest_is(c, "?")) {
        cmd->op = HV_CMD_VCONT_QUERY;
        return;
    }
    cmd->count = 0;
    while (!at_end(c)) {
        uint64_t sig;
        if (!eat(c, ";") || at_end(c) || cmd->count == HV_CMD_MAX_VCONT)
            return fail(cmd, HV_E_SYNTAX);
        hv_vcont_action_t *a = &cmd->vcont[cmd->count++];
        uint8_t k = *c->p++;
        if (k == 'C' || k == 'S') {
            if (!num(c, &sig) || sig > 0xff)
                return fail(cmd, HV_E_SYNTAX);
            k = (uint8_t)(k + ('a' - 'A'));
        } else if (k != 'c' && k != 's' && k != 't') {
            return fail(cmd, HV_E_SYNTAX);
        }
        a->action = (char)k;
        a->thread = -1;
        if (eat(c, ":") && !thread_id(c, &a->thread))
            return fail(cmd, HV_E_SYNTAX);
    }
    if (cmd->count == 0)
        return fail(cmd, HV_E_SYNTAX);
    cmd->op = HV_CMD_VCONT;
}

/* "<off>,<len>" of qXfer, to the end. */
static bool xfer_range(cur_t *c, hv_cmd_t *cmd) {
    return num(c, &cmd->addr) && eat(c, ",") && num(c, &cmd->len) && at_end(c);
}

static void parse_xfer(cur_t *c, hv_cmd_t *cmd) {
    if (eat(c, "features:read:")) {
        uint8_t *annex = c->p;
        while (c->p < c->end && *c->p != ':')
            c->p++;
        if (at_end(c))
            return fail(cmd, HV_E_SYNTAX);
        cmd->annex = annex;
        cmd->annex_len = (size_t)(c->p - annex);
        c->p++;
        if (!xfer_range(c, cmd))
            return fail(cmd, HV_E_SYNTAX);
        cmd->op = HV_CMD_XFER_FEATURES;
    } else if (eat(c, "libraries:read::")) {
        if (!xfer_range(c, cmd))
            return fail(cmd, HV_E_SYNTAX);
        cmd->op = HV_CMD_XFER_LIBRARIES;
    } else {
        cmd->op = HV_CMD_UNKNOWN;
    }
}

/* ---- hypervisor packets -------------------------------------------------------------------- */
static void parse_vmcs_read(cur_t *c, hv_cmd_t *cmd) {
    cmd->count = 0;
    do {
        uint64_t enc;
        if (!num(c, &enc) || enc > 0xffffffffull)
            return fail(cmd, HV_E_SYNTAX);
        if (cmd->count == HV_CMD_MAX_ITEMS)
            return fail(cmd, HV_E_LENGTH);
        cmd->items[cmd->count++].key = enc;
    } while (eat(c, ","));
    if (!at_end(c))
        return fail(cmd, HV_E_SYNTAX);
    cmd->op = HV_CMD_HV_VMCS_READ;
}

static void parse_vmcs_write(cur_t *c, hv_cmd_t *cmd) {
    cmd->count = 0;
    do {
        uint64_t enc, val;
        if (!num(c, &enc) || enc > 0xffffffffull || !eat(c, "=") || !num(c, &val))
            return fail(cmd, HV_E_SYNTAX);
        if (cmd->count == HV_CMD_MAX_ITEMS)
            return fail(cmd, HV_E_LENGTH);
        cmd->items[cmd->count].key = enc;
        cmd->items[cmd->count++].value = val;
    } while (eat(c, ";"));
    if (!at_end(c))
        return fail(cmd, HV_E_SYNTAX);
    cmd->op = HV_CMD_HV_VMCS_WRITE;
}

static bool name_in(cur_t *c, const char *const *names, size_t count, size_t *index) {
    for (size_t i = 0; i < count; i++) {
        cur_t t = *c;
        if (eat(&t, names[i]) && !at_end(&t) && *t.p == '=') {
            *c = t;
            *index = i;
            return true;
        }
    }
    return false;
}

static void parse_gregs_write(cur_t *c, hv_cmd_t *cmd) {
    cmd->count = 0;
    do {
        size_t r;
        uint64_t val;
        if (!name_in(c, hv_greg_names, HV_GREG_COUNT, &r)) {
            /* A well-formed unknown name is E0b, anything else a syntax error. */
            uint8_t *p = c->p;
            while (p < c->end && ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
                p++;
            return fail(cmd, p > c->p && p < c->end && *p == '=' ? HV_E_REGISTER : HV_E_SYNTAX);
        }
        if (!eat(c, "=") || !num(c, &val))
            return fail(cmd, HV_E_SYNTAX);
        if (cmd->count == HV_CMD_MAX_GREGS)
            return fail(cmd, HV_E_LENGTH);
        cmd->items[cmd->count].key = r;
        cmd->items[cmd->count++].value = val;
    } while (eat(c, ";"));
    if (!at_end(c))
        return fail(cmd, HV_E_SYNTAX);
    cmd->op = HV_CMD_HV_GREGS_WRITE;
}

/* Which exit reasons a filter key can apply to (any reason: all of them). */
static bool filter_applies(hv_exit_filter_key_t k, uint16_t reason) {
    switch (k) {
    case HV_XF_CPU:
        return true;
    case HV_XF_LEAF:
    case HV_XF_SUBLEAF:
        return reason == 10;
    case HV_XF_MSR:
        return reason == 31 || reason == 32;
    case HV_XF_PORT:
    case HV_XF_DIR:
        return reason == 30;
    case HV_XF_CR:
        return reason == 28;
    case HV_XF_GPA:
        return reason == 48 || reason == 49;
    default:
        return false;
    }
}

static void parse_exitbp_set(cur_t *c, hv_cmd_t *cmd) {
    hv_exitbp_spec_t *bp = &cmd->exitbp;
    uint64_t id, reason;
    if (!num(c, &id) || !eat(c, ",") || !num(c, &reason) || reason > 0xffff)
        return fail(cmd, HV_E_SYNTAX);
    bp->id = (uint8_t)id;
    bp->reason = (uint16_t)reason;
    bp->keys = 0;
    bool bad_key = id > 0xf;
    while (eat(c, ",")) {
        size_t k;
        if (!name_in(c, hv_exit_filter_names, HV_XF_COUNT, &k)) {
            uint8_t *p = c->p;
            while (p < c->end && *p >= 'a' && *p <= 'z')
                p++;
            if (p == c->p || p == c->end || *p != '=')
                return fail(cmd, HV_E_SYNTAX);
            c->p = p + 1; /* an unknown key: finish the syntax check, then answer E07 */
            uint64_t ignored;
            if (!num(c, &ignored))
                return fail(cmd, HV_E_SYNTAX);
            bad_key = true;
            continue;
        }
        eat(c, "=");
        if (bp->keys & (1u << k))
            return fail(cmd, HV_E_SYNTAX);
        uint64_t lo, hi;
        if (k == HV_XF_DIR) {
            if (eat(c, "in"))
                lo = HV_DIR_IN;
            else if (eat(c, "out"))
                lo = HV_DIR_OUT;
            else
                return fail(cmd, HV_E_SYNTAX);
            hi = lo;
        } else {
            if (!num(c, &lo))
                return fail(cmd, HV_E_SYNTAX);
            hi = lo;
            if ((k == HV_XF_PORT || k == HV_XF_GPA) && eat(c, "-") && !num(c, &hi))
                return fail(cmd, HV_E_SYNTAX);
            if (hi < lo || (k == HV_XF_PORT && hi > 0xffff) || (k == HV_XF_CR && lo > 15) ||
                ((k == HV_XF_LEAF || k == HV_XF_SUBLEAF || k == HV_XF_MSR || k == HV_XF_CPU) &&
                 lo > 0xffffffffull))
                return fail(cmd, HV_E_SYNTAX);
        }
        if (!filter_applies((hv_exit_filter_key_t)k, bp->reason))
            bad_key = true;
        bp->keys |= (uint16_t)(1u << k);
        bp->lo[k] = lo;
        bp->hi[k] = hi;
    }
    if (!at_end(c))
        return fail(cmd, HV_E_SYNTAX);
    if (bad_key)
        return fail(cmd, HV_E_NOT_FOUND);
    cmd->op = HV_CMD_HV_EXITBP_SET;
}

static void parse_hv_query(cur_t *c, hv_cmd_t *cmd) {
    if (rest_is(c, "info"))
        cmd->op = HV_CMD_HV_INFO;
    else if (rest_is(c, "vmcs"))
        cmd->op = HV_CMD_HV_VMCS_ALL;
    else if (eat(c, "vmcs:"))
        parse_vmcs_read(c, cmd);
    else if (rest_is(c, "gregs"))
        cmd->op = HV_CMD_HV_GREGS_READ;
    else if (eat(c, "ept:")) {
        if (!num(c, &cmd->addr) || !at_end(c))
            return fail(cmd, HV_E_SYNTAX);
        cmd->op = HV_CMD_HV_EPT;
    } else if (eat(c, "gva:")) {
        if (!num(c, &cmd->addr))
            return fail(cmd, HV_E_SYNTAX);
        if (eat(c, ",")) {
            if (!num(c, &cmd->cr3))
                return fail(cmd, HV_E_SYNTAX);
            cmd->has_cr3 = true;
        }
        if (!at_end(c))
            return fail(cmd, HV_E_SYNTAX);
        cmd->op = HV_CMD_HV_GVA;
    } else if (eat(c, "gpm:")) {
        if (!addr_len(c, cmd) || !at_end(c))
            return fail(cmd, HV_E_SYNTAX);
        cmd->op = HV_CMD_HV_GPM_READ;
    } else if (rest_is(c, "exits"))
        cmd->op = HV_CMD_HV_EXITS;
    else if (eat(c, "exits:")) {
        if (!thread_id(c, &cmd->thread) || !at_end(c))
            return fail(cmd, HV_E_SYNTAX);
        cmd->has_thread = true;
        cmd->op = HV_CMD_HV_EXITS;
    } else if (rest_is(c, "exitbp"))
        cmd->op = HV_CMD_HV_EXITBP_LIST;
    else
        cmd->op = HV_CMD_UNKNOWN;
}

static void parse_hv_set(cur_t *c, hv_cmd_t *cmd) {
    if (eat(c, "vmcs:"))
        parse_vmcs_write(c, cmd);
    else if (eat(c, "gregs:"))
        parse_gregs_write(c, cmd);
    else if (eat(c, "gpm:")) {
        if (!addr_len(c, cmd) || !eat(c, ":"))
            return fail(cmd, HV_E_SYNTAX);
        if (hex_data(c, cmd, cmd->len))
            cmd->op = HV_CMD_HV_GPM_WRITE;
    } else if (rest_is(c, "exits.reset"))
        cmd->op = HV_CMD_HV_EXITS_RESET;
    else if (rest_is(c, "reset"))
        cmd->op = HV_CMD_HV_RESET;
    else if (eat(c, "exitbp:"))
        parse_exitbp_set(c, cmd);
    else if (rest_is(c, "exitbp.del"))
        cmd->op = HV_CMD_HV_EXITBP_DEL_ALL;
    else if (eat(c, "exitbp.del:")) {
        uint64_t id;
        if (!num(c, &id) || !at_end(c))
            return fail(cmd, HV_E_SYNTAX);
        if (id > 0xf)
            return fail(cmd, HV_E_NOT_FOUND);
        cmd->exitbp.id = (uint8_t)id;
        cmd->op = HV_CMD_HV_EXITBP_DEL;
    } else
        cmd->op = HV_CMD_UNKNOWN;
}

static void parse_query(cur_t *c, hv_cmd_t *cmd) {
    if (eat(c, "Hv."))
        return parse_hv_query(c, cmd);
    if (rest_is(c, "Supported") || eat(c, "Supported:"))
        cmd->op = HV_CMD_SUPPORTED;
    else if (rest_is(c, "C"))
        cmd->op = HV_CMD_CURRENT_THREAD;
    else if (rest_is(c, "fThreadInfo"))
        cmd->op = HV_CMD_THREADS_FIRST;
    else if (rest_is(c, "sThreadInfo"))
        cmd->op = HV_CMD_THREADS_NEXT;
    else if (eat(c, "ThreadExtraInfo,")) {
        if (!thread_id(c, &cmd->thread) || !at_end(c))
            return fail(cmd, HV_E_SYNTAX);
        cmd->op = HV_CMD_THREAD_EXTRA;
    } else if (rest_is(c, "Attached") || eat(c, "Attached:"))
        cmd->op = HV_CMD_ATTACHED;
    else if (eat(c, "Xfer:"))
        parse_xfer(c, cmd);
    else if (eat(c, "Rcmd,")) {
        if (hex_data(c, cmd, ~0ull))
            cmd->op = HV_CMD_RCMD;
    } else
        cmd->op = HV_CMD_UNKNOWN;
}

void hv_parse(uint8_t *payload, size_t n, hv_cmd_t *cmd) {
    cur_t c = {payload, payload + n};
    cmd->op = HV_CMD_UNKNOWN;
    cmd->err = 0;
    cmd->has_addr = cmd->has_cr3 = cmd->has_thread = false;
    cmd->addr = cmd->len = cmd->kind = cmd->cr3 = cmd->reg = 0;
    cmd->thread = 0;
    cmd->count = 0;
    cmd->data = NULL;
    cmd->annex = NULL;
    cmd->annex_len = 0;
    if (n == 0)
        return;
    uint8_t k = *c.p++;
    switch (k) {
    case '?':
        if (at_end(&c))
            cmd->op = HV_CMD_STOP_QUERY;
        return;
    case 'g':
        if (at_end(&c))
            cmd->op = HV_CMD_READ_REGS;
        return;
    case 'G':
        if (hex_data(&c, cmd, ~0ull))
            cmd->op = HV_CMD_WRITE_REGS;
        return;
    case 'p':
        if (!num(&c, &cmd->reg) || !at_end(&c))
            return fail(cmd, HV_E_SYNTAX);
        cmd->op = HV_CMD_READ_REG;
        return;
    case 'P':
        if (!num(&c, &cmd->reg) || !eat(&c, "="))
            return fail(cmd, HV_E_SYNTAX);
        if (hex_data(&c, cmd, ~0ull))
            cmd->op = HV_CMD_WRITE_REG;
        return;
    case 'm':
        if (!addr_len(&c, cmd) || !at_end(&c))
            return fail(cmd, HV_E_SYNTAX);
        cmd->op = HV_CMD_READ_MEM;
        return;
    case 'M':
    case 'X':
        return parse_mem_write(&c, cmd, k == 'X');
    case 'Z':
    case 'z':
        return parse_bp(&c, cmd, k == 'Z');
    case 's':
    case 'c':
        return parse_resume(&c, cmd, k == 's' ? HV_CMD_STEP : HV_CMD_CONTINUE, false);
    case 'S':
    case 'C':
        return parse_resume(&c, cmd, k == 'S' ? HV_CMD_STEP : HV_CMD_CONTINUE, true);
    case 'v':
        if (eat(&c, "Cont"))
            parse_vcont(&c, cmd);
        return;
    case 'H':
        if (at_end(&c))
            return fail(cmd, HV_E_SYNTAX);
        cmd->hop = (char)*c.p++;
        if (!thread_id(&c, &cmd->thread) || !at_end(&c))
            return fail(cmd, HV_E_SYNTAX);
        cmd->op = HV_CMD_SET_THREAD;
        return;
    case 'T':
        if (!thread_id(&c, &cmd->thread) || !at_end(&c))
            return fail(cmd, HV_E_SYNTAX);
        cmd->op = HV_CMD_THREAD_ALIVE;
        return;
    case 'q':
        return parse_query(&c, cmd);
    case 'Q':
        if (eat(&c, "Hv."))
            parse_hv_set(&c, cmd);
        return;
    case 'D':
        cmd->op = HV_CMD_DETACH;
        return;
    case 'k':
        cmd->op = HV_CMD_KILL;
        return;
    default:
        return;
    }
}
