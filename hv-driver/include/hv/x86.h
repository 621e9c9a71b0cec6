/* x86 instructions and architectural constants the hypervisor core uses (inline assembly, general
 * registers only). MSR numbers and bits per the Intel SDM Vol. 4 / 3A. */
#ifndef HV_X86_H
#define HV_X86_H

#include "hv/types.h"

/* printf arguments: uint64_t is unsigned long long on the standalone LLP64 target but unsigned
 * long on EDK2's LP64 builds; format with %llx and this cast. */
#define HV_U64(x) ((unsigned long long)(x))

#define MSR_IA32_FEATURE_CONTROL     0x3a
#define MSR_IA32_MTRRCAP             0xfe
#define MSR_IA32_SYSENTER_CS         0x174
#define MSR_IA32_SYSENTER_ESP        0x175
#define MSR_IA32_SYSENTER_EIP        0x176
#define MSR_IA32_DEBUGCTL            0x1d9
#define MSR_IA32_MTRR_PHYSBASE0      0x200
#define MSR_IA32_MTRR_FIX64K_00000   0x250
#define MSR_IA32_MTRR_FIX16K_80000   0x258
#define MSR_IA32_MTRR_FIX16K_A0000   0x259
#define MSR_IA32_MTRR_FIX4K_C0000    0x268
#define MSR_IA32_PAT                 0x277
#define MSR_IA32_MTRR_DEF_TYPE       0x2ff
#define MSR_IA32_VMX_BASIC           0x480
#define MSR_IA32_VMX_PINBASED_CTLS   0x481
#define MSR_IA32_VMX_PROCBASED_CTLS  0x482
#define MSR_IA32_VMX_EXIT_CTLS       0x483
#define MSR_IA32_VMX_ENTRY_CTLS      0x484
#define MSR_IA32_VMX_MISC            0x485
#define MSR_IA32_VMX_CR0_FIXED0      0x486
#define MSR_IA32_VMX_CR0_FIXED1      0x487
#define MSR_IA32_VMX_CR4_FIXED0      0x488
#define MSR_IA32_VMX_CR4_FIXED1      0x489
#define MSR_IA32_VMX_PROCBASED_CTLS2 0x48b
#define MSR_IA32_VMX_EPT_VPID_CAP    0x48c
#define MSR_IA32_VMX_TRUE_PINBASED   0x48d
#define MSR_IA32_VMX_TRUE_PROCBASED  0x48e
#define MSR_IA32_VMX_TRUE_EXIT       0x48f
#define MSR_IA32_VMX_TRUE_ENTRY      0x490
#define MSR_IA32_VMX_VMFUNC          0x491
#define MSR_IA32_EFER                0xc0000080
#define MSR_IA32_FS_BASE             0xc0000100
#define MSR_IA32_GS_BASE             0xc0000101
#define MSR_IA32_KERNEL_GS_BASE      0xc0000102
#define MSR_IA32_TSC_AUX             0xc0000103

#define FEATURE_CONTROL_LOCK            (1ull << 0)
#define FEATURE_CONTROL_VMX_OUTSIDE_SMX (1ull << 2)

#define CR0_PE      (1ull << 0)
#define CR0_NE      (1ull << 5)
#define CR0_PG      (1ull << 31)
#define CR4_VMXE    (1ull << 13)
#define CR4_OSXSAVE (1ull << 18)
#define EFER_LMA    (1ull << 10)
#define RFLAGS_CF   (1ull << 0)
#define RFLAGS_ZF   (1ull << 6)

typedef struct {
    uint32_t eax, ebx, ecx, edx;
} hv_cpuid_t;

typedef struct HV_PACKED {
    uint16_t limit;
    uint64_t base;
} hv_dtr_t;
HV_STATIC_ASSERT(sizeof(hv_dtr_t) == 10, "descriptor-table register image is 10 bytes");

static inline hv_cpuid_t hv_cpuid(uint32_t leaf, uint32_t sub) {
    hv_cpuid_t r;
    __asm__ volatile("cpuid"
                     : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
                     : "a"(leaf), "c"(sub));
    return r;
}

static inline uint64_t hv_rdmsr(uint32_t msr) {
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}

static inline void hv_wrmsr(uint32_t msr, uint64_t value) {
    __asm__ volatile("wrmsr"
                     :
                     : "c"(msr), "a"((uint32_t)value), "d"((uint32_t)(value >> 32))
                     : "memory");
}

static inline uint64_t hv_rdtsc(void) {
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

#define HV_DEFINE_CR(n)                                                                            \
    static inline uint64_t hv_read_cr##n(void) {                                                   \
        uint64_t v;                                                                                \
        __asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));                                          \
        return v;                                                                                  \
    }                                                                                              \
    static inline void hv_write_cr##n(uint64_t v) {                                                \
        __asm__ volatile("mov %0, %%cr" #n : : "r"(v) : "memory");                                 \
    }
HV_DEFINE_CR(0)
HV_DEFINE_CR(2)
HV_DEFINE_CR(3)
HV_DEFINE_CR(4)
#undef HV_DEFINE_CR

static inline uint64_t hv_read_dr7(void) {
    uint64_t v;
    __asm__ volatile("mov %%dr7, %0" : "=r"(v));
    return v;
}

static inline uint64_t hv_read_rflags(void) {
    uint64_t v;
    __asm__ volatile("pushfq; popq %0" : "=r"(v));
    return v;
}

#define HV_DEFINE_SEG(name)                                                                        \
    static inline uint16_t hv_read_##name(void) {                                                  \
        uint16_t v;                                                                                \
        __asm__ volatile("mov %%" #name ", %0" : "=r"(v));                                         \
        return v;                                                                                  \
    }
HV_DEFINE_SEG(cs)
HV_DEFINE_SEG(ss)
HV_DEFINE_SEG(ds)
HV_DEFINE_SEG(es)
HV_DEFINE_SEG(fs)
HV_DEFINE_SEG(gs)
#undef HV_DEFINE_SEG

static inline uint16_t hv_read_tr(void) {
    uint16_t v;
    __asm__ volatile("str %0" : "=r"(v));
    return v;
}

static inline uint16_t hv_read_ldtr(void) {
    uint16_t v;
    __asm__ volatile("sldt %0" : "=r"(v));
    return v;
}

static inline hv_dtr_t hv_sgdt(void) {
    hv_dtr_t d;
    __asm__ volatile("sgdt %0" : "=m"(d));
    return d;
}

static inline hv_dtr_t hv_sidt(void) {
    hv_dtr_t d;
    __asm__ volatile("sidt %0" : "=m"(d));
    return d;
}

static inline void hv_lgdt(const hv_dtr_t *d) {
    __asm__ volatile("lgdt %0" : : "m"(*d) : "memory");
}

static inline void hv_lidt(const hv_dtr_t *d) {
    __asm__ volatile("lidt %0" : : "m"(*d) : "memory");
}

static inline void hv_ltr(uint16_t sel) {
    __asm__ volatile("ltr %0" : : "r"(sel) : "memory");
}

static inline uint64_t hv_xgetbv(uint32_t xcr) {
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(xcr));
    return ((uint64_t)hi << 32) | lo;
}

static inline void hv_wbinvd(void) {
    __asm__ volatile("wbinvd" : : : "memory");
}

static inline void hv_pause(void) {
    __asm__ volatile("pause");
}

/* Guarded instructions (vmx/host_entry.nasm): a #GP in the host on these exact instructions is
 * caught by the host IDT, which resumes at a recovery point, so a guest-chosen MSR or XCR value can
 * never fault the host. They return 0 on success, 1 if the instruction faulted. */
HV_EFIAPI int hv_safe_rdmsr(uint32_t msr, uint64_t *value);
HV_EFIAPI int hv_safe_wrmsr(uint32_t msr, uint64_t value);
HV_EFIAPI int hv_safe_xsetbv(uint32_t xcr, uint64_t value);

#endif
