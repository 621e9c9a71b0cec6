/* Host unit tests of the debug stub's codec and dispatcher, driven by the vectors the TypeScript
 * side runs too (debug-adapter/protocol/vectors.txt), plus the link loop against a scripted fake
 * link. Output is the harness's: one "ok ..." or "not ok ..." line per check (make test counts
 * them). Usage: test_stub [VECTORS [--print]]   (--print shows what the code produces, to review)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../stub/dispatch.h"
#include "../stub/hex.h"
#include "../stub/packet.h"
#include "../include/hv/stub.h"
#include "cmd_format.h"
#include "fake_target.h"
#include "vectors.h"

static int passed, failed;
static bool print_mode;

static void report(const vec_t *v, bool ok, const uint8_t *want, size_t wn, const uint8_t *got,
                   size_t gn) {
    if (print_mode) {
        printf("%s %s | ", v->kind, v->name);
        vec_print_escaped(stdout, v->col[0], v->len[0]);
        printf(" | ");
        vec_print_escaped(stdout, got, gn);
        printf("\n");
    }
    if (ok) {
        passed++;
        if (!print_mode)
            printf("ok %s %s\n", v->kind, v->name);
        return;
    }
    failed++;
    printf("not ok %s %s (vectors.txt:%d)\n  want: ", v->kind, v->name, v->line);
    vec_print_escaped(stdout, want, wn);
    printf("\n  got:  ");
    vec_print_escaped(stdout, got, gn);
    printf("\n");
}

static void check_bytes(const vec_t *v, int col, const uint8_t *got, size_t gn) {
    bool ok = v->len[col] == gn && memcmp(v->col[col], got, gn) == 0;
    report(v, ok, v->col[col], v->len[col], got, gn);
}

typedef struct {
    uint8_t buf[1 << 16];
    size_t len;
} out_t;

static void out_add(out_t *o, const void *p, size_t n) {
    if (o->len + n <= sizeof o->buf) {
        memcpy(o->buf + o->len, p, n);
        o->len += n;
    }
}

static void out_str(out_t *o, const char *s) {
    out_add(o, s, strlen(s));
}

/* ---- kinds --------------------------------------------------------------------------------- */
static void run_rx(const vec_t *v) {
    static hv_rx_t rx;
    static out_t ev, acks;
    hv_rx_reset(&rx);
    ev.len = acks.len = 0;
    for (size_t i = 0; i < v->len[0]; i++) {
        hv_rx_event_t e = hv_rx_feed(&rx, v->col[0][i]);
        const char *word = NULL;
        switch (e) {
        case HV_RX_NONE:
            continue;
        case HV_RX_PACKET:
            if (ev.len)
                out_str(&ev, " ");
            out_str(&ev, "pkt:");
            out_add(&ev, rx.buf, rx.len);
            out_str(&acks, "+");
            continue;
        case HV_RX_BAD:
            word = "nak";
            out_str(&acks, "-");
            break;
        case HV_RX_BIG:
            word = "big";
            out_str(&acks, "+");
            break;
        case HV_RX_INTR:
            word = "intr";
            break;
        case HV_RX_ACK:
            word = "ack";
            break;
        case HV_RX_NACK:
            word = "nack";
            break;
        }
        if (ev.len)
            out_str(&ev, " ");
        out_str(&ev, word);
    }
    bool ok = v->cols >= 3 && v->len[1] == ev.len && !memcmp(v->col[1], ev.buf, ev.len) &&
              v->len[2] == acks.len && !memcmp(v->col[2], acks.buf, acks.len);
    out_t both = {.len = 0};
    out_add(&both, ev.buf, ev.len);
    out_str(&both, " | ");
    out_add(&both, acks.buf, acks.len);
    out_t want = {.len = 0};
    out_add(&want, v->col[1], v->len[1]);
    out_str(&want, " | ");
    if (v->cols >= 3)
        out_add(&want, v->col[2], v->len[2]);
    report(v, ok, want.buf, want.len, both.buf, both.len);
}

static void run_rle(const vec_t *v) {
    static uint8_t out[VEC_COL_MAX];
    size_t n = hv_rle_encode(out, sizeof out, v->col[0], v->len[0]);
    check_bytes(v, 1, out, n);
}

static void run_esc(const vec_t *v) {
    static uint8_t out[2 * VEC_COL_MAX], back[VEC_COL_MAX];
    size_t consumed;
    size_t n = hv_escape(out, sizeof out, v->col[0], v->len[0], &consumed);
    check_bytes(v, 1, out, n);
    long m = hv_unescape(back, v->col[1], v->len[1]);
    report(v, m >= 0 && (size_t)m == v->len[0] && !memcmp(back, v->col[0], v->len[0]), v->col[0],
           v->len[0], back, m < 0 ? 0 : (size_t)m);
}

static void run_hex(const vec_t *v) {
    uint64_t val;
    char got[32];
    if (hv_hex_u64_all(v->col[0], v->len[0], &val))
        snprintf(got, sizeof got, "%llx", (unsigned long long)val);
    else
        snprintf(got, sizeof got, "error");
    check_bytes(v, 1, (const uint8_t *)got, strlen(got));
}

static hv_cmd_t cmd;
static void run_req(const vec_t *v) {
    static uint8_t payload[VEC_COL_MAX];
    static char text[4 * VEC_COL_MAX];
    memcpy(payload, v->col[0], v->len[0]);
    hv_parse(payload, v->len[0], &cmd);
    size_t n = cmd_format(&cmd, text, sizeof text);
    check_bytes(v, 1, (const uint8_t *)text, n);
}

/* The dispatcher session shared by consecutive xchg / xmatch vectors ("reset" starts over). */
static fake_target_t *fake;
static hv_stub_t *stub;
static out_t emitted;

static void emit(void *ctx, const uint8_t *p, size_t n) {
    (void)ctx;
    out_add(&emitted, p, n);
    out_str(&emitted, "\n");
}

static void session_reset(void) {
    fake_target_init(fake);
    hv_stub_init(stub, &fake_target_ops, fake, emit, NULL);
    hv_stub_stopped(stub, &(hv_stop_t){.sig = 5, .cpu = 0});
}

static void run_xchg(const vec_t *v) {
    static uint8_t payload[VEC_COL_MAX], rbuf[HV_PKT_MAX];
    hv_reply_t r;
    hv_resume_t res = {0};
    hv_reply_init(&r, rbuf, sizeof rbuf);
    memcpy(payload, v->col[0], v->len[0]);
    emitted.len = 0;
    hv_action_t act = hv_dispatch(stub, payload, v->len[0], &r, &res);
    char tail[64];
    if (act == HV_ACT_RESUME || act == HV_ACT_KILL) {
        snprintf(tail, sizeof tail, "%s step=%llx others=%s",
                 act == HV_ACT_KILL ? "kill" : "resume", (unsigned long long)res.step_mask,
                 res.run_others ? "run" : "parked");
        out_str(&emitted, tail);
    } else {
        out_add(&emitted, r.buf, r.len);
        if (act == HV_ACT_DETACH)
            out_str(&emitted, "\ndetach");
        if (act == HV_ACT_RESET)
            out_str(&emitted, "\nreset");
    }
    check_bytes(v, 1, emitted.buf, emitted.len);
}

/* "key=value ..." (hex values) into a lookup. */
static bool kv(const vec_t *v, int col, const char *key, uint64_t *out) {
    const char *s = (const char *)v->col[col];
    size_t kl = strlen(key);
    for (const char *p = s; (p = strstr(p, key)) != NULL; p++) {
        if ((p == s || p[-1] == ' ') && p[kl] == '=') {
            *out = strtoull(p + kl + 1, NULL, 16);
            return true;
        }
    }
    return false;
}

static void run_xmatch(const vec_t *v) {
    hv_exit_info_t e = {0};
    uint64_t x;
    if (kv(v, 0, "cpu", &x))
        e.cpu = (uint32_t)x;
    if (kv(v, 0, "reason", &x))
        e.reason = (uint32_t)x;
    kv(v, 0, "qual", &e.qual);
    kv(v, 0, "rax", &e.rax);
    kv(v, 0, "rcx", &e.rcx);
    kv(v, 0, "gpa", &e.gpa);
    int id = hv_exitbp_match(&stub->exitbp, &e);
    char got[16];
    if (id < 0)
        snprintf(got, sizeof got, "none");
    else
        snprintf(got, sizeof got, "%x", id);
    check_bytes(v, 1, (const uint8_t *)got, strlen(got));
}

static void run_stop(const vec_t *v) {
    static uint8_t rbuf[512];
    hv_reply_t r;
    hv_stop_t s = {0};
    uint64_t x, rbp = 0, rsp = 0, rip = 0;
    hv_reply_init(&r, rbuf, sizeof rbuf);
    if (kv(v, 0, "sig", &x))
        s.sig = (uint8_t)x;
    if (kv(v, 0, "cpu", &x))
        s.cpu = (uint32_t)x;
    kv(v, 0, "rbp", &rbp);
    kv(v, 0, "rsp", &rsp);
    kv(v, 0, "rip", &rip);
    if (kv(v, 0, "reason", &x)) {
        s.vmexit = true;
        s.reason = (uint32_t)x;
        kv(v, 0, "qual", &s.qual);
        if (kv(v, 0, "bp", &x))
            s.bp = (uint8_t)x;
        s.has_gpa = kv(v, 0, "gpa", &s.gpa);
    }
    hv_reply_stop(&r, &s, rbp, rsp, rip);
    check_bytes(v, 1, r.buf, r.len);
}

/* ---- the link loop against a scripted link --------------------------------------------------- */
typedef struct {
    const uint8_t *in;
    size_t in_len, in_pos;
    out_t sent;
    uint64_t stalled_us;
} script_t;

static int s_getc(void *ctx) {
    script_t *s = ctx;
    return s->in_pos < s->in_len ? s->in[s->in_pos++] : -1;
}
static void s_putc(void *ctx, uint8_t c) {
    out_add(&((script_t *)ctx)->sent, &c, 1);
}
static void s_flush(void *ctx) {
    (void)ctx;
}
static void s_stall(void *ctx, uint32_t us) {
    ((script_t *)ctx)->stalled_us += us;
}
static const hv_link_ops script_ops = {s_getc, s_putc, s_flush, s_stall};

static void expect(const char *name, bool ok, const char *detail) {
    if (ok) {
        passed++;
        printf("ok link %s\n", name);
        return;
    }
    failed++;
    printf("not ok link %s: %s\n", name, detail);
}

static void link_tests(void) {
    static hv_pkt_link_t pl;
    static script_t sc;
    /* A '-' makes the stub send the same frame again; '+' ends it. */
    sc = (script_t){.in = (const uint8_t *)"-+", .in_len = 2};
    hv_pkt_link_init(&pl, &script_ops, &sc);
    bool ok = hv_pkt_send(&pl, (const uint8_t *)"OK", 2);
    expect("retransmit on nak", ok && sc.sent.len == 12 && !memcmp(sc.sent.buf, "$OK#9a$OK#9a", 12),
           "want $OK#9a twice");
    /* No answer at all: 8 transmissions, then it gives up, having waited 8 ack timeouts. */
    sc = (script_t){.in = NULL, .in_len = 0};
    hv_pkt_link_init(&pl, &script_ops, &sc);
    ok = hv_pkt_send(&pl, (const uint8_t *)"OK", 2);
    expect("give up",
           !ok && sc.sent.len == 6 * HV_STUB_RETRIES && pl.gave_up == 1 &&
               sc.stalled_us == (uint64_t)HV_STUB_RETRIES * HV_STUB_ACK_TIMEOUT_US,
           "want 8 transmissions and a give-up");
    /* The '+' is lost but gdb's next packet arrives: counts as acknowledged, packet kept. */
    sc = (script_t){.in = (const uint8_t *)"$g#67", .in_len = 5};
    hv_pkt_link_init(&pl, &script_ops, &sc);
    ok = hv_pkt_send(&pl, (const uint8_t *)"OK", 2);
    hv_rx_event_t ev = hv_pkt_poll(&pl);
    expect("lost ack",
           ok && ev == HV_RX_PACKET && pl.rx.len == 1 && pl.rx.buf[0] == 'g' && sc.sent.len == 7 &&
               sc.sent.buf[6] == '+',
           "want the g packet acknowledged and delivered");
    /* Ctrl-C arriving while waiting for an ack is delivered after. */
    sc = (script_t){.in = (const uint8_t *)"\x03+", .in_len = 2};
    hv_pkt_link_init(&pl, &script_ops, &sc);
    ok = hv_pkt_send(&pl, (const uint8_t *)"OK", 2);
    expect("interrupt while sending", ok && hv_pkt_poll(&pl) == HV_RX_INTR, "want INTR");

    /* The HvDebugPort variable: absent, COM1 at 57600, disabled, malformed. */
    hv_stub_link_config_t cfg;
    ok = hv_stub_link_config(NULL, 0, &cfg);
    expect("config default", ok && cfg.io_port == 0x2f8 && cfg.baud == 115200, "COM2 115200");
    static const uint8_t com1_57600[8] = {0xf8, 0x03, 0, 0, 0x00, 0xe1, 0, 0};
    ok = hv_stub_link_config(com1_57600, 8, &cfg);
    expect("config variable", ok && cfg.io_port == 0x3f8 && cfg.baud == 57600, "COM1 57600");
    static const uint8_t off[8] = {0};
    ok = hv_stub_link_config(off, 8, &cfg);
    expect("config disabled", ok && cfg.io_port == 0, "port 0");
    static const uint8_t odd_baud[8] = {0xf8, 0x02, 0, 0, 0x40, 0x9c, 0, 0}; /* 40000 */
    ok = hv_stub_link_config(odd_baud, 8, &cfg);
    expect("config bad baud", !ok && cfg.io_port == 0x2f8 && cfg.baud == 115200, "defaults");
    ok = hv_stub_link_config(com1_57600, 6, &cfg);
    expect("config bad size", !ok && cfg.io_port == 0x2f8, "defaults");

    /* A whole session: gdb asks '?', reads a register, continues. */
    static hv_stub_session_t ss;
    static const char gdb_bytes[] = "+$?#3f+$p10#d1+$c#63+";
    sc = (script_t){.in = (const uint8_t *)gdb_bytes, .in_len = sizeof gdb_bytes - 1};
    fake_target_init(fake);
    hv_stub_session_init(&ss, &script_ops, &sc, &fake_target_ops, fake);
    hv_resume_t res = hv_stub_serve(&ss, &(hv_stop_t){.sig = 5, .cpu = 0});
    static const char want[] =
        "+$T05thread:1;06:007fe4070*\"00;07:807ee4070*\"00;10:34b2e1070*\"00;#f1"
        "+$34b2e1070*\"00#d4+";
    sc.sent.buf[sc.sent.len] = 0;
    expect("session",
           res.run_others && res.step_mask == 0 && ss.resumed_by_debugger &&
               sc.sent.len == sizeof want - 1 && !memcmp(sc.sent.buf, want, sc.sent.len),
           (const char *)sc.sent.buf);
}

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "../debug-adapter/protocol/vectors.txt";
    print_mode = argc > 2 && !strcmp(argv[2], "--print");
    FILE *f = fopen(path, "r");
    if (!f) {
        printf("not ok vectors: cannot open %s (run from hv-driver/ or give the path)\n", path);
        return 2;
    }
    fake = calloc(1, sizeof *fake);
    stub = calloc(1, sizeof *stub);
    session_reset();
    static vec_t v;
    int line = 0, rc;
    while ((rc = vec_next(f, &v, &line)) > 0) {
        if (!strcmp(v.kind, "rx"))
            run_rx(&v);
        else if (!strcmp(v.kind, "rle"))
            run_rle(&v);
        else if (!strcmp(v.kind, "esc"))
            run_esc(&v);
        else if (!strcmp(v.kind, "hex"))
            run_hex(&v);
        else if (!strcmp(v.kind, "req"))
            run_req(&v);
        else if (!strcmp(v.kind, "xchg"))
            run_xchg(&v);
        else if (!strcmp(v.kind, "xmatch"))
            run_xmatch(&v);
        else if (!strcmp(v.kind, "stop"))
            run_stop(&v);
        else if (!strcmp(v.kind, "reset"))
            session_reset();
        else {
            printf("not ok vectors.txt:%d: unknown kind %s\n", v.line, v.kind);
            failed++;
        }
    }
    fclose(f);
    if (rc < 0) {
        printf("not ok vectors: malformed line %d\n", line);
        failed++;
    }
    link_tests();
    printf("stub: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
