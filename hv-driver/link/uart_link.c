/* The debug link's byte transport (stub/link.h) over a polled 16550: COM2 by default, so the
 * firmware console and the driver's log keep COM1 to themselves. */
#include "hv/uart_link.h"
#include "hv/platform.h"

static int uart_link_getc(void *ctx) {
    uint8_t b;
    return hv_uart_getc(((hv_uart_link_t *)ctx)->base, &b) ? b : -1;
}

static void uart_link_putc(void *ctx, uint8_t c) {
    hv_uart_putc(((hv_uart_link_t *)ctx)->base, (char)c);
}

static void uart_link_flush(void *ctx) {
    (void)ctx; /* the UART sends as it goes */
}

static void uart_link_stall(void *ctx, uint32_t us) {
    (void)ctx;
    hv_stall_us(us);
}

const hv_link_ops hv_uart_link_ops = {
    .getc = uart_link_getc,
    .putc = uart_link_putc,
    .flush = uart_link_flush,
    .stall_us = uart_link_stall,
};

bool hv_uart_link_init(hv_uart_link_t *link, uint16_t base, uint32_t baud) {
    link->base = base;
    if (base == 0 || !hv_uart_init_baud(base, baud))
        return false;
    uint8_t stale;
    while (hv_uart_getc(base, &stale)) /* drop what arrived before we listened */
        ;
    return true;
}
