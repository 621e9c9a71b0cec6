/* The debug stub as the VMX core sees it (debug-adapter/PROTOCOL.md). The core provides a target
 * (stub/target.h) and a link (stub/link.h: link/uart.c for COM2), then:
 *   - on a stop (breakpoint #BP, step #DB, matching exit breakpoint, interrupt), with every other
 *     CPU parked, calls hv_stub_serve() and applies the returned resume request;
 *   - while the guest runs, calls hv_stub_poll_interrupt() on CPU 0 at every VM exit (and at least
 *     every HV_STUB_POLL_US through the VMX-preemption timer) and stops everything when it says so;
 *   - in each VM-exit handler, calls hv_exitbp_match(&session.stub.exitbp, &info) before handling
 *     the exit, and stops (sig 5, vmexit) when it returns an id. */
#ifndef HV_STUB_H
#define HV_STUB_H

#include "hv/types.h"
#include "../../stub/dispatch.h"

/* Build-time defaults (override with -DHV_STUB_UART_PORT=0x3e8 etc.; port 0 builds it disabled). */
#ifndef HV_STUB_UART_PORT
#define HV_STUB_UART_PORT 0x2f8u /* COM2: COM1 carries the firmware console and hv/log.h */
#endif
#ifndef HV_STUB_UART_BAUD
#define HV_STUB_UART_BAUD 115200u
#endif
#define HV_STUB_POLL_US 10000u
/* Seconds the driver's load path waits for a debugger before it goes on (0: no wait; the stub
 * then starts with the hypervisor). -DHV_STUB_ENTRY_WAIT_S=N or the variable's wait_s. */
#ifndef HV_STUB_ENTRY_WAIT_S
#define HV_STUB_ENTRY_WAIT_S 0u
#endif

/* UEFI variable "HvDebugPort" under this vendor GUID overrides port and baud at load time:
 * 8 bytes: uint16 io_port (0 disables the stub), uint16 wait_s (the load-path debug window in
 * seconds, 0: none), uint32 baud. */
#define HV_STUB_VAR_NAME u"HvDebugPort"
#define HV_STUB_VAR_GUID                                                                           \
    {                                                                                              \
        0x5d7c1f5a, 0x3b8e, 0x4c62, {                                                              \
            0x9a, 0x41, 0x2e, 0x6f, 0xd0, 0x17, 0xb3, 0x58                                         \
        }                                                                                          \
    }

typedef struct {
    uint16_t io_port; /* 0: the stub is disabled */
    uint16_t wait_s;  /* seconds the load path waits for a debugger */
    uint32_t baud;
} hv_stub_link_config_t;

/* The link settings from the HvDebugPort variable's bytes (NULL / size 0: the variable does not
 * exist), else the build-time defaults. False, with the defaults in *out, when the variable is
 * malformed (wrong size, or a baud rate the UART cannot make): the caller logs it and goes on. */
bool hv_stub_link_config(const void *var, size_t var_size, hv_stub_link_config_t *out);

typedef struct hv_stub_session {
    hv_stub_t stub;
    hv_pkt_link_t link;
    bool resumed_by_debugger; /* the next stop is reported unasked (else gdb asks with '?') */
    uint8_t reply_buf[HV_PKT_MAX];
    /* The packet being served, copied out of the receiver: bytes that arrive while the reply (or a
     * monitor command's output) goes out must not change the command under our feet. */
    uint8_t cmd_buf[HV_PKT_MAX];
} hv_stub_session_t;

void hv_stub_session_init(hv_stub_session_t *ss, const hv_link_ops *link, void *link_ctx,
                          const hv_target_ops *target, void *target_ctx);

/* Serves the debugger until it resumes the target; returns how. */
hv_resume_t hv_stub_serve(hv_stub_session_t *ss, const hv_stop_t *stop);

/* Non-blocking: true when the debugger asks the running target to stop (0x03, or a packet). */
bool hv_stub_poll_interrupt(hv_stub_session_t *ss);

#endif
