/* Guest-side test of the hypervisor (loaded after HvDxe.efi): runs every check on every CPU (the
 * BSP, then each AP through MP services), then calls ExitBootServices and checks once more that
 * the hypervisor answers. Results go to COM1 by port I/O (usable after ExitBootServices too), one
 * line each, parsed by test/targets/hypervisor.test.ts:
 *
 *     guest-test: PASS cpu1 cpuid-hypervisor-bit
 *     guest-test: FAIL cpu0 msr-unimplemented-gp: no #GP (vector 0)
 *     guest-test: SUMMARY 25 passed, 0 failed
 *
 * After the summary the machine is powered off (Bochs shutdown port) or halted. */
#include <stdarg.h>
#include "hv/format.h"
#include "hv/hypervisor.h"
#include "hv/uefi.h"
#include "console.h"

/* ---- output ------------------------------------------------------------------------------------
 */

#define line(...) guest_line("guest-test", __VA_ARGS__)

static unsigned passed, failed;

static void result(uint32_t cpu, const char *name, bool ok, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void result(uint32_t cpu, const char *name, bool ok, const char *fmt, ...) {
    char why[140];
    va_list ap;
    va_start(ap, fmt);
    hv_vformat(why, sizeof(why), fmt, ap);
    va_end(ap);
    if (ok) {
        passed++;
        line("PASS cpu%u %s", cpu, name);
    } else {
        failed++;
        line("FAIL cpu%u %s: %s", cpu, name, why);
    }
}

/* ---- instructions ------------------------------------------------------------------------------
 */

typedef struct {
    uint32_t a, b, c, d;
} regs4_t;

static regs4_t cpuid(uint32_t leaf, uint32_t sub) {
    regs4_t r;
    __asm__ volatile("cpuid" : "=a"(r.a), "=b"(r.b), "=c"(r.c), "=d"(r.d) : "a"(leaf), "c"(sub));
    return r;
}

typedef struct {
    uint64_t rax, rbx, rcx, rdx;
} vmcall_t;

static vmcall_t vmcall(uint64_t fn, uint64_t rbx, uint64_t rcx) {
    vmcall_t r = {fn, rbx, rcx, 0};
    __asm__ volatile("vmcall" : "+a"(r.rax), "+b"(r.rbx), "+c"(r.rcx), "+d"(r.rdx) : : "memory");
    return r;
}

static uint64_t read_cr4(void) {
    uint64_t v;
    __asm__ volatile("mov %%cr4, %0" : "=r"(v));
    return v;
}

static uint64_t rdmsr(uint32_t msr) {
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return (uint64_t)hi << 32 | lo;
}

/* catch.nasm */
extern void gt_catch_ud(void);
extern void gt_catch_gp(void);
HV_EFIAPI uint64_t gt_try_rdmsr(uint32_t msr, uint64_t *value);
HV_EFIAPI uint64_t gt_try_wrmsr(uint32_t msr, uint64_t value);
HV_EFIAPI uint64_t gt_try_write_cr4(uint64_t value);
HV_EFIAPI uint64_t gt_try_vmxon(uint64_t *region);
HV_EFIAPI uint64_t gt_try_xsetbv(uint32_t xcr, uint64_t value);

typedef struct HV_PACKED {
    uint16_t limit;
    uint64_t base;
} dtr_t;

/* Points the current CPU's #UD and #GP gates at catch.nasm; returns the old gates to restore. */
typedef struct {
    uint8_t *idt;
    uint8_t saved[2][16];
} catch_t;

static void set_gate(uint8_t *g, void (*fn)(void)) {
    uint64_t t = (uint64_t)(uintptr_t)fn;
    uint16_t cs;
    __asm__ volatile("mov %%cs, %0" : "=r"(cs));
    g[0] = (uint8_t)t;
    g[1] = (uint8_t)(t >> 8);
    g[2] = (uint8_t)cs;
    g[3] = (uint8_t)(cs >> 8);
    g[4] = 0;
    g[5] = 0x8e;
    g[6] = (uint8_t)(t >> 16);
    g[7] = (uint8_t)(t >> 24);
    for (int i = 0; i < 4; i++)
        g[8 + i] = (uint8_t)(t >> (32 + 8 * i));
    for (int i = 12; i < 16; i++)
        g[i] = 0;
}

static catch_t catch_begin(void) {
    dtr_t idtr;
    __asm__ volatile("sidt %0" : "=m"(idtr));
    catch_t c;
    c.idt = (uint8_t *)(uintptr_t)idtr.base;
    for (int i = 0; i < 16; i++) {
        c.saved[0][i] = c.idt[6 * 16 + i];
        c.saved[1][i] = c.idt[13 * 16 + i];
    }
    set_gate(c.idt + 6 * 16, gt_catch_ud);
    set_gate(c.idt + 13 * 16, gt_catch_gp);
    return c;
}

static void catch_end(catch_t *c) {
    for (int i = 0; i < 16; i++) {
        c->idt[6 * 16 + i] = c->saved[0][i];
        c->idt[13 * 16 + i] = c->saved[1][i];
    }
}

/* ---- checks ------------------------------------------------------------------------------------
 */

#define MSR_KERNEL_GS_BASE 0xc0000102u
#define UNIMPLEMENTED_MSR  0x12345678u /* outside every range the processor implements */

static void check_cpuid(uint32_t cpu) {
    regs4_t l1 = cpuid(1, 0);
    result(cpu, "cpuid-hypervisor-bit", (l1.c >> 31) & 1, "CPUID.1:ECX = 0x%x", l1.c);
    result(cpu, "cpuid-vmx-hidden", !((l1.c >> 5) & 1), "CPUID.1:ECX.VMX set (0x%x)", l1.c);
    regs4_t v = cpuid(HV_CPUID_VENDOR_LEAF, 0);
    char sig[13];
    uint32_t w[3] = {v.b, v.c, v.d};
    for (int i = 0; i < 12; i++)
        sig[i] = (char)(w[i / 4] >> (8 * (i % 4)));
    sig[12] = 0;
    bool same = true;
    for (int i = 0; i < 12; i++)
        same &= sig[i] == HV_CPUID_SIGNATURE[i];
    result(cpu, "cpuid-vendor-leaf", same && v.a == HV_CPUID_MAX_LEAF,
           "leaf 0x40000000 = 0x%x \"%s\"", v.a, sig);
    regs4_t i = cpuid(HV_CPUID_INTERFACE_LEAF, 0);
    result(cpu, "cpuid-interface-leaf", i.a == HV_INTERFACE_VERSION, "leaf 0x40000001 EAX 0x%x",
           i.a);
}

static uint32_t check_vmcall(uint32_t cpu) {
    vmcall_t v = vmcall(HV_VMCALL_VERSION, 0, 0);
    result(cpu, "vmcall-version", v.rax == HV_VMCALL_SUCCESS && v.rbx == HV_INTERFACE_VERSION,
           "rax 0x%llx rbx 0x%llx", (unsigned long long)v.rax, (unsigned long long)v.rbx);
    vmcall_t u = vmcall(0x485600ffu, 0, 0);
    result(cpu, "vmcall-unknown-fails", u.rax == HV_VMCALL_UNKNOWN, "rax 0x%llx",
           (unsigned long long)u.rax);
    vmcall_t bad = vmcall(HV_VMCALL_EXIT_STATS, 1000, 0);
    result(cpu, "vmcall-bad-param-fails", bad.rax == HV_VMCALL_INVALID_PARAM, "rax 0x%llx",
           (unsigned long long)bad.rax);
    return (uint32_t)v.rdx; /* the hypervisor's index of this CPU */
}

static uint64_t exit_count(uint32_t hv_cpu, uint32_t reason) {
    vmcall_t s = vmcall(HV_VMCALL_EXIT_STATS, hv_cpu, reason);
    return s.rax == HV_VMCALL_SUCCESS ? s.rbx : ~0ull;
}

static void check_msr(uint32_t cpu, uint32_t hv_cpu) {
    uint64_t old = rdmsr(MSR_KERNEL_GS_BASE);
    uint64_t before = exit_count(hv_cpu, 32 /* MSR_WRITE */);
    uint64_t pattern = 0x0000123456789000ull + cpu;
    catch_t c = catch_begin();
    uint64_t vec = gt_try_wrmsr(MSR_KERNEL_GS_BASE, pattern);
    uint64_t readback = rdmsr(MSR_KERNEL_GS_BASE);
    uint64_t after = exit_count(hv_cpu, 32);
    gt_try_wrmsr(MSR_KERNEL_GS_BASE, old);
    result(cpu, "msr-monitored-write", vec == 0 && readback == pattern && after == before + 1,
           "vector %llu, readback 0x%llx, MSR_WRITE exits %llu -> %llu", (unsigned long long)vec,
           (unsigned long long)readback, (unsigned long long)before, (unsigned long long)after);

    /* A WRMSR the processor refuses (non-canonical address) is executed by the host's guarded
     * WRMSR, faults there, and comes back to the guest as #GP. */
    vec = gt_try_wrmsr(MSR_KERNEL_GS_BASE, 0x8000000000000000ull);
    uint64_t unchanged = rdmsr(MSR_KERNEL_GS_BASE);
    result(cpu, "msr-refused-write-gp", vec == 13 && unchanged == old, "vector %llu, MSR 0x%llx",
           (unsigned long long)vec, (unsigned long long)unchanged);
    /* An MSR index outside the bitmap's ranges exits; the host's guarded RDMSR faults and the
     * guest gets #GP, as without us. (Bochs must raise it too: the bochs profile runs with
     * ignore_bad_msrs=0 and qemu-profiles/bochs-msrs.def for the MSRs OVMF needs.) */
    uint64_t value = 0;
    uint64_t before_rd = exit_count(hv_cpu, 31 /* MSR_READ */);
    vec = gt_try_rdmsr(UNIMPLEMENTED_MSR, &value);
    uint64_t after_rd = exit_count(hv_cpu, 31);
    result(cpu, "msr-unimplemented-gp", vec == 13 && after_rd == before_rd + 1,
           "MSR 0x%x read: vector %llu value 0x%llx, MSR_READ exits %llu -> %llu",
           UNIMPLEMENTED_MSR, (unsigned long long)vec, (unsigned long long)value,
           (unsigned long long)before_rd, (unsigned long long)after_rd);
    vec = gt_try_rdmsr(0x480 /* IA32_VMX_BASIC */, &value);
    result(cpu, "msr-vmx-basic-gp", vec == 13, "vector %llu", (unsigned long long)vec);
    vec = gt_try_rdmsr(0x3a /* IA32_FEATURE_CONTROL */, &value);
    result(cpu, "msr-feature-control-locked", vec == 0 && (value & 1) && !(value & 6),
           "vector %llu value 0x%llx", (unsigned long long)vec, (unsigned long long)value);
    catch_end(&c);
}

static void check_cr4(uint32_t cpu) {
    uint64_t cr4 = read_cr4();
    result(cpu, "cr4-shadow-hides-vmxe", !(cr4 & (1ull << 13)), "CR4 0x%llx",
           (unsigned long long)cr4);
    catch_t c = catch_begin();
    uint64_t vec = gt_try_write_cr4(cr4 | (1ull << 13));
    uint64_t after = read_cr4();
    uint64_t same = gt_try_write_cr4(cr4);
    catch_end(&c);
    result(cpu, "cr4-vmxe-write-gp", vec == 13 && after == cr4 && same == 0,
           "vector %llu, CR4 0x%llx -> 0x%llx, rewrite vector %llu", (unsigned long long)vec,
           (unsigned long long)cr4, (unsigned long long)after, (unsigned long long)same);
}

static uint32_t pci_read(uint32_t bus, uint32_t dev, uint32_t fn, uint32_t reg) {
    hv_outl(0xcf8, 0x80000000u | bus << 16 | dev << 11 | fn << 8 | (reg & 0xfc));
    return hv_inl(0xcfc);
}

static void check_pci(uint32_t cpu, uint32_t hv_cpu) {
    uint64_t before = exit_count(hv_cpu, 30 /* IO_INSTRUCTION */);
    /* Bochs' i440FX: host bridge 8086:1237 at 00:00.0, PIIX3 ISA bridge 8086:7000 at 00:01.0. */
    uint32_t host = pci_read(0, 0, 0, 0), isa = pci_read(0, 1, 0, 0);
    uint64_t after = exit_count(hv_cpu, 30);
    result(cpu, "pci-config-io", host == 0x12378086 && isa == 0x70008086 && after >= before + 4,
           "00:00.0 = %08x, 00:01.0 = %08x, I/O exits %llu -> %llu", host, isa,
           (unsigned long long)before, (unsigned long long)after);
    /* String form (rep insd from 0xcfc): opened for one instruction, same value. */
    hv_outl(0xcf8, 0x80000000u);
    uint32_t s = 0;
    uint32_t *p = &s;
    __asm__ volatile("mov $0xcfc, %%dx; insl" : "+D"(p) : : "rdx", "memory");
    result(cpu, "pci-config-string-io", s == 0x12378086, "insl read %08x", s);
}

static void check_hidden_memory(uint32_t cpu) {
    /* An owned range (index 0 is the image) whose first qword is not all ones, so that a read
     * returning the decoy's 0xff bytes is told apart from the real content. */
    vmcall_t range = {0, 0, 0, 0};
    uint64_t host_before = ~0ull;
    for (uint64_t i = 1; i < 64; i++) {
        range = vmcall(HV_VMCALL_OWNED_RANGE, i, 0);
        if (range.rax != HV_VMCALL_SUCCESS)
            break;
        host_before = vmcall(HV_VMCALL_PEEK, range.rbx, 0).rbx;
        if (host_before != ~0ull)
            break;
    }
    if (range.rax != HV_VMCALL_SUCCESS || host_before == ~0ull) {
        result(cpu, "hidden-memory-read", false, "no owned range to probe (0x%llx)",
               (unsigned long long)range.rax);
        return;
    }
    volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)range.rbx;
    uint64_t seen = *p;
    result(cpu, "hidden-memory-read", seen == ~0ull,
           "read 0x%llx at 0x%llx (hypervisor has 0x%llx)", (unsigned long long)seen,
           (unsigned long long)range.rbx, (unsigned long long)host_before);
    *p = 0x5a5a5a5a5a5a5a5aull;
    uint64_t seen_after = *p;
    uint64_t host_after = vmcall(HV_VMCALL_PEEK, range.rbx, 0).rbx;
    result(cpu, "hidden-memory-write-denied", host_after == host_before && seen_after == ~0ull,
           "hypervisor's qword 0x%llx -> 0x%llx, guest reads 0x%llx",
           (unsigned long long)host_before, (unsigned long long)host_after,
           (unsigned long long)seen_after);

    vmcall_t image = vmcall(HV_VMCALL_IMAGE_RANGE, 0, 0);
    volatile uint16_t *mz = (volatile uint16_t *)(uintptr_t)image.rbx;
    uint16_t before = *mz;
    *mz = 0x4141;
    uint16_t after = *mz;
    result(cpu, "image-write-denied",
           image.rax == HV_VMCALL_SUCCESS && before == 0x5a4d && after == 0x5a4d,
           "image 0x%llx header %04x -> %04x", (unsigned long long)image.rbx, before, after);
}

static void check_vmx_instructions(uint32_t cpu) {
    static uint64_t region[512] __attribute__((aligned(4096)));
    uint64_t pa = (uint64_t)(uintptr_t)region;
    catch_t c = catch_begin();
    uint64_t vec = gt_try_vmxon(&pa);
    catch_end(&c);
    result(cpu, "vmxon-ud", vec == 6, "vector %llu", (unsigned long long)vec);
}

static uint64_t xgetbv0(void) {
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (uint64_t)hi << 32 | lo;
}

static void check_xsetbv(uint32_t cpu) {
    catch_t c = catch_begin();
    if (!(read_cr4() & (1ull << 18))) {
        uint64_t vec = gt_try_xsetbv(0, 1);
        catch_end(&c);
        result(cpu, "xsetbv-validated", vec == 6, "CR4.OSXSAVE = 0: vector %llu (want #UD)",
               (unsigned long long)vec);
        return;
    }
    uint64_t xcr0 = xgetbv0();
    uint64_t ok = gt_try_xsetbv(0, xcr0);
    uint64_t no_x87 = gt_try_xsetbv(0, xcr0 & ~1ull);
    uint64_t bad_xcr = gt_try_xsetbv(1, xcr0);
    catch_end(&c);
    result(cpu, "xsetbv-validated", ok == 0 && no_x87 == 13 && bad_xcr == 13 && xgetbv0() == xcr0,
           "same value %llu, x87 off %llu, XCR1 %llu", (unsigned long long)ok,
           (unsigned long long)no_x87, (unsigned long long)bad_xcr);
}

static void check_stats(uint32_t cpu, uint32_t hv_cpu) {
    uint64_t n = exit_count(hv_cpu, 10 /* CPUID */);
    vmcall_t s = vmcall(HV_VMCALL_EXIT_STATS, hv_cpu, 10);
    result(cpu, "exit-stats", n >= 4 && n != ~0ull && s.rcx > 0, "CPUID exits %llu, cycles %llu",
           (unsigned long long)n, (unsigned long long)s.rcx);
}

static void run_checks(uint32_t cpu) {
    check_cpuid(cpu);
    uint32_t hv_cpu = check_vmcall(cpu);
    check_msr(cpu, hv_cpu);
    check_cr4(cpu);
    check_pci(cpu, hv_cpu);
    check_hidden_memory(cpu);
    check_vmx_instructions(cpu);
    check_xsetbv(cpu);
    check_stats(cpu, hv_cpu);
}

/* ---- CPUs and ExitBootServices -----------------------------------------------------------------
 */

typedef struct {
    uint32_t cpu;
    volatile bool present; /* ap_again: the hypervisor answered CPUID there */
} ap_arg_t;

static void HV_EFIAPI ap_main(void *arg) {
    uint32_t cpu = ((ap_arg_t *)arg)->cpu;
    /* Without the hypervisor VMCALL would #UD: look first (CPUID works either way). */
    bool ours = (cpuid(1, 0).c >> 31) & 1;
    result(cpu, "ap-hypervisor-present", ours,
           "CPUID.1:ECX[31] clear: runs without the hypervisor");
    if (ours)
        run_checks(cpu);
}

/* A second wake-up of the same AP (MP services send INIT-SIPI-SIPI again): the INIT cycle must
 * repeat, not only work once. */
static void HV_EFIAPI ap_again(void *arg) {
    ap_arg_t *a = arg;
    a->present = (cpuid(1, 0).c >> 31) & 1;
}

/* From the BSP, before any AP is woken: the hypervisor says every CPU is virtualized, and each
 * one has exited to it (the CPUID self-check each CPU makes right after its launch). */
static void check_all_virtualized(uint64_t count) {
    for (uint32_t n = 0; n < count; n++) {
        vmcall_t st = vmcall(HV_VMCALL_CPU_STATE, n, 0);
        uint64_t cpuids = exit_count(n, 10);
        result(n, "virtualized",
               st.rax == HV_VMCALL_SUCCESS && (st.rbx & HV_CPU_VIRTUALIZED) && cpuids >= 1 &&
                   cpuids != ~0ull,
               "state 0x%llx flags 0x%llx, CPUID exits %llu", (unsigned long long)st.rax,
               (unsigned long long)st.rbx, (unsigned long long)cpuids);
    }
}

/* After an AP ran (MP services wake it with INIT-SIPI-SIPI on OVMF): it went through INIT and
 * SIPI as a guest (the INIT became a virtual INIT: the hypervisor intercepts INIT IPIs) and is
 * still virtualized. */
static void check_ap_init(uint32_t n, uint32_t bsp) {
    vmcall_t st = vmcall(HV_VMCALL_CPU_STATE, n, 0);
    vmcall_t sender = vmcall(HV_VMCALL_CPU_STATE, bsp, 0);
    uint64_t sipis = exit_count(n, 4 /* SIPI */);
    result(n, "init-sipi-virtualized",
           st.rax == HV_VMCALL_SUCCESS && (st.rbx & HV_CPU_VIRTUALIZED) &&
               !(st.rbx & HV_CPU_LOST_TO_INIT) && st.rcx >= 1 && sipis >= 1 && sipis != ~0ull &&
               sender.rdx >= 1,
           "flags 0x%llx, INITs taken %llu, SIPI exits %llu, INITs intercepted at cpu%u %llu",
           (unsigned long long)st.rbx, (unsigned long long)st.rcx, (unsigned long long)sipis, bsp,
           (unsigned long long)sender.rdx);
    line(
        "INFO cpu%u INITs taken as a guest %llu, SIPI exits %llu; INIT IPIs cpu%u sent that became "
        "virtual INITs %llu",
        n, (unsigned long long)st.rcx, (unsigned long long)sipis, bsp,
        (unsigned long long)sender.rdx);
}

typedef efi_status_t(HV_EFIAPI *exit_boot_services_fn)(efi_handle_t image, uint64_t map_key);

static bool exit_boot_services(efi_handle_t image, efi_boot_services_t *bs) {
    static uint8_t map[64 * 1024];
    for (int attempt = 0; attempt < 3; attempt++) {
        uint64_t size = sizeof(map), key = 0, desc_size = 0;
        uint32_t version = 0;
        if (bs->get_memory_map(&size, (efi_memory_descriptor_t *)map, &key, &desc_size, &version) !=
            HV_EFI_SUCCESS)
            continue;
        if (((exit_boot_services_fn)bs->exit_boot_services)(image, key) == HV_EFI_SUCCESS)
            return true;
    }
    return false;
}

static void power_off(void) {
    static const char shutdown[] = "Shutdown"; /* Bochs' shutdown port */
    for (unsigned spin = 0; spin < 1000000 && !(hv_inb(COM1 + 5) & 0x40); spin++)
        ; /* transmitter empty: the summary line is out before the machine goes */
    for (const char *s = shutdown; *s; s++)
        hv_outb(0x8900, (uint8_t)*s);
    for (;;)
        __asm__ volatile("cli; hlt");
}

efi_status_t HV_EFIAPI gt_main(efi_handle_t image, efi_system_table_t *st);
efi_status_t HV_EFIAPI gt_main(efi_handle_t image, efi_system_table_t *st) {
    static const efi_guid_t mp_guid = HV_EFI_MP_SERVICES_PROTOCOL_GUID;
    efi_boot_services_t *bs = st->boot_services;
    line("START");
    efi_mp_services_t *mp = NULL;
    uint64_t count = 1, enabled = 1, bsp = 0;
    if (bs->locate_protocol(&mp_guid, NULL, (void **)&mp) != HV_EFI_SUCCESS || !mp ||
        mp->get_number_of_processors(mp, &count, &enabled) != HV_EFI_SUCCESS)
        mp = NULL;
    if (mp)
        mp->who_am_i(mp, &bsp);
    line("CPUS %llu", (unsigned long long)count);
    check_all_virtualized(count);
    run_checks((uint32_t)bsp);
    for (uint64_t n = 0; mp && n < count; n++) {
        if (n == bsp)
            continue;
        ap_arg_t arg = {(uint32_t)n, false};
        efi_status_t s = mp->startup_this_ap(mp, ap_main, n, NULL, 10000000, &arg, NULL);
        result((uint32_t)n, "ap-started", s == HV_EFI_SUCCESS, "StartupThisAP status 0x%llx",
               (unsigned long long)s);
        check_ap_init((uint32_t)n, (uint32_t)bsp);
        uint64_t inits_before = vmcall(HV_VMCALL_CPU_STATE, n, 0).rcx;
        ap_arg_t again = {(uint32_t)n, false};
        s = mp->startup_this_ap(mp, ap_again, n, NULL, 10000000, &again, NULL);
        vmcall_t st = vmcall(HV_VMCALL_CPU_STATE, n, 0);
        result((uint32_t)n, "ap-second-start",
               s == HV_EFI_SUCCESS && again.present && (st.rbx & HV_CPU_VIRTUALIZED) &&
                   st.rcx == inits_before + 1,
               "StartupThisAP status 0x%llx, hypervisor seen %d, flags 0x%llx, INITs %llu -> %llu",
               (unsigned long long)s, (int)again.present, (unsigned long long)st.rbx,
               (unsigned long long)inits_before, (unsigned long long)st.rcx);
    }
    if (!exit_boot_services(image, bs)) {
        result((uint32_t)bsp, "after-exit-boot-services-cpuid", false, "ExitBootServices failed");
    } else {
        regs4_t v = cpuid(HV_CPUID_VENDOR_LEAF, 0);
        regs4_t l1 = cpuid(1, 0);
        vmcall_t ver = vmcall(HV_VMCALL_VERSION, 0, 0);
        result((uint32_t)bsp, "after-exit-boot-services-cpuid",
               v.a == HV_CPUID_MAX_LEAF && ((l1.c >> 31) & 1) && ver.rax == HV_VMCALL_SUCCESS,
               "leaf 0x40000000 EAX 0x%x, CPUID.1:ECX 0x%x, VMCALL 0x%llx", v.a, l1.c,
               (unsigned long long)ver.rax);
    }
    line("SUMMARY %u passed, %u failed", passed, failed);
    power_off();
    return HV_EFI_SUCCESS;
}
