#include "packet.h"
#include "hex.h"

enum { RX_IDLE, RX_DATA, RX_CS1, RX_CS2 };

void hv_rx_reset(hv_rx_t *rx) {
    rx->state = RX_IDLE;
    rx->sum = 0;
    rx->cs_hi = 0;
    rx->len = 0;
}

hv_rx_event_t hv_rx_feed(hv_rx_t *rx, uint8_t b) {
    switch (rx->state) {
    case RX_IDLE:
        if (b == '$') {
            rx->state = RX_DATA;
            rx->sum = 0;
            rx->len = 0;
            return HV_RX_NONE;
        }
        if (b == 0x03)
            return HV_RX_INTR;
        if (b == '+')
            return HV_RX_ACK;
        if (b == '-')
            return HV_RX_NACK;
        return HV_RX_NONE; /* noise between packets */
    case RX_DATA:
        if (b == '$') { /* the earlier start was noise: resynchronize on this one */
            rx->sum = 0;
            rx->len = 0;
            return HV_RX_NONE;
        }
        if (b == '#') {
            rx->state = RX_CS1;
            return HV_RX_NONE;
        }
        rx->sum = (uint8_t)(rx->sum + b);
        if (rx->len < HV_PKT_MAX)
            rx->buf[rx->len] = b;
        if (rx->len <= HV_PKT_MAX) /* saturate: HV_PKT_MAX + 1 means "too long" */
            rx->len++;
        return HV_RX_NONE;
    case RX_CS1: {
        int d = hv_hex_digit(b);
        rx->cs_hi = d < 0 ? 0xff : (uint8_t)d;
        rx->state = RX_CS2;
        return HV_RX_NONE;
    }
    default: { /* RX_CS2 */
        int d = hv_hex_digit(b);
        rx->state = RX_IDLE;
        if (d < 0 || rx->cs_hi == 0xff || (uint8_t)(rx->cs_hi << 4 | d) != rx->sum)
            return HV_RX_BAD;
        return rx->len > HV_PKT_MAX ? HV_RX_BIG : HV_RX_PACKET;
    }
    }
}

/* The longest run one repeat count expresses: count character '~' (126) = 29 + 97 copies. */
#define RLE_MAX_RUN 98u

size_t hv_rle_encode(uint8_t *out, size_t cap, const uint8_t *in, size_t n) {
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        uint8_t c = in[i];
        size_t run = 1;
        while (i + run < n && in[i + run] == c && run < RLE_MAX_RUN)
            run++;
        /* Runs of 7 and 8 would need '#' or '$' as the count: send 6 and the rest literally. */
        if (run == 7 || run == 8)
            run = 6;
        if (run >= 4) {
            if (o + 3 > cap)
                return 0;
            out[o++] = c;
            out[o++] = '*';
            out[o++] = (uint8_t)(run - 1 + 29);
        } else {
            if (o + run > cap)
                return 0;
            for (size_t k = 0; k < run; k++)
                out[o++] = c;
        }
        i += run;
    }
    return o;
}

size_t hv_frame_encode(uint8_t *out, size_t cap, const uint8_t *payload, size_t n) {
    if (cap < 4)
        return 0;
    out[0] = '$';
    size_t len = hv_rle_encode(out + 1, cap - 4, payload, n);
    if (len == 0 && n != 0)
        return 0;
    uint8_t sum = 0;
    for (size_t i = 0; i < len; i++)
        sum = (uint8_t)(sum + out[1 + i]);
    out[1 + len] = '#';
    hv_hex_from_bytes(out + 2 + len, &sum, 1);
    return len + 4;
}

static bool needs_escape(uint8_t b) {
    return b == '#' || b == '$' || b == '}' || b == '*';
}

size_t hv_escape(uint8_t *out, size_t cap, const uint8_t *in, size_t n, size_t *consumed) {
    size_t o = 0, i = 0;
    for (; i < n; i++) {
        size_t need = needs_escape(in[i]) ? 2 : 1;
        if (o + need > cap)
            break;
        if (need == 2) {
            out[o++] = '}';
            out[o++] = in[i] ^ 0x20;
        } else {
            out[o++] = in[i];
        }
    }
    if (consumed)
        *consumed = i;
    return o;
}

long hv_unescape(uint8_t *out, const uint8_t *in, size_t n) {
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (in[i] == '}') {
            if (++i == n)
                return -1;
            out[o++] = in[i] ^ 0x20;
        } else {
            out[o++] = in[i];
        }
    }
    return (long)o;
}

/* ---- the link loop ------------------------------------------------------------------------- */
void hv_pkt_link_init(hv_pkt_link_t *pl, const hv_link_ops *ops, void *ctx) {
    pl->link.ops = ops;
    pl->link.ctx = ctx;
    hv_rx_reset(&pl->rx);
    pl->interrupt_seen = false;
    pl->pending_packet = false;
    pl->retransmits = pl->bad_packets = pl->gave_up = 0;
}

static void put1(hv_pkt_link_t *pl, uint8_t c) {
    pl->link.ops->putc(pl->link.ctx, c);
    pl->link.ops->flush(pl->link.ctx);
}

/* Feeds one received byte and answers what needs an answer; returns the event. */
static hv_rx_event_t take(hv_pkt_link_t *pl, uint8_t b) {
    hv_rx_event_t ev = hv_rx_feed(&pl->rx, b);
    if (ev == HV_RX_PACKET || ev == HV_RX_BIG)
        put1(pl, '+');
    else if (ev == HV_RX_BAD) {
        put1(pl, '-');
        pl->bad_packets++;
    } else if (ev == HV_RX_INTR)
        pl->interrupt_seen = true;
    return ev;
}

bool hv_pkt_send(hv_pkt_link_t *pl, const uint8_t *payload, size_t n) {
    size_t len = hv_frame_encode(pl->frame, sizeof pl->frame, payload, n);
    if (len == 0)
        return false;
    for (uint32_t attempt = 0; attempt < HV_STUB_RETRIES; attempt++) {
        if (attempt)
            pl->retransmits++;
        for (size_t i = 0; i < len; i++)
            pl->link.ops->putc(pl->link.ctx, pl->frame[i]);
        pl->link.ops->flush(pl->link.ctx);
        uint32_t waited = 0;
        while (waited < HV_STUB_ACK_TIMEOUT_US) {
            int c = pl->link.ops->getc(pl->link.ctx);
            if (c < 0) {
                if (pl->rx.state == RX_IDLE) /* not in the middle of the peer's packet */
                    waited += HV_STUB_POLL_STEP_US;
                pl->link.ops->stall_us(pl->link.ctx, HV_STUB_POLL_STEP_US);
                continue;
            }
            hv_rx_event_t ev = take(pl, (uint8_t)c);
            if (ev == HV_RX_ACK)
                return true;
            if (ev == HV_RX_NACK)
                break;
            if (ev == HV_RX_PACKET || ev == HV_RX_BIG) {
                /* The peer moved on to a new packet: our '+' was lost on the way. */
                pl->pending_packet = true;
                return true;
            }
        }
    }
    pl->gave_up++;
    return false;
}

hv_rx_event_t hv_pkt_poll(hv_pkt_link_t *pl) {
    if (pl->pending_packet) {
        pl->pending_packet = false;
        return pl->rx.len > HV_PKT_MAX ? HV_RX_BIG : HV_RX_PACKET;
    }
    if (pl->interrupt_seen) {
        pl->interrupt_seen = false;
        return HV_RX_INTR;
    }
    for (;;) {
        int c = pl->link.ops->getc(pl->link.ctx);
        if (c < 0)
            return HV_RX_NONE;
        hv_rx_event_t ev = take(pl, (uint8_t)c);
        if (ev == HV_RX_INTR)
            pl->interrupt_seen = false;
        if (ev == HV_RX_PACKET || ev == HV_RX_BIG || ev == HV_RX_INTR)
            return ev;
    }
}
