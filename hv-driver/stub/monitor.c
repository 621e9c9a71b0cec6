/* gdb's "monitor" commands (qRcmd, PROTOCOL.md 4.3): the same facts as the hypervisor packets, as
 * text for a human at a plain gdb prompt. */
#include "dispatch.h"
#include "hex.h"

/* ---- text output: O packets of at most HV_MONITOR_CHUNK characters --------------------------- */
static void flush(hv_stub_t *s) {
    if (!s->text_len)
        return;
    s->opkt[0] = 'O';
    hv_hex_from_bytes(s->opkt + 1, s->text, s->text_len);
    s->emit(s->ectx, s->opkt, 1 + 2 * s->text_len);
    s->text_len = 0;
}

static void out_c(hv_stub_t *s, char c) {
    if (s->text_len == HV_MONITOR_CHUNK)
        flush(s);
    s->text[s->text_len++] = (uint8_t)c;
}

static void out(hv_stub_t *s, const char *str) {
    while (*str)
        out_c(s, *str++);
}

static void out_hex(hv_stub_t *s, uint64_t v) {
    uint8_t tmp[16];
    size_t n = hv_hex_put_u64(tmp, v);
    out(s, "0x");
    for (size_t i = 0; i < n; i++)
        out_c(s, (char)tmp[i]);
}

static void out_dec(hv_stub_t *s, uint64_t v) {
    char d[20];
    int n = 0;
    do
        d[n++] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    while (n)
        out_c(s, d[--n]);
}

/* Basic exit reasons (SDM appendix C), for "exits". */
static const char *const exit_names[] = {
    [0] = "exception or NMI",
    [1] = "external interrupt",
    [2] = "triple fault",
    [3] = "INIT",
    [4] = "SIPI",
    [7] = "interrupt window",
    [8] = "NMI window",
    [9] = "task switch",
    [10] = "CPUID",
    [11] = "GETSEC",
    [12] = "HLT",
    [13] = "INVD",
    [14] = "INVLPG",
    [15] = "RDPMC",
    [16] = "RDTSC",
    [17] = "RSM",
    [18] = "VMCALL",
    [19] = "VMCLEAR",
    [20] = "VMLAUNCH",
    [21] = "VMPTRLD",
    [22] = "VMPTRST",
    [23] = "VMREAD",
    [24] = "VMRESUME",
    [25] = "VMWRITE",
    [26] = "VMXOFF",
    [27] = "VMXON",
    [28] = "CR access",
    [29] = "MOV DR",
    [30] = "I/O",
    [31] = "RDMSR",
    [32] = "WRMSR",
    [33] = "bad guest state",
    [34] = "MSR loading",
    [36] = "MWAIT",
    [37] = "monitor trap flag",
    [39] = "MONITOR",
    [40] = "PAUSE",
    [41] = "machine check",
    [43] = "TPR below threshold",
    [44] = "APIC access",
    [45] = "virtualized EOI",
    [46] = "GDTR/IDTR",
    [47] = "LDTR/TR",
    [48] = "EPT violation",
    [49] = "EPT misconfiguration",
    [50] = "INVEPT",
    [51] = "RDTSCP",
    [52] = "preemption timer",
    [53] = "INVVPID",
    [54] = "WBINVD",
    [55] = "XSETBV",
    [56] = "APIC write",
    [57] = "RDRAND",
    [58] = "INVPCID",
    [59] = "VMFUNC",
    [60] = "ENCLS",
    [61] = "RDSEED",
    [62] = "page-modification log full",
    [63] = "XSAVES",
    [64] = "XRSTORS",
};

static const char *exit_name(uint32_t r) {
    return r < HV_ARRAY_COUNT(exit_names) && exit_names[r] ? exit_names[r] : "?";
}

/* ---- arguments ----------------------------------------------------------------------------- */
typedef struct {
    const uint8_t *p, *end;
} args_t;

static void skip_spaces(args_t *a) {
    while (a->p < a->end && *a->p == ' ')
        a->p++;
}

static bool word(args_t *a, const char *w) {
    skip_spaces(a);
    const uint8_t *p = a->p;
    for (; *w; w++, p++)
        if (p == a->end || *p != (uint8_t)*w)
            return false;
    if (p != a->end && *p != ' ')
        return false;
    a->p = p;
    return true;
}

/* A number: hex with optional 0x. 0: none left, -1: malformed. */
static int number(args_t *a, uint64_t *v) {
    skip_spaces(a);
    if (a->p == a->end)
        return 0;
    if (a->end - a->p > 2 && a->p[0] == '0' && (a->p[1] == 'x' || a->p[1] == 'X'))
        a->p += 2;
    const uint8_t *q = a->p;
    while (q < a->end && *q != ' ')
        q++;
    if (!hv_hex_u64_all(a->p, (size_t)(q - a->p), v))
        return -1;
    a->p = q;
    return 1;
}

/* ---- commands ------------------------------------------------------------------------------ */
static void cmd_help(hv_stub_t *s) {
    out(s, "uefi-hv monitor commands:\n"
           "  info               version, CPUs, image base, capabilities\n"
           "  cpus               each CPU: in the guest or the hypervisor, last exit\n"
           "  vmcs [ENC ...]     VMCS fields of the selected CPU (all, or the given encodings)\n"
           "  ept GPA            EPT walk of a guest-physical address\n"
           "  exits              VM-exit counters, all CPUs\n"
           "  exitbp             exit breakpoints\n"
           "  help               this text\n");
}

static void cmd_info(hv_stub_t *s) {
    const hv_target_info_t *i = s->t->info(s->tctx);
    out(s, "uefi-hv ");
    out(s, i->version);
    out(s, ", protocol 1, ");
    out_dec(s, s->t->cpu_count(s->tctx));
    out(s, " CPUs, image ");
    out_hex(s, i->image_base);
    out(s, " size ");
    out_hex(s, i->image_size);
    out(s, "\ncapabilities: ");
    out(s, i->caps);
    out(s, "\n");
}

static void cmd_cpus(hv_stub_t *s) {
    for (uint32_t cpu = 0; cpu < s->t->cpu_count(s->tctx); cpu++) {
        uint64_t reason;
        out(s, "cpu");
        out_dec(s, cpu);
        out(s, s->t->cpu_in_guest(s->tctx, cpu) ? " guest" : " hypervisor");
        if (cpu == s->stop.cpu)
            out(s, " (stopped here)");
        if (s->t->vmread(s->tctx, cpu, 0x4402, &reason) == HV_VMX_OK) {
            out(s, ", last exit ");
            out_dec(s, reason & 0xffff);
            out(s, " ");
            out(s, exit_name(reason & 0xffff));
        }
        out(s, "\n");
    }
}

static void vmcs_line(hv_stub_t *s, uint32_t enc) {
    uint64_t v;
    int rc = s->t->vmread(s->tctx, s->g_cpu, enc, &v);
    const char *name = s->t->vmcs_field_name(s->tctx, enc);
    out_hex(s, enc);
    out(s, " ");
    out(s, name ? name : "?");
    if (rc == HV_VMX_OK) {
        out(s, " = ");
        out_hex(s, v);
    } else {
        out(s, rc == HV_VMX_NO_VMCS ? " : no current VMCS" : " : not supported");
    }
    out(s, "\n");
}

static void cmd_vmcs(hv_stub_t *s, args_t *a) {
    uint64_t enc;
    int got = number(a, &enc);
    if (got == 0) {
        size_t count;
        const uint32_t *f = s->t->vmcs_fields(s->tctx, &count);
        for (size_t i = 0; i < count; i++)
            vmcs_line(s, f[i]);
        return;
    }
    for (; got == 1; got = number(a, &enc))
        vmcs_line(s, (uint32_t)enc);
    if (got < 0)
        out(s, "vmcs: encodings are hex numbers\n");
}

static void cmd_ept(hv_stub_t *s, args_t *a) {
    uint64_t gpa, eptp;
    if (number(a, &gpa) != 1) {
        out(s, "usage: ept GPA\n");
        return;
    }
    if (s->t->vmread(s->tctx, s->g_cpu, 0x201a, &eptp) != HV_VMX_OK) {
        out(s, "ept: no current VMCS\n");
        return;
    }
    static const char *const mts[8] = {"UC", "WC", "2?", "3?", "WT", "WP", "WB", "7?"};
    hv_walk_t w;
    hv_ept_walk(s->t, s->tctx, eptp, gpa, &w);
    out(s, "EPTP ");
    out_hex(s, eptp);
    out(s, "\n");
    for (unsigned i = 0; i < w.levels; i++) {
        uint64_t e = w.lvl[i].entry;
        out(s, "  L");
        out_dec(s, 4 - i);
        out(s, " table ");
        out_hex(s, w.lvl[i].table);
        out(s, " entry ");
        out_hex(s, e);
        out(s, (e & 1) ? " R" : " -");
        out(s, (e & 2) ? "W" : "-");
        out(s, (e & 4) ? "X" : "-");
        if (e & 0x80)
            out(s, " large");
        if (e & 0x100)
            out(s, " A");
        if (e & 0x200)
            out(s, " D");
        out(s, "\n");
    }
    if (w.result == HV_WALK_OK) {
        out(s, "  -> HPA ");
        out_hex(s, w.out);
        out(s, ", page ");
        out_hex(s, w.page_size);
        out(s, ", ");
        out(s, mts[w.mt & 7]);
        out(s, "\n");
    } else {
        out(s, w.result == HV_WALK_MISS  ? "  -> not present at L"
               : w.result == HV_WALK_BAD ? "  -> misconfigured at L"
                                         : "  -> table not readable at L");
        out_dec(s, w.fail_level);
        out(s, "\n");
    }
}

static void cmd_exits(hv_stub_t *s) {
    for (uint32_t reason = 0; reason < HV_EXIT_REASONS; reason++) {
        uint64_t sum = 0;
        for (uint32_t cpu = 0; cpu < s->t->cpu_count(s->tctx); cpu++)
            sum += s->t->exit_count(s->tctx, cpu, reason);
        if (!sum)
            continue;
        out_dec(s, reason);
        out(s, " ");
        out(s, exit_name(reason));
        out(s, ": ");
        out_dec(s, sum);
        out(s, "\n");
    }
}

static void cmd_exitbp(hv_stub_t *s) {
    bool any = false;
    for (unsigned i = 0; i < HV_EXITBP_SLOTS; i++) {
        if (!(s->exitbp.used >> i & 1))
            continue;
        const hv_exitbp_slot_t *b = &s->exitbp.slot[i];
        any = true;
        out(s, "#");
        out_dec(s, i);
        out(s, " ");
        out(s, b->spec.reason == HV_EXITBP_ANY_REASON ? "any exit" : exit_name(b->spec.reason));
        for (unsigned k = 0; k < HV_XF_COUNT; k++) {
            if (!(b->spec.keys >> k & 1))
                continue;
            out(s, " ");
            out(s, hv_exit_filter_names[k]);
            out(s, "=");
            out_hex(s, b->spec.lo[k]);
            if (b->spec.hi[k] != b->spec.lo[k]) {
                out(s, "-");
                out_hex(s, b->spec.hi[k]);
            }
        }
        out(s, ", hits ");
        out_dec(s, b->hits);
        out(s, "\n");
    }
    if (!any)
        out(s, "no exit breakpoints\n");
}

void hv_monitor(hv_stub_t *s, const uint8_t *text, size_t n, hv_reply_t *r) {
    args_t a = {text, text + n};
    s->text_len = 0;
    if (word(&a, "help"))
        cmd_help(s);
    else if (word(&a, "info"))
        cmd_info(s);
    else if (word(&a, "cpus"))
        cmd_cpus(s);
    else if (word(&a, "vmcs"))
        cmd_vmcs(s, &a);
    else if (word(&a, "ept"))
        cmd_ept(s, &a);
    else if (word(&a, "exits"))
        cmd_exits(s);
    else if (word(&a, "exitbp"))
        cmd_exitbp(s);
    else {
        out(s, "unknown monitor command; ");
        cmd_help(s);
    }
    flush(s);
    hv_reply_ok(r);
}
