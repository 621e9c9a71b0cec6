; The end of the debug stub's code (see debug/capture.nasm): linked after the stub's objects.
bits 64
global hv_debug_text_end
section .text
hv_debug_text_end:
    ret
