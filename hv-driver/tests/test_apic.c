/* INIT interception's pure parts: ICR decoding, INIT target selection, the 32-bit MOV store
 * decoder (byte sequences as compilers emit them for MMIO writes). */
#include "harness.h"
#include "apic/icr.h"
#include "apic/store_decode.h"

static uint64_t xapic(uint32_t high, uint32_t low) {
    return (uint64_t)high << 32 | low;
}

static void icr_tests(void) {
    /* OVMF's SendInitSipiSipi to APIC ID 1: INIT, physical, level assert, edge. */
    hv_icr_t init = hv_icr_decode(xapic(1u << 24, 0x00004500), false);
    CHECK(init.delivery == HV_ICR_DM_INIT && init.assert && !init.logical && init.dest == 1 &&
              init.shorthand == HV_ICR_DEST_FIELD,
          "xAPIC INIT to APIC 1 decoded");
    CHECK(hv_icr_is_init(&init), "INIT assert is an INIT");
    hv_icr_t deassert = hv_icr_decode(xapic(0, 0x00088500), false);
    CHECK(deassert.shorthand == HV_ICR_ALL && !hv_icr_is_init(&deassert),
          "INIT level de-assert (all incl. self) is not an INIT");
    hv_icr_t sipi = hv_icr_decode(xapic(1u << 24, 0x00004620), false);
    CHECK(sipi.delivery == HV_ICR_DM_STARTUP && sipi.vector == 0x20 && !hv_icr_is_init(&sipi),
          "SIPI vector 0x20 is not an INIT");
    hv_icr_t x2 = hv_icr_decode(0x0000000300004500ull, true);
    CHECK(x2.x2apic && x2.dest == 3 && hv_icr_is_init(&x2), "x2APIC INIT: 32-bit destination");

    uint32_t ids[4] = {0, 1, 2, 6};
    uint64_t t = 99;
    CHECK(hv_icr_init_targets(&init, ids, 4, 0xf, 0, &t) && t == 0x2,
          "physical INIT to APIC 1 reaches CPU 1");
    hv_icr_t to6 = hv_icr_decode(xapic(6u << 24, 0x4500), false);
    CHECK(hv_icr_init_targets(&to6, ids, 4, 0xf, 0, &t) && t == 0x8,
          "APIC IDs need not be CPU indices");
    hv_icr_t to5 = hv_icr_decode(xapic(5u << 24, 0x4500), false);
    CHECK(!hv_icr_init_targets(&to5, ids, 4, 0xf, 0, &t) && t == 0,
          "an APIC ID the hypervisor does not run: sent as written");
    CHECK(!hv_icr_init_targets(&init, ids, 4, 0xd, 0, &t),
          "target not virtualized (lost): sent as written");
    hv_icr_t but_self = hv_icr_decode(xapic(0, 0x000c4500), false);
    CHECK(hv_icr_init_targets(&but_self, ids, 4, 0xf, 2, &t) && t == 0xb,
          "all-but-self from CPU 2 reaches 0, 1, 3");
    CHECK(!hv_icr_init_targets(&but_self, ids, 4, 0xb, 0, &t),
          "all-but-self with one CPU not ours: sent as written");
    hv_icr_t all = hv_icr_decode(xapic(0, 0x00084500), false);
    CHECK(hv_icr_init_targets(&all, ids, 4, 0xf, 1, &t) && t == 0xf, "all including self");
    hv_icr_t bcast = hv_icr_decode(xapic(0xffu << 24, 0x4500), false);
    CHECK(hv_icr_init_targets(&bcast, ids, 4, 0xf, 1, &t) && t == 0xf,
          "physical broadcast 0xff reaches everyone");
    hv_icr_t x2bcast = hv_icr_decode(0xffffffff00004500ull, true);
    CHECK(hv_icr_init_targets(&x2bcast, ids, 4, 0xf, 1, &t) && t == 0xf,
          "x2APIC broadcast 0xffffffff reaches everyone");
    hv_icr_t x2_ff = hv_icr_decode(0x000000ff00004500ull, true);
    CHECK(!hv_icr_init_targets(&x2_ff, ids, 4, 0xf, 1, &t), "x2APIC ID 0xff is not a broadcast");
    hv_icr_t logical = hv_icr_decode(xapic(2u << 24, 0x4d00), false);
    CHECK(logical.logical && !hv_icr_init_targets(&logical, ids, 4, 0xf, 0, &t),
          "logical destination: sent as written");
    hv_icr_t self = hv_icr_decode(xapic(0, 0x00044500), false);
    CHECK(!hv_icr_init_targets(&self, ids, 4, 0xf, 0, &t), "self shorthand: sent as written");
    CHECK(!hv_icr_init_targets(&init, ids, 4, 0xf, 4, &t), "sender index out of range refused");

    CHECK(hv_icr_nmi_to(1, false) == xapic(1u << 24, 0x4400), "xAPIC NMI to APIC 1");
    CHECK(hv_icr_nmi_to(0x12345, true) == 0x0001234500004400ull, "x2APIC NMI to 0x12345");
    hv_icr_t nmi = hv_icr_decode(hv_icr_nmi_to(7, false), false);
    CHECK(nmi.delivery == HV_ICR_DM_NMI && nmi.dest == 7 && !nmi.logical && nmi.assert &&
              !nmi.level_trigger && nmi.shorthand == HV_ICR_DEST_FIELD,
          "NMI command round-trips through the decoder");
}

static hv_store_t dec(const uint8_t *b, size_t n, bool lm) {
    return hv_decode_store32(b, n, lm);
}

static void decoder_tests(void) {
    /* mov [rcx], edx */
    const uint8_t a[] = {0x89, 0x11};
    hv_store_t s = dec(a, sizeof a, true);
    CHECK(s.kind == HV_STORE_REG && s.reg == 2 && s.length == 2, "89 11: mov [rcx], edx");
    /* mov [rax+0x300], r8d (REX.R) */
    const uint8_t b[] = {0x44, 0x89, 0x80, 0x00, 0x03, 0x00, 0x00};
    s = dec(b, sizeof b, true);
    CHECK(s.kind == HV_STORE_REG && s.reg == 8 && s.length == 7, "44 89 80 disp32: r8d");
    /* mov [r9+rax*4+0x10], esi (REX.B, SIB, disp8) */
    const uint8_t c[] = {0x41, 0x89, 0x74, 0x81, 0x10};
    s = dec(c, sizeof c, true);
    CHECK(s.kind == HV_STORE_REG && s.reg == 6 && s.length == 5, "41 89 74 81 10: SIB + disp8");
    /* mov dword [rip+0x1234], 0x4500 */
    const uint8_t d[] = {0xc7, 0x05, 0x34, 0x12, 0x00, 0x00, 0x00, 0x45, 0x00, 0x00};
    s = dec(d, sizeof d, true);
    CHECK(s.kind == HV_STORE_IMM && s.imm == 0x4500 && s.length == 10, "c7 05: RIP-relative imm32");
    /* mov dword [0xfee00300], 0x4500 through SIB without base (32-bit absolute) */
    const uint8_t e[] = {0xc7, 0x04, 0x25, 0x00, 0x03, 0xe0, 0xfe, 0x00, 0x45, 0x00, 0x00};
    s = dec(e, sizeof e, true);
    CHECK(s.kind == HV_STORE_IMM && s.imm == 0x4500 && s.length == 11, "c7 04 25: SIB no base");
    /* mov [rsp+8], eax */
    const uint8_t f[] = {0x89, 0x44, 0x24, 0x08};
    s = dec(f, sizeof f, true);
    CHECK(s.kind == HV_STORE_REG && s.reg == 0 && s.length == 4, "89 44 24 08: [rsp+8]");
    /* fs: mov [rdi], esp */
    const uint8_t g[] = {0x64, 0x89, 0x27};
    s = dec(g, sizeof g, true);
    CHECK(s.kind == HV_STORE_REG && s.reg == 4 && s.length == 3, "segment override kept");
    /* 32-bit code: 0x41 is INC ECX, not REX */
    const uint8_t h[] = {0x41, 0x89, 0x11};
    CHECK(dec(h, sizeof h, false).kind == HV_STORE_UNKNOWN, "32-bit: 0x41 is not a prefix");
    const uint8_t h2[] = {0x89, 0x91, 0x00, 0x03, 0x00, 0x00};
    s = dec(h2, sizeof h2, false);
    CHECK(s.kind == HV_STORE_REG && s.reg == 2 && s.length == 6, "32-bit: mov [ecx+0x300], edx");

    const uint8_t w[] = {0x48, 0x89, 0x11};
    CHECK(dec(w, sizeof w, true).kind == HV_STORE_UNKNOWN, "REX.W (64-bit store) refused");
    const uint8_t o[] = {0x66, 0x89, 0x11};
    CHECK(dec(o, sizeof o, true).kind == HV_STORE_UNKNOWN, "operand-size override refused");
    const uint8_t r[] = {0x89, 0xd1};
    CHECK(dec(r, sizeof r, true).kind == HV_STORE_UNKNOWN, "register destination refused");
    const uint8_t c1[] = {0xc7, 0x41, 0x10, 0x01, 0x00, 0x00, 0x00};
    s = dec(c1, sizeof c1, true);
    CHECK(s.kind == HV_STORE_IMM && s.imm == 1 && s.length == 7, "c7 41 10 imm32: disp8");
    const uint8_t c2[] = {0xc7, 0x48, 0x10, 0x01, 0x00, 0x00, 0x00};
    CHECK(dec(c2, sizeof c2, true).kind == HV_STORE_UNKNOWN, "c7 /1 is not a MOV");
    const uint8_t or_[] = {0x09, 0x11};
    CHECK(dec(or_, sizeof or_, true).kind == HV_STORE_UNKNOWN, "OR is not decoded");
    const uint8_t lock[] = {0xf0, 0x89, 0x11};
    CHECK(dec(lock, sizeof lock, true).kind == HV_STORE_UNKNOWN, "LOCK prefix refused");
    CHECK(dec(d, 9, true).kind == HV_STORE_UNKNOWN, "immediate cut short refused");
    CHECK(dec(b, 5, true).kind == HV_STORE_UNKNOWN, "displacement cut short refused");
    CHECK(dec(a, 0, true).kind == HV_STORE_UNKNOWN, "no bytes");
    const uint8_t a16[] = {0x67, 0x89, 0x11};
    s = dec(a16, sizeof a16, true);
    CHECK(s.kind == HV_STORE_REG && s.length == 3, "64-bit: address-size override accepted");
    CHECK(dec(a16, sizeof a16, false).kind == HV_STORE_UNKNOWN,
          "32-bit: address-size override (16-bit addressing) refused");
}

int main(void) {
    icr_tests();
    decoder_tests();
    HARNESS_EXIT();
}
