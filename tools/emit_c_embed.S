/* emit_c_embed.S - the reproducers' runtime (tools/emit_c_runtime*) as text in msrexit, for emit_c.c. */
	.section .rodata
	.global emit_c_runtime_types, emit_c_runtime_vm, emit_c_runtime_run
emit_c_runtime_types:
	.incbin EMIT_C_RUNTIME_TYPES
	.byte 0
emit_c_runtime_vm:
	.incbin EMIT_C_RUNTIME_VM
	.byte 0
emit_c_runtime_run:
	.incbin EMIT_C_RUNTIME_RUN
	.byte 0
	.section .note.GNU-stack, "", @progbits
