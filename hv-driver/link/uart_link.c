/* The debug link's byte transport (stub/link.h) over a polled 16550: COM2 by default, so the
 * firmware console and the driver's log keep COM1 to themselves. */
#include "hv/uart_link.h"
#include "hv/platform.h"
#include "hv/portio.h"

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

/* Is there a 16550 at base? An empty I/O slot reads 0xff everywhere (LSR "data ready" forever:
 * the stub would read 0xff bytes without end), so the scratch register must keep what we write. */
static bool uart_present(uint16_t base) {
    static const uint8_t probe[2] = {0x5a, 0xa5};
    for (int i = 0; i < 2; i++) {
        hv_outb(base + 7, probe[i]);
        if (hv_inb(base + 7) != probe[i])
            return false;
    }
    return true;
}

bool hv_uart_link_init(hv_uart_link_t *link, uint16_t base, uint32_t baud) {
    link->base = base;
    if (base == 0 || !uart_present(base) || !hv_uart_init_baud(base, baud))
        return false;
    uint8_t stale;
    for (int i = 0; i < 4096 && hv_uart_getc(base, &stale); i++) /* drop what came before us */
        ;
    return true;
}
