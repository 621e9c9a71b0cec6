/* The guest side of the debug adapter's Bochs test (test/targets/adapter-bochs.test.ts), run from
 * the UEFI shell once the hypervisor runs. The adapter's VM-exit filters are set before the shell
 * starts, so no go byte is needed. It prints what the test compares, then makes the exits it
 * waits for:
 *   - a page of a known pattern at a printed address (guest-physical = virtual under OVMF's
 *     identity map): the adapter's gpa readMemory and EPT walk must find it;
 *   - CPUID leaf AT_LEAF at the instruction whose address it prints (GUEST_RIP at the stop);
 *   - RFLAGS right after that CPUID: the test sets RFLAGS.AC through a VMCS write (GUEST_RFLAGS)
 *     while the exit is stopped, and reads it back here (AC is harmless at CPL 0);
 *   - WRMSR to IA32_TSC_AUX then IA32_KERNEL_GS_BASE, each writing back the value it read (a
 *     filter on the second must stop only there);
 *   - then it idles (stalls of one second, a CPUID of AT_TICK_LEAF each) for the attach and kill
 *     checks, up to AT_IDLE_S seconds.
 * Lines: "adapter-target: <what>" on COM1. */
#include <stdarg.h>
#include "hv/format.h"
#include "hv/uefi.h"
#include "console.h"

#define AT_LEAF      0x4711abceu
#define AT_TICK_LEAF 0x4711abcfu
#define AT_IDLE_S    900u
#define RFLAGS_AC    (1ull << 18)

#define line(...) guest_line("adapter-target", __VA_ARGS__)

extern uint8_t at_cpuid_insn[];

/* Returns RFLAGS as the guest sees it right after the CPUID (then clears AC again). */
static uint64_t __attribute__((noinline)) the_cpuid(void) {
    uint32_t a = AT_LEAF, b, c = 0, d;
    uint64_t fl;
    __asm__ volatile(".globl at_cpuid_insn\nat_cpuid_insn:\n\tcpuid\n\tpushfq\n\tpopq %4"
                     : "+a"(a), "=b"(b), "+c"(c), "=d"(d), "=r"(fl)
                     :
                     : "cc");
    __asm__ volatile("pushq %0\n\tpopfq" : : "r"(fl & ~RFLAGS_AC) : "cc", "memory");
    return fl;
}

static void tick(void) {
    uint32_t a = AT_TICK_LEAF, b, c = 0, d;
    __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
}

static uint64_t rdmsr(uint32_t msr) {
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return (uint64_t)hi << 32 | lo;
}
static void wrmsr(uint32_t msr, uint64_t v) {
    __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

/* The pattern: a 16-byte tag, then byte i = (i * 37 + 11) mod 256 (the test computes the same). */
static uint8_t at_pattern[4096] __attribute__((aligned(4096)));
static const char at_tag[16] = "uefi-hv gpa test";

efi_status_t HV_EFIAPI at_main(efi_handle_t image, efi_system_table_t *st);
efi_status_t HV_EFIAPI at_main(efi_handle_t image, efi_system_table_t *st) {
    (void)image;
    efi_boot_services_t *bs = st->boot_services;
    for (unsigned i = 0; i < sizeof(at_pattern); i++)
        at_pattern[i] = i < sizeof(at_tag) ? (uint8_t)at_tag[i] : (uint8_t)(i * 37u + 11u);
    line("ready cpuid-rip 0x%llx pattern 0x%llx", (unsigned long long)(uintptr_t)at_cpuid_insn,
         (unsigned long long)(uintptr_t)at_pattern);
    uint64_t fl = the_cpuid();
    line("rflags after cpuid 0x%llx", (unsigned long long)fl);
    wrmsr(0xc0000103, rdmsr(0xc0000103)); /* IA32_TSC_AUX */
    wrmsr(0xc0000102, rdmsr(0xc0000102)); /* IA32_KERNEL_GS_BASE */
    line("wrmsr done");
    line("idle");
    for (unsigned s = 0; s < AT_IDLE_S; s++) {
        tick();
        bs->stall(1000000);
    }
    line("done");
    return HV_EFI_SUCCESS;
}
