/* emit_c.h - a standalone C reproducer of one program (`msrexit repro --emit-c`). */
#ifndef MSREXIT_EMIT_C_H
#define MSREXIT_EMIT_C_H

#include <stdbool.h>
#include <stdio.h>

#include "facts.h"
#include "program.h"
#include "trace.h"

/*
 * Writes to out one C file that needs only libc and the kernel's UAPI
 * headers: it builds the VM msrexit builds (memory, registers and guest code
 * dumped from a VM and batches made here), runs p, checks what the oracle
 * expects on this kernel (f) and exits 1 when the kernel differs. source
 * names the program in the file's header. Returns EXIT_OK, or an EXIT_*
 * status with the reason on stderr (EXIT_NO_KVM: no VM could be made).
 */
int emit_c(FILE *out, const char *source, const struct program *p, const struct kernel_facts *f);

/* ---- emit_c_main.c: main(), the program as blocks of calls and checks ---- */

/* Guest steps [start, end) on one vCPU, written as one batch of guest code (as execute.c does). */
struct batch_plan {
	int start, end, vcpu;
	bool hold_last; /* its last access's exit is held for the host steps after it */
};

void ec_emit_main(FILE *out, const struct program *p, const struct expected *e,
		  const char *const *op_text, const struct batch_plan *batch, int nbatches);

/* ---- emit_c_words.c: the comments and literals of the reproducer ---- */

/* What the kernel should do with guest step s, in words, one line per allowed outcome. */
void ec_describe_guest(FILE *out, const char *indent, const struct step *s,
		       const struct guest_exp *x);
/* What host step s does (the ioctl, its fd, its arguments) and what the kernel should answer. */
void ec_describe_host(FILE *out, const char *indent, const struct step *s,
		      const struct host_exp *x);
/* Each line of text after indent, cut at spaces to fit 100 columns. */
void ec_comment(FILE *out, const char *indent, const char *text);
/* s as a C string literal (quotes, backslashes and control bytes escaped). */
void ec_string(FILE *out, const char *s);
/* n bytes as a C initializer body, 16 a line, each line starting with indent. */
void ec_bytes(FILE *out, const char *indent, const uint8_t *b, size_t n);
/* The reason mask as words ("UNKNOWN|FILTER", "none", or hex). */
const char *ec_reasons(uint64_t mask, char *buf, size_t n);

#endif
