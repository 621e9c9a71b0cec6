/* The hypervisor core's interface: to the boot glue (start/stop) and to guests (CPUID leaves and
 * the VMCALL ABI, shared with the guest test application). */
#ifndef HV_HYPERVISOR_H
#define HV_HYPERVISOR_H

#include "hv/types.h"

/* Virtualizes every CPU (application processors first, the BSP last); each continues as a guest
 * where it was. 0 on success; otherwise a negative hv_status_t, no CPU is left virtualized and
 * everything the core allocated is freed. */
int hv_virtualize_all(void);

/* Leaves VMX operation on every virtualized CPU (VMXOFF, firmware state restored) and frees the
 * core's memory, so the driver can be unloaded and loaded again. */
void hv_devirtualize_all(void);

enum {
    HV_OK = 0,
    HV_ERR_UNSUPPORTED = -1, /* the CPU cannot run the hypervisor (logged why) */
    HV_ERR_NO_MEMORY = -2,
    HV_ERR_VMX = -3, /* a VMX instruction or VM entry failed (logged, decoded) */
};

/* ---- CPUID ---------------------------------------------------------------------------------
 * Leaf 1 ECX bit 31: hypervisor present. Leaf 0x40000000: EAX = max hypervisor leaf, EBX:ECX:EDX =
 * vendor signature. Leaf 0x40000001: EAX = interface version (major << 16 | minor), EBX = build
 * flags (HV_BUILD_*). */
#define HV_CPUID_VENDOR_LEAF    0x40000000u
#define HV_CPUID_INTERFACE_LEAF 0x40000001u
#define HV_CPUID_MAX_LEAF       0x40000001u
#define HV_CPUID_SIGNATURE      "UefiHvWrkbch" /* 12 characters: EBX, ECX, EDX */
#define HV_INTERFACE_VERSION    0x00010000u    /* 1.0 */
#define HV_BUILD_CPUID_FLOOR    1u /* leaf 0x40000001 EBX: benchmark build (minimal CPUID leaf 0) */

/* ---- VMCALL (guest CPL 0 only; from CPL > 0 it raises #UD as without a hypervisor) --------------
 * RAX = function; arguments and results in RBX, RCX, RDX; RAX on return = HV_VMCALL_* status.
 * Registers only: the hypervisor never dereferences a guest pointer. */
#define HV_VMCALL_VERSION     0x48560000u /* -> RBX interface version, RCX CPU count, RDX this CPU */
#define HV_VMCALL_IMAGE_RANGE 0x48560001u /* -> RBX image base, RCX image size */
#define HV_VMCALL_EXIT_STATS                                                                       \
    0x48560002u                           /* RBX cpu, RCX basic exit reason -> RBX count, RCX      \
                                             cycles (TSC ticks spent in the hypervisor) */
#define HV_VMCALL_OWNED_RANGE 0x48560003u /* RBX index -> RBX base, RCX size, RDX range count */
#define HV_VMCALL_PEEK                                                                             \
    0x48560004u /* RBX address inside an owned range -> RBX the qword                              \
                   the hypervisor sees there (proves it intact) */
#define HV_VMCALL_DEVIRTUALIZE                                                                     \
    0x48560005u                   /* RBX = token given at launch: leave VMX on this CPU            \
                                   */
#define HV_VMCALL_NOP 0x48560006u /* nothing: the floor of a VMCALL round trip */
#define HV_VMCALL_CPU_STATE                                                                        \
    0x48560007u /* RBX cpu -> RBX HV_CPU_* flags, RCX INITs taken, RDX INIT IPIs it sent that were \
                   virtualized */

#define HV_CPU_VIRTUALIZED  1u /* in VMX non-root operation under this hypervisor */
#define HV_CPU_LOST_TO_INIT 2u /* left VMX to let an INIT through (Bochs 2.7 limitation) */

#define HV_VMCALL_SUCCESS       0ull
#define HV_VMCALL_UNKNOWN       0xffffffffffffffffull /* no such function */
#define HV_VMCALL_INVALID_PARAM 0xfffffffffffffffeull
#define HV_VMCALL_DENIED        0xfffffffffffffffdull

#endif
