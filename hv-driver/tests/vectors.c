#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vectors.h"

static int hexval(int c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Unescapes raw text [s, e) into out; -1 on a bad escape. */
static long unescape(const char *s, const char *e, uint8_t *out) {
    long n = 0;
    while (s < e && *s == ' ')
        s++;
    while (e > s && e[-1] == ' ')
        e--;
    for (; s < e; s++) {
        if (n >= VEC_COL_MAX)
            return -1;
        if (*s != '\\') {
            out[n++] = (uint8_t)*s;
            continue;
        }
        if (++s == e)
            return -1;
        if (*s == '\\' || *s == '|')
            out[n++] = (uint8_t)*s;
        else if (*s == 's')
            out[n++] = ' ';
        else if (*s == '{') { /* \{N*HH..}: N (decimal) copies of the bytes HH.. */
            char *q;
            unsigned long count = strtoul(s + 1, &q, 10);
            const char *h = q + 1, *close = q;
            while (close < e && *close != '}')
                close++;
            size_t plen = (size_t)(close - h) / 2;
            if (q >= e || *q != '*' || close == e || (close - h) % 2 || plen == 0 ||
                count * plen > (unsigned long)(VEC_COL_MAX - n))
                return -1;
            for (unsigned long k = 0; k < count; k++)
                for (size_t j = 0; j < plen; j++) {
                    int hi = hexval(h[2 * j]), lo = hexval(h[2 * j + 1]);
                    if (hi < 0 || lo < 0)
                        return -1;
                    out[n++] = (uint8_t)(hi << 4 | lo);
                }
            s = close;
        } else if (*s == 'x' && e - s >= 3 && hexval(s[1]) >= 0 && hexval(s[2]) >= 0) {
            out[n++] = (uint8_t)(hexval(s[1]) << 4 | hexval(s[2]));
            s += 2;
        } else
            return -1;
    }
    out[n] = 0;
    return n;
}

int vec_next(FILE *f, vec_t *v, int *lineno) {
    static char line[3 * VEC_COL_MAX];
    while (fgets(line, sizeof line, f)) {
        ++*lineno;
        size_t L = strlen(line);
        while (L && (line[L - 1] == '\n' || line[L - 1] == '\r'))
            line[--L] = 0;
        const char *p = line;
        while (*p == ' ')
            p++;
        if (!*p || *p == '#')
            continue;
        v->line = *lineno;
        if (sscanf(p, "%15s %95s", v->kind, v->name) != 2) {
            fprintf(stderr, "vectors:%d: expected '<kind> <name> | ...'\n", *lineno);
            return -1;
        }
        const char *c = strchr(p, '|');
        if (!c) {
            fprintf(stderr, "vectors:%d: no columns\n", *lineno);
            return -1;
        }
        v->cols = 0;
        const char *start = c + 1;
        for (const char *q = start;; q++) {
            if (*q == '\\' && q[1]) {
                q++;
                continue;
            }
            if (*q == '|' || *q == 0) {
                if (v->cols == VEC_MAX_COLS) {
                    fprintf(stderr, "vectors:%d: too many columns\n", *lineno);
                    return -1;
                }
                long n = unescape(start, q, v->col[v->cols]);
                if (n < 0) {
                    fprintf(stderr, "vectors:%d: bad escape in column %d\n", *lineno, v->cols + 1);
                    return -1;
                }
                v->len[v->cols++] = (size_t)n;
                if (*q == 0)
                    break;
                start = q + 1;
            }
        }
        return 1;
    }
    return 0;
}

void vec_print_escaped(FILE *out, const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++) {
        uint8_t b = p[i];
        if (b == '\\' || b == '|')
            fprintf(out, "\\%c", b);
        else if (b < 0x20 || b > 0x7e)
            fprintf(out, "\\x%02x", b);
        else if (b == ' ' && (i == 0 || i + 1 == n))
            fprintf(out, "\\s");
        else
            fputc(b, out);
    }
}
