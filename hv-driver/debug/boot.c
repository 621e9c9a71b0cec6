/* The debug stub on the driver's load path (PROTOCOL.md 8.2): for machines without VT-x (QEMU TCG,
 * a CPU whose firmware locked VMX off) and for debugging the entry itself, where the hypervisor's
 * own stub does not exist yet. When a window is configured (HvDebugPort wait_s, or
 * -DHV_STUB_ENTRY_WAIT_S), the entry point programs the debug UART, hooks the firmware's #DB and
 * #BP gates (debug/boot_entry.nasm) and spends the window polling the link: a debugger that speaks
 * stops the driver there, can set breakpoints (hardware in DR0-3, software int3) and step through
 * the load path, and sees the decline as the program's exit (O text, then W). Everything is undone
 * before the image can go: the gates, the debug registers, every int3.
 *
 * One CPU: the BSP, which runs the load path (thread 1). The APs sit in the firmware's idle loop;
 * their debug registers are never set. The session's state is one hv_alloc_pages() block; the only
 * image variable is g_boot, which the trap entry needs to find it (there is no guest yet to write
 * image data, and the pointer is cleared before the hypervisor starts). */
#include "debug/state.h"
#include "ept/mtrr.h"
#include "hv/log.h"
#include "hv/platform.h"
#include "hv/version.h"
#include "hv/format.h"
#include "lib/mem.h"
#include "log/log_internal.h"

#define RFLAGS_TF (1ull << 8)
#define RFLAGS_RF (1ull << 16)
#define DR6_BS    (1ull << 14)
#define CR0_WP    (1ull << 16)
#define PTE_P     1ull
#define PTE_PS    0x80ull
#define PTE_ADDR  0x000ffffffffff000ull

typedef struct {
    uint64_t lo, hi;
} idt_gate_t;

typedef struct {
    hv_stub_session_t session;
    hv_uart_link_t uart;
    hv_target_info_t info;
    hv_mtrr_state_t mtrr;
    hv_regs_t regs;
    uint64_t dr[4];
    uint64_t dr7; /* 0: no hardware breakpoint */
    idt_gate_t *idt;
    idt_gate_t saved[2]; /* the firmware's #DB and #BP gates */
    uint64_t window_us;
    uint64_t fw_dr[6]; /* the firmware's DR0-3, DR6, DR7 on the BSP, put back at the end */
    uint32_t bsp_apic;
    uint8_t pending_sig; /* set by the window's poll before its int3: 5 attach, 2 Ctrl-C */
} boot_debug_t;

static boot_debug_t *g_boot;

/* debug/boot_entry.nasm */
extern uint8_t hv_debug_boot_db_isr[], hv_debug_boot_bp_isr[];
extern uint64_t hv_debug_boot_chain[2]; /* the firmware's #DB and #BP handlers */

static uint32_t apic_id(void) {
    return hv_cpuid(1, 0).ebx >> 24;
}

/* ---- memory: only pages the firmware maps, and only RAM -------------------------------------- */

/* Present in the firmware's page tables (identity-mapped tables, 4-level paging)? */
static bool mapped(uint64_t va) {
    if ((uint64_t)((int64_t)(va << 16) >> 16) != va || (hv_read_cr4() & (1ull << 12)))
        return false; /* non-canonical, or 5-level paging (not walked) */
    uint64_t table = hv_read_cr3() & PTE_ADDR;
    for (int level = 4; level >= 1; level--) {
        uint64_t e = ((volatile uint64_t *)(uintptr_t)table)[(va >> (12 + 9 * (level - 1))) & 511];
        if (!(e & PTE_P))
            return false;
        if (level <= 3 && level >= 2 && (e & PTE_PS))
            return true;
        table = e & PTE_ADDR;
    }
    return true;
}

static bool ram_page(const boot_debug_t *b, uint64_t page) {
    if (page - b->info.image_base < b->info.image_size)
        return true;
    return page < hv_phys_top() && hv_mtrr_page_type(&b->mtrr, page) == 6 /* WB */ && mapped(page);
}

/* Writes go through CR0.WP = 0: the firmware may map our code read-only (image protection), and
 * a software breakpoint must still be planted. Interrupts are off (trap context). */
static bool boot_page_ok(const void *b, uint64_t page) {
    return ram_page((const boot_debug_t *)b, page) && mapped(page);
}

static size_t access(boot_debug_t *b, uint64_t addr, void *buf, size_t len, bool write) {
    uint64_t cr0 = hv_read_cr0();
    if (write)
        hv_write_cr0(cr0 & ~CR0_WP);
    size_t done = hv_debug_copy(addr, buf, len, write, boot_page_ok, b);
    if (write)
        hv_write_cr0(cr0);
    return done;
}

/* ---- stub/target.h on the firmware's context --------------------------------------------------
 */
static boot_debug_t *B(void *ctx) {
    return ctx;
}
static uint32_t cpu_count(void *ctx) {
    (void)ctx;
    return 1;
}
static hv_regs_t *regs(void *ctx, uint32_t cpu) {
    (void)cpu;
    return &B(ctx)->regs;
}
static bool cpu_in_guest(void *ctx, uint32_t cpu) {
    (void)ctx;
    (void)cpu;
    return false;
}
static const char *cpu_where(void *ctx, uint32_t cpu) {
    (void)ctx;
    (void)cpu;
    return "load path, no VMX";
}
static size_t mem_read(void *ctx, uint64_t addr, void *buf, size_t len) {
    return access(B(ctx), addr, buf, len, false);
}
static size_t mem_write(void *ctx, uint64_t addr, const void *buf, size_t len) {
    return access(B(ctx), addr, (void *)(uintptr_t)buf, len, true);
}
static bool hv_owned(void *ctx, uint64_t hpa, uint64_t len) {
    const boot_debug_t *b = B(ctx);
    return hpa < b->info.image_base + b->info.image_size && b->info.image_base < hpa + len;
}
static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen) {
    return a < b + blen && b < a + alen;
}
static bool protected_range(void *ctx, uint64_t addr, uint64_t len) {
    uint64_t ts = (uint64_t)(uintptr_t)hv_debug_text_start,
             te = (uint64_t)(uintptr_t)hv_debug_text_end;
    return overlaps(addr, len, ts, te - ts) ||
           overlaps(addr, len, (uint64_t)(uintptr_t)ctx, sizeof(boot_debug_t));
}
static int no_vmcs(void *ctx, uint32_t cpu, uint32_t enc, uint64_t *val) {
    (void)ctx, (void)cpu, (void)enc;
    *val = 0;
    return HV_VMX_NO_VMCS;
}
static int no_vmcs_write(void *ctx, uint32_t cpu, uint32_t enc, uint64_t val) {
    (void)ctx, (void)cpu, (void)enc, (void)val;
    return HV_VMX_NO_VMCS;
}
static const uint32_t *vmcs_fields(void *ctx, size_t *count) {
    (void)ctx;
    *count = 0;
    return NULL;
}
static const char *vmcs_field_name(void *ctx, uint32_t enc) {
    (void)ctx;
    (void)enc;
    return NULL;
}
static int greg_read(void *ctx, uint32_t cpu, hv_greg_t r, uint64_t *val) {
    (void)ctx, (void)cpu, (void)r;
    *val = 0;
    return HV_E_NO_VMCS; /* no guest: the load path runs as the firmware */
}
static int greg_write(void *ctx, uint32_t cpu, hv_greg_t r, uint64_t val) {
    (void)ctx, (void)cpu, (void)r, (void)val;
    return HV_E_NO_VMCS;
}
static bool hwbp_set(void *ctx, unsigned slot, uint64_t addr) {
    boot_debug_t *b = B(ctx);
    if (slot >= 4)
        return false;
    b->dr[slot] = addr;
    b->dr7 = (b->dr7 & ~(0xfull << (16 + 4 * slot))) | 0x400 | (1ull << (2 * slot));
    return true;
}
static void hwbp_clear(void *ctx, unsigned slot) {
    boot_debug_t *b = B(ctx);
    if (slot >= 4)
        return;
    uint64_t dr7 = b->dr7 & ~(3ull << (2 * slot));
    b->dr7 = (dr7 & 0xff) ? dr7 : 0;
}
static uint64_t exit_count(void *ctx, uint32_t cpu, uint32_t reason) {
    (void)ctx, (void)cpu, (void)reason;
    return 0;
}
static void exits_reset(void *ctx) {
    (void)ctx;
}
static const hv_target_info_t *info(void *ctx) {
    return &B(ctx)->info;
}

static const hv_target_ops boot_target_ops = {
    .cpu_count = cpu_count,
    .regs = regs,
    .cpu_in_guest = cpu_in_guest,
    .cpu_where = cpu_where,
    .mem_read = mem_read,
    .mem_write = mem_write,
    .phys_read = mem_read, /* the firmware maps memory 1:1 */
    .phys_write = mem_write,
    .hv_owned = hv_owned,
    .protected_range = protected_range,
    .vmread = no_vmcs,
    .vmwrite = no_vmcs_write,
    .vmcs_fields = vmcs_fields,
    .vmcs_field_name = vmcs_field_name,
    .greg_read = greg_read,
    .greg_write = greg_write,
    .hwbp_set = hwbp_set,
    .hwbp_clear = hwbp_clear,
    .exit_count = exit_count,
    .exits_reset = exits_reset,
    .info = info,
};

/* ---- the firmware's #DB / #BP gates -----------------------------------------------------------
 */
static idt_gate_t gate_to(const uint8_t *isr, uint16_t cs) {
    uint64_t a = (uint64_t)(uintptr_t)isr;
    /* 64-bit interrupt gate, present, DPL 0, IST 0: interrupts stay off while the stub serves. */
    return (idt_gate_t){.lo = (a & 0xffff) | (uint64_t)cs << 16 | 0x8eull << 40 |
                              ((a >> 16) & 0xffff) << 48,
                        .hi = a >> 32};
}

static uint64_t gate_target(idt_gate_t g) {
    return (g.lo & 0xffff) | ((g.lo >> 48) & 0xffff) << 16 | g.hi << 32;
}

static void write_gate(idt_gate_t *slot, idt_gate_t g) {
    uint64_t cr0 = hv_read_cr0();
    hv_write_cr0(cr0 & ~CR0_WP); /* the IDT may be mapped read-only */
    *(volatile uint64_t *)&slot->lo = g.lo;
    *(volatile uint64_t *)&slot->hi = g.hi;
    hv_write_cr0(cr0);
}

static void hook(boot_debug_t *b) {
    hv_dtr_t idtr = hv_sidt();
    b->idt = (idt_gate_t *)(uintptr_t)idtr.base;
    b->saved[0] = b->idt[1];
    b->saved[1] = b->idt[3];
    hv_debug_boot_chain[0] = gate_target(b->saved[0]);
    hv_debug_boot_chain[1] = gate_target(b->saved[1]);
    uint16_t cs = hv_read_cs();
    write_gate(&b->idt[1], gate_to(hv_debug_boot_db_isr, cs));
    write_gate(&b->idt[3], gate_to(hv_debug_boot_bp_isr, cs));
}

static void unhook(boot_debug_t *b) {
    write_gate(&b->idt[1], b->saved[0]);
    write_gate(&b->idt[3], b->saved[1]);
}

static void load_drs(const boot_debug_t *b) {
    if (!b->dr7)
        return;
    __asm__ volatile("mov %0, %%dr0" : : "r"(b->dr[0]));
    __asm__ volatile("mov %0, %%dr1" : : "r"(b->dr[1]));
    __asm__ volatile("mov %0, %%dr2" : : "r"(b->dr[2]));
    __asm__ volatile("mov %0, %%dr3" : : "r"(b->dr[3]));
    __asm__ volatile("mov %0, %%dr7" : : "r"(b->dr7));
}

static void clear_dr7(void) {
    __asm__ volatile("mov %0, %%dr7" : : "r"(0x400ull));
}

/* The link is ours only with interrupts off: otherwise the firmware's console timer reads the
 * debugger's acks off the same UART. */
static uint64_t irq_off(void) {
    uint64_t was = hv_read_rflags() & (1ull << 9);
    __asm__ volatile("cli" ::: "memory");
    return was;
}

static void irq_restore(uint64_t was) {
    if (was)
        __asm__ volatile("sti" ::: "memory");
}

/* An AP ran into one of our int3 (code the BSP and the APs share, e.g. a function MP services runs
 * everywhere): it cannot be stopped on its own, so the breakpoint goes and the AP runs on. */
static int ap_trap(boot_debug_t *b, hv_host_frame_t *f) {
    hv_stub_t *s = &b->session.stub;
    if (f->vector != 3)
        return 1;
    for (unsigned i = 0; i < HV_SWBP_SLOTS; i++)
        if ((s->sw_used >> i & 1) && s->sw[i].addr == f->rip - 1) {
            access(b, s->sw[i].addr, &s->sw[i].orig, 1, true);
            s->sw_used &= ~(1ull << i);
            f->rip -= 1;
            HV_WARN("debug stub: an AP reached the breakpoint at 0x%llx; removed (the load-path "
                    "session stops the BSP only)",
                    HV_U64(f->rip));
            return 0;
        }
    return 1;
}

/* #DB / #BP while the session is hooked (debug/boot_entry.nasm). 0: handled, resume from f;
 * 1: not ours, the firmware's handler gets the exception as if we were not there. */
HV_EFIAPI int hv_debug_boot_trap(hv_host_frame_t *f);
HV_EFIAPI int hv_debug_boot_trap(hv_host_frame_t *f) {
    boot_debug_t *b = g_boot;
    if (!b)
        return 1;
    if (apic_id() != b->bsp_apic)
        return ap_trap(b, f);
    if (f->vector == 1) {
        uint64_t dr6;
        __asm__ volatile("mov %%dr6, %0" : "=r"(dr6));
        __asm__ volatile("mov %0, %%dr6" : : "r"(0xffff0ff0ull));
        if (!(dr6 & (DR6_BS | 0xf)))
            return 1;
    } else {
        /* Our int3: a software breakpoint of the session, or the window's poll. */
        hv_stub_t *s = &b->session.stub;
        bool ours = b->pending_sig != 0;
        for (unsigned i = 0; i < HV_SWBP_SLOTS && !ours; i++)
            ours = (s->sw_used >> i & 1) && s->sw[i].addr == f->rip - 1;
        if (!ours)
            return 1;
    }
    clear_dr7();
    uint8_t sig = b->pending_sig ? b->pending_sig : 5;
    b->pending_sig = 0;
    hv_regs_t *g = &b->regs;
    hv_debug_regs_from_frame(g, f);
    hv_resume_t res = hv_stub_serve(&b->session, &(hv_stop_t){.sig = sig, .cpu = 0});
    bool step = res.step_mask & 1;
    hv_guest_regs_t *w = &f->regs;
    uint64_t *const back[16] = {&w->rax, &w->rbx, &w->rcx, &w->rdx, &w->rsi, &w->rdi,
                                &w->rbp, &w->rsp, &w->r8,  &w->r9,  &w->r10, &w->r11,
                                &w->r12, &w->r13, &w->r14, &w->r15};
    for (int i = 0; i < 16; i++)
        if (i != 7)
            *back[i] = g->gpr[i];
    f->rsp = g->gpr[7];
    f->rip = g->rip;
    f->rflags = (g->rflags & ~RFLAGS_TF) | RFLAGS_RF | (step ? RFLAGS_TF : 0);
    load_drs(b);
    return 0;
}

/* ---- the session's life -----------------------------------------------------------------------
 */
bool hv_debug_boot_begin(void) {
    if (hv_debug_cfg.port == 0 || hv_debug_cfg.wait_s == 0)
        return false;
    uint64_t pages = (sizeof(boot_debug_t) + HV_PAGE_SIZE - 1) / HV_PAGE_SIZE;
    boot_debug_t *b = hv_alloc_pages(pages);
    if (!b) {
        HV_WARN("debug stub: no memory for the load-path session");
        return false;
    }
    if (!hv_uart_link_init(&b->uart, hv_debug_cfg.port, hv_debug_cfg.baud)) {
        HV_WARN("debug stub: no UART at 0x%x (or %u baud impossible): no load-path session",
                hv_debug_cfg.port, hv_debug_cfg.baud);
        hv_free_pages(b, pages);
        return false;
    }
    hv_mtrr_read(&b->mtrr);
    b->window_us = (uint64_t)hv_debug_cfg.wait_s * 1000000u;
    b->bsp_apic = apic_id();
    b->info = (hv_target_info_t){
        .version = HV_VERSION,
        .caps = "boot.hwbp.swbp",
        .lib_name = "HvDxe.debug",
        .image_base = hv_image_base(),
        .image_size = hv_image_size(),
        .lib_segment = hv_debug_lowest_section(hv_image_base()),
    };
    hv_stub_session_init(&b->session, &hv_uart_link_ops, &b->uart, &boot_target_ops, b);
    uint64_t *f = b->fw_dr;
    __asm__ volatile("mov %%dr0, %0" : "=r"(f[0]));
    __asm__ volatile("mov %%dr1, %0" : "=r"(f[1]));
    __asm__ volatile("mov %%dr2, %0" : "=r"(f[2]));
    __asm__ volatile("mov %%dr3, %0" : "=r"(f[3]));
    __asm__ volatile("mov %%dr6, %0" : "=r"(f[4]));
    __asm__ volatile("mov %%dr7, %0" : "=r"(f[5]));
    hook(b);
    g_boot = b;
    return true;
}

/* Polls the link once; a debugger that spoke (a packet: it attaches; 0x03: Ctrl-C) stops the
 * driver right here, at the int3 below. */
static bool __attribute__((noinline)) poll_debugger(boot_debug_t *b) {
    hv_rx_event_t ev = hv_pkt_poll(&b->session.link);
    if (ev == HV_RX_NONE)
        return false;
    if (ev == HV_RX_PACKET || ev == HV_RX_BIG)
        b->session.link.pending_packet = true; /* served once stopped */
    b->pending_sig = ev == HV_RX_INTR ? 2 : 5;
    __asm__ volatile("int3");
    return true;
}

void hv_debug_boot_wait(void) {
    boot_debug_t *b = g_boot;
    if (!b)
        return;
    HV_INFO("debug stub: load path waits %u s for a debugger on I/O port 0x%x at %u baud (GDB "
            "RSP)",
            hv_debug_cfg.wait_s, hv_debug_cfg.port, hv_debug_cfg.baud);
    /* Running time only (the log's clock, not a count of stalls, which cost more than they say
     * under emulation): while stopped the window does not run out. */
    /* Interrupts off: the firmware's console polls the same UART from a timer event (it mirrors
     * its console on every serial port) and would eat the debugger's bytes. */
    uint64_t irq = irq_off();
    uint64_t left = b->window_us, t = hv_log_clock_us();
    while (left) {
        bool stopped = poll_debugger(b);
        hv_stall_us(1000);
        uint64_t now = hv_log_clock_us(), ran = stopped ? 0 : now - t;
        left = ran >= left ? 0 : left - ran;
        t = now;
    }
    irq_restore(irq);
    HV_INFO("debug stub: load-path window over, %s",
            b->session.resumed_by_debugger ? "the debugger is attached" : "no debugger: going on");
}

static void finish(boot_debug_t *b) {
    hv_stub_remove_all(&b->session.stub); /* every int3 restored while the gates are ours */
    clear_dr7();
    const uint64_t *f = b->fw_dr; /* the firmware's debug registers as they were */
    __asm__ volatile("mov %0, %%dr0" : : "r"(f[0]));
    __asm__ volatile("mov %0, %%dr1" : : "r"(f[1]));
    __asm__ volatile("mov %0, %%dr2" : : "r"(f[2]));
    __asm__ volatile("mov %0, %%dr3" : : "r"(f[3]));
    __asm__ volatile("mov %0, %%dr6" : : "r"(f[4]));
    unhook(b);
    __asm__ volatile("mov %0, %%dr7" : : "r"(f[5]));
    g_boot = NULL;
    hv_free_pages(b, (sizeof(boot_debug_t) + HV_PAGE_SIZE - 1) / HV_PAGE_SIZE);
}

static void say(boot_debug_t *b, const char *text) {
    uint8_t *out = b->session.reply_buf;
    size_t n = 0;
    static const char digits[] = "0123456789abcdef";
    out[n++] = 'O';
    for (; *text && n + 2 < HV_PKT_MAX; text++) {
        out[n++] = (uint8_t)digits[(uint8_t)*text >> 4];
        out[n++] = (uint8_t)digits[(uint8_t)*text & 15];
    }
    hv_pkt_send(&b->session.link, out, n);
}

void hv_debug_boot_handover(void) {
    boot_debug_t *b = g_boot;
    if (!b)
        return;
    uint64_t irq = irq_off();
    bool waiting = b->session.resumed_by_debugger;
    if (waiting)
        say(b, "uefi-hv: load path done, VMX starts: the hypervisor's stub serves this link from "
               "now on (load-path breakpoints removed)\n");
    finish(b);
    irq_restore(irq);
    hv_debug_cfg.debugger_waiting = waiting; /* hv_debug_setup(): the next stop goes out unasked */
}

void hv_debug_boot_end(uint64_t status, const char *status_text) {
    boot_debug_t *b = g_boot;
    if (!b)
        return;
    uint64_t irq = irq_off();
    if (b->session.resumed_by_debugger) {
        char text[160];
        hv_format(text, sizeof text,
                  "uefi-hv: not started (%s): the driver declines and is unloaded; its log on "
                  "COM1 says why\n",
                  status_text);
        say(b, text);
        uint8_t w[3] = {'W', 0, 0};
        static const char digits[] = "0123456789abcdef";
        w[1] = (uint8_t)digits[(status >> 4) & 15];
        w[2] = (uint8_t)digits[status & 15];
        hv_pkt_send(&b->session.link, w, 3);
    }
    finish(b);
    irq_restore(irq);
}
