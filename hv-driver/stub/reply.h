/* Builds reply payloads into a bounded buffer. Overflow is sticky: a reply that did not fit is
 * replaced by E02 when it is finished (hv_reply_finish), never sent truncated. */
#ifndef HV_STUB_REPLY_H
#define HV_STUB_REPLY_H

#include "hv/types.h"

typedef struct {
    uint8_t *buf;
    size_t cap, len;
    bool overflow;
} hv_reply_t;

void hv_reply_init(hv_reply_t *r, uint8_t *buf, size_t cap);
void hv_reply_reset(hv_reply_t *r);
void hv_reply_char(hv_reply_t *r, char c);
void hv_reply_str(hv_reply_t *r, const char *s);
void hv_reply_mem(hv_reply_t *r, const void *p, size_t n);
void hv_reply_hex_u64(hv_reply_t *r, uint64_t v); /* minimal lower-case hex */
void hv_reply_hex_bytes(hv_reply_t *r, const void *p, size_t n);
void hv_reply_hex_le(hv_reply_t *r, uint64_t v, size_t bytes); /* target byte order */
void hv_reply_hex_str(hv_reply_t *r, const char *s);           /* hex of each character */
void hv_reply_error(hv_reply_t *r, uint8_t code);              /* replaces the content: Exx */
void hv_reply_ok(hv_reply_t *r);
/* Appends as much binary-escaped data as fits in max payload bytes; returns input bytes taken. */
size_t hv_reply_escaped(hv_reply_t *r, const void *p, size_t n, size_t max);
/* Called once the reply is complete: an overflowed reply becomes E02. */
void hv_reply_finish(hv_reply_t *r);

/* What stopped the target (PROTOCOL.md 5.10). */
typedef struct {
    uint8_t sig; /* 5 trap, 2 interrupt */
    uint32_t cpu;
    bool vmexit; /* an exit breakpoint: the fields below are valid */
    uint8_t bp;
    uint32_t reason; /* full exit reason (VMCS 0x4402) */
    uint64_t qual;
    bool has_gpa;
    uint64_t gpa;
} hv_stop_t;

/* T<sig>thread:<t>;06:<rbp>;07:<rsp>;10:<rip>;[hvexit:<reason>,<qual>;hvbp:<id>;[hvgpa:<gpa>;]] */
void hv_reply_stop(hv_reply_t *r, const hv_stop_t *s, uint64_t rbp, uint64_t rsp, uint64_t rip);

#endif
