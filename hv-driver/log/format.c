/* The formatter: no libc, no floating point, no allocation; safe in VM-exit context. */
#include "hv/format.h"

typedef struct {
    char *buf;
    size_t size;
    size_t len; /* characters the full output has; buf holds the first size-1 */
} sink_t;

static void put(sink_t *s, char c) {
    if (s->len + 1 < s->size)
        s->buf[s->len] = c;
    s->len++;
}

static void put_padded(sink_t *s, const char *text, size_t n, unsigned width, bool left, char pad) {
    size_t fill = width > n ? width - n : 0;
    if (!left)
        while (fill--)
            put(s, pad);
    for (size_t i = 0; i < n; i++)
        put(s, text[i]);
    if (left)
        while (fill--)
            put(s, ' ');
}

/* Digits of v in base 10 or 16 into tmp (right aligned); returns the first digit. */
static char *digits(char *end, unsigned long long v, unsigned base, bool upper) {
    const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char *p = end;
    do {
        *--p = set[v % base];
        v /= base;
    } while (v);
    return p;
}

static void put_number(sink_t *s, unsigned long long magnitude, bool negative, unsigned base,
                       bool upper, unsigned width, bool left, bool zero) {
    char tmp[24];
    char *end = tmp + sizeof(tmp);
    char *p = digits(end, magnitude, base, upper);
    size_t n = (size_t)(end - p);
    if (negative) {
        if (zero && !left) {
            /* sign before the zero padding: %05d of -42 is -0042 */
            put(s, '-');
            put_padded(s, p, n, width ? width - 1 : 0, false, '0');
            return;
        }
        *--p = '-';
        n++;
    }
    put_padded(s, p, n, width, left, zero && !left ? '0' : ' ');
}

size_t hv_vformat(char *buf, size_t size, const char *fmt, va_list ap) {
    sink_t s = {buf, size, 0};
    while (*fmt) {
        if (*fmt != '%') {
            put(&s, *fmt++);
            continue;
        }
        const char *spec = fmt++;
        bool left = false, zero = false;
        for (;; fmt++) {
            if (*fmt == '-')
                left = true;
            else if (*fmt == '0')
                zero = true;
            else
                break;
        }
        unsigned width = 0;
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (unsigned)(*fmt++ - '0');
        int longs = 0; /* 0: int, 1: long, 2: long long, 3: size_t */
        if (*fmt == 'l') {
            fmt++;
            longs = 1;
            if (*fmt == 'l') {
                fmt++;
                longs = 2;
            }
        } else if (*fmt == 'z') {
            fmt++;
            longs = 3;
        }
        char conv = *fmt;
        if (conv)
            fmt++;
        switch (conv) {
        case 'd':
        case 'i': {
            long long v = longs == 2   ? va_arg(ap, long long)
                          : longs == 1 ? va_arg(ap, long)
                          : longs == 3 ? (long long)va_arg(ap, size_t)
                                       : va_arg(ap, int);
            unsigned long long m = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
            put_number(&s, m, v < 0, 10, false, width, left, zero);
            break;
        }
        case 'u':
        case 'x':
        case 'X': {
            unsigned long long v = longs == 2   ? va_arg(ap, unsigned long long)
                                   : longs == 1 ? va_arg(ap, unsigned long)
                                   : longs == 3 ? va_arg(ap, size_t)
                                                : va_arg(ap, unsigned int);
            put_number(&s, v, false, conv == 'u' ? 10 : 16, conv == 'X', width, left, zero);
            break;
        }
        case 'p': {
            uintptr_t v = (uintptr_t)va_arg(ap, void *);
            put(&s, '0');
            put(&s, 'x');
            put_number(&s, v, false, 16, false, width > 2 ? width - 2 : 0, left, zero);
            break;
        }
        case 'c': {
            char c = (char)va_arg(ap, int);
            put_padded(&s, &c, 1, width, left, ' ');
            break;
        }
        case 's': {
            const char *str = va_arg(ap, const char *);
            if (!str)
                str = "(null)";
            size_t n = 0;
            while (str[n])
                n++;
            put_padded(&s, str, n, width, left, ' ');
            break;
        }
        case '%':
            put(&s, '%');
            break;
        default: /* unknown or truncated: show the specification as written */
            while (spec < fmt)
                put(&s, *spec++);
            break;
        }
    }
    if (size)
        buf[s.len < size ? s.len : size - 1] = '\0';
    return s.len;
}

size_t hv_format(char *buf, size_t size, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    size_t n = hv_vformat(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
