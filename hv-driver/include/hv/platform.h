/* What the hypervisor core (vmx/, ept/, exits/, stub/) needs from the boot glue (boot/).
 * The core never calls UEFI directly: boot/ implements these on top of boot services, so the core
 * stays the same on every firmware and is host-testable with a fake platform. */
#ifndef HV_PLATFORM_H
#define HV_PLATFORM_H

#include "hv/types.h"

/* ---- memory ------------------------------------------------------------------------------------
 * Pages the hypervisor owns: zeroed, 4 KiB aligned, identity mapped (virtual == physical),
 * allocated as EfiRuntimeServicesData so they survive ExitBootServices and stay out of the OS's
 * usable memory. Every allocation is recorded so EPT can hide it from the guest. NULL on failure.
 */
void *hv_alloc_pages(uint64_t pages);
void hv_free_pages(void *base, uint64_t pages);

typedef struct {
    uint64_t base; /* physical, page aligned */
    uint64_t size; /* bytes, page multiple */
} hv_range_t;

/* Ranges the guest must never read or write: the image and every hv_alloc_pages() block.
 * Returns the number written (at most max). */
size_t hv_owned_ranges(hv_range_t *out, size_t max);

/* Loaded image of the driver (for symbols, VMCALL image-range and self-protection). */
uint64_t hv_image_base(void);
uint64_t hv_image_size(void);

/* One past the highest physical address of RAM or MMIO to identity map (from the memory map,
 * at least 4 GiB so the low MMIO hole and the APIC are covered). */
uint64_t hv_phys_top(void);

/* ---- processors --------------------------------------------------------------------------------
 * Logical CPUs are numbered 0..count-1 in MP-services order; 0 is the bootstrap processor. */
uint32_t hv_cpu_count(void);
uint32_t hv_cpu_index(void);

/* Runs fn(ctx, cpu) on every CPU, the application processors first (one at a time) and the BSP
 * last. Returns 0, or the first non-zero value a CPU's fn returned (fn runs on the others all the
 * same). */
typedef int (*hv_cpu_fn)(void *ctx, uint32_t cpu);
int hv_run_on_each_cpu(hv_cpu_fn fn, void *ctx);

/* Busy wait, also usable after ExitBootServices (TSC based). */
void hv_stall_us(uint64_t us);

#endif
