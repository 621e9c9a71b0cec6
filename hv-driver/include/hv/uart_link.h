/* The debug stub's serial transport: an hv_link_ops (stub/link.h) over one 16550 UART. */
#ifndef HV_UART_LINK_H
#define HV_UART_LINK_H

#include "hv/types.h"
#include "hv/uart.h"
#include "../../stub/link.h"

typedef struct {
    uint16_t base; /* I/O port: HV_STUB_UART_PORT (COM2) unless the HvDebugPort variable says */
} hv_uart_link_t;

extern const hv_link_ops hv_uart_link_ops;

/* Programs the UART (baud must divide 115200) and drains its receiver. False if base is 0 (the
 * stub is disabled) or the rate is not possible. */
bool hv_uart_link_init(hv_uart_link_t *link, uint16_t base, uint32_t baud);

#endif
