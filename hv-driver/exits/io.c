/* I/O instructions on trapped ports (the I/O bitmaps: PCI configuration 0xcf8-0xcff), performed
 * for the guest so the hypervisor sees every configuration access (the place to filter devices
 * later). String forms are not emulated: the ports are opened for this CPU for one instruction
 * (single-stepped) and the guest executes it natively. */
#include "hv/log.h"
#include "exits/exits.h"
#include "debug/debug.h"

static void io_bits(hv_vcpu_t *v, uint16_t port, unsigned size, bool trap) {
    for (unsigned i = 0; i < size; i++) {
        uint32_t p = (uint32_t)port + i;
        uint8_t *bm = p < 0x8000 ? v->io_bitmap_a : v->io_bitmap_b;
        uint8_t bit = (uint8_t)(1u << (p & 7));
        if (trap)
            bm[(p & 0x7fff) / 8] |= bit;
        else
            bm[(p & 0x7fff) / 8] &= (uint8_t)~bit;
    }
}

void hv_io_restore_trap(hv_vcpu_t *v);
void hv_io_restore_trap(hv_vcpu_t *v) {
    if (v->pending_io) {
        io_bits(v, v->pending_io_port, v->pending_io_size, true);
        v->pending_io = false;
    }
}

int hv_exit_io(hv_vcpu_t *v, hv_guest_regs_t *r) {
    uint64_t q = hv_vmread(VMCS_EXIT_QUALIFICATION);
    unsigned size = (unsigned)(q & 7) + 1; /* 1, 2 or 4 */
    bool in = (q >> 3) & 1, string = (q >> 4) & 1;
    uint16_t port = (uint16_t)(q >> 16);
    uint16_t dbg = hv_debug_port(v->hv);
    if (dbg && port >= dbg && port < dbg + 8 && size == 1) {
        /* The debug UART belongs to the stub. The guest sees an idle UART that never receives
         * (LSR: transmitter empty, no data; MSR: carrier and clear-to-send) and keeps what it
         * writes to the other registers (scratch test, LCR...), so firmware drivers stay quiet and
         * never take the stub's bytes. */
        unsigned reg = port - dbg;
        uint8_t *shadow = v->hv->debug_uart_shadow;
        if (string) {
            /* not emulated: skipped (a string access to a UART is a bulk transfer to nowhere) */
        } else if (in) {
            uint8_t b = reg == 5 ? 0x60 : reg == 6 ? 0xb0 : reg == 0 ? 0 : shadow[reg];
            r->rax = (r->rax & ~0xffull) | b;
        } else {
            shadow[reg] = (uint8_t)r->rax;
        }
        hv_guest_skip_instruction();
        return HV_EXIT_RESUME;
    }
    if (string) {
        if (v->pending_io)
            hv_exit_fatal_report(v, r, "string I/O while a port is already open");
        io_bits(v, port, size, false);
        v->pending_io = true;
        v->pending_io_port = port;
        v->pending_io_size = (uint8_t)size;
        hv_step_begin(v);
        return HV_EXIT_RESUME; /* RIP unchanged: the guest runs the instruction itself */
    }
    if (in) {
        uint32_t value;
        if (size == 1) {
            uint8_t b;
            __asm__ volatile("inb %1, %0" : "=a"(b) : "Nd"(port));
            r->rax = (r->rax & ~0xffull) | b;
        } else if (size == 2) {
            uint16_t w;
            __asm__ volatile("inw %1, %0" : "=a"(w) : "Nd"(port));
            r->rax = (r->rax & ~0xffffull) | w;
        } else {
            __asm__ volatile("inl %1, %0" : "=a"(value) : "Nd"(port));
            r->rax = value; /* a 32-bit destination zero-extends */
        }
    } else {
        if (size == 1)
            __asm__ volatile("outb %0, %1" : : "a"((uint8_t)r->rax), "Nd"(port));
        else if (size == 2)
            __asm__ volatile("outw %0, %1" : : "a"((uint16_t)r->rax), "Nd"(port));
        else
            __asm__ volatile("outl %0, %1" : : "a"((uint32_t)r->rax), "Nd"(port));
    }
    hv_guest_skip_instruction();
    return HV_EXIT_RESUME;
}
