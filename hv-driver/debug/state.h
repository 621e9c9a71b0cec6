/* The live stub's state (one hv_alloc_pages() block, hv->debug) and what its files share. */
#ifndef HV_DEBUG_STATE_H
#define HV_DEBUG_STATE_H

#include "hv/stub.h"
#include "hv/uart_link.h"
#include "debug/debug.h"

/* A CPU that has not parked by then is reported running (its VMCS out of reach). */
#define HV_DEBUG_PARK_TIMEOUT_US 200000u

enum { HV_MB_NONE, HV_MB_VMREAD, HV_MB_VMWRITE, HV_MB_CR2 };

typedef struct hv_debug {
    hv_global_t *hv;
    hv_stub_session_t session;
    hv_uart_link_t uart;
    hv_target_info_t info;
    char caps[96];
    uint32_t timer_value; /* VMX-preemption timer reload (0: none) */

    /* stop protocol */
    volatile int32_t owner;        /* CPU serving the debugger, -1 none */
    volatile uint32_t stop_req;    /* every other CPU parks at its next exit */
    volatile uint32_t release_gen; /* bumped to let parked CPUs go */
    bool others_held;              /* a step keeps the others parked */
    hv_regs_t regs[HV_MAX_CPUS];   /* the hypervisor context of each stopped/parked CPU */

    /* hardware breakpoints, the same on every CPU */
    uint64_t dr[4];
    volatile uint64_t dr7; /* 0: none armed */

    uint32_t field_count;
    uint32_t fields[512];
} hv_debug_t;

extern const hv_target_ops hv_vmx_target_ops;

/* debug/vmx_access.c: 0 ok, -1 the VMX instruction failed (no hv/vmx.h next to stub/target.h). */
int hv_debug_vmread(uint32_t enc, uint64_t *val);
int hv_debug_vmwrite(uint32_t enc, uint64_t val);

/* debug/capture.nasm */
HV_EFIAPI void hv_debug_capture(hv_regs_t *out);
extern uint8_t hv_debug_text_start[], hv_debug_text_end[];
extern uint8_t hv_host_isr_table[], hv_host_isr_end[];

void hv_debug_load_drs(const hv_debug_t *d);

/* The link settings hv_debug_configure() was given (debug/stop.c). */
typedef struct {
    uint16_t port;
    uint32_t baud;
    uint16_t wait_s;       /* load-path debug window (debug/boot.c), 0: none */
    bool debugger_waiting; /* handed over by the load-path session: gdb waits for a stop reply */
} hv_debug_cfg_t;
extern hv_debug_cfg_t hv_debug_cfg;

void hv_debug_fill_system_regs(hv_regs_t *g);
/* Copies between buf and [addr, addr + len) page by page while page_ok(ctx, page) says the host
 * may touch it (identity-mapped memory); returns the bytes copied (short at the first refused
 * page). */
size_t hv_debug_copy(uint64_t addr, void *buf, size_t len, bool write,
                     bool (*page_ok)(const void *ctx, uint64_t page), const void *ctx);
/* A trap frame's registers as gdb sees them at a #BP/#DB stop (writable: IRETQ resumes from f). */
void hv_debug_regs_from_frame(hv_regs_t *g, const hv_host_frame_t *f);
/* The run-time address of the image's lowest section (PROTOCOL.md 4.2), from our PE headers. */
uint64_t hv_debug_lowest_section(uint64_t base);

#endif
