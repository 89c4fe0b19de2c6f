# guest.cmake - builds the freestanding guest stub into a flat image and embeds it (GUEST_EMBED_SOURCE).
set(GUEST_DIR ${CMAKE_CURRENT_SOURCE_DIR}/guest-stubs)
set(GUEST_ELF ${CMAKE_CURRENT_BINARY_DIR}/guest.elf)
set(GUEST_BIN ${CMAKE_CURRENT_BINARY_DIR}/guest.bin)
set(GUEST_CFLAGS -std=gnu11 -O2 -Wall -Wextra -Werror -ffreestanding -nostdlib -fno-pic -fno-pie
	-no-pie -static -mno-red-zone -mgeneral-regs-only -fno-stack-protector
	-fno-asynchronous-unwind-tables -fcf-protection=none -fno-builtin -I${GUEST_DIR}
	-Wl,-T,${GUEST_DIR}/guest.ld -Wl,--build-id=none)

add_custom_command(OUTPUT ${GUEST_BIN}
	COMMAND ${CMAKE_C_COMPILER} ${GUEST_CFLAGS} ${GUEST_DIR}/stub.S -o ${GUEST_ELF}
	COMMAND objcopy -O binary ${GUEST_ELF} ${GUEST_BIN}
	DEPENDS ${GUEST_DIR}/stub.S ${GUEST_DIR}/stub_abi.h ${GUEST_DIR}/guest.ld
	COMMENT "Building guest stub image"
	VERBATIM)
add_custom_target(guest_image DEPENDS ${GUEST_BIN})

set(GUEST_EMBED_SOURCE ${GUEST_DIR}/embed.S)
set_source_files_properties(${GUEST_EMBED_SOURCE} PROPERTIES
	COMPILE_DEFINITIONS "GUEST_IMAGE_PATH=\"${GUEST_BIN}\""
	OBJECT_DEPENDS ${GUEST_BIN})
