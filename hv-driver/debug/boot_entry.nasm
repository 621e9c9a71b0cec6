; The load-path debug session's #DB and #BP entries (debug/boot.c), hooked into the firmware's IDT
; only while the session runs. They lay out the same frame as the hypervisor's host IDT
; (hv_host_frame_t, vmx/host_entry.nasm) and call hv_debug_boot_trap(frame), which returns 0 when
; the exception was the session's (resume from the frame, edits included) or 1 when it was not:
; then the firmware's own handler gets it exactly as the CPU delivered it.
; Linked inside the stub's range (debug/capture.nasm .. debug/text_end.nasm): no breakpoints here.

bits 64
default rel

extern hv_debug_boot_trap          ; int (hv_host_frame_t *)
global hv_debug_boot_db_isr
global hv_debug_boot_bp_isr
global hv_debug_boot_chain

%macro RESTORE_GPRS 0
    pop rax
    pop rcx
    pop rdx
    pop rbx
    add rsp, 8                      ; scratch RSP slot
    pop rbp
    pop rsi
    pop rdi
    pop r8
    pop r9
    pop r10
    pop r11
    pop r12
    pop r13
    pop r14
    pop r15
%endmacro

section .data
align 8
hv_debug_boot_chain:               ; the firmware's #DB and #BP handlers (set by boot.c)
    dq 0, 0

section .text
align 16
hv_debug_boot_db_isr:
    push qword 0                    ; error code slot
    push qword 1
    jmp boot_common
align 16
hv_debug_boot_bp_isr:
    push qword 0
    push qword 3
    jmp boot_common

boot_common:
    push r15
    push r14
    push r13
    push r12
    push r11
    push r10
    push r9
    push r8
    push rdi
    push rsi
    push rbp
    push rsp                        ; scratch slot (the interrupted RSP is in the CPU's frame)
    push rbx
    push rdx
    push rcx
    push rax
    mov rcx, rsp
    mov rbx, rsp
    and rsp, -16
    sub rsp, 32
    call hv_debug_boot_trap
    mov rsp, rbx
    test eax, eax
    jz .resume
    ; Not ours: the firmware's handler replaces the error-code slot, RET pops it and jumps there
    ; with the CPU's frame on top of the stack, as if the CPU had delivered the exception to it.
    lea rdx, [rel hv_debug_boot_chain]
    mov rax, [rdx]
    cmp qword [rsp + 16 * 8], 1
    je .chain
    mov rax, [rdx + 8]
.chain:
    mov [rsp + 17 * 8], rax
    RESTORE_GPRS
    add rsp, 8                      ; vector
    ret
.resume:
    RESTORE_GPRS
    add rsp, 16                     ; vector, error code
    iretq
