#include "reply.h"
#include "hex.h"
#include "packet.h"

void hv_reply_init(hv_reply_t *r, uint8_t *buf, size_t cap) {
    r->buf = buf;
    r->cap = cap;
    hv_reply_reset(r);
}

void hv_reply_reset(hv_reply_t *r) {
    r->len = 0;
    r->overflow = false;
}

static bool room(hv_reply_t *r, size_t n) {
    if (r->overflow || r->cap - r->len < n) {
        r->overflow = true;
        return false;
    }
    return true;
}

void hv_reply_char(hv_reply_t *r, char c) {
    if (room(r, 1))
        r->buf[r->len++] = (uint8_t)c;
}

void hv_reply_str(hv_reply_t *r, const char *s) {
    while (*s)
        hv_reply_char(r, *s++);
}

void hv_reply_mem(hv_reply_t *r, const void *p, size_t n) {
    if (!room(r, n))
        return;
    for (size_t i = 0; i < n; i++)
        r->buf[r->len++] = ((const uint8_t *)p)[i];
}

void hv_reply_hex_u64(hv_reply_t *r, uint64_t v) {
    uint8_t tmp[16];
    hv_reply_mem(r, tmp, hv_hex_put_u64(tmp, v));
}

void hv_reply_hex_bytes(hv_reply_t *r, const void *p, size_t n) {
    if (!room(r, 2 * n))
        return;
    hv_hex_from_bytes(r->buf + r->len, p, n);
    r->len += 2 * n;
}

void hv_reply_hex_le(hv_reply_t *r, uint64_t v, size_t bytes) {
    uint8_t b[8];
    for (size_t i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    if (bytes <= 8) {
        hv_reply_hex_bytes(r, b, bytes);
        return;
    }
    hv_reply_hex_bytes(r, b, 8); /* wider registers: the upper bytes are zero */
    for (size_t i = 8; i < bytes; i++)
        hv_reply_str(r, "00");
}

void hv_reply_hex_str(hv_reply_t *r, const char *s) {
    while (*s) {
        hv_reply_hex_bytes(r, s, 1);
        s++;
    }
}

void hv_reply_error(hv_reply_t *r, uint8_t code) {
    hv_reply_reset(r);
    hv_reply_char(r, 'E');
    hv_reply_hex_bytes(r, &code, 1);
}

void hv_reply_ok(hv_reply_t *r) {
    hv_reply_str(r, "OK");
}

size_t hv_reply_escaped(hv_reply_t *r, const void *p, size_t n, size_t max) {
    if (r->overflow)
        return 0;
    size_t cap = r->cap - r->len;
    if (cap > max)
        cap = max;
    size_t taken;
    r->len += hv_escape(r->buf + r->len, cap, p, n, &taken);
    return taken;
}

void hv_reply_finish(hv_reply_t *r) {
    if (r->overflow)
        hv_reply_error(r, 0x02);
}

void hv_reply_stop(hv_reply_t *r, const hv_stop_t *s, uint64_t rbp, uint64_t rsp, uint64_t rip) {
    hv_reply_char(r, 'T');
    hv_reply_hex_bytes(r, &s->sig, 1);
    hv_reply_str(r, "thread:");
    hv_reply_hex_u64(r, (uint64_t)s->cpu + 1);
    hv_reply_str(r, ";06:");
    hv_reply_hex_le(r, rbp, 8);
    hv_reply_str(r, ";07:");
    hv_reply_hex_le(r, rsp, 8);
    hv_reply_str(r, ";10:");
    hv_reply_hex_le(r, rip, 8);
    hv_reply_char(r, ';');
    if (!s->vmexit)
        return;
    hv_reply_str(r, "hvexit:");
    hv_reply_hex_u64(r, s->reason);
    hv_reply_char(r, ',');
    hv_reply_hex_u64(r, s->qual);
    hv_reply_str(r, ";hvbp:");
    hv_reply_hex_u64(r, s->bp);
    hv_reply_char(r, ';');
    if (s->has_gpa) {
        hv_reply_str(r, "hvgpa:");
        hv_reply_hex_u64(r, s->gpa);
        hv_reply_char(r, ';');
    }
}
