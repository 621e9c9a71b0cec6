/* A byte transport under the debug packet layer: the 16550 UART now, UDP over the NIC later.
 * Everything is polled: the stub runs with interrupts off, in VM-exit or exception context. */
#ifndef HV_STUB_LINK_H
#define HV_STUB_LINK_H

#include "hv/types.h"

typedef struct hv_link_ops {
    /* Next received byte, or -1 when none is waiting (never blocks). */
    int (*getc)(void *ctx);
    /* Queues or sends one byte (may block until the transmitter has room). */
    void (*putc)(void *ctx, uint8_t c);
    /* Sends what putc queued (a datagram transport sends one datagram per flush). */
    void (*flush)(void *ctx);
    /* Busy-waits about us microseconds (the ack timeout is counted in these steps). */
    void (*stall_us)(void *ctx, uint32_t us);
} hv_link_ops;

typedef struct hv_link {
    const hv_link_ops *ops;
    void *ctx;
} hv_link;

#endif
