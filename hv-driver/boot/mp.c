/* Processors through the PI MP services protocol. The CPU table (APIC IDs in MP-services order)
 * is taken once at entry, so hv_cpu_index() needs neither boot services nor MP services and works
 * on any CPU, in VM-exit context and after ExitBootServices. Without MP services (or with one
 * CPU) everything still works as a single processor. */
#include "boot/boot.h"
#include "hv/log.h"
#include "hv/platform.h"

#define MAX_CPUS 256

static efi_mp_services_t *mp;
static uint32_t cpu_count = 1;
static uint32_t bsp_index;
static uint32_t apic_ids[MAX_CPUS];

static void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4]) {
    __asm__ volatile("cpuid"
                     : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
                     : "a"(leaf), "c"(sub));
}

/* x2APIC ID from leaf 0xB when the CPU has it, else the 8-bit ID of leaf 1. */
static uint32_t current_apic_id(void) {
    uint32_t r[4];
    cpuid(0, 0, r);
    if (r[0] >= 0xb) {
        uint32_t x[4];
        cpuid(0xb, 0, x);
        if (x[1] != 0) /* EBX = 0: leaf not really implemented */
            return x[3];
    }
    cpuid(1, 0, r);
    return r[1] >> 24;
}

uint32_t hv_mp_init(void) {
    static const efi_guid_t mp_guid = HV_EFI_MP_SERVICES_PROTOCOL_GUID;
    cpu_count = 1;
    bsp_index = 0;
    apic_ids[0] = current_apic_id();
    void *iface = NULL;
    efi_status_t status = hv_bs->locate_protocol(&mp_guid, NULL, &iface);
    if (HV_EFI_IS_ERROR(status) || !iface) {
        HV_WARN("no MP services (%s): running on the boot CPU only", hv_efi_status_text(status));
        mp = NULL;
        return cpu_count;
    }
    mp = iface;
    uint64_t total = 0, enabled = 0;
    status = mp->get_number_of_processors(mp, &total, &enabled);
    if (HV_EFI_IS_ERROR(status) || total == 0) {
        HV_WARN("MP services GetNumberOfProcessors: %s", hv_efi_status_text(status));
        mp = NULL;
        return cpu_count;
    }
    if (total > MAX_CPUS) {
        HV_WARN("%llu CPUs, only the first %u are used", (unsigned long long)total, MAX_CPUS);
        total = MAX_CPUS;
    }
    for (uint64_t i = 0; i < total; i++) {
        efi_processor_information_t info;
        status = mp->get_processor_info(mp, i, &info);
        if (HV_EFI_IS_ERROR(status)) {
            HV_WARN("GetProcessorInfo(%llu): %s", (unsigned long long)i,
                    hv_efi_status_text(status));
            apic_ids[i] = UINT32_MAX;
            continue;
        }
        apic_ids[i] = (uint32_t)info.processor_id;
        if (info.status_flag & HV_EFI_PROCESSOR_AS_BSP_BIT)
            bsp_index = (uint32_t)i;
    }
    cpu_count = (uint32_t)total;
    return cpu_count;
}

void hv_mp_fini(void) {
    mp = NULL;
}

uint32_t hv_cpu_count(void) {
    return cpu_count;
}

uint32_t hv_cpu_index(void) {
    if (cpu_count == 1)
        return 0;
    uint32_t id = current_apic_id();
    for (uint32_t i = 0; i < cpu_count; i++)
        if (apic_ids[i] == id)
            return i;
    return 0; /* unknown CPU: attribute to the BSP rather than index out of range */
}

typedef struct {
    hv_cpu_fn fn;
    void *ctx;
    uint32_t cpu;
    int result;
} ap_call_t;

static void HV_EFIAPI ap_trampoline(void *arg) {
    ap_call_t *call = arg;
    call->result = call->fn(call->ctx, call->cpu);
}

int hv_run_on_each_cpu(hv_cpu_fn fn, void *ctx) {
    int first_error = 0;
    for (uint32_t cpu = 0; mp && cpu < cpu_count; cpu++) {
        if (cpu == bsp_index)
            continue;
        ap_call_t call = {fn, ctx, cpu, 0};
        /* Blocking (no event): the AP finishes before the next one starts. */
        efi_status_t status = mp->startup_this_ap(mp, ap_trampoline, cpu, NULL, 0, &call, NULL);
        if (HV_EFI_IS_ERROR(status)) {
            HV_ERROR("StartupThisAP(cpu%u): %s", cpu, hv_efi_status_text(status));
            if (!first_error)
                first_error = -1;
            continue;
        }
        if (call.result && !first_error)
            first_error = call.result;
    }
    int bsp_result = fn(ctx, bsp_index);
    return first_error ? first_error : bsp_result;
}
