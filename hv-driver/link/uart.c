/* 16550 UART driver, polled. Registers (offsets from the port base):
 * 0 THR/RBR (DLL when LCR.DLAB), 1 IER (DLM when DLAB), 2 FCR, 3 LCR, 4 MCR, 5 LSR. */
#include "hv/uart.h"
#include "hv/portio.h"

enum {
    UART_DATA = 0,
    UART_IER = 1,
    UART_FCR = 2,
    UART_LCR = 3,
    UART_MCR = 4,
    UART_LSR = 5,
};

#define LCR_DLAB       0x80
#define LCR_8N1        0x03
#define FCR_ENABLE_CLR 0x07 /* enable FIFOs, clear both */
#define MCR_DTR_RTS    0x03
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY  0x20

/* The divisor latch counts 1.8432 MHz / 16 = 115200 Hz ticks. */
#define UART_CLOCK_HZ 115200u

/* Bounded wait for the transmitter: a missing UART (reads 0xff or 0x00) must not hang a CPU. */
#define TX_SPIN_LIMIT 100000

void hv_uart_init(uint16_t base) {
    hv_uart_init_baud(base, 115200);
}

bool hv_uart_init_baud(uint16_t base, uint32_t baud) {
    if (baud == 0 || baud > UART_CLOCK_HZ || UART_CLOCK_HZ % baud != 0)
        return false;
    uint16_t divisor = (uint16_t)(UART_CLOCK_HZ / baud);
    hv_outb(base + UART_IER, 0x00);
    hv_outb(base + UART_LCR, LCR_DLAB);
    hv_outb(base + UART_DATA, divisor & 0xff);
    hv_outb(base + UART_IER, divisor >> 8);
    hv_outb(base + UART_LCR, LCR_8N1);
    hv_outb(base + UART_FCR, FCR_ENABLE_CLR);
    hv_outb(base + UART_MCR, MCR_DTR_RTS);
    return true;
}

void hv_uart_putc(uint16_t base, char c) {
    for (unsigned spin = 0; spin < TX_SPIN_LIMIT; spin++) {
        if (hv_inb(base + UART_LSR) & LSR_THR_EMPTY)
            break;
        __builtin_ia32_pause();
    }
    hv_outb(base + UART_DATA, (uint8_t)c);
}

void hv_uart_write(uint16_t base, const char *s, size_t len) {
    for (size_t i = 0; i < len; i++)
        hv_uart_putc(base, s[i]);
}

bool hv_uart_getc(uint16_t base, uint8_t *out) {
    if (!(hv_inb(base + UART_LSR) & LSR_DATA_READY))
        return false;
    *out = hv_inb(base + UART_DATA);
    return true;
}
