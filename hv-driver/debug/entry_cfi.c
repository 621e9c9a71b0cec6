/* Call frame information for the VM-exit entry (vmx/host_entry.nasm), PE/COFF builds only.
 *
 * gdb unwinds our C code through .debug_frame (the Makefile's -fdwarf-exceptions: without it clang
 * emits Windows unwind data for this target, or none, and gdb's prologue analyser cannot follow
 * the MS x64 prologues). hv_vmx_exit_entry is reached by a VM exit, not by a call: its FDE makes
 * the return-address column undefined, so a backtrace from an exit handler ends at the entry
 * (frame "hv_vmx_exit_entry") instead of reading the guest's stack as return addresses.
 * NASM cannot emit the section-relative CIE pointer PE/COFF needs, clang's assembler can
 * (.secrel32); ELF builds (EDK2) take the same FDE from host_entry.nasm itself. */
#if defined(__MINGW32__) || defined(_WIN32)
__asm__(".section .debug_frame,\"dr\"\n"
        ".p2align 3\n"
        "hv_exit_entry_cie:\n"
        "  .long 2f - 1f\n" /* length */
        "1:\n"
        "  .long 0xffffffff\n"        /* CIE id */
        "  .byte 1, 0, 1, 0x78, 16\n" /* version, "", code align 1, data align -8, RIP */
        "  .byte 0x0c, 7, 8\n"        /* DW_CFA_def_cfa RSP, 8 */
        "  .byte 0x90, 1\n"           /* DW_CFA_offset RIP, CFA - 8 */
        "  .p2align 2, 0\n"
        "2:\n"
        "  .long 4f - 3f\n"
        "3:\n"
        "  .secrel32 hv_exit_entry_cie\n"  /* CIE pointer: offset in .debug_frame */
        "  .quad hv_vmx_exit_entry\n"      /* initial location */
        "  .quad hv_vmx_exit_entry_size\n" /* address range (an absolute symbol) */
        "  .byte 0x07, 16\n"               /* DW_CFA_undefined RIP: the outermost frame */
        "  .p2align 2, 0\n"
        "4:\n"
        ".text\n");
#else
typedef int hv_entry_cfi_elf_builds_use_host_entry_nasm; /* an empty unit is not ISO C */
#endif
