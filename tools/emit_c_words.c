/* emit_c_words.c - the comments and literals of a C reproducer: each operation and its expectation in words. */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit_c.h"
#include "msr_table.h"
#include "trace_text.h"

const char *ec_reasons(uint64_t mask, char *buf, size_t n)
{
	static const char *const names[3] = { "INVAL", "UNKNOWN", "FILTER" };
	size_t len = 0;

	if (mask & ~(uint64_t)REASON_VALID_MASK) {
		snprintf(buf, n, "0x%" PRIx64, mask);
		return buf;
	}
	snprintf(buf, n, "none");
	for (unsigned i = 0; i < 3; i++)
		if (mask & (1u << i))
			len += (size_t)snprintf(buf + len, len < n ? n - len : 0, "%s%s",
						len ? "|" : "", names[i]);
	return buf;
}

void ec_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(out, "\\%c", *s);
		else if (*s < 0x20 || *s == 0x7f)
			fprintf(out, "\\x%02x", (unsigned char)*s);
		else
			fputc(*s, out);
	}
	fputc('"', out);
}

void ec_bytes(FILE *out, const char *indent, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i % 16 == 0)
			fprintf(out, "%s%s", i ? "\n" : "", indent);
		fprintf(out, "0x%02x,%s", b[i], i % 16 == 15 || i + 1 == n ? "" : " ");
	}
	fprintf(out, "\n");
}

static void put_msr(FILE *out, uint32_t index)
{
	const struct msr_info *m = msr_lookup(index);

	if (m && strncmp(m->name, "UNKNOWN_", 8))
		fprintf(out, "%s (0x%" PRIx32 ")", m->name, index);
	else
		fprintf(out, "0x%" PRIx32, index);
}

static const char *exit_name(uint32_t exit)
{
	return exit == EXIT_REASON_RDMSR ? "KVM_EXIT_X86_RDMSR" :
	       exit == EXIT_REASON_WRMSR ? "KVM_EXIT_X86_WRMSR" :
					   "another exit";
}

static void put_alt(FILE *out, const struct step *s, const struct guest_exp *x,
		    const struct guest_alt *a)
{
	if (a->exit)
		fprintf(out,
			"exit %s (reason %s, index 0x%" PRIx32 ", data 0x%" PRIx64
			") at the instruction; after our reply, ",
			exit_name(a->exit), tt_reason_name(a->reason), guest_index(&s->g),
			a->exit_data);
	else if (a->gp && a->reason)
		fprintf(out, "no exit (a %s refusal that does not reach user space): ",
			tt_reason_name(a->reason));
	else
		fprintf(out, "no exit, it completes in the kernel: ");
	if (a->gp || a->ud)
		fprintf(out, "#%s at the instruction (RIP %+d), RAX and RDX unchanged",
			a->gp ? "GP(0)" : "UD", x->fault_rip);
	else if (step_is_write(s->kind))
		fprintf(out, "the guest goes on past it (RIP %+d)", x->rip_after);
	else if (a->data_any)
		fprintf(out, "the guest goes on past it (RIP %+d), any value in EDX:EAX",
			x->rip_after);
	else
		fprintf(out,
			"the guest goes on past it (RIP %+d) with RAX 0x%" PRIx64
			", RDX 0x%" PRIx64,
			x->rip_after, a->rax, a->rdx);
}

static void put_reply(FILE *out, const struct guest_step *g)
{
	fprintf(out, "our reply to its exit: ");
	if (g->reply_flags & REPLY_UNTOUCHED)
		fprintf(out, "kvm_run left untouched");
	else
		fprintf(out, "error %u, data 0x%" PRIx64, g->reply_error, g->reply_data);
	if (g->reply_flags & REPLY_SCRIBBLE)
		fprintf(out, ", garbage in the exit fields the kernel must not read back");
	if (g->reply_flags & REPLY_HOLD)
		fprintf(out, ", held pending while the host steps after it run");
}

/* A guest kind's mnemonic: its name in capitals (RDMSR, WRMSRNS). */
static const char *mnemonic(uint8_t kind, char *buf, size_t n)
{
	size_t i = 0;

	for (const char *c = step_name(kind); *c && i + 1 < n; c++)
		buf[i++] = (char)toupper((unsigned char)*c);
	buf[i] = 0;
	return buf;
}

static void describe_guest(FILE *out, const char *indent, const struct step *s,
			   const struct guest_exp *x)
{
	const struct guest_step *g = &s->g;
	char insn[32];

	fprintf(out,
		"%s%s at CPL%u%s on vCPU %u: RCX 0x%" PRIx64 ", RAX 0x%" PRIx64 ", RDX 0x%" PRIx64
		";\n%s",
		indent, mnemonic(s->kind, insn, sizeof(insn)), g->cpl,
		g->fep ? " behind the forced-emulation prefix" : "", s->vcpu, g->rcx, g->rax,
		g->rdx, indent);
	put_reply(out, g);
	fprintf(out, ".\n");
	if (!x->nalt) {
		fprintf(out, "%sThe oracle predicts nothing for it: not checked.\n", indent);
		return;
	}
	if (x->nalt == 1) {
		fprintf(out, "%sThe kernel should: ", indent);
		put_alt(out, s, x, &x->alt[0]);
		fprintf(out, ".\n");
		return;
	}
	fprintf(out, "%sThe kernel should do one of:\n", indent);
	for (unsigned i = 0; i < x->nalt && i < MAX_ALTS; i++) {
		fprintf(out, "%s- ", indent);
		put_alt(out, s, x, &x->alt[i]);
		fprintf(out, "%s\n", i + 1 < x->nalt ? ";" : ".");
	}
}

/* The fd step_fd() names, in words. */
static void put_fd(FILE *out, const struct step *s)
{
	switch (step_fd(s)) {
	case STEP_FD_VM:
		fprintf(out, "the VM fd");
		break;
	case STEP_FD_VCPU:
		fprintf(out, "vCPU %u's fd", s->vcpu);
		break;
	case STEP_FD_SYSTEM:
		fprintf(out, "the /dev/kvm fd");
		break;
	}
}

/*
 * One per host kind, named by its stem in step_kinds.h: a host kind without
 * its words does not compile. Each says which ioctl, with what, up to " on ".
 */
typedef void put_call_fn(FILE *out, const struct host_step *h);

static void put_call_mask(FILE *out, const struct host_step *h)
{
	char buf[48];

	fprintf(out,
		"KVM_ENABLE_CAP(KVM_CAP_X86_USER_SPACE_MSR, mask 0x%" PRIx64
		" = %s, flags 0x%" PRIx32 ") on ",
		h->arg, ec_reasons(h->arg, buf, sizeof(buf)), h->flags);
}

static void put_call_filter(FILE *out, const struct host_step *h)
{
	if (h->arg == HOST_FILTER_NONE)
		fprintf(out, "KVM_X86_SET_MSR_FILTER with no filter (flags 0, no range) on ");
	else
		fprintf(out, "KVM_X86_SET_MSR_FILTER with filter %" PRIu64 " on ", h->arg);
}

static void put_msrs(FILE *out, const struct host_step *h, const char *ioctl)
{
	fprintf(out, "%s of %u entr%s (", ioctl, h->nmsrs, h->nmsrs == 1 ? "y" : "ies");
	for (unsigned i = 0; i < h->nlist && i < PROG_MAX_HOST_MSRS; i++) {
		fprintf(out, "%s", i ? ", " : "");
		put_msr(out, h->list[i].index);
		fprintf(out, " = 0x%" PRIx64, h->list[i].value);
	}
	fprintf(out, "%s) on ", h->nmsrs > h->nlist ? ", the list repeating" : "");
}

static void put_call_get_msrs(FILE *out, const struct host_step *h)
{
	put_msrs(out, h, "KVM_GET_MSRS");
}

static void put_call_set_msrs(FILE *out, const struct host_step *h)
{
	put_msrs(out, h, "KVM_SET_MSRS");
}

static void put_call_immediate_exit(FILE *out, const struct host_step *h)
{
	(void)h;
	fprintf(out, "KVM_RUN with kvm_run->immediate_exit = 1 (completes a pending exit and must "
		     "not enter the guest) on ");
}

static void put_call_get_regs(FILE *out, const struct host_step *h)
{
	(void)h;
	fprintf(out, "KVM_GET_REGS (RIP relative to the last access started, RAX, RDX) on ");
}

static void put_call_get_events(FILE *out, const struct host_step *h)
{
	(void)h;
	fprintf(out, "KVM_GET_VCPU_EVENTS (exception pending or injected, vector, has error "
		     "code, error code) on ");
}

static void put_call_check_cap(FILE *out, const struct host_step *h)
{
	fprintf(out, "KVM_CHECK_EXTENSION(%" PRIu64 ") on ", h->arg);
}

#define PUT_CALL_guest(E, stem)
#define PUT_CALL_host(E, stem) [STEP_##E] = put_call_##stem,
#define PUT_CALL(E, num, cls, slot, nslots, fep, name, insn, wr, req, fd, touches, args, stem) \
	PUT_CALL_##cls(E, stem)
static put_call_fn *const call_words[STEP_KIND_LIMIT] = { STEP_KINDS(PUT_CALL) };

static void put_host_call(FILE *out, const struct step *s)
{
	put_call_fn *put = s->kind < STEP_KIND_LIMIT ? call_words[s->kind] : NULL;

	if (put)
		put(out, &s->h);
	else
		fprintf(out, "host step kind 0x%x (none has this number) on ", s->kind);
	put_fd(out, s);
}

static void describe_host(FILE *out, const char *indent, const struct step *s,
			  const struct host_exp *x)
{
	char buf[48];

	fprintf(out, "%s", indent);
	put_host_call(out, s);
	fprintf(out, ".\n%sThe kernel should ", indent);
	if (x->ret_any)
		fprintf(out, "return anything");
	else if (x->ret < 0)
		fprintf(out, "fail with %s", tt_errno_name(x->err, buf, sizeof(buf)));
	else
		fprintf(out, "return %ld", x->ret);
	for (unsigned i = 0; i < x->nvals && i < PROG_MAX_HOST_MSRS; i++) {
		fprintf(out, "%s", i ? ", " : ", and give ");
		if (x->val_any & (1u << i))
			fprintf(out, "%s any", tt_host_val_name(s->kind, i, buf, sizeof(buf)));
		else
			fprintf(out, "%s 0x%" PRIx64,
				tt_host_val_name(s->kind, i, buf, sizeof(buf)), x->vals[i]);
	}
	fprintf(out, ".\n");
}

/* Columns indent takes (a tab is 8). */
static unsigned width(const char *indent)
{
	unsigned w = 0;

	for (; *indent; indent++)
		w = *indent == '\t' ? (w + 8) & ~7u : w + 1;
	return w;
}

#define COMMENT_COLUMNS 100

/* Each line of text after indent, cut at spaces to fit; cut parts go on two spaces further in. */
void ec_comment(FILE *out, const char *indent, const char *text)
{
	unsigned room = COMMENT_COLUMNS - width(indent);

	while (*text) {
		size_t len = strcspn(text, "\n"), cut = len, skip = 0;
		bool first = true;

		while (len) {
			cut = len;
			if (cut > room - (first ? 0 : 2)) {
				cut = room - (first ? 0 : 2);
				while (cut && text[cut] != ' ')
					cut--;
				if (!cut)
					cut = room - (first ? 0 : 2);
			}
			fprintf(out, "%s%s%.*s\n", indent, first ? "" : "  ", (int)cut, text);
			skip = text[cut] == ' ';
			text += cut + skip;
			len -= cut + skip;
			first = false;
		}
		text += *text == '\n';
	}
}

void ec_describe_guest(FILE *out, const char *indent, const struct step *s,
		       const struct guest_exp *x)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&buf, &n);

	if (!m)
		return describe_guest(out, indent, s, x);
	describe_guest(m, "", s, x);
	fclose(m);
	ec_comment(out, indent, buf);
	free(buf);
}

void ec_describe_host(FILE *out, const char *indent, const struct step *s, const struct host_exp *x)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&buf, &n);

	if (!m)
		return describe_host(out, indent, s, x);
	describe_host(m, "", s, x);
	fclose(m);
	ec_comment(out, indent, buf);
	free(buf);
}
