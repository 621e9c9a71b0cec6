/* RSP framing (debug-adapter/PROTOCOL.md section 2): the receive state machine fed one byte at a
 * time, frame encoding with run-length compression, binary escapes, and the ack/retransmit loop on
 * top of an hv_link. The state machine and the codecs are pure (host unit tests, fuzzer). */
#ifndef HV_STUB_PACKET_H
#define HV_STUB_PACKET_H

#include "hv/types.h"
#include "link.h"

#define HV_PKT_MAX             4096u /* payload bytes between '$' and '#' (PacketSize=1000) */
#define HV_PKT_FRAME_MAX       (HV_PKT_MAX + 4u)
#define HV_STUB_RETRIES        8u      /* transmissions of one packet before giving up */
#define HV_STUB_ACK_TIMEOUT_US 500000u /* wait for '+' before sending again */
#define HV_STUB_POLL_STEP_US   50u

typedef enum {
    HV_RX_NONE,   /* byte consumed, nothing complete yet (also: noise before '$') */
    HV_RX_PACKET, /* a good packet: rx->buf[0..len), answer '+' */
    HV_RX_BAD,    /* bad checksum: answer '-' */
    HV_RX_BIG,    /* good checksum but longer than HV_PKT_MAX: answer '+', reply E02 */
    HV_RX_INTR,   /* 0x03 outside a packet */
    HV_RX_ACK,    /* '+' outside a packet */
    HV_RX_NACK,   /* '-' outside a packet */
} hv_rx_event_t;

typedef struct hv_rx {
    uint8_t state; /* internal */
    uint8_t sum;
    uint8_t cs_hi;
    size_t len; /* payload bytes seen (may exceed HV_PKT_MAX: then only counted) */
    uint8_t buf[HV_PKT_MAX];
} hv_rx_t;

void hv_rx_reset(hv_rx_t *rx);
hv_rx_event_t hv_rx_feed(hv_rx_t *rx, uint8_t byte);

/* Run-length encodes payload (PROTOCOL.md 2) into out; returns the encoded length, or 0 when it
 * does not fit cap (an empty payload encodes to 0 bytes too: callers pass n > 0 or accept it). */
size_t hv_rle_encode(uint8_t *out, size_t cap, const uint8_t *in, size_t n);

/* Frames payload as "$<rle(payload)>#cs" into out (cap >= HV_PKT_FRAME_MAX); returns its length. */
size_t hv_frame_encode(uint8_t *out, size_t cap, const uint8_t *payload, size_t n);

/* Binary escape of '#', '$', '}' and '*'. hv_escape returns the escaped length, or how many input
 * bytes fitted through *consumed when out is too small. hv_unescape decodes in place-safe order
 * (out may equal in); returns the decoded length or -1 on a trailing lone '}'. */
size_t hv_escape(uint8_t *out, size_t cap, const uint8_t *in, size_t n, size_t *consumed);
long hv_unescape(uint8_t *out, const uint8_t *in, size_t n);

/* ---- the link loop ------------------------------------------------------------------------- */
typedef struct hv_pkt_link {
    hv_link link;
    hv_rx_t rx;
    bool interrupt_seen; /* 0x03 arrived while we were waiting for something else */
    bool pending_packet; /* a packet arrived while we were waiting for an ack: rx holds it */
    uint32_t retransmits, bad_packets, gave_up; /* link statistics (monitor info) */
    uint8_t frame[HV_PKT_FRAME_MAX];
} hv_pkt_link_t;

void hv_pkt_link_init(hv_pkt_link_t *pl, const hv_link_ops *ops, void *ctx);

/* Sends one packet and waits for its '+', retransmitting on '-' or timeout. False when it gave up
 * after HV_STUB_RETRIES transmissions. */
bool hv_pkt_send(hv_pkt_link_t *pl, const uint8_t *payload, size_t n);

/* Polls for the next packet without blocking. Returns HV_RX_PACKET (payload in pl->rx.buf, length
 * pl->rx.len, already acknowledged), HV_RX_BIG (acknowledged; reply E02), HV_RX_INTR, or
 * HV_RX_NONE when nothing complete is waiting. */
hv_rx_event_t hv_pkt_poll(hv_pkt_link_t *pl);

#endif
