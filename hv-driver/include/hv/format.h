/* Freestanding printf-style formatter behind the log (and the loader's console lines).
 * Conversions: %d %i %u %x %X %c %s %p %% with the length modifiers l, ll, z and an optional '-'
 * or '0' flag and a width (%016llx, %-5s). Unknown conversions are copied literally, so a bad
 * format shows in the output instead of reading a stray argument.
 *
 * 'l' is the build's long: 32 bits in the standalone (LLP64) build, 64 bits in EDK2's LP64 builds.
 * Print uint64_t as %llx with an (unsigned long long) cast: correct and warning-free in both. */
#ifndef HV_FORMAT_H
#define HV_FORMAT_H

#include <stdarg.h>
#include "hv/types.h"

/* Writes at most size-1 characters and a NUL (if size > 0); returns the length the full output
 * would have had (like vsnprintf), so callers can detect truncation. */
size_t hv_vformat(char *buf, size_t size, const char *fmt, va_list ap);
size_t hv_format(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
