/* The host's own environment, in hypervisor memory the guest cannot reach: page tables (an
 * identity map), an IDT whose handlers log and halt (or recover the guarded instructions), and
 * per CPU a GDT copy with a TSS (the firmware runs with TR = 0, but VMX needs a host TR). */
#include "hv/log.h"
#include "hv/platform.h"
#include "lib/mem.h"
#include "vmx/cpu.h"

#define PTE_P  (1ull << 0)
#define PTE_RW (1ull << 1)
#define PTE_PS (1ull << 7)
#define GIB    (1ull << 30)

/* Identity map of [0, max(phys_top, 4 GiB)) capped at 512 GiB (one PDPT): 1 GiB pages where the
 * CPU has them, else 2 MiB pages. No NX bits: the host runs with whatever EFER.NXE the guest
 * had. */
int hv_host_build_shared(hv_global_t *hv) {
    uint64_t top = hv_phys_top();
    if (top < 4 * GIB)
        top = 4 * GIB;
    if (top > 512 * GIB)
        top = 512 * GIB;
    uint64_t gibs = (top + GIB - 1) / GIB;
    bool huge = (hv_cpuid(0x80000001, 0).edx >> 26) & 1;
    uint64_t pages = 2 + (huge ? 0 : gibs);
    uint64_t *pt = hv_alloc_pages(pages);
    if (!pt)
        return -1;
    uint64_t *pml4 = pt, *pdpt = pt + 512;
    pml4[0] = (uint64_t)(uintptr_t)pdpt | PTE_P | PTE_RW;
    for (uint64_t g = 0; g < gibs; g++) {
        if (huge) {
            pdpt[g] = g * GIB | PTE_P | PTE_RW | PTE_PS;
            continue;
        }
        uint64_t *pd = pt + 512 * (2 + g);
        for (uint64_t i = 0; i < 512; i++)
            pd[i] = (g * GIB + (i << 21)) | PTE_P | PTE_RW | PTE_PS;
        pdpt[g] = (uint64_t)(uintptr_t)pd | PTE_P | PTE_RW;
    }
    hv->host_pml4 = pml4;
    hv->host_pt_pages = pages;
    hv->host_cr3 = (uint64_t)(uintptr_t)pml4;

    uint8_t *idt = hv_alloc_pages(1);
    if (!idt)
        return -1;
    uint16_t cs = hv_read_cs();
    for (unsigned v = 0; v < 256; v++) {
        uint64_t target = (uint64_t)(uintptr_t)hv_host_isr_table + v * HV_HOST_ISR_SIZE;
        uint8_t *g = idt + v * 16;
        g[0] = (uint8_t)target;
        g[1] = (uint8_t)(target >> 8);
        g[2] = (uint8_t)cs;
        g[3] = (uint8_t)(cs >> 8);
        g[4] = 0;    /* IST */
        g[5] = 0x8e; /* present, DPL 0, 64-bit interrupt gate */
        g[6] = (uint8_t)(target >> 16);
        g[7] = (uint8_t)(target >> 24);
        g[8] = (uint8_t)(target >> 32);
        g[9] = (uint8_t)(target >> 40);
        g[10] = (uint8_t)(target >> 48);
        g[11] = (uint8_t)(target >> 56);
    }
    hv->host_idt = idt;
    return 0;
}

#define TSS_OFFSET 3072 /* in the GDT page: the firmware GDT must fit below */
#define TSS_SIZE   104

/* Runs on the CPU itself (no boot services: the page was allocated by the BSP). */
int hv_host_build_cpu(hv_vcpu_t *vcpu) {
    hv_dtr_t gdtr = vcpu->fw_gdtr;
    uint32_t fw_size = (uint32_t)gdtr.limit + 1;
    uint32_t tss_desc = (fw_size + 7) & ~7u;
    if (tss_desc + 16 > TSS_OFFSET) {
        HV_ERROR("firmware GDT too large to copy (%u bytes)", fw_size);
        return -1;
    }
    uint8_t *page = vcpu->host_gdt;
    hv_memset(page, 0, HV_PAGE_SIZE);
    hv_memcpy(page, (const void *)(uintptr_t)gdtr.base, fw_size);
    uint8_t *tss = page + TSS_OFFSET;
    tss[102] = TSS_SIZE; /* I/O map base beyond the limit: no I/O permission bitmap */
    uint64_t base = (uint64_t)(uintptr_t)tss;
    uint8_t *d = page + tss_desc;
    d[0] = TSS_SIZE - 1;
    d[1] = 0;
    d[2] = (uint8_t)base;
    d[3] = (uint8_t)(base >> 8);
    d[4] = (uint8_t)(base >> 16);
    d[5] = 0x89; /* present, 64-bit available TSS */
    d[6] = 0;
    d[7] = (uint8_t)(base >> 24);
    d[8] = (uint8_t)(base >> 32);
    d[9] = (uint8_t)(base >> 40);
    d[10] = (uint8_t)(base >> 48);
    d[11] = (uint8_t)(base >> 56);
    /* The host's way back to its vcpu from an exception (debug/): SGDT gives this page. */
    *(hv_vcpu_t **)(page + HV_GDT_VCPU_SLOT) = vcpu;
    vcpu->host_tss = tss;
    vcpu->host_tr = (uint16_t)tss_desc;
    return 0;
}

HV_EFIAPI HV_NORETURN void hv_host_exception(hv_host_frame_t *f);
HV_EFIAPI HV_NORETURN void hv_host_exception(hv_host_frame_t *f) {
    HV_ERROR("HOST EXCEPTION vector %llu error 0x%llx at rip 0x%llx cs 0x%llx rflags 0x%llx "
             "rsp 0x%llx cr2 0x%llx",
             HV_U64(f->vector), HV_U64(f->error), HV_U64(f->rip), HV_U64(f->cs), HV_U64(f->rflags),
             HV_U64(f->rsp), HV_U64(hv_read_cr2()));
    HV_ERROR("  rax %016llx rbx %016llx rcx %016llx rdx %016llx", HV_U64(f->regs.rax),
             HV_U64(f->regs.rbx), HV_U64(f->regs.rcx), HV_U64(f->regs.rdx));
    HV_ERROR("host halted (image at 0x%llx)", HV_U64(hv_image_base()));
    for (;;)
        __asm__ volatile("cli; hlt");
}
