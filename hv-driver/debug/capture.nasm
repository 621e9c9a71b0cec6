; The start of the debug stub's code and its register capture.
; The Makefile links this object first and debug/text_end.nasm last among the stub's objects
; (debug/, link/, stub/): the linker lays .text out in link order, so the two labels bound the range
; in which the stub refuses breakpoints (a breakpoint there would re-enter the stub).

bits 64
default rel

global hv_debug_text_start
global hv_debug_capture

section .text
hv_debug_text_start:

; void hv_debug_capture(hv_regs_t *out /* rcx */): the caller's registers as they are at the call,
; RIP = the return address, RSP = the caller's RSP after the return (gdb unwinds from there).
; hv_regs_t: gpr[16] in gdb order (rax rbx rcx rdx rsi rdi rbp rsp r8..r15), rip, rflags.
hv_debug_capture:
    mov [rcx + 0 * 8], rax
    mov [rcx + 1 * 8], rbx
    mov [rcx + 2 * 8], rcx
    mov [rcx + 3 * 8], rdx
    mov [rcx + 4 * 8], rsi
    mov [rcx + 5 * 8], rdi
    mov [rcx + 6 * 8], rbp
    lea rax, [rsp + 8]
    mov [rcx + 7 * 8], rax
    mov [rcx + 8 * 8], r8
    mov [rcx + 9 * 8], r9
    mov [rcx + 10 * 8], r10
    mov [rcx + 11 * 8], r11
    mov [rcx + 12 * 8], r12
    mov [rcx + 13 * 8], r13
    mov [rcx + 14 * 8], r14
    mov [rcx + 15 * 8], r15
    mov rax, [rsp]
    mov [rcx + 16 * 8], rax
    pushfq
    pop rax
    mov [rcx + 17 * 8], rax
    mov rax, [rcx]
    ret
