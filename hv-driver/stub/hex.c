#include "hex.h"

int hv_hex_digit(uint8_t c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool hv_hex_u64(const uint8_t **p, const uint8_t *end, uint64_t *out) {
    const uint8_t *s = *p;
    uint64_t v = 0;
    size_t digits = 0;
    while (s < end) {
        int d = hv_hex_digit(*s);
        if (d < 0)
            break;
        if (++digits > 16)
            return false;
        v = (v << 4) | (uint64_t)d;
        s++;
    }
    if (digits == 0)
        return false;
    *out = v;
    *p = s;
    return true;
}

bool hv_hex_u64_all(const uint8_t *s, size_t n, uint64_t *out) {
    const uint8_t *p = s;
    return hv_hex_u64(&p, s + n, out) && p == s + n;
}

bool hv_hex_to_bytes(uint8_t *out, const uint8_t *hex, size_t n) {
    for (size_t i = 0; i < n; i++) {
        int hi = hv_hex_digit(hex[2 * i]), lo = hv_hex_digit(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

static const char hv_hex_chars[] = "0123456789abcdef";

size_t hv_hex_put_u64(uint8_t *out, uint64_t v) {
    size_t n = 1;
    for (uint64_t t = v >> 4; t; t >>= 4)
        n++;
    for (size_t i = n; i-- > 0; v >>= 4)
        out[i] = (uint8_t)hv_hex_chars[v & 15];
    return n;
}

void hv_hex_from_bytes(uint8_t *out, const uint8_t *in, size_t n) {
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = (uint8_t)hv_hex_chars[in[i] >> 4];
        out[2 * i + 1] = (uint8_t)hv_hex_chars[in[i] & 15];
    }
}
