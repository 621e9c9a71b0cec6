/* Stopping the hypervisor for the debugger (PROTOCOL.md 3): one CPU stops (exit breakpoint,
 * Ctrl-C, host #BP/#DB), becomes the stub CPU, and every other CPU parks at its next VM exit (the
 * VMX-preemption timer makes a CPU in the guest exit within HV_STUB_POLL_US even when the guest
 * does nothing that exits). Parked CPUs spin serving their mailbox until the stub CPU releases
 * them. */
#include "debug/state.h"
#include "hv/log.h"
#include "hv/platform.h"
#include "hv/version.h"
#include "lib/mem.h"

#define RFLAGS_TF (1ull << 8)
#define RFLAGS_RF (1ull << 16)
#define DR6_BS    (1ull << 14)

hv_debug_cfg_t hv_debug_cfg = {HV_STUB_UART_PORT, HV_STUB_UART_BAUD, HV_STUB_ENTRY_WAIT_S, false};
#define cfg_port hv_debug_cfg.port
#define cfg_baud hv_debug_cfg.baud

void hv_debug_configure(uint16_t port, uint32_t baud, uint16_t wait_s) {
    cfg_port = port;
    cfg_baud = baud;
    hv_debug_cfg.wait_s = wait_s;
}

uint32_t hv_debug_wanted_pin_controls(void) {
    return cfg_port ? VMX_PIN_BASED_VM_EXEC_CONTROL_PREEMPTION_TIMER : 0;
}

uint32_t hv_debug_timer_value(const hv_global_t *hv) {
    return hv->debug ? hv->debug->timer_value : 0;
}

uint16_t hv_debug_port(const hv_global_t *hv) {
    return hv->debug ? hv->debug->uart.base : 0;
}

static uint32_t rd32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The run-time address of the image's lowest section (PROTOCOL.md 4.2), from our PE headers. */
uint64_t hv_debug_lowest_section(uint64_t base) {
    const uint8_t *img = (const uint8_t *)(uintptr_t)base;
    uint32_t pe = rd32(img + 0x3c);
    if (img[0] != 'M' || img[1] != 'Z' || pe > 0x400 || rd32(img + pe) != 0x00004550)
        return base;
    uint32_t sections = img[pe + 6] | (uint32_t)img[pe + 7] << 8;
    uint32_t opt_size = img[pe + 20] | (uint32_t)img[pe + 21] << 8;
    const uint8_t *s = img + pe + 24 + opt_size;
    uint32_t low = 0xffffffffu;
    for (uint32_t i = 0; i < sections && i < 64; i++, s += 40)
        if (rd32(s + 12) < low)
            low = rd32(s + 12);
    return low == 0xffffffffu ? base : base + low;
}

static void append(char *dst, size_t cap, const char *word) {
    size_t n = 0;
    while (dst[n])
        n++;
    if (n && n + 1 < cap)
        dst[n++] = '.';
    while (*word && n + 1 < cap)
        dst[n++] = *word++;
    dst[n] = 0;
}

int hv_debug_setup(hv_global_t *hv) {
    /* Asked for in case the stub runs; without a stub nobody would reload it (value 0 would make
     * every VM entry exit at once). */
    uint32_t timer_bit = VMX_PIN_BASED_VM_EXEC_CONTROL_PREEMPTION_TIMER;
    if (cfg_port == 0) {
        hv->pin_ctls &= ~timer_bit;
        HV_INFO("debug stub disabled (HvDebugPort io_port 0)");
        return 0;
    }
    uint64_t pages = (sizeof(hv_debug_t) + HV_PAGE_SIZE - 1) / HV_PAGE_SIZE;
    hv_debug_t *d = hv_alloc_pages(pages);
    if (!d) {
        hv->pin_ctls &= ~timer_bit;
        return -1;
    }
    d->hv = hv;
    d->owner = -1;
    if (!hv_uart_link_init(&d->uart, cfg_port, cfg_baud)) {
        HV_WARN("debug stub: no UART at 0x%x (or %u baud impossible): no stub", cfg_port, cfg_baud);
        hv_free_pages(d, pages);
        hv->pin_ctls &= ~timer_bit;
        return 0;
    }
    for (size_t i = 0; i < hv_vmcs_field_count && d->field_count < 512; i++)
        d->fields[d->field_count++] = hv_vmcs_fields[i].encoding;
    bool ptimer = hv->pin_ctls & VMX_PIN_BASED_VM_EXEC_CONTROL_PREEMPTION_TIMER;
    if (ptimer) {
        /* The timer counts TSC >> VMX_MISC[4:0]: measure the TSC against the platform stall. */
        uint64_t t0 = hv_rdtsc();
        hv_stall_us(1000);
        uint64_t per_ms = hv_rdtsc() - t0;
        uint64_t ticks = (per_ms * (HV_STUB_POLL_US / 1000)) >> (hv->vmx_misc & 0x1f);
        d->timer_value = ticks == 0 ? 1 : ticks > 0xffffffffu ? 0xffffffffu : (uint32_t)ticks;
    }
    uint64_t p2 = hv->proc2_ctls;
    if (p2 & VMX_SECONDARY_VM_EXEC_CONTROL_ENABLE_EPT)
        append(d->caps, sizeof d->caps, "ept");
    if (p2 & VMX_SECONDARY_VM_EXEC_CONTROL_ENABLE_VPID)
        append(d->caps, sizeof d->caps, "vpid");
    if (p2 & VMX_SECONDARY_VM_EXEC_CONTROL_UNRESTRICTED_GUEST)
        append(d->caps, sizeof d->caps, "ug");
    if (ptimer)
        append(d->caps, sizeof d->caps, "ptimer");
    append(d->caps, sizeof d->caps, "hwbp.swbp.exitbp.gpm.walk");
    d->info = (hv_target_info_t){
        .version = HV_VERSION,
        .caps = d->caps,
        .lib_name = "HvDxe.debug",
        .image_base = hv->image_base,
        .image_size = hv->image_size,
        .lib_segment = hv_debug_lowest_section(hv->image_base),
    };
    hv_stub_session_init(&d->session, &hv_uart_link_ops, &d->uart, &hv_vmx_target_ops, d);
    /* gdb continued the load path (debug/boot.c) and waits for the next stop reply. */
    d->session.resumed_by_debugger = hv_debug_cfg.debugger_waiting;
    hv->debug = d;
    HV_INFO("debug stub on I/O port 0x%x at %u baud (GDB RSP; preemption timer %s, %u ticks)",
            cfg_port, cfg_baud, ptimer ? "on" : "not available", d->timer_value);
    return 0;
}

void hv_debug_load_drs(const hv_debug_t *d) {
    uint64_t dr7 = d->dr7;
    if (!dr7)
        return;
    __asm__ volatile("mov %0, %%dr0" : : "r"(d->dr[0]));
    __asm__ volatile("mov %0, %%dr1" : : "r"(d->dr[1]));
    __asm__ volatile("mov %0, %%dr2" : : "r"(d->dr[2]));
    __asm__ volatile("mov %0, %%dr3" : : "r"(d->dr[3]));
    __asm__ volatile("mov %0, %%dr7" : : "r"(dr7));
}

/* The guest's DR0-3 and DR6 are live in the CPU during a VM exit (VMX switches only DR7). Before
 * the host puts its own breakpoints there, or a host #DB changes DR6, they are kept in the vCPU;
 * hv_debug_before_entry() puts them back, so the guest never sees the host's debug state and the
 * host never runs with the guest's breakpoints. */
static void save_guest_drs(hv_vcpu_t *v) {
    if (v->guest_dr_saved)
        return;
    uint64_t *g = v->guest_dr;
    __asm__ volatile("mov %%dr0, %0" : "=r"(g[0]));
    __asm__ volatile("mov %%dr1, %0" : "=r"(g[1]));
    __asm__ volatile("mov %%dr2, %0" : "=r"(g[2]));
    __asm__ volatile("mov %%dr3, %0" : "=r"(g[3]));
    __asm__ volatile("mov %%dr6, %0" : "=r"(g[4]));
    v->guest_dr_saved = true;
}

static void host_drs(const hv_debug_t *d, hv_vcpu_t *v) {
    if (!d->dr7)
        return;
    save_guest_drs(v);
    hv_debug_load_drs(d);
}

void hv_debug_before_entry(hv_vcpu_t *v) {
    if (!v->guest_dr_saved)
        return;
    const uint64_t *g = v->guest_dr;
    /* No host breakpoint may match the guest's addresses in the few instructions left. */
    __asm__ volatile("mov %0, %%dr7" : : "r"(0x400ull));
    __asm__ volatile("mov %0, %%dr0" : : "r"(g[0]));
    __asm__ volatile("mov %0, %%dr1" : : "r"(g[1]));
    __asm__ volatile("mov %0, %%dr2" : : "r"(g[2]));
    __asm__ volatile("mov %0, %%dr3" : : "r"(g[3]));
    __asm__ volatile("mov %0, %%dr6" : : "r"(g[4]));
    v->guest_dr_saved = false;
}

static void clear_dr7(void) {
    __asm__ volatile("mov %0, %%dr7" : : "r"(0x400ull));
}

void __attribute__((noinline)) hv_debug_fill_system_regs(hv_regs_t *g) {
    uint16_t s;
    __asm__ volatile("mov %%cs, %0" : "=r"(s));
    g->seg[0] = s;
    __asm__ volatile("mov %%ss, %0" : "=r"(s));
    g->seg[1] = s;
    __asm__ volatile("mov %%ds, %0" : "=r"(s));
    g->seg[2] = s;
    __asm__ volatile("mov %%es, %0" : "=r"(s));
    g->seg[3] = s;
    __asm__ volatile("mov %%fs, %0" : "=r"(s));
    g->seg[4] = s;
    __asm__ volatile("mov %%gs, %0" : "=r"(s));
    g->seg[5] = s;
    g->fs_base = hv_rdmsr(MSR_IA32_FS_BASE);
    g->gs_base = hv_rdmsr(MSR_IA32_GS_BASE);
    g->cr0 = hv_read_cr0();
    g->cr2 = hv_read_cr2();
    g->cr3 = hv_read_cr3();
    g->cr4 = hv_read_cr4();
    g->cr8 = 0;
    g->efer = hv_rdmsr(MSR_IA32_EFER);
}

size_t hv_debug_copy(uint64_t addr, void *buf, size_t len, bool write,
                     bool (*page_ok)(const void *ctx, uint64_t page), const void *ctx) {
    size_t done = 0;
    while (done < len) {
        uint64_t a = addr + done;
        if (a < addr || !page_ok(ctx, a & ~(uint64_t)(HV_PAGE_SIZE - 1)))
            break; /* wrapped, or a page the host must not touch: a short count */
        size_t chunk = HV_PAGE_SIZE - (size_t)(a & (HV_PAGE_SIZE - 1));
        if (chunk > len - done)
            chunk = len - done;
        volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)a;
        uint8_t *b = (uint8_t *)buf + done;
        for (size_t i = 0; i < chunk; i++) {
            if (write)
                p[i] = b[i];
            else
                b[i] = p[i];
        }
        done += chunk;
    }
    return done;
}

void hv_debug_regs_from_frame(hv_regs_t *g, const hv_host_frame_t *f) {
    const hv_guest_regs_t *x = &f->regs;
    uint64_t gpr[16] = {x->rax, x->rbx, x->rcx, x->rdx, x->rsi, x->rdi, x->rbp, f->rsp,
                        x->r8,  x->r9,  x->r10, x->r11, x->r12, x->r13, x->r14, x->r15};
    for (int i = 0; i < 16; i++)
        g->gpr[i] = gpr[i];
    g->rip = f->rip;
    g->rflags = f->rflags & ~(RFLAGS_TF | RFLAGS_RF);
    hv_debug_fill_system_regs(g);
    g->frame_writable = true;
}

static void serve_mailbox(hv_vcpu_t *v) {
    uint32_t op = __atomic_load_n(&v->mailbox.op, __ATOMIC_ACQUIRE);
    if (op == HV_MB_NONE)
        return;
    int rc = 0;
    if (op == HV_MB_VMREAD)
        rc = hv_debug_vmread(v->mailbox.enc, &v->mailbox.value);
    else if (op == HV_MB_VMWRITE)
        rc = hv_debug_vmwrite(v->mailbox.enc, v->mailbox.value);
    else
        v->mailbox.value = hv_read_cr2();
    v->mailbox.status = rc;
    __atomic_store_n(&v->mailbox.op, HV_MB_NONE, __ATOMIC_RELEASE);
}

/* Spins until the stub CPU releases everything. gen is release_gen as read BEFORE stop_req was
 * seen set: read after, a release in between would leave this CPU parked until the next stop. */
static void park(hv_debug_t *d, hv_vcpu_t *v, bool in_guest, uint32_t gen) {
    hv_debug_capture(&d->regs[v->index]);
    hv_debug_fill_system_regs(&d->regs[v->index]);
    d->regs[v->index].frame_writable = false; /* a snapshot: it resumes from its own stack */
    v->parked_in_guest = in_guest;
    __atomic_store_n(&v->parked, 1, __ATOMIC_RELEASE);
    while (__atomic_load_n(&d->release_gen, __ATOMIC_ACQUIRE) == gen) {
        serve_mailbox(v);
        hv_pause();
    }
    __atomic_store_n(&v->parked, 0, __ATOMIC_RELEASE);
}

/* Becomes the stub CPU, parks the others; false if another CPU got there first (then this one has
 * been parked and released meanwhile, and the caller simply goes on). */
static bool take(hv_debug_t *d, hv_vcpu_t *v, bool in_guest) {
    int32_t me = (int32_t)v->index, none = -1;
    if (d->owner == me)
        return true; /* a step with the others held */
    while (!__atomic_compare_exchange_n(&d->owner, &none, me, false, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE)) {
        none = -1;
        uint32_t gen = __atomic_load_n(&d->release_gen, __ATOMIC_ACQUIRE);
        if (__atomic_load_n(&d->stop_req, __ATOMIC_ACQUIRE))
            park(d, v, in_guest, gen);
        hv_pause();
    }
    __atomic_store_n(&d->stop_req, 1, __ATOMIC_RELEASE);
    for (uint64_t waited = 0; waited < HV_DEBUG_PARK_TIMEOUT_US; waited += 50) {
        bool all = true;
        for (uint32_t c = 0; c < d->hv->cpu_count; c++) {
            hv_vcpu_t *o = d->hv->vcpu[c];
            if (o != v && o->virtualized && !o->parked)
                all = false;
        }
        if (all)
            break;
        hv_stall_us(50);
    }
    return true;
}

static void release(hv_debug_t *d, bool run_others) {
    if (!run_others) {
        d->others_held = true;
        return;
    }
    d->others_held = false;
    __atomic_store_n(&d->stop_req, 0, __ATOMIC_RELEASE);
    __atomic_fetch_add(&d->release_gen, 1, __ATOMIC_ACQ_REL);
    __atomic_store_n(&d->owner, -1, __ATOMIC_RELEASE);
}

/* A stop at a VM exit (exit breakpoint or Ctrl-C): gdb sees this function's frame, called from the
 * exit dispatcher before the handler. Its registers are a snapshot (the code goes on from this
 * call, not from a frame gdb could edit): the dispatcher refuses changes to them (E0d); guest
 * registers change through QHv.gregs. A step continues from here with RFLAGS.TF and ends in
 * hv_debug_host_trap. */
static void __attribute__((noinline)) exit_stop(hv_debug_t *d, hv_vcpu_t *v, const hv_stop_t *st) {
    take(d, v, false);
    hv_regs_t *g = &d->regs[v->index];
    hv_debug_capture(g);
    hv_debug_fill_system_regs(g);
    g->frame_writable = false;
    hv_resume_t res = hv_stub_serve(&d->session, st);
    bool step = res.step_mask & (1ull << v->index);
    release(d, res.run_others);
    if (step)
        save_guest_drs(v); /* the step's #DB writes DR6 */
    host_drs(d, v);
    if (step) /* the trap comes after the next instruction: in our epilogue */
        __asm__ volatile("pushfq; orq $0x100, (%%rsp); popfq" : : : "memory", "cc");
}

void hv_debug_on_exit(hv_vcpu_t *v, hv_guest_regs_t *r, uint32_t reason) {
    hv_debug_t *d = v->hv->debug;
    v->exit_regs = r;
    host_drs(d, v); /* VM exit left DR7 = 0x400: the host's breakpoints back */
    uint32_t gen = __atomic_load_n(&d->release_gen, __ATOMIC_ACQUIRE);
    if (__atomic_load_n(&d->stop_req, __ATOMIC_ACQUIRE) && d->owner != (int32_t)v->index) {
        park(d, v, true, gen);
        return;
    }
    if (v->index == 0 && d->owner < 0 && hv_stub_poll_interrupt(&d->session)) {
        hv_stop_t st = {.sig = 2, .cpu = 0};
        exit_stop(d, v, &st);
        return;
    }
    if (!d->session.stub.exitbp.used)
        return;
    uint32_t basic = reason & 0xffff;
    hv_exit_info_t e = {.cpu = v->index, .reason = reason, .rax = r->rax, .rcx = r->rcx};
    uint64_t q = 0, gpa = 0;
    hv_debug_vmread(VMCS_EXIT_QUALIFICATION, &q);
    bool ept = basic == VMX_EXIT_EPT_VIOLATION || basic == VMX_EXIT_EPT_MISCONFIG;
    if (ept)
        hv_debug_vmread(VMCS_GUEST_PHYSICAL_ADDRESS, &gpa);
    e.qual = q;
    e.gpa = gpa;
    int id = hv_exitbp_match(&d->session.stub.exitbp, &e);
    if (id < 0)
        return;
    hv_stop_t st = {.sig = 5,
                    .cpu = v->index,
                    .vmexit = true,
                    .bp = (uint8_t)id,
                    .reason = reason,
                    .qual = q,
                    .has_gpa = ept,
                    .gpa = gpa};
    exit_stop(d, v, &st);
}

static hv_vcpu_t *current_vcpu(void) {
    hv_dtr_t gdtr = hv_sgdt();
    return *(hv_vcpu_t **)(uintptr_t)(gdtr.base + HV_GDT_VCPU_SLOT);
}

HV_EFIAPI HV_NORETURN void hv_host_exception(hv_host_frame_t *f);

HV_EFIAPI void hv_debug_host_trap(hv_host_frame_t *f) {
    hv_vcpu_t *v = current_vcpu();
    hv_debug_t *d = v ? v->hv->debug : NULL;
    if (!d)
        hv_host_exception(f); /* not ours: report and halt as any host exception */
    save_guest_drs(v);        /* before DR6 is read and reset below (a no-op if already kept) */
    uint64_t dr6 = 0;
    if (f->vector == 1) {
        __asm__ volatile("mov %%dr6, %0" : "=r"(dr6));
        __asm__ volatile("mov %0, %%dr6" : : "r"(0xffff0ff0ull));
        if (!(dr6 & (DR6_BS | 0xf)))
            return; /* nothing we armed */
    }
    clear_dr7(); /* no breakpoint while the stub runs */
    take(d, v, false);
    hv_regs_t *g = &d->regs[v->index];
    hv_debug_regs_from_frame(g, f); /* IRETQ resumes from f: what gdb writes takes effect */
    hv_stop_t st = {.sig = 5, .cpu = v->index};
    hv_resume_t res = hv_stub_serve(&d->session, &st);
    bool step = res.step_mask & (1ull << v->index);
    hv_guest_regs_t *w = &f->regs;
    uint64_t *const back[16] = {&w->rax, &w->rbx, &w->rcx, &w->rdx, &w->rsi, &w->rdi,
                                &w->rbp, &w->rsp, &w->r8,  &w->r9,  &w->r10, &w->r11,
                                &w->r12, &w->r13, &w->r14, &w->r15};
    for (int i = 0; i < 16; i++)
        if (i != 7) /* the frame's RSP slot is scratch: IRETQ loads RSP from f->rsp */
            *back[i] = g->gpr[i];
    f->rsp = g->gpr[7];
    f->rip = g->rip;
    /* RF: the instruction at a hardware breakpoint runs once before the breakpoint re-arms. */
    f->rflags = (g->rflags & ~RFLAGS_TF) | RFLAGS_RF | (step ? RFLAGS_TF : 0);
    release(d, res.run_others);
    host_drs(d, v);
}
