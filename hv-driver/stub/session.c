/* The live loop: the link, the dispatcher and the stop/resume cycle (include/hv/stub.h). */
#include "hv/stub.h"

bool hv_stub_link_config(const void *var, size_t var_size, hv_stub_link_config_t *out) {
    out->io_port = HV_STUB_UART_PORT;
    out->baud = HV_STUB_UART_BAUD;
    if (var == NULL || var_size == 0)
        return true;
    const uint8_t *b = var;
    if (var_size != 8)
        return false;
    uint16_t port = (uint16_t)(b[0] | b[1] << 8);
    uint32_t baud =
        (uint32_t)b[4] | (uint32_t)b[5] << 8 | (uint32_t)b[6] << 16 | (uint32_t)b[7] << 24;
    if (port != 0 && (baud == 0 || baud > 115200 || 115200 % baud != 0))
        return false;
    out->io_port = port;
    out->baud = baud;
    return true;
}

static void emit(void *ctx, const uint8_t *payload, size_t n) {
    hv_stub_session_t *ss = ctx;
    hv_pkt_send(&ss->link, payload, n);
}

void hv_stub_session_init(hv_stub_session_t *ss, const hv_link_ops *link, void *link_ctx,
                          const hv_target_ops *target, void *target_ctx) {
    hv_pkt_link_init(&ss->link, link, link_ctx);
    hv_stub_init(&ss->stub, target, target_ctx, emit, ss);
    ss->resumed_by_debugger = false;
}

hv_resume_t hv_stub_serve(hv_stub_session_t *ss, const hv_stop_t *stop) {
    hv_reply_t r;
    hv_resume_t res = {0, true};
    hv_reply_init(&r, ss->reply_buf, sizeof ss->reply_buf);
    hv_stub_stopped(&ss->stub, stop);
    if (ss->resumed_by_debugger) {
        hv_stub_stop_reply(&ss->stub, &r);
        hv_pkt_send(&ss->link, r.buf, r.len);
    }
    ss->resumed_by_debugger = false;
    for (;;) {
        hv_rx_event_t ev = hv_pkt_poll(&ss->link);
        if (ev == HV_RX_NONE || ev == HV_RX_INTR) { /* 0x03 while stopped: nothing to do */
            ss->link.link.ops->stall_us(ss->link.link.ctx, HV_STUB_POLL_STEP_US);
            continue;
        }
        if (ev == HV_RX_BIG) {
            hv_reply_reset(&r);
            hv_reply_error(&r, 0x02);
            hv_pkt_send(&ss->link, r.buf, r.len);
            continue;
        }
        size_t n = ss->link.rx.len;
        for (size_t i = 0; i < n; i++)
            ss->cmd_buf[i] = ss->link.rx.buf[i];
        hv_action_t act = hv_dispatch(&ss->stub, ss->cmd_buf, n, &r, &res);
        if (act == HV_ACT_RESUME) {
            ss->resumed_by_debugger = true;
            return res;
        }
        if (act != HV_ACT_KILL)
            hv_pkt_send(&ss->link, r.buf, r.len); /* returns once acknowledged (or given up) */
        if (act == HV_ACT_RESET) {
            ss->stub.t->reset(ss->stub.tctx); /* does not return on a machine */
            continue;
        }
        if (act == HV_ACT_DETACH || act == HV_ACT_KILL)
            return res;
    }
}

bool hv_stub_poll_interrupt(hv_stub_session_t *ss) {
    hv_rx_event_t ev = hv_pkt_poll(&ss->link);
    if (ev == HV_RX_PACKET || ev == HV_RX_BIG)
        ss->link.pending_packet = true; /* served by hv_stub_serve once everything is parked */
    return ev != HV_RX_NONE;
}
