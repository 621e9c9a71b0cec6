/* The guest side of the live debug-stub test (test/targets/stub-bochs.test.ts), run from the UEFI
 * shell once the hypervisor is loaded. It waits for the test's 'g' on COM1 (sent once gdb has set
 * its breakpoints), then makes the exits gdb is waiting for:
 *   - CPUID leaf ST_LEAF at the instruction whose address it prints first (gdb checks GUEST_RIP);
 *   - WRMSR to IA32_TSC_AUX then IA32_KERNEL_GS_BASE (both monitored writes; an exit breakpoint
 *     filtered to the second must stop only there), each writing back the value it read;
 *   - a busy spin without exits of about SPIN_S seconds, for Ctrl-C.
 * Around the CPUID (whose exit runs into gdb's hardware breakpoint in the handler: the host loads
 * its own DR0-3 then) the guest keeps marker values in its debug registers and prints them before
 * and after: the test wants them unchanged ("dr-before" = "dr-after").
 * Lines: "stub-target: <what>" on COM1. */
#include <stdarg.h>
#include "hv/format.h"
#include "hv/uefi.h"
#include "console.h"

#define ST_LEAF 0x4711abcdu
#define SPIN_S  20u

#define line(...) guest_line("stub-target", __VA_ARGS__)

extern uint8_t st_cpuid_insn[];

static void __attribute__((noinline)) the_cpuid(void) {
    uint32_t a = ST_LEAF, b, c = 0, d;
    __asm__ volatile(".globl st_cpuid_insn\nst_cpuid_insn:\n\tcpuid"
                     : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
}

static uint64_t rdmsr(uint32_t msr) {
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return (uint64_t)hi << 32 | lo;
}
static void wrmsr(uint32_t msr, uint64_t v) {
    __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

/* EFI_SIMPLE_TEXT_INPUT_PROTOCOL, as far as this app reads keys. */
typedef struct {
    uint16_t scan_code, unicode_char;
} st_input_key_t;
typedef struct st_text_input st_text_input_t;
struct st_text_input {
    void *reset;
    efi_status_t(HV_EFIAPI *read_key_stroke)(st_text_input_t *self, st_input_key_t *key);
};

/* The firmware's terminal driver polls COM1 too (a timer event, every 20 ms or so) and takes the
 * byte when it looks first: the 'g' is then a key on ConIn. Both ways count. */
static bool go_byte(efi_system_table_t *st) {
    bool go = false;
    while (hv_inb(COM1 + 5) & 1)
        go |= hv_inb(COM1) == 'g';
    st_text_input_t *in = (st_text_input_t *)st->con_in;
    st_input_key_t key;
    while (in && in->read_key_stroke(in, &key) == HV_EFI_SUCCESS)
        go |= key.unicode_char == 'g';
    return go;
}

/* Debug registers as the guest sees them: DR0-3 markers (never enabled: DR7 has no L/G bits, only
 * a marker in R/W0), DR6 with B1 set. */
typedef struct {
    uint64_t dr[4], dr6, dr7;
} drs_t;

static void set_drs(void) {
    __asm__ volatile("mov %0, %%dr0" : : "r"(0x5a5a1000ull));
    __asm__ volatile("mov %0, %%dr1" : : "r"(0x5a5a2000ull));
    __asm__ volatile("mov %0, %%dr2" : : "r"(0x5a5a3000ull));
    __asm__ volatile("mov %0, %%dr3" : : "r"(0x5a5a4000ull));
    __asm__ volatile("mov %0, %%dr6" : : "r"(0xffff0ff2ull));
    __asm__ volatile("mov %0, %%dr7" : : "r"(0x10400ull));
}

static drs_t get_drs(void) {
    drs_t d;
    __asm__ volatile("mov %%dr0, %0" : "=r"(d.dr[0]));
    __asm__ volatile("mov %%dr1, %0" : "=r"(d.dr[1]));
    __asm__ volatile("mov %%dr2, %0" : "=r"(d.dr[2]));
    __asm__ volatile("mov %%dr3, %0" : "=r"(d.dr[3]));
    __asm__ volatile("mov %%dr6, %0" : "=r"(d.dr6));
    __asm__ volatile("mov %%dr7, %0" : "=r"(d.dr7));
    return d;
}

static void print_drs(const char *what, const drs_t *d) {
    line("%s %llx %llx %llx %llx %llx %llx", what, (unsigned long long)d->dr[0],
         (unsigned long long)d->dr[1], (unsigned long long)d->dr[2], (unsigned long long)d->dr[3],
         (unsigned long long)d->dr6, (unsigned long long)d->dr7);
}

efi_status_t HV_EFIAPI st_main(efi_handle_t image, efi_system_table_t *st);
efi_status_t HV_EFIAPI st_main(efi_handle_t image, efi_system_table_t *st) {
    (void)image;
    efi_boot_services_t *bs = st->boot_services;
    line("ready cpuid-rip 0x%llx", (unsigned long long)(uintptr_t)st_cpuid_insn);
    bool go = false;
    for (unsigned ms = 0; ms < 300000 && !go; ms++) { /* the 'g' from the test, 5 minutes at most */
        go = go_byte(st);
        bs->stall(1000);
    }
    line(go ? "go" : "no go byte: running anyway");
    set_drs();
    drs_t before = get_drs();
    the_cpuid();
    drs_t after = get_drs();
    __asm__ volatile("mov %0, %%dr7" : : "r"(0x400ull)); /* the firmware's value back */
    line("cpuid done");
    print_drs("dr-before", &before);
    print_drs("dr-after", &after);
    wrmsr(0xc0000103, rdmsr(0xc0000103)); /* IA32_TSC_AUX */
    wrmsr(0xc0000102, rdmsr(0xc0000102)); /* IA32_KERNEL_GS_BASE */
    line("wrmsr done");
    line("spin");
    for (unsigned s = 0; s < SPIN_S; s++)
        bs->stall(1000000);
    line("done");
    return HV_EFI_SUCCESS;
}
