/* libFuzzer harness of the debug stub's input side: everything a peer on the link can send.
 * Input byte 0 selects the mode, the rest is the data:
 *   even: a byte stream fed to the framing state machine; every packet it yields is dispatched
 *         against the canned target (restored to its initial state for each input) and the reply
 *         is framed (run-length encoder) as the stub would send it;
 *   odd:  one payload handed to the parser and dispatcher directly (no framing, any length).
 * Checked invariants: no memory error (ASan/UBSan), replies within the buffer, every reply frames.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "../stub/dispatch.h"
#include "../stub/packet.h"
#include "fake_target.h"

static fake_target_t *pristine, *live;
static hv_stub_t *stub;
static uint8_t reply_buf[HV_PKT_MAX], frame[HV_PKT_FRAME_MAX], payload[HV_PKT_MAX + 1];
static hv_rx_t rx;

static void emit(void *ctx, const uint8_t *p, size_t n) {
    (void)ctx;
    if (n > HV_PKT_MAX || hv_frame_encode(frame, sizeof frame, p, n) == 0)
        abort();
}

static void dispatch(uint8_t *p, size_t n) {
    hv_reply_t r;
    hv_resume_t res;
    hv_reply_init(&r, reply_buf, sizeof reply_buf);
    hv_action_t act = hv_dispatch(stub, p, n, &r, &res);
    if (r.len > sizeof reply_buf || act > HV_ACT_RESET)
        abort();
    if (r.len && hv_frame_encode(frame, sizeof frame, r.buf, r.len) == 0)
        abort();
}

static void fresh(void) {
    /* The small state always; the 1 MiB of RAM only when the last input wrote to it. */
    bool ram = live->ram_dirty;
    memcpy(live, pristine, offsetof(fake_target_t, ram));
    if (ram)
        memcpy(live->ram, pristine->ram, sizeof live->ram);
    hv_stub_init(stub, &fake_target_ops, live, emit, NULL);
    hv_stub_stopped(stub, &(hv_stop_t){.sig = 5, .cpu = 0});
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!pristine) {
        pristine = malloc(sizeof *pristine);
        live = malloc(sizeof *live);
        stub = malloc(sizeof *stub);
        fake_target_init(pristine);
        memcpy(live, pristine, sizeof *live);
    }
    if (size == 0)
        return 0;
    fresh();
    if (data[0] & 1) {
        size_t n = size - 1 > HV_PKT_MAX ? HV_PKT_MAX : size - 1;
        memcpy(payload, data + 1, n);
        dispatch(payload, n);
        return 0;
    }
    hv_rx_reset(&rx);
    for (size_t i = 1; i < size; i++) {
        hv_rx_event_t ev = hv_rx_feed(&rx, data[i]);
        if (ev == HV_RX_PACKET) {
            if (rx.len > HV_PKT_MAX)
                abort();
            memcpy(payload, rx.buf, rx.len);
            dispatch(payload, rx.len);
        }
    }
    return 0;
}
