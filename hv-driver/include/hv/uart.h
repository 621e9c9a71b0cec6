/* 16550 UART, polled, no interrupts: the log (COM1) and later the debug link (COM2). The port base
 * is a parameter so one driver serves both. */
#ifndef HV_UART_H
#define HV_UART_H

#include "hv/types.h"

#define HV_UART_COM1 0x3f8
#define HV_UART_COM2 0x2f8

/* 115200 baud, 8 data bits, no parity, 1 stop bit, FIFOs on. */
void hv_uart_init(uint16_t base);
/* The same at another rate: a divisor of 115200 (57600, 38400, 19200, 9600...); false otherwise. */
bool hv_uart_init_baud(uint16_t base, uint32_t baud);
void hv_uart_putc(uint16_t base, char c);
void hv_uart_write(uint16_t base, const char *s, size_t len);
/* Returns true and the byte if one is waiting. */
bool hv_uart_getc(uint16_t base, uint8_t *out);

#endif
