/* CPUID round-trip benchmark, run from the UEFI shell as a guest. Bochs' TSC counts emulated
 * instructions, so RDTSC around N CPUIDs is a deterministic path length. Prints
 *
 *     guest-bench: cpuid <variant> n=<N> ticks=<T> per=<T/N>
 *
 * where variant is "ours" (the hypervisor: CPUID.1:ECX[31] set), "floor" (a build whose CPUID
 * leaf 0 exit does the minimum: leaf 0x40000001 EBX says so) or "bare" (no hypervisor bit).
 * Then, when a hypervisor is loaded, it unloads the driver image (found by the image range the
 * VMCALL gives), which devirtualizes every CPU, and measures again: "bare". */
#include <stdarg.h>
#include "hv/format.h"
#include "hv/hypervisor.h"
#include "hv/uefi.h"
#include "console.h"

#define N 20000u

#define line(...) guest_line("guest-bench", __VA_ARGS__)

static uint64_t rdtsc(void) {
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

static uint32_t cpuid_ecx(uint32_t leaf) {
    uint32_t a = leaf, b, c = 0, d;
    __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
    return c;
}

extern void gt_catch_ud(void);
extern void gt_catch_gp(void);
HV_EFIAPI uint64_t gt_try_vmcall(uint64_t regs[4]);

typedef struct HV_PACKED {
    uint16_t limit;
    uint64_t base;
} dtr_t;

/* VMCALL with #UD caught (on bare hardware VMCALL is #UD). */
static bool try_vmcall(uint64_t regs[4]) {
    dtr_t idtr;
    __asm__ volatile("sidt %0" : "=m"(idtr));
    uint8_t *gate = (uint8_t *)(uintptr_t)idtr.base + 6 * 16, saved[16];
    for (int i = 0; i < 16; i++)
        saved[i] = gate[i];
    uint64_t t = (uint64_t)(uintptr_t)gt_catch_ud;
    uint16_t cs;
    __asm__ volatile("mov %%cs, %0" : "=r"(cs));
    uint8_t g[16] = {(uint8_t)t,
                     (uint8_t)(t >> 8),
                     (uint8_t)cs,
                     (uint8_t)(cs >> 8),
                     0,
                     0x8e,
                     (uint8_t)(t >> 16),
                     (uint8_t)(t >> 24),
                     (uint8_t)(t >> 32),
                     (uint8_t)(t >> 40),
                     (uint8_t)(t >> 48),
                     (uint8_t)(t >> 56)};
    for (int i = 0; i < 16; i++)
        gate[i] = g[i];
    uint64_t vec = gt_try_vmcall(regs);
    for (int i = 0; i < 16; i++)
        gate[i] = saved[i];
    return vec == 0;
}

static uint32_t cpuid_ebx(uint32_t leaf) {
    uint32_t a = leaf, b, c = 0, d;
    __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
    return b;
}

static const char *variant(void) {
    if (!(cpuid_ecx(1) & (1u << 31)))
        return "bare";
    return (cpuid_ebx(HV_CPUID_INTERFACE_LEAF) & HV_BUILD_CPUID_FLOOR) ? "floor" : "ours";
}

static void measure(void) {
    const char *v = variant();
    for (unsigned i = 0; i < 100; i++) /* warm up */
        cpuid_ecx(0);
    uint64_t start = rdtsc();
    for (unsigned i = 0; i < N; i++)
        cpuid_ecx(0);
    uint64_t ticks = rdtsc() - start;
    line("cpuid %s n=%u ticks=%llu per=%llu", v, N, (unsigned long long)ticks,
         (unsigned long long)(ticks / N));
}

/* The loaded image whose base is the hypervisor's image. */
static efi_handle_t driver_handle(efi_boot_services_t *bs, uint64_t base) {
    static const efi_guid_t li_guid = HV_EFI_LOADED_IMAGE_PROTOCOL_GUID;
    uint64_t count = 0;
    efi_handle_t *handles = NULL;
    if (bs->locate_handle_buffer(HV_EFI_LOCATE_BY_PROTOCOL, &li_guid, NULL, &count, &handles) !=
        HV_EFI_SUCCESS)
        return NULL;
    efi_handle_t found = NULL;
    for (uint64_t i = 0; i < count && !found; i++) {
        efi_loaded_image_t *li = NULL;
        if (bs->handle_protocol(handles[i], &li_guid, (void **)&li) == HV_EFI_SUCCESS && li &&
            (uint64_t)(uintptr_t)li->image_base == base)
            found = handles[i];
    }
    bs->free_pool(handles);
    return found;
}

efi_status_t HV_EFIAPI bench_main(efi_handle_t image, efi_system_table_t *st);
efi_status_t HV_EFIAPI bench_main(efi_handle_t image, efi_system_table_t *st) {
    (void)image;
    efi_boot_services_t *bs = st->boot_services;
    measure();
    uint64_t r[4] = {HV_VMCALL_IMAGE_RANGE, 0, 0, 0};
    if (!try_vmcall(r) || r[0] != HV_VMCALL_SUCCESS)
        return HV_EFI_SUCCESS;
    efi_handle_t h = driver_handle(bs, r[1]);
    efi_status_t s = h ? bs->unload_image(h) : HV_EFI_NOT_FOUND;
    line("unload %s", s == HV_EFI_SUCCESS ? "ok" : "failed");
    measure();
    return HV_EFI_SUCCESS;
}
