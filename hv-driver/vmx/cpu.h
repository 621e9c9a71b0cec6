/* Per-CPU and shared state of the hypervisor. All of it lives in pages from hv_alloc_pages(),
 * hidden from the guest by EPT; the host reaches it through the pointer at the top of each CPU's
 * host stack, never through a variable of the image (which the guest can write). */
#ifndef HV_VMX_CPU_H
#define HV_VMX_CPU_H

#include "hv/types.h"
#include "hv/platform.h"
#include "hv/vmcs.h"
#include "hv/x86.h"
#include "ept/ept.h"
#include "ept/mtrr.h"

#define HV_MAX_CPUS         64
#define HV_HOST_STACK_PAGES 6
#define HV_EPT_POOL_PAGES   256
#define HV_MAX_PENDING      4
#define HV_GDT_VCPU_SLOT                                                                           \
    3584 /* in the host GDT page, past the TSS: the vcpu pointer */ /* pages remapped to the decoy \
                                                                       until the next MTF exit */

/* Guest general registers as vmx/host_entry.nasm pushes them on a VM exit (RSP is in the VMCS; its
 * slot is scratch). */
typedef struct {
    uint64_t rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
} hv_guest_regs_t;

typedef struct {
    uint64_t count;
    uint64_t cycles;
} hv_exit_stat_t;

/* An exception taken in host context, as vmx/host_entry.nasm's isr_common lays it out (the RSP slot
 * of regs is scratch: the interrupted RSP is rsp below). */
typedef struct {
    hv_guest_regs_t regs;
    uint64_t vector, error, rip, cs, rflags, rsp, ss;
} hv_host_frame_t;

/* Requests the debug stub's CPU posts to a parked CPU (VMREAD only reads the current VMCS of the
 * CPU that executes it). */
typedef struct {
    volatile uint32_t op; /* 0 none; set last by the poster, cleared by the parked CPU when done */
    uint32_t enc;
    uint64_t value;
    int status;
} hv_debug_mailbox_t;

struct hv_debug;

typedef struct hv_vcpu hv_vcpu_t;

typedef struct {
    uint32_t cpu_count;
    hv_vcpu_t *vcpu[HV_MAX_CPUS];
    uint64_t devirtualize_token;

    /* capabilities, read once */
    uint64_t vmx_basic, vmx_misc, ept_vpid_cap;
    uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
    uint32_t pin_ctls, proc_ctls, proc2_ctls, exit_ctls, entry_ctls; /* adjusted */
    bool mtf_supported;
    bool wait_for_sipi_supported;
    uint32_t xcr0_supported_lo, xcr0_supported_hi;

    /* shared structures */
    hv_mtrr_state_t mtrr;
    hv_ept_t ept;
    uint8_t *ept_pool;
    uint8_t *msr_bitmap;
    uint64_t host_cr3;
    uint64_t *host_pml4;
    uint64_t host_pt_pages;
    void *host_idt; /* 256 gates, shared */

    uint64_t image_base, image_size;
    hv_range_t owned[64]; /* trusted copy taken when hiding (VMCALL answers from it) */
    uint32_t owned_count;
    volatile uint32_t ept_lock; /* EPT changes from exit handlers on several CPUs */
    uint64_t virtualize_start_tsc, virtualize_end_tsc;
    struct hv_debug *debug;       /* the live stub (debug/), NULL without one */
    uint8_t debug_uart_shadow[8]; /* what the guest wrote to the (hidden) debug UART */
    uint64_t apic_gpa;   /* xAPIC page write-protected in EPT (INIT interception), 0 if none */
    bool init_intercept; /* INIT IPIs to our CPUs become NMIs + virtual INITs (apic/) */
} hv_global_t;

struct hv_vcpu {
    /* devirtualize/resume target for vmx/host_entry.nasm (offsets 0, 8, 16, 24: see the asserts) */
    uint64_t resume_rip;
    uint64_t resume_rsp;
    uint64_t resume_rflags;
    uint64_t launch_rsp; /* hv_vmx_launch's stack at VMLAUNCH, for entry failures */
    /* HV_EVENT_* posted to this CPU by others (virtual INIT) or by its root-mode NMI handler;
     * vmx/host_entry.nasm looks at them right before every VMRESUME (offset 32). */
    volatile uint32_t events;
    /* NMIs sent to this CPU to deliver a virtual INIT and not seen yet: an NMI that finds this
     * above zero is ours (swallowed), any other NMI is the guest's (re-injected). */
    volatile uint32_t init_nmis;

    uint32_t index;
    bool virtualized;
    bool launched;      /* the first VM entry succeeded */
    bool launch_failed; /* the first VM entry failed on guest state (exit handler saw it) */
    hv_global_t *hv;

    void *vmxon;
    void *vmcs;
    uint8_t *host_stack;
    uint8_t *io_bitmap_a, *io_bitmap_b;
    uint8_t *host_gdt; /* copy of the firmware GDT + our TSS descriptor */
    uint8_t *host_tss;
    uint16_t host_tr;
    uint8_t *decoy; /* what the guest sees instead of hidden pages while an access completes */

    /* firmware state at launch, restored on devirtualize */
    hv_dtr_t fw_gdtr, fw_idtr;
    uint64_t fw_cr0, fw_cr3, fw_cr4;

    /* the current exit */
    uint32_t exit_reason;
    uint64_t exit_qualification;
    uint64_t exit_tsc;

    /* pending work for the next monitor-trap-flag exit */
    uint64_t pending_gpa[HV_MAX_PENDING];
    uint64_t pending_old[HV_MAX_PENDING]; /* EPT entry to put back */
    uint32_t pending_hidden_count;
    uint16_t pending_io_port;
    uint8_t pending_io_size;
    bool pending_io;
    uint32_t hidden_access_logged;
    bool stepping;      /* single-stepping one guest instruction (MTF, or TF + #DB exiting) */
    bool step_guest_tf; /* the guest's own RFLAGS.TF while we borrow it */

    hv_exit_stat_t stats[VMX_EXIT_REASON_LIMIT];
    uint64_t entry_failures;
    /* HV_SLOW_*: anything that sends an exit down the dispatcher's general path (exits/dispatch.c);
     * zero on the hot path, which then costs one test. */
    uint8_t slow;
    uint8_t sipi_vector;
    bool lost_to_init;           /* left VMX to let an INIT through (Bochs 2.7, see init_sipi.c) */
    uint32_t apic_id, x2apic_id; /* of this CPU, read at launch (INIT interception, apic/) */
    uint64_t inits;              /* INITs this CPU went through virtualized (exit or virtual) */
    uint64_t intercepted_inits;  /* INIT IPIs this CPU sent that became virtual INITs */

    /* debug stub (debug/) */
    hv_guest_regs_t *exit_regs; /* guest registers of the exit being handled */
    hv_debug_mailbox_t mailbox;
    volatile uint32_t parked; /* 1: in the park loop (guest state reachable through mailbox) */
    bool parked_in_guest;
    bool guest_dr_saved;  /* guest_dr holds the guest's DR0-3, DR6 (the CPU has the host's) */
    uint64_t guest_dr[5]; /* DR0, DR1, DR2, DR3, DR6 */
};

/* hv_vcpu_t.slow */
#define HV_SLOW_FIRST        1u  /* no exit yet: the next one proves the launch worked */
#define HV_SLOW_DEBUG        2u  /* a debug stub runs: it sees every exit */
#define HV_SLOW_JUST_STARTED 4u  /* SIPI handled, no other exit since */
#define HV_SLOW_NMI_DEFERRED 8u  /* a guest NMI that could not be injected yet */
#define HV_SLOW_SMI_BLOCKED  16u /* exits save "blocking by SMI" outside SMM (exits/init_sipi.c) */

/* hv_vcpu_t.events */
#define HV_EVENT_INIT 1u /* another CPU turned an INIT IPI for this one into an NMI (apic/) */
#define HV_EVENT_NMI  2u /* an NMI for the guest arrived in root mode: inject it */

HV_STATIC_ASSERT(__builtin_offsetof(hv_vcpu_t, resume_rip) == 0, "host_entry.nasm offset");
HV_STATIC_ASSERT(__builtin_offsetof(hv_vcpu_t, resume_rsp) == 8, "host_entry.nasm offset");
HV_STATIC_ASSERT(__builtin_offsetof(hv_vcpu_t, resume_rflags) == 16, "host_entry.nasm offset");
HV_STATIC_ASSERT(__builtin_offsetof(hv_vcpu_t, launch_rsp) == 24, "host_entry.nasm offset");
HV_STATIC_ASSERT(__builtin_offsetof(hv_vcpu_t, events) == 32, "host_entry.nasm offset");
HV_STATIC_ASSERT(sizeof(hv_guest_regs_t) == 16 * 8, "host_entry.nasm frame");

/* vmx/host_entry.nasm */
HV_EFIAPI int hv_vmx_launch(hv_vcpu_t *vcpu); /* 0 = guest now, else VMX status / entry failure */
HV_EFIAPI void hv_vmx_exit_entry(void);       /* HOST_RIP */
extern uint8_t hv_host_isr_table[];           /* 256 stubs of HV_HOST_ISR_SIZE bytes */
/* The last look at hv_vcpu_t.events before VMRESUME: an NMI taken in root mode between these two
 * labels restarts at the first (apic/nmi.c), so no posted event can slip past the VM entry. */
extern uint8_t hv_vmx_resume_check[], hv_vmx_resume_insn[];
/* IRETQ to the next instruction: ends the NMI blocking a VM exit caused by an NMI leaves. */
HV_EFIAPI void hv_nmi_unblock(void);
#define HV_HOST_ISR_SIZE 16

/* vmx/host.c */
int hv_host_build_shared(hv_global_t *hv);
int hv_host_build_cpu(hv_vcpu_t *vcpu);

/* vmx/vmcs_setup.c */
int hv_vmcs_setup(hv_vcpu_t *vcpu);

/* vmx/diagnose.c */
void hv_vmx_log_entry_failure(hv_vcpu_t *vcpu, int vmx_status);
void hv_vmx_log_guest_state(hv_vcpu_t *vcpu, const hv_guest_regs_t *regs);

/* vmx/hide.c: EPT permissions for everything the hypervisor owns. */
int hv_hide_owned_memory(hv_global_t *hv);

/* vmx/virtualize.c: leaves VMX on the current CPU with the firmware's descriptor tables/CR3. */
void hv_vmx_restore_firmware_state(hv_vcpu_t *vcpu);

#endif
