/* emit_c_embed.S - tools/emit_c_runtime.c as text in the msrexit binary, for the C reproducers it writes. */
	.section .rodata
	.global emit_c_runtime_start
	.global emit_c_runtime_end
emit_c_runtime_start:
	.incbin EMIT_C_RUNTIME_PATH
emit_c_runtime_end:
	.byte 0
	.section .note.GNU-stack, "", @progbits
