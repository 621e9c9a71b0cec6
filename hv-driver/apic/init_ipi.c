/* The sending side of INIT interception (apic/apic.h says why): stores to the write-protected xAPIC
 * page and WRMSRs to the x2APIC ICR are performed by the host, INIT IPIs to CPUs the hypervisor
 * runs become NMIs plus a virtual-INIT mark. */
#include "hv/log.h"
#include "apic/apic.h"
#include "apic/icr.h"
#include "apic/store_decode.h"

#define MSR_IA32_APIC_BASE 0x1bu
#define APIC_BASE_ENABLE   (1ull << 11)
#define APIC_BASE_X2APIC   (1ull << 10)
#define MSR_X2APIC_ICR     0x830u
#define APIC_ICR_LOW       0x300u
#define APIC_ICR_HIGH      0x310u
#define ICR_SEND_PENDING   (1u << 12)
#define CR0_PG_BIT         (1ull << 31)
#define CR4_PAE_BIT        (1ull << 5)
#define CR4_LA57_BIT       (1ull << 12)
#define PTE_P              1ull
#define PTE_PS             (1ull << 7)
#define ADDR_MASK          0x000ffffffffff000ull

void hv_io_restore_trap(hv_vcpu_t *v);

static volatile uint32_t *apic_reg(const hv_global_t *hv, uint32_t offset) {
    return (volatile uint32_t *)(uintptr_t)(hv->apic_gpa + offset); /* host maps 1:1 */
}

int hv_apic_setup(hv_global_t *hv) {
    if (!(hv->pin_ctls & VMX_PIN_BASED_VM_EXEC_CONTROL_NMI_EXITING)) {
        HV_WARN("no NMI exiting: INIT IPIs reach virtualized CPUs natively");
        return 0;
    }
    uint64_t base = hv_rdmsr(MSR_IA32_APIC_BASE);
    if ((base & APIC_BASE_ENABLE) && !(base & APIC_BASE_X2APIC)) {
        hv->apic_gpa = base & ADDR_MASK;
        if (hv_ept_protect(&hv->ept, hv->apic_gpa, HV_PAGE_SIZE, EPT_READ))
            return -1;
    }
    hv->init_intercept = true;
    HV_INFO("INIT IPIs to virtualized CPUs become NMIs + virtual INITs (xAPIC page 0x%llx "
            "write-protected, x2APIC ICR monitored)",
            HV_U64(hv->apic_gpa));
    return 0;
}

void hv_apic_read_ids(hv_vcpu_t *v) {
    v->apic_id = hv_cpuid(1, 0).ebx >> 24;
    v->x2apic_id = v->apic_id;
    if (hv_cpuid(0, 0).eax >= 0xb) {
        hv_cpuid_t x = hv_cpuid(0xb, 0);
        if (x.ebx != 0) /* EBX = 0: the leaf is not really implemented */
            v->x2apic_id = x.edx;
    }
}

/* ---- the ICR ------------------------------------------------------------------------------------
 */

static void xapic_wait_idle(const hv_global_t *hv) {
    for (unsigned spin = 0; spin < 100000 && (*apic_reg(hv, APIC_ICR_LOW) & ICR_SEND_PENDING);
         spin++)
        __builtin_ia32_pause();
}

static void send_nmi(hv_global_t *hv, hv_vcpu_t *t, bool x2apic) {
    /* Mark first: the NMI may be handled (or seen in root mode) before the command returns. */
    __atomic_fetch_add(&t->init_nmis, 1, __ATOMIC_SEQ_CST);
    __atomic_fetch_or(&t->events, HV_EVENT_INIT, __ATOMIC_SEQ_CST);
    uint64_t cmd = hv_icr_nmi_to(x2apic ? t->x2apic_id : t->apic_id, x2apic);
    if (x2apic) {
        hv_safe_wrmsr(MSR_X2APIC_ICR, cmd);
        return;
    }
    uint32_t guest_high = *apic_reg(hv, APIC_ICR_HIGH); /* the guest's destination, kept */
    xapic_wait_idle(hv);
    *apic_reg(hv, APIC_ICR_HIGH) = (uint32_t)(cmd >> 32);
    *apic_reg(hv, APIC_ICR_LOW) = (uint32_t)cmd;
    xapic_wait_idle(hv);
    *apic_reg(hv, APIC_ICR_HIGH) = guest_high;
}

/* True when the command was an INIT for CPUs of ours and has been turned into virtual INITs (the
 * sender's own included: emulated here at once). */
static bool intercept_init(hv_vcpu_t *v, hv_guest_regs_t *r, uint64_t icr, bool x2apic) {
    hv_global_t *hv = v->hv;
    hv_icr_t d = hv_icr_decode(icr, x2apic);
    if (!hv->init_intercept || !hv_icr_is_init(&d))
        return false;
    uint32_t ids[HV_MAX_CPUS];
    uint64_t ours = 0, targets;
    for (uint32_t i = 0; i < hv->cpu_count; i++) {
        hv_vcpu_t *c = hv->vcpu[i];
        ids[i] = x2apic ? c->x2apic_id : c->apic_id;
        if (c->virtualized && c->launched && !c->lost_to_init)
            ours |= 1ull << i;
    }
    if (!hv_icr_init_targets(&d, ids, hv->cpu_count, ours, v->index, &targets))
        return false;
    for (uint32_t i = 0; i < hv->cpu_count; i++)
        if (i != v->index && (targets >> i) & 1)
            send_nmi(hv, hv->vcpu[i], x2apic);
    v->intercepted_inits++;
    if ((targets >> v->index) & 1)
        hv_init_emulate(v, r);
    return true;
}

int hv_apic_x2apic_icr(hv_vcpu_t *v, hv_guest_regs_t *r, uint64_t value) {
    if (!(hv_rdmsr(MSR_IA32_APIC_BASE) & APIC_BASE_X2APIC)) {
        hv_inject_gp0(); /* not in x2APIC mode: the MSR does not exist */
        return HV_EXIT_RESUME;
    }
    hv_guest_skip_instruction();
    if (!intercept_init(v, r, value, true) && hv_safe_wrmsr(MSR_X2APIC_ICR, value))
        hv_inject_gp0(); /* reserved bits: the APIC refuses it, the guest gets its #GP */
    return HV_EXIT_RESUME;
}

/* ---- stores to the xAPIC page -------------------------------------------------------------------
 */

/* Host address of guest-physical gpa if the guest may read it (EPT readable, not the
 * hypervisor's), else 0. */
static uint64_t readable_gpa(hv_global_t *hv, uint64_t gpa) {
    int level;
    uint64_t *e = hv_ept_find(&hv->ept, gpa, &level);
    if (!e || !(*e & EPT_READ) || (*e & EPT_HIDDEN))
        return 0;
    uint64_t size = 1ull << (12 + 9 * (level - 1));
    return (*e & EPT_ADDR_MASK & ~(size - 1)) | (gpa & (size - 1));
}

/* The guest's linear-to-physical translation (paging off, or 4-level long-mode paging), reading
 * its tables as the guest could. Returns false where the walk fails or the mode is not handled. */
static bool guest_translate(hv_global_t *hv, uint64_t la, uint64_t *gpa) {
    uint64_t cr0 = hv_vmread(VMCS_GUEST_CR0), cr4 = hv_vmread(VMCS_GUEST_CR4);
    if (!(cr0 & CR0_PG_BIT)) {
        *gpa = la & 0xffffffffull;
        return true;
    }
    if (!(cr4 & CR4_PAE_BIT) || (cr4 & CR4_LA57_BIT) ||
        !(hv_vmread(VMCS_VM_ENTRY_CONTROLS) & VMX_VM_ENTRY_CONTROLS_IA32E_MODE))
        return false;
    uint64_t table = hv_vmread(VMCS_GUEST_CR3) & ADDR_MASK;
    for (int level = 4; level >= 1; level--) {
        unsigned shift = 12u + 9u * (unsigned)(level - 1);
        uint64_t hpa = readable_gpa(hv, table + ((la >> shift) & 0x1ff) * 8);
        if (!hpa)
            return false;
        uint64_t e = *(volatile uint64_t *)(uintptr_t)hpa;
        if (!(e & PTE_P))
            return false;
        if (level == 1 || ((level == 2 || level == 3) && (e & PTE_PS))) {
            uint64_t size = 1ull << shift;
            *gpa = (e & ADDR_MASK & ~(size - 1)) | (la & (size - 1));
            return true;
        }
        table = e & ADDR_MASK;
    }
    return false;
}

/* Up to HV_INSN_MAX bytes at the guest's CS:RIP; returns how many could be read. One walk per
 * page touched (an instruction spans two at most): every EOI an xAPIC guest writes comes here. */
static size_t fetch_code(hv_global_t *hv, uint8_t *code, bool long_mode) {
    uint64_t rip = hv_vmread(VMCS_GUEST_RIP);
    uint64_t la = long_mode ? rip : (hv_vmread(VMCS_GUEST_CS_BASE) + rip) & 0xffffffffull;
    size_t n = 0;
    hv_ept_lock(hv);
    while (n < HV_INSN_MAX) {
        uint64_t at = la + n, gpa, hpa;
        if (!guest_translate(hv, at, &gpa) || !(hpa = readable_gpa(hv, gpa)))
            break;
        size_t in_page = HV_PAGE_SIZE - (size_t)(at & (HV_PAGE_SIZE - 1));
        for (size_t i = 0; i < in_page && n < HV_INSN_MAX; i++, n++)
            code[n] = *(volatile uint8_t *)(uintptr_t)(hpa + i);
    }
    hv_ept_unlock(hv);
    return n;
}

/* A store the decoder does not know: the guest executes it against the real APIC page, single
 * stepped, then the write protection is put back (the hidden-page path of exits/ept_exit.c). */
static int step_through(hv_vcpu_t *v, hv_guest_regs_t *r, uint64_t gpa) {
    hv_global_t *hv = v->hv;
    hv_ept_lock(hv);
    uint64_t *leaf = hv_ept_leaf_4k(&hv->ept, gpa);
    if (!leaf || v->pending_hidden_count >= HV_MAX_PENDING) {
        hv_ept_unlock(hv);
        hv_exit_fatal_report(v, r, "cannot let a store to the APIC page through");
    }
    v->pending_gpa[v->pending_hidden_count] = gpa & ~(HV_PAGE_SIZE - 1);
    v->pending_old[v->pending_hidden_count] = *leaf;
    v->pending_hidden_count++;
    hv_step_begin(v);
    *leaf |= EPT_WRITE;
    hv_invept_all();
    hv_ept_unlock(hv);
    return HV_EXIT_RESUME;
}

int hv_apic_page_write(hv_vcpu_t *v, hv_guest_regs_t *r, uint64_t gpa) {
    hv_global_t *hv = v->hv;
    uint32_t offset = (uint32_t)(gpa & (HV_PAGE_SIZE - 1));
    uint64_t cs_ar = hv_vmread(VMCS_GUEST_CS_AR_BYTES);
    bool long_mode = (cs_ar >> 13) & 1, big = (cs_ar >> 14) & 1;
    bool protected_mode = hv_vmread(VMCS_GUEST_CR0) & CR0_PE;
    hv_store_t s = {HV_STORE_UNKNOWN, 0, 0, 0};
    if (protected_mode && (long_mode || big) && !(offset & 3)) {
        uint8_t code[HV_INSN_MAX];
        size_t n = fetch_code(hv, code, long_mode);
        s = hv_decode_store32(code, n, long_mode);
    }
    if (s.kind == HV_STORE_UNKNOWN)
        return step_through(v, r, gpa);
    uint32_t value = s.kind == HV_STORE_REG ? (uint32_t)hv_guest_reg_read(r, s.reg) : s.imm;
    hv_vmwrite_fast(VMCS_GUEST_RIP, hv_vmread(VMCS_GUEST_RIP) + s.length);
    uint64_t intr = hv_vmread(VMCS_GUEST_INTERRUPTIBILITY_INFO);
    if (intr & 3)
        hv_vmwrite_fast(VMCS_GUEST_INTERRUPTIBILITY_INFO, intr & ~3ull);
    if (offset == APIC_ICR_LOW &&
        intercept_init(v, r, (uint64_t)*apic_reg(hv, APIC_ICR_HIGH) << 32 | value, false))
        return HV_EXIT_RESUME;
    *apic_reg(hv, offset) = value;
    return HV_EXIT_RESUME;
}
