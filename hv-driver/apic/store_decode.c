/* 32-bit MOV store decoder (see store_decode.h). */
#include "apic/store_decode.h"

/* Bytes taken by ModRM and what follows it (SIB, displacement) with 32/64-bit addressing, or 0 if
 * the operand is a register (not a store) or the bytes run out. */
static size_t modrm_length(const uint8_t *p, size_t left) {
    if (left < 1)
        return 0;
    uint8_t modrm = p[0], mod = modrm >> 6, rm = modrm & 7;
    size_t n = 1;
    if (mod == 3)
        return 0;
    if (rm == 4) { /* SIB */
        if (left < 2)
            return 0;
        n++;
        if (mod == 0 && (p[1] & 7) == 5)
            n += 4; /* no base: disp32 */
    } else if (mod == 0 && rm == 5) {
        n += 4; /* disp32 (RIP-relative in 64-bit mode) */
    }
    if (mod == 1)
        n += 1;
    else if (mod == 2)
        n += 4;
    return n <= left ? n : 0;
}

hv_store_t hv_decode_store32(const uint8_t *code, size_t len, bool long_mode) {
    hv_store_t s = {HV_STORE_UNKNOWN, 0, 0, 0};
    size_t i = 0;
    if (len > HV_INSN_MAX)
        len = HV_INSN_MAX;
    /* Legacy prefixes that do not change a 32-bit MOV store: segment overrides, and the
     * address-size override in 64-bit mode (32-bit addressing has the same ModRM forms). */
    for (; i < len; i++) {
        uint8_t b = code[i];
        bool seg = b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 || b == 0x65;
        if (!seg && !(b == 0x67 && long_mode))
            break; /* 66 (16-bit), F0/F2/F3 and 16-bit addressing are not decoded */
    }
    uint8_t rex = 0;
    if (long_mode && i < len && (code[i] & 0xf0) == 0x40)
        rex = code[i++];
    if (rex & 0x08)
        return s; /* REX.W: a 64-bit store */
    if (i >= len)
        return s;
    uint8_t op = code[i++];
    size_t m = modrm_length(code + i, len - i);
    if (!m)
        return s;
    uint8_t reg = (uint8_t)((code[i] >> 3) & 7);
    if (op == 0x89) {
        s.kind = HV_STORE_REG;
        s.reg = (uint8_t)(reg | ((rex & 0x04) ? 8 : 0));
        s.length = (uint8_t)(i + m);
        return s;
    }
    if (op == 0xc7 && reg == 0) {
        if (i + m + 4 > len)
            return s;
        const uint8_t *imm = code + i + m;
        s.kind = HV_STORE_IMM;
        s.imm = (uint32_t)imm[0] | (uint32_t)imm[1] << 8 | (uint32_t)imm[2] << 16 |
                (uint32_t)imm[3] << 24;
        s.length = (uint8_t)(i + m + 4);
        return s;
    }
    return s;
}
