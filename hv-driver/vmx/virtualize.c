/* Bringing every CPU into VMX operation and back.
 *
 * hv_virtualize_all() runs on the BSP with boot services: it checks the CPU, allocates and builds
 * everything (boot services are BSP-only), hides it with EPT, then has each CPU launch itself
 * (APs first, BSP last). A CPU returns from hv_vmx_launch() as a guest: from then on the code here
 * runs in the guest and must not touch hypervisor memory (it is hidden), only this file's
 * guest-side bookkeeping below, which lives in the image. */
#include "hv/hypervisor.h"
#include "hv/log.h"
#include "hv/platform.h"
#include "hv/vmx.h"
#include "lib/mem.h"
#include "log/log_internal.h"
#include "vmx/controls.h"
#include "vmx/cpu.h"
#include "debug/debug.h"
#include "apic/apic.h"

/* Guest-side bookkeeping (image data, guest-writable by design: the host never reads it). */
static hv_global_t *g_hv;
static uint32_t g_cpu_count;
static bool g_virtualized[HV_MAX_CPUS];

static uint64_t pages_for(uint64_t bytes) {
    return (bytes + HV_PAGE_SIZE - 1) / HV_PAGE_SIZE;
}

/* ---- capability checks ------------------------------------------------------------------------
 */

static int unsupported(const char *why) {
    HV_ERROR("hypervisor not started: %s", why);
    return HV_ERR_UNSUPPORTED;
}

static bool running_under_uefi_hv(void) {
    hv_cpuid_t v = hv_cpuid(HV_CPUID_VENDOR_LEAF, 0);
    char sig[12];
    hv_memcpy(sig, &v.ebx, 4);
    hv_memcpy(sig + 4, &v.ecx, 4);
    hv_memcpy(sig + 8, &v.edx, 4);
    return hv_memcmp(sig, HV_CPUID_SIGNATURE, sizeof(sig)) == 0;
}

static int check_and_adjust(hv_global_t *hv) {
    hv_cpuid_t id = hv_cpuid(1, 0);
    /* A second copy of this driver lands here: the first one hides VMX from its guest. */
    if (!(id.ecx & (1u << 5)) && (id.ecx & (1u << 31)) && running_under_uefi_hv())
        return unsupported("no VMX: uefi-hv is already running (CPUID 0x40000000 signature); "
                           "unload it first");
    if (!(id.ecx & (1u << 5)))
        return unsupported("no VMX (CPUID.1:ECX.VMX = 0)");
    if (id.ecx & (1u << 31))
        HV_WARN("already running under a hypervisor (CPUID.1:ECX[31] = 1)");
    uint64_t fc = hv_rdmsr(MSR_IA32_FEATURE_CONTROL);
    if ((fc & FEATURE_CONTROL_LOCK) && !(fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX))
        return unsupported("VMX disabled by firmware (IA32_FEATURE_CONTROL locked without "
                           "VMX outside SMX)");
    hv->vmx_basic = hv_rdmsr(MSR_IA32_VMX_BASIC);
    if (((hv->vmx_basic >> 50) & 0xf) != 6)
        return unsupported("VMCS memory type is not write-back");
    if (!(hv->vmx_basic & (1ull << 55)))
        HV_WARN("no TRUE_ VMX capability MSRs: using the legacy ones");
    hv->vmx_misc = hv_rdmsr(MSR_IA32_VMX_MISC);
    hv->cr0_fixed0 = hv_rdmsr(MSR_IA32_VMX_CR0_FIXED0);
    hv->cr0_fixed1 = hv_rdmsr(MSR_IA32_VMX_CR0_FIXED1);
    hv->cr4_fixed0 = hv_rdmsr(MSR_IA32_VMX_CR4_FIXED0);
    hv->cr4_fixed1 = hv_rdmsr(MSR_IA32_VMX_CR4_FIXED1);
    hv->wait_for_sipi_supported = (hv->vmx_misc >> 8) & 1;

    uint64_t b = hv->vmx_basic;
    uint64_t pin =
        hv_rdmsr(hv_vmx_control_msr(b, MSR_IA32_VMX_PINBASED_CTLS, MSR_IA32_VMX_TRUE_PINBASED));
    uint64_t proc =
        hv_rdmsr(hv_vmx_control_msr(b, MSR_IA32_VMX_PROCBASED_CTLS, MSR_IA32_VMX_TRUE_PROCBASED));
    uint64_t exit = hv_rdmsr(hv_vmx_control_msr(b, MSR_IA32_VMX_EXIT_CTLS, MSR_IA32_VMX_TRUE_EXIT));
    uint64_t entry =
        hv_rdmsr(hv_vmx_control_msr(b, MSR_IA32_VMX_ENTRY_CTLS, MSR_IA32_VMX_TRUE_ENTRY));
    uint32_t dropped;

    /* The VMX-preemption timer only for the debug stub (Ctrl-C in an idle guest), if present. */
    /* NMI exiting: INIT IPIs to virtualized CPUs are delivered as NMIs (apic/apic.h). */
    hv->pin_ctls = hv_vmx_adjust_controls(
        pin, hv_debug_wanted_pin_controls() | VMX_PIN_BASED_VM_EXEC_CONTROL_NMI_EXITING, NULL);
    uint32_t want_proc = VMX_CPU_BASED_VM_EXEC_CONTROL_USE_MSR_BITMAPS |
                         VMX_CPU_BASED_VM_EXEC_CONTROL_USE_IO_BITMAPS |
                         VMX_CPU_BASED_VM_EXEC_CONTROL_ACTIVATE_SECONDARY_CONTROLS;
    hv->proc_ctls = hv_vmx_adjust_controls(proc, want_proc, &dropped);
    if (dropped)
        return unsupported("no MSR/I-O bitmaps or secondary controls");
    hv->mtf_supported = (proc >> 32) & VMX_CPU_BASED_VM_EXEC_CONTROL_MONITOR_TRAP_FLAG;

    uint64_t proc2 = hv_rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2);
    uint32_t required2 =
        VMX_SECONDARY_VM_EXEC_CONTROL_ENABLE_EPT | VMX_SECONDARY_VM_EXEC_CONTROL_UNRESTRICTED_GUEST;
    /* The rest only if present: without them the guest's RDTSCP/INVPCID/XSAVES would #UD. */
    uint32_t optional2 =
        VMX_SECONDARY_VM_EXEC_CONTROL_ENABLE_RDTSCP | VMX_SECONDARY_VM_EXEC_CONTROL_ENABLE_INVPCID |
        VMX_SECONDARY_VM_EXEC_CONTROL_ENABLE_XSAVES | VMX_SECONDARY_VM_EXEC_CONTROL_WBINVD_EXITING;
    hv->proc2_ctls = hv_vmx_adjust_controls(proc2, required2 | optional2, &dropped);
    if (dropped & required2)
        return unsupported("no EPT or no unrestricted guest");

    hv->ept_vpid_cap = hv_rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
    uint64_t need_ept = (1ull << 6) | (1ull << 14) | (1ull << 20) | (1ull << 26);
    if ((hv->ept_vpid_cap & need_ept) != need_ept)
        return unsupported("EPT lacks 4-level walks, write-back tables or INVEPT all-context");

    uint32_t want_exit = VMX_VM_EXIT_CONTROLS_HOST_ADDR_SPACE_SIZE |
                         VMX_VM_EXIT_CONTROLS_SAVE_DEBUG_CONTROLS |
                         VMX_VM_EXIT_CONTROLS_SAVE_IA32_EFER | VMX_VM_EXIT_CONTROLS_LOAD_IA32_EFER |
                         VMX_VM_EXIT_CONTROLS_SAVE_IA32_PAT | VMX_VM_EXIT_CONTROLS_LOAD_IA32_PAT;
    hv->exit_ctls = hv_vmx_adjust_controls(exit, want_exit, &dropped);
    if (dropped & VMX_VM_EXIT_CONTROLS_HOST_ADDR_SPACE_SIZE)
        return unsupported("no 64-bit host");
    uint32_t want_entry = VMX_VM_ENTRY_CONTROLS_LOAD_DEBUG_CONTROLS |
                          VMX_VM_ENTRY_CONTROLS_LOAD_IA32_EFER |
                          VMX_VM_ENTRY_CONTROLS_LOAD_IA32_PAT;
    hv->entry_ctls = hv_vmx_adjust_controls(entry, want_entry, NULL);
    /* EFER must be switched both ways or neither. */
    if (!(hv->exit_ctls & VMX_VM_EXIT_CONTROLS_SAVE_IA32_EFER) ||
        !(hv->entry_ctls & VMX_VM_ENTRY_CONTROLS_LOAD_IA32_EFER)) {
        hv->exit_ctls &=
            ~(uint32_t)(VMX_VM_EXIT_CONTROLS_SAVE_IA32_EFER | VMX_VM_EXIT_CONTROLS_LOAD_IA32_EFER);
        hv->entry_ctls &= ~(uint32_t)VMX_VM_ENTRY_CONTROLS_LOAD_IA32_EFER;
    }
    hv_cpuid_t xs = hv_cpuid(0xd, 0);
    hv->xcr0_supported_lo = (id.ecx & (1u << 26)) ? xs.eax : 0;
    hv->xcr0_supported_hi = (id.ecx & (1u << 26)) ? xs.edx : 0;
    HV_INFO("VMX: basic 0x%llx pin 0x%x proc 0x%x proc2 0x%x exit 0x%x entry 0x%x ept/vpid 0x%llx",
            HV_U64(hv->vmx_basic), hv->pin_ctls, hv->proc_ctls, hv->proc2_ctls, hv->exit_ctls,
            hv->entry_ctls, HV_U64(hv->ept_vpid_cap));
    if (!hv->mtf_supported)
        HV_INFO("no monitor trap flag: single steps use RFLAGS.TF with #DB exiting");
    if (!hv->wait_for_sipi_supported)
        HV_WARN("no wait-for-SIPI activity state: INIT/SIPI to a virtualized CPU cannot work");
    return HV_OK;
}

/* ---- allocation and shared structures (BSP, boot services) ------------------------------------
 */

static void set_bit(uint8_t *bitmap, uint32_t bit) {
    bitmap[bit / 8] |= (uint8_t)(1u << (bit % 8));
}

/* MSR bitmap layout: read low (MSRs 0-0x1fff), read high (0xc0000000-0xc0001fff), write low,
 * write high, 1 KiB each. A set bit makes the access exit. */
static void monitor_msr(uint8_t *bm, uint32_t msr, bool read, bool write) {
    uint32_t offset = msr >= 0xc0000000u ? 0x400 : 0;
    uint32_t bit = msr & 0x1fff;
    if (read)
        set_bit(bm + offset, bit);
    if (write)
        set_bit(bm + 0x800 + offset, bit);
}

static int allocate(hv_global_t *hv) {
    hv->cpu_count = hv_cpu_count();
    if (hv->cpu_count > HV_MAX_CPUS) {
        HV_WARN("%u CPUs: only the first %u are virtualized", hv->cpu_count, HV_MAX_CPUS);
        hv->cpu_count = HV_MAX_CPUS;
    }
    hv->msr_bitmap = hv_alloc_pages(1);
    hv->ept_pool = hv_alloc_pages(HV_EPT_POOL_PAGES);
    if (!hv->msr_bitmap || !hv->ept_pool || hv_host_build_shared(hv))
        return HV_ERR_NO_MEMORY;
    monitor_msr(hv->msr_bitmap, MSR_IA32_FEATURE_CONTROL, true, true);
    for (uint32_t m = MSR_IA32_VMX_BASIC; m <= MSR_IA32_VMX_VMFUNC; m++)
        monitor_msr(hv->msr_bitmap, m, true, true);
    monitor_msr(hv->msr_bitmap, MSR_IA32_KERNEL_GS_BASE, false, true);
    monitor_msr(hv->msr_bitmap, MSR_IA32_TSC_AUX, false, true);
    monitor_msr(hv->msr_bitmap, 0x830 /* x2APIC ICR */, false, true);

    for (uint32_t i = 0; i < hv->cpu_count; i++) {
        hv_vcpu_t *v = hv_alloc_pages(pages_for(sizeof(hv_vcpu_t)));
        if (!v)
            return HV_ERR_NO_MEMORY;
        hv->vcpu[i] = v;
        v->index = i;
        v->hv = hv;
        v->vmxon = hv_alloc_pages(1);
        v->vmcs = hv_alloc_pages(1);
        v->host_stack = hv_alloc_pages(HV_HOST_STACK_PAGES);
        v->io_bitmap_a = hv_alloc_pages(1);
        v->io_bitmap_b = hv_alloc_pages(1);
        v->host_gdt = hv_alloc_pages(1);
        v->decoy = hv_alloc_pages(1);
        if (!v->vmxon || !v->vmcs || !v->host_stack || !v->io_bitmap_a || !v->io_bitmap_b ||
            !v->host_gdt || !v->decoy)
            return HV_ERR_NO_MEMORY;
        for (uint32_t port = 0xcf8; port <= 0xcff; port++)
            set_bit(v->io_bitmap_a, port);
        hv_memset(v->decoy, 0xff, HV_PAGE_SIZE);
    }
    if (hv_debug_setup(hv))
        return HV_ERR_NO_MEMORY;
    /* The debug UART is the stub's: the guest's accesses to it exit (exits/io.c hides it). */
    uint16_t dbg = hv_debug_port(hv);
    for (uint32_t i = 0; dbg && i < hv->cpu_count; i++)
        for (uint32_t port = dbg; port < dbg + 8u; port++)
            set_bit(hv->vcpu[i]->io_bitmap_a, port);
    return HV_OK;
}

static int build_ept(hv_global_t *hv) {
    hv_mtrr_read(&hv->mtrr);
    bool huge = (hv->ept_vpid_cap >> 17) & 1;
    if (hv_ept_init(&hv->ept, hv->ept_pool, HV_EPT_POOL_PAGES, huge, &hv->mtrr) ||
        hv_ept_map_identity(&hv->ept, hv_phys_top())) {
        HV_ERROR("EPT: identity map of 0x%llx bytes does not fit %u table pages",
                 HV_U64(hv_phys_top()), HV_EPT_POOL_PAGES);
        return HV_ERR_NO_MEMORY;
    }
    if (hv_hide_owned_memory(hv) || hv_apic_setup(hv)) {
        HV_ERROR("EPT: out of table pages while hiding the hypervisor's memory");
        return HV_ERR_NO_MEMORY;
    }
    return HV_OK;
}

/* ---- per CPU ----------------------------------------------------------------------------------
 */

static void leave_vmx_root(hv_vcpu_t *v) {
    hv_vmclear((uint64_t)(uintptr_t)v->vmcs);
    hv_vmxoff();
    hv_write_cr4(hv_read_cr4() & ~CR4_VMXE);
    hv_write_cr0(v->fw_cr0);
}

static int virtualize_cpu(void *ctx, uint32_t cpu) {
    hv_global_t *hv = ctx;
    if (cpu >= hv->cpu_count)
        return HV_OK;
    hv_vcpu_t *v = hv->vcpu[cpu];
    uint64_t fc = hv_rdmsr(MSR_IA32_FEATURE_CONTROL);
    if (!(fc & FEATURE_CONTROL_LOCK))
        hv_wrmsr(MSR_IA32_FEATURE_CONTROL,
                 fc | FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMX_OUTSIDE_SMX);
    else if (!(fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX))
        return unsupported("VMX disabled by firmware on this CPU");
    if (hv_read_cr4() & CR4_VMXE)
        return unsupported("CR4.VMXE already set: another VMM owns this CPU");

    v->fw_cr0 = hv_read_cr0();
    v->fw_cr3 = hv_read_cr3();
    v->fw_cr4 = hv_read_cr4();
    v->fw_gdtr = hv_sgdt();
    v->fw_idtr = hv_sidt();
    if (hv_host_build_cpu(v))
        return HV_ERR_NO_MEMORY;
    hv_apic_read_ids(v);

    uint64_t ug = CR0_PE | CR0_PG;
    hv_write_cr0(hv_vmx_fix_cr(v->fw_cr0, hv->cr0_fixed0, hv->cr0_fixed1, ug));
    hv_write_cr4(hv_vmx_fix_cr(v->fw_cr4 | CR4_VMXE, hv->cr4_fixed0, hv->cr4_fixed1, 0));
    uint32_t revision = (uint32_t)hv->vmx_basic & 0x7fffffffu;
    *(uint32_t *)v->vmxon = revision;
    *(uint32_t *)v->vmcs = revision;
    uint64_t vmxon_pa = (uint64_t)(uintptr_t)v->vmxon, vmcs_pa = (uint64_t)(uintptr_t)v->vmcs;
    if (hv_vmxon(vmxon_pa) != HV_VMX_OK) {
        hv_write_cr4(v->fw_cr4);
        hv_write_cr0(v->fw_cr0);
        HV_ERROR("VMXON failed on cpu%u", cpu);
        return HV_ERR_VMX;
    }
    if (hv_vmclear(vmcs_pa) != HV_VMX_OK || hv_vmptrld(vmcs_pa) != HV_VMX_OK || hv_vmcs_setup(v)) {
        HV_ERROR("VMCS setup failed on cpu%u", cpu);
        leave_vmx_root(v);
        return HV_ERR_VMX;
    }
    v->virtualized = true;
    v->slow = (uint8_t)(HV_SLOW_FIRST | (hv->debug ? HV_SLOW_DEBUG : 0));
    int rc = hv_vmx_launch(v);
    if (rc == 0) {
        /* Guest from here on: hypervisor memory is out of reach. Prove it: the hypervisor must
         * answer a VMCALL on this CPU (an exit the statistics count). */
        g_virtualized[cpu] = true;
        uint64_t rax = HV_VMCALL_VERSION, rbx = 0, rcx = 0, rdx = 0;
        __asm__ volatile("vmcall" : "+a"(rax), "+b"(rbx), "+c"(rcx), "+d"(rdx) : : "memory", "cc");
        if (rax != HV_VMCALL_SUCCESS || rdx != cpu) {
            HV_ERROR("cpu%u: launched, but the VMCALL self-check answered 0x%llx (cpu %llu)", cpu,
                     HV_U64(rax), HV_U64(rdx));
            return HV_ERR_VMX;
        }
        return HV_OK;
    }
    v->virtualized = false;
    if (rc != 3) { /* VMfail: still in VMX root on the firmware's context */
        hv_vmx_log_entry_failure(v, rc);
        leave_vmx_root(v);
    } /* else: entry failure, decoded and VMX left by the exit handler */
    HV_ERROR("cpu%u left unvirtualized", cpu);
    return HV_ERR_VMX;
}

static int devirtualize_cpu(void *ctx, uint32_t cpu) {
    (void)ctx;
    if (cpu >= HV_MAX_CPUS || !g_virtualized[cpu])
        return 0;
    if (!(hv_cpuid(1, 0).ecx & (1u << 31))) {
        g_virtualized[cpu] = false; /* left VMX on its own (INIT on Bochs 2.7): VMCALL would #UD */
        return 0;
    }
    uint64_t rax = HV_VMCALL_DEVIRTUALIZE, rbx = 0, rcx = 0, rdx = 0;
    __asm__ volatile("vmcall" : "+a"(rax), "+b"(rbx), "+c"(rcx), "+d"(rdx) : : "memory", "cc");
    if (rax != HV_VMCALL_SUCCESS) {
        HV_ERROR("cpu%u: devirtualize VMCALL returned 0x%llx", cpu, HV_U64(rax));
        return -1;
    }
    g_virtualized[cpu] = false;
    return 0;
}

int hv_virtualize_all(void) {
    uint64_t start = hv_rdtsc();
    if (g_hv) {
        HV_WARN("hypervisor already running");
        return HV_OK;
    }
    hv_global_t *hv = hv_alloc_pages(pages_for(sizeof(hv_global_t)));
    if (!hv)
        return HV_ERR_NO_MEMORY;
    hv->image_base = hv_image_base();
    hv->image_size = hv_image_size();
    int rc = check_and_adjust(hv);
    if (rc == HV_OK) /* VMX it is: the load-path debug session ends before anything is built */
        hv_debug_boot_handover();
    if (rc == HV_OK)
        rc = allocate(hv);
    if (rc == HV_OK)
        rc = build_ept(hv);
    if (rc != HV_OK)
        return rc; /* nothing virtualized; the glue frees the pages */
    g_hv = hv;
    g_cpu_count = hv->cpu_count;
    uint32_t cpus = hv->cpu_count;
    rc = hv_run_on_each_cpu(virtualize_cpu, hv);
    /* hv is hidden now on every virtualized CPU: only guest-side state below. */
    uint64_t end = hv_rdtsc();
    uint32_t done = 0;
    for (uint32_t i = 0; i < cpus; i++)
        done += g_virtualized[i];
    if (rc != HV_OK || done != cpus) {
        HV_ERROR("%u of %u CPUs virtualized: undoing", done, cpus);
        hv_run_on_each_cpu(devirtualize_cpu, NULL);
        g_hv = NULL;
        return rc != HV_OK ? rc : HV_ERR_VMX;
    }
    HV_INFO("hypervisor running on %u CPUs: %llu us from driver entry, VT-x setup %llu TSC ticks",
            cpus, HV_U64(hv_log_clock_us()), HV_U64(end - start));
    return HV_OK;
}

void hv_devirtualize_all(void) {
    if (!g_hv)
        return;
    hv_run_on_each_cpu(devirtualize_cpu, NULL);
    uint32_t left = 0;
    for (uint32_t i = 0; i < g_cpu_count && i < HV_MAX_CPUS; i++)
        left += g_virtualized[i];
    if (left)
        HV_ERROR("%u CPUs still virtualized: memory kept", left);
    else
        HV_INFO("hypervisor stopped on %u CPUs", g_cpu_count);
    g_hv = NULL; /* the glue frees every page (hv_memory_free_all) */
}

/* Host side, in the exit handler: VMXOFF and the firmware's context back (from the VMCS guest
 * state, or from what was saved at launch when the entry itself failed). */
void hv_vmx_restore_firmware_state(hv_vcpu_t *v) {
    hv_dtr_t gdtr = v->fw_gdtr, idtr = v->fw_idtr;
    uint64_t cr0 = v->fw_cr0, cr3 = v->fw_cr3, cr4 = v->fw_cr4 & ~CR4_VMXE;
    if (!v->launch_failed) {
        gdtr.base = hv_vmread(VMCS_GUEST_GDTR_BASE);
        gdtr.limit = (uint16_t)hv_vmread(VMCS_GUEST_GDTR_LIMIT);
        idtr.base = hv_vmread(VMCS_GUEST_IDTR_BASE);
        idtr.limit = (uint16_t)hv_vmread(VMCS_GUEST_IDTR_LIMIT);
        cr0 = hv_vmread(VMCS_GUEST_CR0);
        cr3 = hv_vmread(VMCS_GUEST_CR3);
        cr4 = hv_vmread(VMCS_GUEST_CR4) & ~CR4_VMXE;
        hv_wrmsr(MSR_IA32_FS_BASE, hv_vmread(VMCS_GUEST_FS_BASE));
        hv_wrmsr(MSR_IA32_GS_BASE, hv_vmread(VMCS_GUEST_GS_BASE));
        hv_wrmsr(MSR_IA32_SYSENTER_CS, hv_vmread(VMCS_GUEST_SYSENTER_CS));
        hv_wrmsr(MSR_IA32_SYSENTER_ESP, hv_vmread(VMCS_GUEST_SYSENTER_ESP));
        hv_wrmsr(MSR_IA32_SYSENTER_EIP, hv_vmread(VMCS_GUEST_SYSENTER_EIP));
        if (v->hv->exit_ctls & VMX_VM_EXIT_CONTROLS_SAVE_IA32_PAT)
            hv_wrmsr(MSR_IA32_PAT, hv_vmread(VMCS_GUEST_IA32_PAT));
    }
    hv_vmclear((uint64_t)(uintptr_t)v->vmcs);
    hv_vmxoff();
    hv_write_cr4(cr4);
    hv_write_cr0(cr0);
    hv_write_cr3(cr3);
    hv_lgdt(&gdtr);
    hv_lidt(&idtr);
    v->virtualized = false;
}
