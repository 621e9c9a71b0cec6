/* COM1 output for the guest-side test applications (console.h). */
#include <stdarg.h>
#include "hv/format.h"
#include "console.h"

void guest_put(const char *s) {
    for (; *s; s++) {
        /* Transmitter holding register empty, or give up waiting (no UART must not hang a test). */
        for (unsigned spin = 0; spin < 100000 && !(hv_inb(COM1 + 5) & 0x20); spin++)
            ;
        hv_outb(COM1, (uint8_t)*s);
    }
}

void guest_line(const char *tag, const char *fmt, ...) {
    char buf[200];
    va_list ap;
    va_start(ap, fmt);
    hv_vformat(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    guest_put("\r\n");
    guest_put(tag);
    guest_put(": ");
    guest_put(buf);
    guest_put("\r\n");
}
