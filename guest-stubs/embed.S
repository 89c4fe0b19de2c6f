/* embed.S - the guest stub image, built by our own build, embedded in the host binary. */
	.section .rodata
	.balign 16
	.global guest_image_start
	.global guest_image_end
guest_image_start:
	.incbin GUEST_IMAGE_PATH
guest_image_end:
	.section .note.GNU-stack, "", @progbits
