/* The stub's real session loop (stub/session.c) on the host, over stdin/stdout, against the canned
 * target: a peer for protocol-conformance tests with the real gdb ("target remote | stub_host").
 * It proves the stub speaks gdb's RSP; it proves nothing about the hypervisor (the target is fake).
 * Execution is simulated: a step stops again at once; a continue runs until Ctrl-C (signal 2), or,
 * when a hardware breakpoint is set, stops at the first one (signal 5) as if it had been hit. */
#define _DEFAULT_SOURCE /* usleep */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "../include/hv/stub.h"
#include "fake_target.h"

static int in_getc(void *ctx) {
    (void)ctx;
    struct pollfd p = {.fd = 0, .events = POLLIN};
    uint8_t b;
    if (poll(&p, 1, 0) <= 0)
        return -1;
    if (read(0, &b, 1) != 1)
        exit(0); /* gdb went away */
    return b;
}

static uint8_t out_buf[HV_PKT_FRAME_MAX * 2];
static size_t out_len;

static void out_putc(void *ctx, uint8_t c) {
    (void)ctx;
    if (out_len < sizeof out_buf)
        out_buf[out_len++] = c;
}

static void out_flush(void *ctx) {
    (void)ctx;
    if (out_len && write(1, out_buf, out_len) < 0)
        exit(0);
    out_len = 0;
}

static void stall(void *ctx, uint32_t us) {
    (void)ctx;
    usleep(us);
}

static const hv_link_ops stdio_link = {in_getc, out_putc, out_flush, stall};

int main(void) {
    static fake_target_t fake;
    static hv_stub_session_t ss;
    fake_target_init(&fake);
    hv_stub_session_init(&ss, &stdio_link, NULL, &fake_target_ops, &fake);
    hv_stop_t stop = {.sig = 5, .cpu = 0};
    for (;;) {
        hv_resume_t res = hv_stub_serve(&ss, &stop);
        if (!ss.resumed_by_debugger)
            return 0; /* detached or killed */
        if (res.step_mask) {
            unsigned cpu = (unsigned)__builtin_ctzll(res.step_mask);
            fake.regs[cpu].rip += 1;
            stop = (hv_stop_t){.sig = 5, .cpu = cpu};
            continue;
        }
        if (ss.stub.hw_used) {
            unsigned slot = (unsigned)__builtin_ctz(ss.stub.hw_used);
            fake.regs[0].rip = ss.stub.hw[slot];
            stop = (hv_stop_t){.sig = 5, .cpu = 0};
            continue;
        }
        while (!hv_stub_poll_interrupt(&ss))
            usleep(1000);
        stop = (hv_stop_t){.sig = 2, .cpu = 0};
    }
}
