/* The guest's VMCALL interface (hv/hypervisor.h): registers in, registers out, every value checked,
 * no guest pointer ever followed. From CPL > 0 VMCALL raises #UD, as it does without a hypervisor.
 */
#include "hv/hypervisor.h"
#include "hv/log.h"
#include "exits/exits.h"

extern uint8_t hv_vmx_launch_return[];

static bool in_image(hv_global_t *hv, uint64_t rip) {
    return rip >= hv->image_base && rip < hv->image_base + hv->image_size;
}

/* Leaves VMX on this CPU and resumes the caller after its VMCALL, as a plain CPU. Only code of the
 * driver's own image may ask (its unload path). */
static int devirtualize(hv_vcpu_t *v, hv_guest_regs_t *r) {
    uint64_t rip = hv_vmread(VMCS_GUEST_RIP);
    if (!in_image(v->hv, rip)) {
        r->rax = HV_VMCALL_DENIED;
        hv_guest_skip_instruction();
        return HV_EXIT_RESUME;
    }
    v->resume_rip = rip + hv_vmread(VMCS_VM_EXIT_INSTRUCTION_LEN);
    v->resume_rsp = hv_vmread(VMCS_GUEST_RSP);
    v->resume_rflags = hv_vmread(VMCS_GUEST_RFLAGS);
    r->rax = HV_VMCALL_SUCCESS;
    hv_vmx_restore_firmware_state(v);
    return HV_EXIT_LEAVE;
}

int hv_exit_vmcall(hv_vcpu_t *v, hv_guest_regs_t *r) {
    hv_global_t *hv = v->hv;
    if (hv_guest_cpl() != 0) {
        hv_inject_ud();
        return HV_EXIT_RESUME;
    }
    uint64_t status = HV_VMCALL_SUCCESS;
    switch (r->rax) {
    case HV_VMCALL_VERSION:
        r->rbx = HV_INTERFACE_VERSION;
        r->rcx = hv->cpu_count;
        r->rdx = v->index;
        break;
    case HV_VMCALL_IMAGE_RANGE:
        r->rbx = hv->image_base;
        r->rcx = hv->image_size;
        break;
    case HV_VMCALL_EXIT_STATS:
        if (r->rbx >= hv->cpu_count || r->rcx >= VMX_EXIT_REASON_LIMIT) {
            status = HV_VMCALL_INVALID_PARAM;
            break;
        }
        r->rdx = hv->vcpu[r->rbx]->stats[r->rcx].cycles;
        r->rbx = hv->vcpu[r->rbx]->stats[r->rcx].count;
        r->rcx = r->rdx;
        r->rdx = 0;
        break;
    case HV_VMCALL_OWNED_RANGE:
        if (r->rbx >= hv->owned_count) {
            status = HV_VMCALL_INVALID_PARAM;
            break;
        }
        r->rcx = hv->owned[r->rbx].size;
        r->rbx = hv->owned[r->rbx].base;
        r->rdx = hv->owned_count;
        break;
    case HV_VMCALL_PEEK: {
        /* Only the first qword of an owned range: proof that it is intact, not a way to read it. */
        bool ok = false;
        for (uint32_t i = 0; i < hv->owned_count; i++)
            ok |= hv->owned[i].base == r->rbx;
        if (!ok) {
            status = HV_VMCALL_INVALID_PARAM;
            break;
        }
        r->rbx = *(volatile uint64_t *)(uintptr_t)r->rbx;
        break;
    }
    case HV_VMCALL_DEVIRTUALIZE:
        return devirtualize(v, r);
    case HV_VMCALL_NOP:
        break;
    case HV_VMCALL_CPU_STATE:
        if (r->rbx >= hv->cpu_count) {
            status = HV_VMCALL_INVALID_PARAM;
            break;
        }
        r->rcx = hv->vcpu[r->rbx]->inits;
        r->rdx = hv->vcpu[r->rbx]->intercepted_inits;
        r->rbx = (hv->vcpu[r->rbx]->virtualized ? HV_CPU_VIRTUALIZED : 0) |
                 (hv->vcpu[r->rbx]->lost_to_init ? HV_CPU_LOST_TO_INIT : 0);
        break;
    default:
        status = HV_VMCALL_UNKNOWN;
        break;
    }
    r->rax = status;
    hv_guest_skip_instruction();
    return HV_EXIT_RESUME;
}
