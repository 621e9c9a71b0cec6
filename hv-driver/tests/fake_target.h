/* A canned target for the host unit tests of the stub's codec and dispatcher (never proof that the
 * live stub works: that is the emulator tests' job). Its state is described at the top of
 * debug-adapter/protocol/vectors.txt. */
#ifndef HV_TESTS_FAKE_TARGET_H
#define HV_TESTS_FAKE_TARGET_H

#include "../stub/target.h"

#define FAKE_CPUS     3u
#define FAKE_RAM_SIZE 0x100000u

typedef struct {
    uint32_t enc;
    uint64_t value;
    bool unsupported;
} fake_vmcs_field_t;

typedef struct fake_target {
    hv_regs_t regs[FAKE_CPUS];
    uint64_t gpr[FAKE_CPUS][16]; /* guest rax..r15 save area (rsp lives in the VMCS) */
    uint64_t cr2[FAKE_CPUS];
    fake_vmcs_field_t vmcs[FAKE_CPUS][200];
    size_t vmcs_count;
    uint64_t exits[FAKE_CPUS][HV_EXIT_REASONS];
    unsigned resets; /* QHv.reset calls */
    uint64_t hwbp[4];
    uint8_t hwbp_set;
    bool ram_dirty;             /* set by every write to ram (the fuzzer restores ram only then) */
    uint8_t ram[FAKE_RAM_SIZE]; /* last: everything before it is the small state */
} fake_target_t;

extern const hv_target_ops fake_target_ops;
void fake_target_init(fake_target_t *t);

#endif
