/* The stub's command loop body: one parsed packet in, one reply out (plus, for monitor commands,
 * O packets through emit). Pure with respect to the link: the live loop (stub.c) and the host tests
 * drive it the same way. */
#ifndef HV_STUB_DISPATCH_H
#define HV_STUB_DISPATCH_H

#include "hv/types.h"
#include "exitbp.h"
#include "packet.h"
#include "parse.h"
#include "reply.h"
#include "target.h"
#include "walk.h"

#define HV_SWBP_SLOTS    64u
#define HV_HWBP_SLOTS    4u
#define HV_MEM_MAX       2047u /* bytes per m / M / qHv.gpm (hex doubles it: fits the buffer) */
#define HV_MONITOR_CHUNK 1024u

typedef void (*hv_emit_fn)(void *ctx, const uint8_t *payload, size_t n);

typedef struct {
    uint64_t addr;
    uint8_t orig;
} hv_swbp_t;

typedef struct hv_stub {
    const hv_target_ops *t;
    void *tctx;
    hv_emit_fn emit; /* sends one extra packet (O output) before the reply */
    void *ectx;
    hv_stop_t stop;   /* the last stop (reply of '?') */
    uint32_t g_cpu;   /* Hg: registers, VMCS, guest state */
    uint32_t c_cpu;   /* Hc: step target of 's' */
    uint64_t sw_used; /* bit i: sw[i] in use */
    hv_swbp_t sw[HV_SWBP_SLOTS];
    uint8_t hw_used;
    uint64_t hw[HV_HWBP_SLOTS];
    hv_exitbp_table_t exitbp;
    hv_cmd_t cmd;
    uint8_t scratch[HV_MEM_MAX + 1];
    uint8_t text[HV_MONITOR_CHUNK];
    uint8_t opkt[1 + 2 * HV_MONITOR_CHUNK];
    size_t text_len;
} hv_stub_t;

typedef enum {
    HV_ACT_REPLY,  /* send the reply, keep reading commands */
    HV_ACT_RESUME, /* send nothing: resume (step_mask, run_others) until the next stop */
    HV_ACT_DETACH, /* send the reply, then resume all (breakpoints already removed) */
    HV_ACT_KILL,   /* as DETACH without a reply (k) */
    HV_ACT_RESET,  /* send the reply (acknowledged), then reset the machine (QHv.reset) */
} hv_action_t;

typedef struct {
    uint64_t step_mask; /* CPUs to single-step */
    bool run_others;    /* the CPUs not stepped run (else they stay parked) */
} hv_resume_t;

void hv_stub_init(hv_stub_t *s, const hv_target_ops *t, void *tctx, hv_emit_fn emit, void *ectx);

/* A new stop: the stopping CPU becomes the selected thread. */
void hv_stub_stopped(hv_stub_t *s, const hv_stop_t *stop);

/* Handles one packet payload (modified in place). */
hv_action_t hv_dispatch(hv_stub_t *s, uint8_t *payload, size_t n, hv_reply_t *r, hv_resume_t *res);

/* The reply to '?' and to a stop, for the current stop. */
void hv_stub_stop_reply(hv_stub_t *s, hv_reply_t *r);

/* Monitor commands (monitor.c): output through s->emit as O packets, then "OK" in r. */
void hv_monitor(hv_stub_t *s, const uint8_t *text, size_t n, hv_reply_t *r);

/* Shared by dispatch.c and monitor.c. */
void hv_stub_walk_reply(hv_reply_t *r, const hv_walk_t *w, bool ept);

#endif
