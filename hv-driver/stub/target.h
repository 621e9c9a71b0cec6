/* What the debug stub needs from the hypervisor it debugs. The VMX core implements it (park loop,
 * per-CPU mailboxes for VMREAD on the right CPU, checked memory accessors); the host unit tests
 * implement it with a canned fake. Every function is called on the stub CPU with all other CPUs
 * parked. */
#ifndef HV_STUB_TARGET_H
#define HV_STUB_TARGET_H

#include "hv/types.h"
#include "parse.h"

/* The hypervisor context of a stopped CPU (gdb's registers, PROTOCOL.md 4.1). Writes to gpr, rip
 * and rflags take effect when the CPU resumes; the others are read-only. */
typedef struct hv_regs {
    uint64_t gpr[16]; /* rax rbx rcx rdx rsi rdi rbp rsp r8 .. r15 (gdb's order) */
    uint64_t rip, rflags;
    uint16_t seg[6]; /* cs ss ds es fs gs */
    uint64_t fs_base, gs_base, cr0, cr2, cr3, cr4, cr8, efer;
} hv_regs_t;

typedef struct {
    const char *version;  /* "0.1.0" */
    const char *caps;     /* "ept.vpid.ug..." (PROTOCOL.md 5.1) */
    const char *lib_name; /* "HvDxe.debug" */
    uint64_t image_base, image_size;
    uint64_t lib_segment; /* run-time address of the image's lowest section (4.2) */
} hv_target_info_t;

enum { HV_VMX_OK = 0, HV_VMX_UNSUPPORTED = -1, HV_VMX_NO_VMCS = -2 };

#define HV_EXIT_REASONS 128u /* basic exit reasons counted */

typedef struct hv_target_ops {
    uint32_t (*cpu_count)(void *ctx);
    hv_regs_t *(*regs)(void *ctx, uint32_t cpu);
    /* Was the CPU running the guest when it was stopped or parked? */
    bool (*cpu_in_guest)(void *ctx, uint32_t cpu);
    /* Hypervisor-virtual memory; return the length of the accessible prefix (0: fault). Never
     * fault: the accessor checks the hypervisor's page tables first. */
    size_t (*mem_read)(void *ctx, uint64_t addr, void *buf, size_t len);
    size_t (*mem_write)(void *ctx, uint64_t addr, const void *buf, size_t len);
    /* Host-physical memory (RAM only), same contract. */
    size_t (*phys_read)(void *ctx, uint64_t hpa, void *buf, size_t len);
    size_t (*phys_write)(void *ctx, uint64_t hpa, const void *buf, size_t len);
    /* True if any byte of the range is memory the hypervisor owns (the guest must never see it). */
    bool (*hv_owned)(void *ctx, uint64_t hpa, uint64_t len);
    /* True if any byte of the range is stub, link driver or exception/NMI path code or data. */
    bool (*protected_range)(void *ctx, uint64_t addr, uint64_t len);
    /* VMREAD/VMWRITE on that CPU's current VMCS: HV_VMX_OK, HV_VMX_UNSUPPORTED, HV_VMX_NO_VMCS. */
    int (*vmread)(void *ctx, uint32_t cpu, uint32_t enc, uint64_t *val);
    int (*vmwrite)(void *ctx, uint32_t cpu, uint32_t enc, uint64_t val);
    /* Every field encoding the hypervisor knows (hv/vmcs_fields.def), in table order. */
    const uint32_t *(*vmcs_fields)(void *ctx, size_t *count);
    const char *(*vmcs_field_name)(void *ctx, uint32_t enc); /* NULL if unknown */
    /* Guest registers of a CPU: 0 or an HV_E_* code. */
    int (*greg_read)(void *ctx, uint32_t cpu, hv_greg_t r, uint64_t *val);
    int (*greg_write)(void *ctx, uint32_t cpu, hv_greg_t r, uint64_t val);
    /* Debug registers on every CPU: slot 0..3. */
    bool (*hwbp_set)(void *ctx, unsigned slot, uint64_t addr);
    void (*hwbp_clear)(void *ctx, unsigned slot);
    /* Exit counters (basic reason < HV_EXIT_REASONS). */
    uint64_t (*exit_count)(void *ctx, uint32_t cpu, uint32_t reason);
    void (*exits_reset)(void *ctx);
    /* Reset the whole machine (QHv.reset), called after the OK went out; does not return on a
     * machine. NULL: not supported (the packet gets an empty reply). */
    void (*reset)(void *ctx);
    const hv_target_info_t *(*info)(void *ctx);
} hv_target_ops;

#endif
