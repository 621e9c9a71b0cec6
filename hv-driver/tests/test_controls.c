/* VMX control adjustment against capability MSRs and CR fixed bits (values from Bochs'
 * corei7_skylake_x where noted). */
#include "harness.h"
#include "vmx/controls.h"

int main(void) {
    uint32_t dropped = 0;
    /* allowed-0 = 0x16 (bits 1, 2, 4 must be 1), allowed-1 = 0xff */
    uint64_t cap = (0xffull << 32) | 0x16;
    CHECK(hv_vmx_adjust_controls(cap, 0x1, &dropped) == 0x17 && dropped == 0,
          "must-be-one bits are added");
    CHECK(hv_vmx_adjust_controls(cap, 0x101, &dropped) == 0x17 && dropped == 0x100,
          "unsupported bits are dropped and reported");
    CHECK(hv_vmx_adjust_controls(cap, 0, NULL) == 0x16, "NULL dropped pointer allowed");

    /* Bochs PROCBASED2 allowed-1 0x02177fff: EPT, unrestricted guest yes; bit 15 ENCLS no. */
    uint64_t proc2 = 0x02177fffull << 32;
    uint32_t want = (1u << 1) | (1u << 7) | (1u << 15);
    CHECK(hv_vmx_adjust_controls(proc2, want, &dropped) == ((1u << 1) | (1u << 7)) &&
              dropped == (1u << 15),
          "secondary controls on Bochs: ENCLS exiting dropped, EPT+UG kept");

    /* Bochs CR0_FIXED0/1 0x80000021/0xffffffff, CR4_FIXED0/1 0x2000/0x3727ff */
    uint64_t ug = (1ull << 0) | (1ull << 31);
    CHECK(hv_vmx_fix_cr(0x10, 0x80000021, 0xffffffff, ug) == 0x30,
          "CR0 with unrestricted guest: NE forced, PE/PG left alone");
    CHECK(hv_vmx_fix_cr(0x10, 0x80000021, 0xffffffff, 0) == 0x80000031,
          "CR0 without unrestricted guest: PE, NE, PG forced");
    CHECK(hv_vmx_fix_cr(0x620, 0x2000, 0x3727ff, 0) == 0x2620, "CR4: VMXE forced");
    CHECK(hv_vmx_fix_cr(0x800000 | 0x20, 0x2000, 0x3727ff, 0) == 0x2020,
          "CR4: bit outside fixed1 cleared");
    CHECK(!hv_vmx_cr_valid(0x20, 0x2000, 0x3727ff, 0), "CR4 without VMXE invalid");
    CHECK(hv_vmx_cr_valid(0x2020, 0x2000, 0x3727ff, 0), "CR4 with VMXE valid");

    CHECK(hv_vmx_control_msr(0x00d810000000002bull, 0x481, 0x48d) == 0x48d,
          "Bochs VMX_BASIC has true controls (bit 55)");
    CHECK(hv_vmx_control_msr(0x0000000000000001ull, 0x481, 0x48d) == 0x481,
          "without bit 55 the legacy MSR is used");
    HARNESS_EXIT();
}
