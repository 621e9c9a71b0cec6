#include "fake_target.h"
#include <string.h>

/* Field encodings (SDM appendix B) with the values of a plausible OVMF guest under the hypervisor.
 * Unsupported ones are those a CPU without CET, PML, TSC scaling or ENCLS exiting lacks (Bochs). */
#define F(enc, value)                                                                              \
    { enc, value, false }
#define U(enc)                                                                                     \
    { enc, 0, true }
static const struct {
    uint32_t enc;
    uint64_t value;
    bool unsupported;
} fields[] = {
    F(0x0000, 0x1),
    F(0x0002, 0x0),
    F(0x0004, 0x0),
    F(0x0800, 0x30),
    F(0x0802, 0x38),
    F(0x0804, 0x30),
    F(0x0806, 0x30),
    F(0x0808, 0x30),
    F(0x080a, 0x30),
    F(0x080c, 0x0),
    F(0x080e, 0x0),
    F(0x0810, 0x0),
    U(0x0812),
    F(0x0c00, 0x30),
    F(0x0c02, 0x38),
    F(0x0c04, 0x30),
    F(0x0c06, 0x30),
    F(0x0c08, 0x30),
    F(0x0c0a, 0x30),
    F(0x0c0c, 0x40),
    F(0x2000, 0x7e3c000),
    F(0x2002, 0x7e3d000),
    F(0x2004, 0x7e3e000),
    F(0x2006, 0x0),
    F(0x2008, 0x0),
    F(0x200a, 0x0),
    F(0x200c, 0x0),
    U(0x200e),
    F(0x2010, 0x0),
    F(0x2012, 0x0),
    F(0x2014, 0x0),
    F(0x2016, 0x0),
    F(0x2018, 0x0),
    F(0x201a, 0x1005e),
    F(0x201c, 0x0),
    F(0x201e, 0x0),
    F(0x2020, 0x0),
    F(0x2022, 0x0),
    F(0x2024, 0x0),
    F(0x2026, 0x7e40000),
    F(0x2028, 0x7e41000),
    F(0x202a, 0x0),
    F(0x202c, 0x0),
    U(0x202e),
    U(0x2032),
    F(0x2400, 0xfee000f0),
    F(0x2800, 0xffffffffffffffffull),
    F(0x2802, 0x0),
    F(0x2804, 0x7040600070406ull),
    F(0x2806, 0xd00),
    F(0x2808, 0x0),
    F(0x280a, 0x0),
    F(0x280c, 0x0),
    F(0x280e, 0x0),
    F(0x2810, 0x0),
    U(0x2812),
    F(0x2c00, 0x7040600070406ull),
    F(0x2c02, 0xd00),
    F(0x2c04, 0x0),
    F(0x4000, 0x7f),
    F(0x4002, 0xb6a06dfa),
    F(0x4004, 0x0),
    F(0x4006, 0x0),
    F(0x4008, 0x0),
    F(0x400a, 0x0),
    F(0x400c, 0x3fefff),
    F(0x400e, 0x0),
    F(0x4010, 0x0),
    F(0x4012, 0x13ff),
    F(0x4014, 0x0),
    F(0x4016, 0x0),
    F(0x4018, 0x0),
    F(0x401a, 0x0),
    F(0x401c, 0x0),
    F(0x401e, 0x10aa),
    F(0x4020, 0x0),
    F(0x4022, 0x0),
    F(0x4400, 0x0),
    F(0x4402, 0xa),
    F(0x4404, 0x0),
    F(0x4406, 0x0),
    F(0x4408, 0x0),
    F(0x440a, 0x0),
    F(0x440c, 0x2),
    F(0x440e, 0x0),
    F(0x4800, 0xffffffff),
    F(0x4802, 0xffffffff),
    F(0x4804, 0xffffffff),
    F(0x4806, 0xffffffff),
    F(0x4808, 0xffffffff),
    F(0x480a, 0xffffffff),
    F(0x480c, 0xffff),
    F(0x480e, 0xffff),
    F(0x4810, 0x47),
    F(0x4812, 0xfff),
    F(0x4814, 0xc093),
    F(0x4816, 0xa09b),
    F(0x4818, 0xc093),
    F(0x481a, 0xc093),
    F(0x481c, 0xc093),
    F(0x481e, 0xc093),
    F(0x4820, 0x10000),
    F(0x4822, 0x8b),
    F(0x4824, 0x0),
    F(0x4826, 0x0),
    F(0x4828, 0x0),
    F(0x482a, 0x0),
    F(0x482e, 0x2710),
    F(0x4c00, 0x0),
    F(0x6000, 0x60000020),
    F(0x6002, 0x2000),
    F(0x6004, 0x80010033),
    F(0x6006, 0x668),
    F(0x6008, 0x0),
    F(0x600a, 0x0),
    F(0x600c, 0x0),
    F(0x600e, 0x0),
    F(0x6400, 0x0),
    F(0x6402, 0x0),
    F(0x6404, 0x0),
    F(0x6406, 0x0),
    F(0x6408, 0x0),
    F(0x640a, 0x0),
    F(0x6800, 0x80010033),
    F(0x6802, 0x20000),
    F(0x6804, 0x2668),
    F(0x6806, 0x0),
    F(0x6808, 0x0),
    F(0x680a, 0x0),
    F(0x680c, 0x0),
    F(0x680e, 0x0),
    F(0x6810, 0x0),
    F(0x6812, 0x0),
    F(0x6814, 0x0),
    F(0x6816, 0x7f9ee000),
    F(0x6818, 0x7f5f8018),
    F(0x681a, 0x400),
    F(0x681c, 0x7fe80),
    F(0x681e, 0x3e5c1a0),
    F(0x6820, 0x202),
    F(0x6822, 0x0),
    F(0x6824, 0x0),
    F(0x6826, 0x0),
    U(0x6828),
    U(0x682a),
    U(0x682c),
    F(0x6c00, 0x80010033),
    F(0x6c02, 0x7c01000),
    F(0x6c04, 0x2668),
    F(0x6c06, 0x0),
    F(0x6c08, 0x0),
    F(0x6c0a, 0x7e3f000),
    F(0x6c0c, 0x7e3f100),
    F(0x6c0e, 0x7e3f200),
    F(0x6c10, 0x0),
    F(0x6c12, 0x0),
    F(0x6c14, 0x7e48000),
    F(0x6c16, 0x7e1b5a0),
    U(0x6c18),
    U(0x6c1a),
    U(0x6c1c),
};

static uint32_t encodings[HV_ARRAY_COUNT(fields)];

static fake_vmcs_field_t *field(fake_target_t *t, uint32_t cpu, uint32_t enc) {
    for (size_t i = 0; i < t->vmcs_count; i++)
        if (t->vmcs[cpu][i].enc == enc)
            return &t->vmcs[cpu][i];
    return NULL;
}

static void set_field(fake_target_t *t, uint32_t cpu, uint32_t enc, uint64_t v) {
    field(t, cpu, enc)->value = v;
}

static void put64(fake_target_t *t, uint64_t pa, uint64_t v) {
    for (int i = 0; i < 8; i++)
        t->ram[pa + i] = (uint8_t)(v >> (8 * i));
}

void fake_target_init(fake_target_t *t) {
    memset(t, 0, sizeof *t);
    for (uint32_t a = 0; a < FAKE_RAM_SIZE; a++)
        t->ram[a] = (uint8_t)(a * 7 + 3);
    /* EPT: PML4 0x10000, PDPT 0x11000, PD 0x12000, PT 0x13000 (hypervisor-owned memory). */
    memset(t->ram + 0x10000, 0, 0x4000);
    put64(t, 0x10000, 0x11007);
    put64(t, 0x11000, 0x12007);
    put64(t, 0x11008, 0x400000b7); /* 1 GiB page: GPA 0x40000000 -> HPA 0x40000000, WB */
    put64(t, 0x12000, 0x13007);
    put64(t, 0x12008, 0x2000b7); /* 2 MiB page: GPA 0x200000 -> HPA 0x200000 (not RAM here) */
    for (uint64_t i = 0; i < 0x100; i++)
        put64(t, 0x13000 + i * 8, i << 12 | 0x37); /* 4 KiB pages, identity, RWX, WB */
    put64(t, 0x13000 + 0x50 * 8, 0);               /* GPA 0x50000: not present */
    put64(t, 0x13000 + 0x51 * 8, 0x51032);         /* GPA 0x51000: write without read */
    /* Guest paging: CR3 0x20000, PML4 0x20000, PDPT 0x21000, PD 0x22000, PT 0x23000. */
    memset(t->ram + 0x20000, 0, 0x4000);
    put64(t, 0x20000, 0x21003);
    put64(t, 0x21000, 0x22003);
    put64(t, 0x22000, 0x23003);
    put64(t, 0x22008, 0x200083);           /* 2 MiB page: GVA 0x200000 -> GPA 0x200000 */
    put64(t, 0x23000 + 0x10 * 8, 0x30003); /* GVA 0x10000 -> GPA 0x30000 */
    put64(t, 0x23000 + 0x12 * 8, 0x50003); /* GVA 0x12000 -> GPA 0x50000 (EPT: not present) */

    t->vmcs_count = HV_ARRAY_COUNT(fields);
    for (uint32_t cpu = 0; cpu < FAKE_CPUS; cpu++) {
        hv_regs_t *g = &t->regs[cpu];
        for (int i = 0; i < 16; i++)
            g->gpr[i] = 0x10 * (cpu + 1) * (uint64_t)(i + 1);
        g->gpr[6] = 0x7e47f00 - 0x1000 * cpu; /* rbp */
        g->gpr[7] = 0x7e47e80 - 0x1000 * cpu; /* rsp */
        g->rip = cpu == 0 ? 0x7e1b234 : 0x7e1c000;
        g->rflags = 0x246;
        g->seg[0] = 0x38;
        for (int i = 1; i < 6; i++)
            g->seg[i] = 0x30;
        g->cr0 = 0x80010033;
        g->cr3 = 0x7c01000;
        g->cr4 = 0x2668;
        g->efer = 0xd00;
        for (size_t i = 0; i < HV_ARRAY_COUNT(fields); i++) {
            t->vmcs[cpu][i].enc = fields[i].enc;
            t->vmcs[cpu][i].value = fields[i].value;
            t->vmcs[cpu][i].unsupported = fields[i].unsupported;
            encodings[i] = fields[i].enc;
        }
        t->gpr[cpu][0] = cpu == 0 ? 0x1 : 0x80000001; /* guest rax */
        t->gpr[cpu][1] = 0x756e6547;                  /* guest rbx */
        t->gpr[cpu][2] = 0x0;                         /* guest rcx */
    }
    set_field(t, 1, 0x681e, 0x3e5c1b0);
    set_field(t, 1, 0x4402, 0x1e);
    set_field(t, 1, 0x6400, 0xcf80003);
    t->exits[0][10] = 0x1234;
    t->exits[0][30] = 0x20;
    t->exits[0][31] = 0x5;
    t->exits[1][10] = 0x100;
    t->exits[1][48] = 0x3;
    t->ram_dirty = false;
}

/* ---- ops ----------------------------------------------------------------------------------- */
static uint32_t cpu_count(void *ctx) {
    (void)ctx;
    return FAKE_CPUS;
}

static hv_regs_t *regs(void *ctx, uint32_t cpu) {
    return &((fake_target_t *)ctx)->regs[cpu];
}

static bool cpu_in_guest(void *ctx, uint32_t cpu) {
    (void)ctx;
    return cpu == 1;
}

static size_t ram_prefix(uint64_t addr, size_t len) {
    if (addr >= FAKE_RAM_SIZE)
        return 0;
    return FAKE_RAM_SIZE - addr < len ? (size_t)(FAKE_RAM_SIZE - addr) : len;
}

static size_t phys_read(void *ctx, uint64_t a, void *buf, size_t len) {
    size_t n = ram_prefix(a, len);
    if (n == 0)
        return 0; /* no pointer arithmetic past the array */
    memcpy(buf, ((fake_target_t *)ctx)->ram + a, n);
    return n;
}

static size_t phys_write(void *ctx, uint64_t a, const void *buf, size_t len) {
    size_t n = ram_prefix(a, len);
    if (n == 0)
        return 0;
    ((fake_target_t *)ctx)->ram_dirty = true;
    memcpy(((fake_target_t *)ctx)->ram + a, buf, n);
    return n;
}

/* Hypervisor memory is identity mapped; 0xe0000-0xeffff is read-only (code). */
static size_t mem_write(void *ctx, uint64_t a, const void *buf, size_t len) {
    size_t n = ram_prefix(a, len);
    if (a < 0xf0000 && a + n > 0xe0000)
        n = a >= 0xe0000 ? 0 : (size_t)(0xe0000 - a);
    return phys_write(ctx, a, buf, n);
}

static bool hv_owned(void *ctx, uint64_t a, uint64_t len) {
    (void)ctx;
    return a < 0x20000 && a + len > 0x10000;
}

static bool protected_range(void *ctx, uint64_t a, uint64_t len) {
    (void)ctx;
    return a < 0x90000 && a + len > 0x80000;
}

static int vmread(void *ctx, uint32_t cpu, uint32_t enc, uint64_t *v) {
    fake_target_t *t = ctx;
    if (cpu == 2)
        return HV_VMX_NO_VMCS;
    fake_vmcs_field_t *f = field(t, cpu, enc);
    if (!f || f->unsupported)
        return HV_VMX_UNSUPPORTED;
    *v = f->value;
    return HV_VMX_OK;
}

static int vmwrite(void *ctx, uint32_t cpu, uint32_t enc, uint64_t v) {
    fake_target_t *t = ctx;
    if (cpu == 2)
        return HV_VMX_NO_VMCS;
    fake_vmcs_field_t *f = field(t, cpu, enc);
    if (!f || f->unsupported)
        return HV_VMX_UNSUPPORTED;
    f->value = v;
    return HV_VMX_OK;
}

static const uint32_t *vmcs_fields(void *ctx, size_t *count) {
    (void)ctx;
    *count = HV_ARRAY_COUNT(fields);
    return encodings;
}

static const char *vmcs_field_name(void *ctx, uint32_t enc) {
    (void)ctx;
    switch (enc) {
    case 0x4402:
        return "exit_reason";
    case 0x6400:
        return "exit_qualification";
    case 0x681e:
        return "guest_rip";
    default:
        return NULL;
    }
}

/* Guest registers held in the VMCS, by hv_greg_t. */
static uint32_t greg_field(hv_greg_t r) {
    switch (r) {
    case HV_GREG_RSP:
        return 0x681c;
    case HV_GREG_RIP:
        return 0x681e;
    case HV_GREG_RFLAGS:
        return 0x6820;
    case HV_GREG_CR0:
        return 0x6800;
    case HV_GREG_CR3:
        return 0x6802;
    case HV_GREG_CR4:
        return 0x6804;
    case HV_GREG_DR7:
        return 0x681a;
    case HV_GREG_EFER:
        return 0x2806;
    default:
        return 0;
    }
}

static int greg_read(void *ctx, uint32_t cpu, hv_greg_t r, uint64_t *v) {
    fake_target_t *t = ctx;
    uint32_t enc = greg_field(r);
    if (enc)
        return vmread(ctx, cpu, enc, v) == HV_VMX_OK ? 0 : HV_E_NO_VMCS;
    if (cpu == 2)
        return HV_E_NO_VMCS;
    *v = r == HV_GREG_CR2 ? t->cr2[cpu] : t->gpr[cpu][r];
    return 0;
}

static int greg_write(void *ctx, uint32_t cpu, hv_greg_t r, uint64_t v) {
    fake_target_t *t = ctx;
    uint32_t enc = greg_field(r);
    if (enc)
        return vmwrite(ctx, cpu, enc, v) == HV_VMX_OK ? 0 : HV_E_NO_VMCS;
    if (cpu == 2)
        return HV_E_NO_VMCS;
    if (r == HV_GREG_CR2)
        t->cr2[cpu] = v;
    else
        t->gpr[cpu][r] = v;
    return 0;
}

static bool hwbp_set(void *ctx, unsigned slot, uint64_t addr) {
    fake_target_t *t = ctx;
    t->hwbp[slot] = addr;
    t->hwbp_set |= (uint8_t)(1u << slot);
    return true;
}

static void hwbp_clear(void *ctx, unsigned slot) {
    ((fake_target_t *)ctx)->hwbp_set &= (uint8_t) ~(1u << slot);
}

static uint64_t exit_count(void *ctx, uint32_t cpu, uint32_t reason) {
    return ((fake_target_t *)ctx)->exits[cpu][reason];
}

static void exits_reset(void *ctx) {
    memset(((fake_target_t *)ctx)->exits, 0, sizeof((fake_target_t *)ctx)->exits);
}

static void reset(void *ctx) {
    ((fake_target_t *)ctx)->resets++;
}

static const hv_target_info_t fake_info = {
    .version = "0.1.0",
    .caps = "ept.vpid.ug.hwbp.swbp.exitbp.gpm.walk",
    .lib_name = "HvDxe.debug",
    .image_base = 0x7e1a000,
    .image_size = 0x24000,
    .lib_segment = 0x7e1b000,
};

static const hv_target_info_t *info(void *ctx) {
    (void)ctx;
    return &fake_info;
}

const hv_target_ops fake_target_ops = {
    .cpu_count = cpu_count,
    .regs = regs,
    .cpu_in_guest = cpu_in_guest,
    .mem_read = phys_read,
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
