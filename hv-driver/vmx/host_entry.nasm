; Host-side entry points of the hypervisor: VMLAUNCH from the running firmware, the VM-exit stub
; (HOST_RIP), leaving VMX back to the guest's context, the host IDT stubs and the guarded
; RDMSR/WRMSR/XSETBV whose #GP the host IDT turns into an error return.
; Calling convention: Microsoft x64 (C prototypes are HV_EFIAPI).

bits 64
default rel
section .text

%define VCPU_RESUME_RIP    0
%define VCPU_RESUME_RSP    8
%define VCPU_RESUME_RFLAGS 16
%define VCPU_LAUNCH_RSP    24
%define VCPU_EVENTS        32
%define VMCS_GUEST_RSP     0x681c
%define VMCS_GUEST_RIP     0x681e
%define REGS_SIZE          (16 * 8)

extern hv_exit_dispatch        ; int (hv_vcpu_t *, hv_guest_regs_t *): 0 resume, else leave VMX
extern hv_vmresume_failed      ; void (hv_vcpu_t *), does not return
extern hv_host_exception       ; void (hv_host_frame_t *), does not return
extern hv_debug_host_trap      ; void (hv_host_frame_t *): #DB/#BP for the debug stub, returns
extern hv_exit_pending_events  ; void (hv_vcpu_t *, hv_guest_regs_t *): virtual INIT, guest NMI
extern hv_host_nmi             ; void (uint64_t *rip): NMI in root mode, may move the RIP back

global hv_vmx_launch
global hv_vmx_launch_return
global hv_vmx_exit_entry
global hv_vmx_resume_check
global hv_vmx_resume_insn
global hv_nmi_unblock
global hv_host_isr_table
global hv_host_isr_end
global hv_safe_rdmsr
global hv_safe_wrmsr
global hv_safe_xsetbv

; int hv_vmx_launch(hv_vcpu_t *vcpu /* rcx */)
; The VMCS is current and complete except GUEST_RSP/GUEST_RIP, set here so that the guest resumes
; at .guest with this very stack: the caller sees 0 and runs on as the guest. A VMfail returns
; 1 (VMfailInvalid) or 2 (VMfailValid); a VM entry that fails on guest state exits to the host,
; which comes back to hv_vmx_launch_return with RSP = launch_rsp and RAX = 3.
hv_vmx_launch:
    pushfq
    push rbx
    push rbp
    push rdi
    push rsi
    push r12
    push r13
    push r14
    push r15
    mov [rcx + VCPU_LAUNCH_RSP], rsp
    mov rdx, VMCS_GUEST_RSP
    vmwrite rdx, rsp
    lea rax, [rel .guest]
    mov rdx, VMCS_GUEST_RIP
    vmwrite rdx, rax
    vmlaunch
    mov eax, 1
    jc hv_vmx_launch_return
    mov eax, 2
    jmp hv_vmx_launch_return
.guest:
    xor eax, eax
hv_vmx_launch_return:
    pop r15
    pop r14
    pop r13
    pop r12
    pop rsi
    pop rdi
    pop rbp
    pop rbx
    popfq
    ret

; VM exit: RSP = HOST_RSP, where the vcpu pointer is stored. Saves the guest registers as an
; hv_guest_regs_t, calls the dispatcher, then VMRESUMEs or leaves VMX.
align 16
hv_vmx_exit_entry:
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
    push rsp            ; scratch slot (guest RSP is in the VMCS)
    push rbx
    push rdx
    push rcx
    push rax
    mov rcx, [rsp + REGS_SIZE]
    mov rdx, rsp
    sub rsp, 32
    call hv_exit_dispatch
    add rsp, 32
    test eax, eax
    jnz exit_entry_leave
    ; Last look at the events other CPUs (or this CPU's root-mode NMI handler) posted, then the
    ; guest registers and VMRESUME. RSP stays on the frame (VMRESUME does not use it): an NMI taken
    ; anywhere from here to the VMRESUME restarts at hv_vmx_resume_check (hv_host_nmi), and the
    ; frame above RSP is intact for the restart.
hv_vmx_resume_check:
    mov rcx, [rsp + REGS_SIZE]
    cmp dword [rcx + VCPU_EVENTS], 0
    jne exit_entry_events
    mov rax, [rsp + 0 * 8]
    mov rdx, [rsp + 2 * 8]
    mov rbx, [rsp + 3 * 8]
    mov rbp, [rsp + 5 * 8]
    mov rsi, [rsp + 6 * 8]
    mov rdi, [rsp + 7 * 8]
    mov r8, [rsp + 8 * 8]
    mov r9, [rsp + 9 * 8]
    mov r10, [rsp + 10 * 8]
    mov r11, [rsp + 11 * 8]
    mov r12, [rsp + 12 * 8]
    mov r13, [rsp + 13 * 8]
    mov r14, [rsp + 14 * 8]
    mov r15, [rsp + 15 * 8]
    mov rcx, [rsp + 1 * 8]
hv_vmx_resume_insn:
    vmresume
    ; VMRESUME failed: back to HOST_RSP
    add rsp, REGS_SIZE
    mov rcx, [rsp]
    sub rsp, 32
    call hv_vmresume_failed
.halt:
    cli
    hlt
    jmp .halt
exit_entry_events:
    mov rdx, rsp
    sub rsp, 32
    call hv_exit_pending_events
    add rsp, 32
    jmp hv_vmx_resume_check
exit_entry_leave:
    ; VMX is off and the firmware's CR3/GDT/IDT are back (C did it). Continue at resume_rip on
    ; resume_rsp with resume_rflags and the (possibly updated) general registers of the frame.
    mov rcx, [rsp + REGS_SIZE]
    mov rax, [rcx + VCPU_RESUME_RSP]
    sub rax, 16
    mov rdx, [rcx + VCPU_RESUME_RIP]
    mov [rax + 8], rdx
    mov rdx, [rcx + VCPU_RESUME_RFLAGS]
    mov [rax], rdx
    mov [rsp + 4 * 8], rax
    mov r15, [rsp + 15 * 8]
    mov r14, [rsp + 14 * 8]
    mov r13, [rsp + 13 * 8]
    mov r12, [rsp + 12 * 8]
    mov r11, [rsp + 11 * 8]
    mov r10, [rsp + 10 * 8]
    mov r9, [rsp + 9 * 8]
    mov r8, [rsp + 8 * 8]
    mov rdi, [rsp + 7 * 8]
    mov rsi, [rsp + 6 * 8]
    mov rbp, [rsp + 5 * 8]
    mov rbx, [rsp + 3 * 8]
    mov rdx, [rsp + 2 * 8]
    mov rcx, [rsp + 1 * 8]
    mov rax, [rsp + 0 * 8]
    mov rsp, [rsp + 4 * 8]
    popfq
    ret
exit_entry_end:

; void hv_nmi_unblock(void): IRETQ to the next instruction, which ends NMI blocking.
hv_nmi_unblock:
    mov rax, rsp
    mov ecx, ss
    push rcx
    push rax
    pushfq
    mov ecx, cs
    push rcx
    lea rax, [rel .back]
    push rax
    iretq
.back:
    ret

; ---- guarded instructions ----------------------------------------------------------------------
; int hv_safe_rdmsr(uint32_t msr /* ecx */, uint64_t *value /* rdx */)
hv_safe_rdmsr:
    mov r8, rdx
safe_rdmsr_insn:
    rdmsr
    shl rdx, 32
    mov eax, eax
    or rax, rdx
    mov [r8], rax
    xor eax, eax
    ret
safe_rdmsr_fault:
    mov eax, 1
    ret

; int hv_safe_wrmsr(uint32_t msr /* ecx */, uint64_t value /* rdx */)
hv_safe_wrmsr:
    mov rax, rdx
    shr rdx, 32
safe_wrmsr_insn:
    wrmsr
    xor eax, eax
    ret
safe_wrmsr_fault:
    mov eax, 1
    ret

; int hv_safe_xsetbv(uint32_t xcr /* ecx */, uint64_t value /* rdx */)
hv_safe_xsetbv:
    mov rax, rdx
    shr rdx, 32
safe_xsetbv_insn:
    xsetbv
    xor eax, eax
    ret
safe_xsetbv_fault:
    mov eax, 1
    ret

; ---- host IDT ----------------------------------------------------------------------------------
; 256 stubs of 16 bytes: push a zero error code where the CPU pushes none, push the vector, go to
; the common handler. hv_host_isr_table + 16 * vector is the gate's target.
align 16
hv_host_isr_table:
%assign vec 0
%rep 256
    align 16
%if vec == 8 || (vec >= 10 && vec <= 14) || vec == 17 || vec == 21 || vec == 29 || vec == 30
    push qword vec
%else
    push qword 0
    push qword vec
%endif
    jmp isr_common
%assign vec vec + 1
%endrep

align 16
fixups:
    dq safe_rdmsr_insn, safe_rdmsr_fault
    dq safe_wrmsr_insn, safe_wrmsr_fault
    dq safe_xsetbv_insn, safe_xsetbv_fault
fixups_end:

isr_common:
    ; [rsp] vector, [rsp+8] error code, [rsp+16] RIP, CS, RFLAGS, RSP, SS
    cmp qword [rsp], 2
    je .nmi
    cmp qword [rsp], 1
    je .debug
    cmp qword [rsp], 3
    je .debug
    cmp qword [rsp], 13
    jne .fatal
    push rax
    push rdx
    mov rax, [rsp + 32]             ; faulting RIP
    lea rdx, [rel fixups]
.next:
    cmp rax, [rdx]
    je .fix
    add rdx, 16
    lea rax, [rel fixups_end]
    cmp rdx, rax
    mov rax, [rsp + 32]
    jb .next
    pop rdx
    pop rax
    jmp .fatal
.fix:
    mov rax, [rdx + 8]
    mov [rsp + 32], rax             ; resume at the recovery point
    pop rdx
    pop rax
    add rsp, 16
    iretq
.nmi:
    ; An NMI in the host (an exit was being handled): hv_host_nmi matches it against the virtual
    ; INITs posted to this CPU or leaves it for the guest (apic/nmi.c). Caller-saved registers only.
    push rax
    push rcx
    push rdx
    push r8
    push r9
    push r10
    push r11
    lea rcx, [rsp + 7 * 8 + 16]     ; the interrupted RIP
    mov rax, rsp
    and rsp, -16
    push rax
    sub rsp, 40
    call hv_host_nmi
    add rsp, 40
    pop rsp
    pop r11
    pop r10
    pop r9
    pop r8
    pop rdx
    pop rcx
    pop rax
    add rsp, 16
    iretq
.debug:
    ; #DB (hardware breakpoint, single step) or #BP (int3) in the hypervisor: the stub serves the
    ; debugger on this frame; register changes (RIP, RFLAGS.TF/RF, GPRs) take effect at IRETQ.
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
    push rsp
    push rbx
    push rdx
    push rcx
    push rax
    mov rcx, rsp
    mov rbx, rsp
    and rsp, -16
    sub rsp, 32
    call hv_debug_host_trap
    mov rsp, rbx
    pop rax
    pop rcx
    pop rdx
    pop rbx
    add rsp, 8
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
    add rsp, 16                     ; vector, error code
    iretq
.fatal:
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
    push rsp
    push rbx
    push rdx
    push rcx
    push rax
    mov rcx, rsp
    and rsp, -16
    sub rsp, 32
    call hv_host_exception
.halt:
    cli
    hlt
    jmp .halt
hv_host_isr_end:                    ; end of the exception path (the stub refuses breakpoints here)

; ---- call frame information for debuggers ------------------------------------------------------
; gdb unwinds the C code through .debug_frame; this FDE covers the VM-exit entry above, which
; nothing calls: its return-address column is undefined, so a backtrace from an exit handler ends
; cleanly at hv_vmx_exit_entry instead of wandering into the guest's stack. One CIE (code alignment
; 1, data alignment -8, return address in column 16 = RIP; CFA = RSP + 8, RIP at CFA - 8) and one
; FDE. ELF only (EDK2's builds: the CIE pointer is a section offset, an absolute relocation since
; .debug_frame has address 0). NASM has no section-relative relocation for PE/COFF: the standalone
; build gets the same FDE from debug/entry_cfi.c (clang's assembler has .secrel32).
global hv_vmx_exit_entry_size
hv_vmx_exit_entry_size equ exit_entry_end - hv_vmx_exit_entry
%ifnidn __OUTPUT_FORMAT__, win64
section .debug_frame progbits noalloc noexec nowrite align=8
exit_entry_cie:
    dd .cie_end - .cie_start
.cie_start:
    dd 0xffffffff                   ; CIE id
    db 1                            ; version
    db 0                            ; augmentation ""
    db 1                            ; code alignment factor
    db 0x78                         ; data alignment factor -8 (SLEB128)
    db 16                           ; return address column: RIP
    db 0x0c, 7, 8                   ; DW_CFA_def_cfa RSP, 8
    db 0x90, 1                      ; DW_CFA_offset RIP, CFA - 8
    align 4, db 0                   ; DW_CFA_nop
.cie_end:
    dd .fde_end - .fde_start
.fde_start:
    dd exit_entry_cie
    dq hv_vmx_exit_entry
    dq exit_entry_end - hv_vmx_exit_entry
    db 0x07, 16                     ; DW_CFA_undefined RIP: the outermost frame
    align 4, db 0
.fde_end:
%endif
