/* Hexadecimal codec of the debug protocol (debug-adapter/PROTOCOL.md): lower-case output without
 * leading zeros, input of either case, at most 16 digits for a 64-bit number. */
#ifndef HV_STUB_HEX_H
#define HV_STUB_HEX_H

#include "hv/types.h"

/* Value of one hex digit, or -1. */
int hv_hex_digit(uint8_t c);

/* Parses 1..16 hex digits at *p (stops before end or the first non-digit) and advances *p.
 * False (and *p unchanged) when there is no digit or more than 16. */
bool hv_hex_u64(const uint8_t **p, const uint8_t *end, uint64_t *out);

/* Parses the whole of [s, s+n) as one number. */
bool hv_hex_u64_all(const uint8_t *s, size_t n, uint64_t *out);

/* Decodes 2*n hex digits into n bytes. False on a bad digit. */
bool hv_hex_to_bytes(uint8_t *out, const uint8_t *hex, size_t n);

/* Writes v in minimal lower-case hex ("0" for zero); returns the number of characters (<= 16). */
size_t hv_hex_put_u64(uint8_t *out, uint64_t v);

/* Writes 2*n lower-case hex digits for n bytes. */
void hv_hex_from_bytes(uint8_t *out, const uint8_t *in, size_t n);

#endif
