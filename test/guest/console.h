/* What every guest-side test application needs to talk to the test: tagged lines on COM1
 * ("\r\n<tag>: <text>\r\n", written with polled output so they work before and after
 * ExitBootServices and whatever the firmware's console is doing). */
#ifndef GUEST_CONSOLE_H
#define GUEST_CONSOLE_H

#include "hv/portio.h"

#define COM1 0x3f8

/* Raw text on COM1. */
void guest_put(const char *s);

/* One line "<tag>: <formatted text>" on COM1. */
void guest_line(const char *tag, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
