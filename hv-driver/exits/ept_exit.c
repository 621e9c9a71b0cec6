/* EPT violations. Two kinds:
 *  - nothing maps the address (MMIO above the initial map): identity map the page on demand;
 *  - the page is the hypervisor's (hidden, or the image's read-only part): the access is logged
 *    and denied, and the guest goes on. Denied means: for this one instruction the page is
 *    replaced by a per-CPU decoy page of 0xff bytes (what reads of nothing return), the
 *    instruction runs against it single-stepped (exits/step.c), then the hidden mapping is put
 *    back (hv_exit_monitor_trap) and the decoy refilled. The hypervisor's memory is never touched.
 */
#include "hv/log.h"
#include "lib/mem.h"
#include "exits/exits.h"
#include "apic/apic.h"

void hv_io_restore_trap(hv_vcpu_t *v);

static const char *access_text(uint64_t q) {
    return (q & 4) ? "fetch" : (q & 2) ? "write" : "read";
}

int hv_exit_ept_violation(hv_vcpu_t *v, hv_guest_regs_t *r) {
    hv_global_t *hv = v->hv;
    uint64_t gpa = hv_vmread(VMCS_GUEST_PHYSICAL_ADDRESS);
    uint64_t q = hv_vmread(VMCS_EXIT_QUALIFICATION);
    if ((gpa & ~(HV_PAGE_SIZE - 1)) == hv->apic_gpa && hv->apic_gpa && (q & 2))
        return hv_apic_page_write(v, r, gpa); /* INIT interception (apic/) */
    hv_ept_lock(hv);
    int level;
    uint64_t *e = hv_ept_find(&hv->ept, gpa, &level);
    if (!e) {
        int rc = hv_ept_map_page_on_demand(&hv->ept, gpa);
        hv_invept_all();
        hv_ept_unlock(hv);
        if (rc < 0)
            hv_exit_fatal_report(v, r, "guest-physical address cannot be mapped");
        return HV_EXIT_RESUME;
    }
    uint64_t wanted = q & EPT_RWX;
    if ((*e & wanted) == wanted && !(*e & EPT_HIDDEN)) {
        /* Another CPU changed the entry meanwhile (decoy put back): just retry. */
        hv_invept_all();
        hv_ept_unlock(hv);
        return HV_EXIT_RESUME;
    }
    if (v->hidden_access_logged < 16 || (v->hidden_access_logged & 1023) == 0)
        HV_WARN("EPT violation: guest %s of hypervisor memory 0x%llx at rip 0x%llx: denied",
                access_text(q), HV_U64(gpa), HV_U64(hv_vmread(VMCS_GUEST_RIP)));
    v->hidden_access_logged++;
    uint64_t *leaf = hv_ept_leaf_4k(&hv->ept, gpa);
    if (!leaf || v->pending_hidden_count >= HV_MAX_PENDING) {
        hv_ept_unlock(hv);
        hv_exit_fatal_report(v, r, "cannot deny an access to hypervisor memory");
    }
    uint64_t decoy = (uint64_t)(uintptr_t)v->decoy;
    v->pending_gpa[v->pending_hidden_count] = gpa & ~(HV_PAGE_SIZE - 1);
    v->pending_old[v->pending_hidden_count] = *leaf;
    v->pending_hidden_count++;
    hv_step_begin(v);
    *leaf = decoy | ((uint64_t)HV_MT_WB << EPT_TYPE_SHIFT) | EPT_READ | EPT_WRITE;
    hv_invept_all();
    hv_ept_unlock(hv);
    return HV_EXIT_RESUME;
}

int hv_exit_monitor_trap(hv_vcpu_t *v, hv_guest_regs_t *r) {
    (void)r;
    hv_global_t *hv = v->hv;
    if (v->pending_hidden_count) {
        hv_ept_lock(hv);
        for (uint32_t i = 0; i < v->pending_hidden_count; i++) {
            uint64_t *leaf = hv_ept_leaf_4k(&hv->ept, v->pending_gpa[i]);
            if (leaf)
                *leaf = v->pending_old[i];
        }
        v->pending_hidden_count = 0;
        hv_invept_all();
        hv_ept_unlock(hv);
        hv_memset(v->decoy, 0xff, HV_PAGE_SIZE);
    }
    hv_io_restore_trap(v);
    hv_step_end(v);
    return HV_EXIT_RESUME;
}
