/* Link budget of the debug protocol: bytes on the wire (frames with run-length encoding, acks) and
 * time at 115200 baud 8N1 (10 bits a byte) for the exchanges a debugging session repeats, on the
 * canned target (an OVMF-like VMCS of 164 fields). Prints figures; asserts nothing. */
#include <stdio.h>
#include <string.h>
#include "../stub/dispatch.h"
#include "../stub/packet.h"
#include "fake_target.h"

static fake_target_t fake;
static hv_stub_t stub;
static uint8_t rbuf[HV_PKT_MAX], frame[HV_PKT_FRAME_MAX], req[HV_PKT_MAX];
static size_t emitted_bytes;

static void emit(void *ctx, const uint8_t *p, size_t n) {
    (void)ctx;
    emitted_bytes += hv_frame_encode(frame, sizeof frame, p, n) + 1;
}

/* One exchange: request frame + '+' + reply frame (+ O packets) + '+'. */
static void exchange(const char *what, const char *request) {
    size_t n = strlen(request);
    memcpy(req, request, n);
    size_t req_wire = hv_frame_encode(frame, sizeof frame, req, n) + 1;
    hv_reply_t r;
    hv_resume_t res;
    hv_reply_init(&r, rbuf, sizeof rbuf);
    emitted_bytes = 0;
    hv_dispatch(&stub, req, n, &r, &res);
    size_t raw = r.len;
    size_t rep_wire = hv_frame_encode(frame, sizeof frame, r.buf, r.len) + 1 + emitted_bytes;
    size_t total = req_wire + rep_wire;
    printf("%-34s %6zu %8zu %8zu %8zu %9.1f\n", what, req_wire, raw, rep_wire, total,
           total * 10.0 / 115200 * 1000);
}

int main(void) {
    fake_target_init(&fake);
    hv_stub_init(&stub, &fake_target_ops, &fake, emit, NULL);
    hv_stub_stopped(&stub, &(hv_stop_t){.sig = 5, .cpu = 0});
    size_t count;
    const uint32_t *f = fake_target_ops.vmcs_fields(&fake, &count);
    static char list[HV_PKT_MAX];
    size_t o = (size_t)snprintf(list, sizeof list, "qHv.vmcs:");
    for (size_t i = 0; i < count; i++)
        o += (size_t)snprintf(list + o, sizeof list - o, "%s%x", i ? "," : "", f[i]);
    printf("VMCS table: %zu fields; link 115200 baud 8N1 = 11520 bytes/s\n", count);
    printf("%-34s %6s %8s %8s %8s %9s\n", "exchange", "req", "payload", "reply", "total",
           "ms@115k2");
    exchange("whole VMCS, qHv.vmcs", "qHv.vmcs");
    exchange("whole VMCS, explicit list", list);
    exchange("8 VMCS fields (exit info)", "qHv.vmcs:4402,6400,440c,440e,6408,681e,681c,6820");
    exchange("guest registers, qHv.gregs", "qHv.gregs");
    exchange("all registers, g", "g");
    exchange("stop reply (?)", "?");
    exchange("EPT walk, 4 levels", "qHv.ept:30123");
    exchange("GVA walk + EPT walk", "qHv.gva:10abc");
    exchange("memory, 256 bytes", "m1000,100");
    exchange("exit counters", "qHv.exits");
    exchange("target.xml, one 4 KiB read", "qXfer:features:read:target.xml:0,ffb");
    exchange("monitor vmcs (text)", "qRcmd,766d6373");
    return 0;
}
