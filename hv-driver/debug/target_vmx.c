/* stub/target.h implemented by the VMX core. Every call runs on the stub CPU with the other CPUs
 * parked (debug/stop.c); what only the owning CPU can do (VMREAD, VMWRITE, its CR2) goes through
 * that CPU's mailbox. Memory is reached through the host's identity map, but only where it is RAM
 * (hypervisor-owned ranges, or write-back memory by the MTRRs): MMIO and holes are refused, so a
 * packet can never make the stub touch a device or fault. */
#include "debug/state.h"
#include "hv/platform.h"
#include "hv/portio.h"

static hv_debug_t *D(void *ctx) {
    return ctx;
}

static uint32_t cpu_count(void *ctx) {
    return D(ctx)->hv->cpu_count;
}

static hv_regs_t *regs(void *ctx, uint32_t cpu) {
    return &D(ctx)->regs[cpu < HV_MAX_CPUS ? cpu : 0];
}

static bool cpu_in_guest(void *ctx, uint32_t cpu) {
    hv_debug_t *d = D(ctx);
    if (cpu >= d->hv->cpu_count)
        return false;
    if ((int32_t)cpu == d->owner)
        return false; /* the stub CPU stopped in the hypervisor */
    hv_vcpu_t *v = d->hv->vcpu[cpu];
    return !v->parked || v->parked_in_guest;
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen) {
    return a < b + blen && b < a + alen;
}

static bool owned(const hv_global_t *hv, uint64_t addr, uint64_t len) {
    for (uint32_t i = 0; i < hv->owned_count; i++)
        if (overlaps(addr, len, hv->owned[i].base, hv->owned[i].size))
            return true;
    return overlaps(addr, len, hv->image_base, hv->image_size);
}

/* One page of RAM the host may touch: hypervisor-owned, or write-back below the physical top. */
static bool ram_page(const hv_global_t *hv, uint64_t page) {
    if (owned(hv, page, HV_PAGE_SIZE))
        return true;
    return page < hv_phys_top() && hv_mtrr_page_type(&hv->mtrr, page) == 6 /* WB */;
}

static bool host_page_ok(const void *hv, uint64_t page) {
    return ram_page((const hv_global_t *)hv, page);
}

static size_t access(hv_debug_t *d, uint64_t addr, void *buf, size_t len, bool write) {
    return hv_debug_copy(addr, buf, len, write, host_page_ok, d->hv);
}

static size_t mem_read(void *ctx, uint64_t addr, void *buf, size_t len) {
    return access(D(ctx), addr, buf, len, false);
}

static size_t mem_write(void *ctx, uint64_t addr, const void *buf, size_t len) {
    return access(D(ctx), addr, (void *)(uintptr_t)buf, len, true);
}

static bool hv_owned(void *ctx, uint64_t hpa, uint64_t len) {
    return owned(D(ctx)->hv, hpa, len);
}

static bool protected_range(void *ctx, uint64_t addr, uint64_t len) {
    hv_debug_t *d = D(ctx);
    uint64_t ts = (uint64_t)(uintptr_t)hv_debug_text_start,
             te = (uint64_t)(uintptr_t)hv_debug_text_end;
    uint64_t is = (uint64_t)(uintptr_t)hv_host_isr_table, ie = (uint64_t)(uintptr_t)hv_host_isr_end;
    return overlaps(addr, len, ts, te - ts) || overlaps(addr, len, is, ie - is) ||
           overlaps(addr, len, (uint64_t)(uintptr_t)d, sizeof *d);
}

/* Runs op on cpu: directly on the stub CPU, through the mailbox of a parked one. */
static int on_cpu(hv_debug_t *d, uint32_t cpu, uint32_t op, uint32_t enc, uint64_t *val) {
    if (cpu >= d->hv->cpu_count)
        return HV_VMX_NO_VMCS;
    hv_vcpu_t *v = d->hv->vcpu[cpu];
    if ((int32_t)cpu == d->owner) {
        if (op == HV_MB_CR2) {
            *val = hv_read_cr2();
            return HV_VMX_OK;
        }
        int rc = op == HV_MB_VMREAD ? hv_debug_vmread(enc, val) : hv_debug_vmwrite(enc, *val);
        return rc ? HV_VMX_UNSUPPORTED : HV_VMX_OK;
    }
    if (!v->parked || !v->virtualized)
        return HV_VMX_NO_VMCS; /* did not park in time (or left VMX): its VMCS is out of reach */
    v->mailbox.enc = enc;
    v->mailbox.value = *val;
    __atomic_store_n(&v->mailbox.op, op, __ATOMIC_RELEASE);
    while (__atomic_load_n(&v->mailbox.op, __ATOMIC_ACQUIRE) != HV_MB_NONE)
        hv_pause();
    *val = v->mailbox.value;
    return v->mailbox.status ? HV_VMX_UNSUPPORTED : HV_VMX_OK;
}

static int vmread(void *ctx, uint32_t cpu, uint32_t enc, uint64_t *val) {
    *val = 0;
    return on_cpu(D(ctx), cpu, HV_MB_VMREAD, enc, val);
}

static int vmwrite(void *ctx, uint32_t cpu, uint32_t enc, uint64_t val) {
    return on_cpu(D(ctx), cpu, HV_MB_VMWRITE, enc, &val);
}

static const uint32_t *vmcs_fields(void *ctx, size_t *count) {
    *count = D(ctx)->field_count;
    return D(ctx)->fields;
}

static const char *vmcs_field_name(void *ctx, uint32_t enc) {
    (void)ctx;
    const hv_vmcs_field_info_t *f = hv_vmcs_field_find(enc);
    return f ? f->name : NULL;
}

/* hv_greg_t order (gdb's) to the exit frame's (VMX's). */
static uint64_t *gpr_slot(hv_guest_regs_t *r, hv_greg_t g) {
    uint64_t *const slots[16] = {&r->rax, &r->rbx, &r->rcx, &r->rdx, &r->rsi, &r->rdi,
                                 &r->rbp, &r->rsp, &r->r8,  &r->r9,  &r->r10, &r->r11,
                                 &r->r12, &r->r13, &r->r14, &r->r15};
    return slots[g];
}

static uint32_t greg_field(hv_greg_t g) {
    switch (g) {
    case HV_GREG_RSP:
        return VMCS_GUEST_RSP;
    case HV_GREG_RIP:
        return VMCS_GUEST_RIP;
    case HV_GREG_RFLAGS:
        return VMCS_GUEST_RFLAGS;
    case HV_GREG_CR0:
        return VMCS_GUEST_CR0;
    case HV_GREG_CR3:
        return VMCS_GUEST_CR3;
    case HV_GREG_CR4:
        return VMCS_GUEST_CR4;
    case HV_GREG_DR7:
        return VMCS_GUEST_DR7;
    case HV_GREG_EFER:
        return VMCS_GUEST_IA32_EFER;
    default:
        return 0;
    }
}

static int greg_access(void *ctx, uint32_t cpu, hv_greg_t g, uint64_t *val, bool write) {
    hv_debug_t *d = D(ctx);
    if ((unsigned)g >= HV_GREG_COUNT)
        return HV_E_REGISTER;
    if (cpu >= d->hv->cpu_count)
        return HV_E_THREAD;
    hv_vcpu_t *v = d->hv->vcpu[cpu];
    uint32_t field = greg_field(g);
    if (field) {
        int rc = write ? vmwrite(ctx, cpu, field, *val) : vmread(ctx, cpu, field, val);
        return rc == HV_VMX_OK ? 0 : rc == HV_VMX_NO_VMCS ? HV_E_NO_VMCS : HV_E_VMX_FAIL;
    }
    if (g == HV_GREG_CR2) {
        if (write)
            return 0; /* the hypervisor never faults: CR2 is the guest's, and read-only here */
        return on_cpu(d, cpu, HV_MB_CR2, 0, val) == HV_VMX_OK ? 0 : HV_E_NO_VMCS;
    }
    if (!v->exit_regs || ((int32_t)cpu != d->owner && !v->parked))
        return HV_E_NO_VMCS;
    uint64_t *slot = gpr_slot(v->exit_regs, g);
    if (write)
        *slot = *val;
    else
        *val = *slot;
    return 0;
}

static int greg_read(void *ctx, uint32_t cpu, hv_greg_t r, uint64_t *val) {
    *val = 0;
    return greg_access(ctx, cpu, r, val, false);
}

static int greg_write(void *ctx, uint32_t cpu, hv_greg_t r, uint64_t val) {
    return greg_access(ctx, cpu, r, &val, true);
}

/* DR7: L<n> (bit 2n) enables slot n; R/W and LEN 00 (instruction breakpoint); bit 10 reads 1. */
static bool hwbp_set(void *ctx, unsigned slot, uint64_t addr) {
    hv_debug_t *d = D(ctx);
    if (slot >= 4)
        return false;
    d->dr[slot] = addr;
    uint64_t dr7 = d->dr7 & ~(0xfull << (16 + 4 * slot));
    d->dr7 = dr7 | 0x400 | (1ull << (2 * slot));
    return true;
}

static void hwbp_clear(void *ctx, unsigned slot) {
    hv_debug_t *d = D(ctx);
    if (slot >= 4)
        return;
    uint64_t dr7 = d->dr7 & ~(3ull << (2 * slot));
    d->dr7 = (dr7 & 0xff) ? dr7 : 0; /* none left: the exit path stops reloading */
}

static uint64_t exit_count(void *ctx, uint32_t cpu, uint32_t reason) {
    hv_debug_t *d = D(ctx);
    if (cpu >= d->hv->cpu_count || reason >= VMX_EXIT_REASON_LIMIT)
        return 0;
    return d->hv->vcpu[cpu]->stats[reason].count;
}

static void exits_reset(void *ctx) {
    hv_debug_t *d = D(ctx);
    for (uint32_t c = 0; c < d->hv->cpu_count; c++)
        for (uint32_t r = 0; r < VMX_EXIT_REASON_LIMIT; r++)
            d->hv->vcpu[c]->stats[r] = (hv_exit_stat_t){0, 0};
}

/* QHv.reset: the chipset's reset control register (0xCF9 on PIIX/ICH: system reset, then full
 * reset), which Bochs and QEMU implement; the 8042's reset line as the fallback. Every CPU goes
 * back to its reset state, VMX operation included. */
static void reset(void *ctx) {
    (void)ctx;
    hv_outb(0xcf9, 0x02);
    hv_outb(0xcf9, 0x06);
    hv_stall_us(100000);
    hv_outb(0x64, 0xfe);
    for (;;)
        hv_pause();
}

static const hv_target_info_t *info(void *ctx) {
    return &D(ctx)->info;
}

static size_t phys_read(void *ctx, uint64_t hpa, void *buf, size_t len) {
    return access(D(ctx), hpa, buf, len, false); /* the host maps physical memory 1:1 */
}

static size_t phys_write(void *ctx, uint64_t hpa, const void *buf, size_t len) {
    return access(D(ctx), hpa, (void *)(uintptr_t)buf, len, true);
}

const hv_target_ops hv_vmx_target_ops = {
    .cpu_count = cpu_count,
    .regs = regs,
    .cpu_in_guest = cpu_in_guest,
    .mem_read = mem_read,
    .mem_write = mem_write,
    .phys_read = phys_read,
    .phys_write = phys_write,
    .hv_owned = hv_owned,
    .protected_range = protected_range,
    .vmread = vmread,
    .vmwrite = vmwrite,
    .vmcs_fields = vmcs_fields,
    .vmcs_field_name = vmcs_field_name,
    .greg_read = greg_read,
    .greg_write = greg_write,
    .hwbp_set = hwbp_set,
    .hwbp_clear = hwbp_clear,
    .exit_count = exit_count,
    .exits_reset = exits_reset,
    .reset = reset,
    .info = info,
};
