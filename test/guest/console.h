/* What every guest-side test application needs to talk to the test: port I/O and tagged lines on
 * COM1 ("\r\n<tag>: <text>\r\n", written with polled output so they work before and after
 * ExitBootServices and whatever the firmware's console is doing). */
#ifndef GUEST_CONSOLE_H
#define GUEST_CONSOLE_H

#include "hv/types.h"

#define COM1 0x3f8

static inline void outb(uint16_t port, uint8_t v) {
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}
static inline uint8_t inb(uint16_t port) {
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline void outl(uint16_t port, uint32_t v) {
    __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}
static inline uint32_t inl(uint16_t port) {
    uint32_t v;
    __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

/* Raw text on COM1. */
void guest_put(const char *s);

/* One line "<tag>: <formatted text>" on COM1. */
void guest_line(const char *tag, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
