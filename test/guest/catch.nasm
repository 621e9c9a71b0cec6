; Fault catching for the guest test: the #UD and #GP gates of the current CPU's IDT point here
; while a check runs; the handler records the vector and resumes at the recovery point the try_*
; function set just before its instruction. Microsoft x64 calling convention.
bits 64
default rel

section .data
recovery_rip: dq 0
last_vector:  dq 0

section .text
global gt_catch_ud
global gt_catch_gp
global gt_try_rdmsr
global gt_try_wrmsr
global gt_try_write_cr4
global gt_try_vmxon
global gt_try_xsetbv

gt_catch_ud:                    ; no error code
    mov qword [rel last_vector], 6
    push rax
    mov rax, [rel recovery_rip]
    mov [rsp + 8], rax
    pop rax
    iretq

gt_catch_gp:                    ; error code pushed by the CPU
    mov qword [rel last_vector], 13
    add rsp, 8
    push rax
    mov rax, [rel recovery_rip]
    mov [rsp + 8], rax
    pop rax
    iretq

%macro ARM 0
    mov qword [rel last_vector], 0
    lea rax, [rel %%fault]
    mov [rel recovery_rip], rax
    jmp %%go
%%fault:
    mov rax, [rel last_vector]
    ret
%%go:
%endmacro

%macro ARM_KEEP_RBX 0
    mov qword [rel last_vector], 0
    lea rax, [rel %%fault]
    mov [rel recovery_rip], rax
    jmp %%go
%%fault:
    mov rax, [rel last_vector]
    pop rbx
    ret
%%go:
%endmacro

; uint64_t gt_try_rdmsr(uint32_t msr, uint64_t *value): 0 or the vector raised
gt_try_rdmsr:
    mov r8, rdx
    ARM
    rdmsr
    shl rdx, 32
    mov eax, eax
    or rax, rdx
    mov [r8], rax
    xor eax, eax
    ret

; uint64_t gt_try_wrmsr(uint32_t msr, uint64_t value)
gt_try_wrmsr:
    mov r8, rdx
    ARM
    mov rax, r8
    mov rdx, r8
    shr rdx, 32
    wrmsr
    xor eax, eax
    ret

; uint64_t gt_try_write_cr4(uint64_t value)
gt_try_write_cr4:
    ARM
    mov cr4, rcx
    xor eax, eax
    ret

; uint64_t gt_try_vmxon(uint64_t *region_pa)
gt_try_vmxon:
    ARM
    vmxon [rcx]
    xor eax, eax
    ret

; uint64_t gt_try_xsetbv(uint32_t xcr, uint64_t value)
gt_try_xsetbv:
    mov r8, rdx
    ARM
    mov rax, r8
    mov rdx, r8
    shr rdx, 32
    xsetbv
    xor eax, eax
    ret

; uint64_t gt_try_vmcall(uint64_t *rax_rbx_rcx_rdx): registers in/out through the array; 0 or vector
global gt_try_vmcall
gt_try_vmcall:
    push rbx
    mov r8, rcx
    ARM_KEEP_RBX
    mov rax, [r8]
    mov rbx, [r8 + 8]
    mov rcx, [r8 + 16]
    mov rdx, [r8 + 24]
    vmcall
    mov [r8], rax
    mov [r8 + 8], rbx
    mov [r8 + 16], rcx
    mov [r8 + 24], rdx
    xor eax, eax
    pop rbx
    ret
