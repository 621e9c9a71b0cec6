/* The VM-exit dispatcher: one table indexed by basic exit reason, per-CPU statistics (count and
 * TSC ticks from dispatch to resume per reason), and the two exits that are not the guest's doing:
 * a VM entry that failed (decoded; on the first launch the CPU goes back unvirtualized) and a
 * VMRESUME that failed.
 *
 * Two paths: the hot one (a plain exit reason, nothing pending on this CPU: hv_vcpu_t.slow is 0)
 * is the table call and the statistics; everything else (entry failures, exit-reason flags, the
 * debug stub's hook, the first exit, start-up and deferred-NMI bookkeeping) takes the general
 * one. The CPUID benchmark measures the hot path against a minimal handler. */
#include "hv/log.h"
#include "exits/exits.h"
#include "debug/debug.h"
#include "apic/apic.h"

static int unexpected(hv_vcpu_t *v, hv_guest_regs_t *r) {
    hv_exit_fatal_report(v, r, "unexpected VM exit");
}

/* Every reason without a handler of its own is unexpected (GCC range designator, overridden
 * below: the hot path calls the table without a NULL check). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
static const hv_exit_handler_t handlers[VMX_EXIT_REASON_LIMIT] = {
    [0 ... VMX_EXIT_REASON_LIMIT - 1] = unexpected,
    [VMX_EXIT_EXCEPTION_NMI] = hv_exit_exception,
    [VMX_EXIT_TRIPLE_FAULT] = hv_exit_triple_fault,
    [VMX_EXIT_INIT_SIGNAL] = hv_exit_init,
    [VMX_EXIT_SIPI_SIGNAL] = hv_exit_sipi,
    [VMX_EXIT_CPUID] = hv_exit_cpuid,
    [VMX_EXIT_INVD] = hv_exit_invd,
    [VMX_EXIT_VMCALL] = hv_exit_vmcall,
    [VMX_EXIT_VMCLEAR] = hv_exit_vmx_instruction,
    [VMX_EXIT_VMLAUNCH] = hv_exit_vmx_instruction,
    [VMX_EXIT_VMPTRLD] = hv_exit_vmx_instruction,
    [VMX_EXIT_VMPTRST] = hv_exit_vmx_instruction,
    [VMX_EXIT_VMREAD] = hv_exit_vmx_instruction,
    [VMX_EXIT_VMRESUME] = hv_exit_vmx_instruction,
    [VMX_EXIT_VMWRITE] = hv_exit_vmx_instruction,
    [VMX_EXIT_VMXOFF] = hv_exit_vmx_instruction,
    [VMX_EXIT_VMXON] = hv_exit_vmx_instruction,
    [VMX_EXIT_CR_ACCESS] = hv_exit_cr_access,
    [VMX_EXIT_IO_INSTRUCTION] = hv_exit_io,
    [VMX_EXIT_MSR_READ] = hv_exit_rdmsr,
    [VMX_EXIT_MSR_WRITE] = hv_exit_wrmsr,
    [VMX_EXIT_MONITOR_TRAP_FLAG] = hv_exit_monitor_trap,
    [VMX_EXIT_EPT_VIOLATION] = hv_exit_ept_violation,
    [VMX_EXIT_EPT_MISCONFIG] = hv_exit_ept_misconfig,
    [VMX_EXIT_INVEPT] = hv_exit_vmx_instruction,
    [VMX_EXIT_INVVPID] = hv_exit_vmx_instruction,
    [VMX_EXIT_VMFUNC] = hv_exit_vmx_instruction,
    [VMX_EXIT_WBINVD] = hv_exit_wbinvd,
    [VMX_EXIT_XSETBV] = hv_exit_xsetbv,
    [VMX_EXIT_PREEMPTION_TIMER] = hv_exit_preemption_timer,
};
#pragma GCC diagnostic pop

extern uint8_t hv_vmx_launch_return[];

/* The first VM entry failed on guest state: the CPU is in the host with VMX on. Decode it, leave
 * VMX, and return from hv_vmx_launch() with 3 on the launching stack. */
static int launch_failed(hv_vcpu_t *v, hv_guest_regs_t *r) {
    hv_vmx_log_entry_failure(v, 3);
    v->launch_failed = true;
    v->entry_failures++;
    hv_vmx_restore_firmware_state(v);
    v->resume_rip = (uint64_t)(uintptr_t)hv_vmx_launch_return;
    v->resume_rsp = v->launch_rsp;
    v->resume_rflags = 0x2;
    r->rax = 3;
    return HV_EXIT_LEAVE;
}

static inline void count_exit(hv_vcpu_t *v, uint32_t basic, uint64_t start) {
    v->stats[basic].count++;
    v->stats[basic].cycles += hv_rdtsc() - start;
}

/* Everything the hot path leaves out. */
static HV_NOINLINE int dispatch_general(hv_vcpu_t *v, hv_guest_regs_t *r, uint32_t reason,
                                        uint64_t start) {
    if (reason & (1u << 31)) {
        if (!v->launched)
            return launch_failed(v, r);
        hv_vmx_log_entry_failure(v, 3);
        hv_exit_fatal_report(v, r, "VM entry failed after a guest change");
    }
    v->launched = true;
    v->slow &= (uint8_t)~HV_SLOW_FIRST;
    if (v->slow & HV_SLOW_DEBUG) /* exit breakpoints, Ctrl-C, parking for the debugger */
        hv_debug_on_exit(v, r, reason);
    uint32_t basic = reason & 0xffff;
    int rc = basic < VMX_EXIT_REASON_LIMIT ? handlers[basic](v, r) : unexpected(v, r);
    if ((v->slow & HV_SLOW_JUST_STARTED) && basic != VMX_EXIT_SIPI_SIGNAL &&
        basic != VMX_EXIT_INIT_SIGNAL)
        v->slow &= (uint8_t)~HV_SLOW_JUST_STARTED;
    if (rc != HV_EXIT_RESUME) { /* VMX is off (devirtualized): no VMCS any more */
        count_exit(v, basic, start);
        return rc;
    }
    if (v->slow & HV_SLOW_NMI_DEFERRED)
        hv_nmi_try_inject(v);
    if (v->slow & HV_SLOW_SMI_BLOCKED) {
        uint64_t intr = hv_vmread(VMCS_GUEST_INTERRUPTIBILITY_INFO);
        if (intr & 4) /* the guest never runs in SMM here: see hv_exit_sipi */
            hv_vmwrite(VMCS_GUEST_INTERRUPTIBILITY_INFO, intr & ~4ull);
    }
    count_exit(v, basic, start);
    /* The guest's DR0-3/DR6 back if the debugger's breakpoints used them. */
    if (v->slow & HV_SLOW_DEBUG)
        hv_debug_before_entry(v);
    return rc;
}

HV_EFIAPI int hv_exit_dispatch(hv_vcpu_t *v, hv_guest_regs_t *r);
HV_EFIAPI int hv_exit_dispatch(hv_vcpu_t *v, hv_guest_regs_t *r) {
    uint64_t start = hv_rdtsc();
    uint32_t reason = (uint32_t)hv_vmread(VMCS_VM_EXIT_REASON);
#ifdef HV_CPUID_FLOOR
    /* Benchmark floor (make HV_VARIANT=cpuid-floor): the least a CPUID exit can cost, for the
     * benchmark's leaf 0 only (every other leaf takes the normal path, so the guest still sees
     * the hypervisor), on a CPU with nothing pending (the hot path's own condition). */
    if (reason == VMX_EXIT_CPUID && (uint32_t)r->rax == 0 && !v->slow) {
        hv_cpuid_t c = hv_cpuid((uint32_t)r->rax, (uint32_t)r->rcx);
        r->rax = c.eax;
        r->rbx = c.ebx;
        r->rcx = c.ecx;
        r->rdx = c.edx;
        hv_vmwrite_fast(VMCS_GUEST_RIP,
                        hv_vmread(VMCS_GUEST_RIP) + hv_vmread(VMCS_VM_EXIT_INSTRUCTION_LEN));
        return HV_EXIT_RESUME;
    }
#endif
    /* Hot path: a basic reason with no flag bits (entry failure is bit 31), nothing pending. */
    if (__builtin_expect(reason >= VMX_EXIT_REASON_LIMIT || v->slow, 0))
        return dispatch_general(v, r, reason, start);
    int rc = handlers[reason](v, r);
    count_exit(v, reason, start);
    return rc;
}

HV_EFIAPI HV_NORETURN void hv_vmresume_failed(hv_vcpu_t *v);
HV_EFIAPI HV_NORETURN void hv_vmresume_failed(hv_vcpu_t *v) {
    uint32_t err = (uint32_t)hv_vmread(VMCS_VM_INSTRUCTION_ERROR);
    HV_ERROR("VMRESUME failed on cpu%u: VM-instruction error %u (%s)", v->index, err,
             hv_vmx_instruction_error_text(err));
    hv_guest_regs_t none = {0};
    hv_exit_fatal_report(v, &none, "VMRESUME failed");
}
