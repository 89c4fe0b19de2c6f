# guest.cmake - builds the freestanding guest stub into a flat image and embeds it (GUEST_EMBED_SOURCE).
set(GUEST_DIR ${CMAKE_CURRENT_SOURCE_DIR}/guest-stubs)
set(GUEST_ELF ${CMAKE_CURRENT_BINARY_DIR}/guest.elf)
set(GUEST_BIN ${CMAKE_CURRENT_BINARY_DIR}/guest.bin)
set(GUEST_CFLAGS -std=gnu11 -O2 -Wall -Wextra -Werror -ffreestanding -nostdlib -fno-pic -fno-pie
	-no-pie -static -mno-red-zone -mgeneral-regs-only -fno-stack-protector
	-fno-asynchronous-unwind-tables -fcf-protection=none -fno-builtin -I${GUEST_DIR}
	-Wl,-T,${GUEST_DIR}/guest.ld -Wl,--build-id=none)

# gcc builds the stub whatever builds the harness (clang, afl-clang-fast in the fuzz flavours):
# the same guest image in every build, never instrumented.
find_program(GUEST_CC NAMES gcc)
if(NOT GUEST_CC)
	set(GUEST_CC ${CMAKE_C_COMPILER})
	list(APPEND GUEST_CFLAGS -Wno-unused-command-line-argument)
endif()

add_custom_command(OUTPUT ${GUEST_BIN}
	COMMAND ${GUEST_CC} ${GUEST_CFLAGS} ${GUEST_DIR}/stub.S -o ${GUEST_ELF}
	COMMAND objcopy -O binary ${GUEST_ELF} ${GUEST_BIN}
	DEPENDS ${GUEST_DIR}/stub.S ${GUEST_DIR}/stub_abi.h ${GUEST_DIR}/guest.ld
	COMMENT "Building guest stub image"
	VERBATIM)
add_custom_target(guest_image DEPENDS ${GUEST_BIN})

set(GUEST_EMBED_SOURCE ${GUEST_DIR}/embed.S)
set_source_files_properties(${GUEST_EMBED_SOURCE} PROPERTIES
	COMPILE_DEFINITIONS "GUEST_IMAGE_PATH=\"${GUEST_BIN}\""
	OBJECT_DEPENDS ${GUEST_BIN})
