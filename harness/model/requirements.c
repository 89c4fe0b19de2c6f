/* requirements.c - the one table of what a case or step needs of the kernel: token, test on facts, reason. */
#include <string.h>

#include "requirements.h"

static bool force_emulation(const struct kernel_facts *f)
{
	return f->force_emulation_prefix != 0;
}

static bool no_force_emulation(const struct kernel_facts *f)
{
	return !f->force_emulation_prefix;
}

static bool wrmsrns(const struct kernel_facts *f)
{
	return f->has_wrmsrns;
}

static bool no_wrmsrns(const struct kernel_facts *f)
{
	return !f->has_wrmsrns;
}

static bool no_ignore_msrs(const struct kernel_facts *f)
{
	return !f->ignore_msrs;
}

static bool not_kvm_pvm(const struct kernel_facts *f)
{
	return f->backend != BACKEND_KVM_PVM;
}

static bool not_tcg(const struct kernel_facts *f)
{
	return !f->tcg;
}

const struct requirement_desc requirement_table[REQ_COUNT] = {
	[REQ_NONE] = { NULL, NULL, NULL },
	[REQ_FORCE_EMULATION] = {
		"force-emulation", force_emulation,
		"kvm.force_emulation_prefix=0: the guest cannot reach KVM's emulator path",
	},
	[REQ_NO_FORCE_EMULATION] = {
		"no-force-emulation", no_force_emulation,
		"kvm.force_emulation_prefix is set: the prefix is not a plain #UD here",
	},
	[REQ_WRMSRNS] = {
		"wrmsrns", wrmsrns,
		"WRMSRNS is not in the guest CPUID (CPUID.(7,1):EAX[19])",
	},
	[REQ_NO_WRMSRNS] = {
		"no-wrmsrns", no_wrmsrns,
		"WRMSRNS is in the guest CPUID: it cannot be shown to be #UD",
	},
	[REQ_NO_IGNORE_MSRS] = {
		"no-ignore-msrs", no_ignore_msrs,
		"kvm.ignore_msrs=Y: unknown MSRs succeed silently and never exit",
	},
	[REQ_NOT_KVM_PVM] = {
		"not-kvm_pvm", not_kvm_pvm,
		"known deviation of the kvm_pvm backend (docs/spec.md §9, corpus/findings)",
	},
	[REQ_NOT_TCG] = {
		"not-tcg", not_tcg,
		"known deviation of QEMU's TCG CPU model under this kernel (docs/spec.md §9, "
		"corpus/findings)",
	},
};

const char *requirement_unmet(const struct kernel_facts *f, enum requirement r)
{
	const struct requirement_desc *d;

	if (r <= REQ_NONE || r >= REQ_COUNT)
		return NULL;
	d = &requirement_table[r];
	return d->met(f) ? NULL : d->reason;
}

int requirement_lookup(const char *tok, size_t len)
{
	for (int r = REQ_NONE + 1; r < REQ_COUNT; r++) {
		const char *t = requirement_table[r].token;

		if (strlen(t) == len && !strncmp(tok, t, len))
			return r;
	}
	return -1;
}

#define SEPARATORS " ,\t"

/* Every token is known before any is judged: a typo fails a case on every kernel. */
static const char *first_unknown(const char *list)
{
	while (*list) {
		size_t len;

		list += strspn(list, SEPARATORS);
		len = strcspn(list, SEPARATORS);
		if (len && requirement_lookup(list, len) < 0)
			return list;
		list += len;
	}
	return NULL;
}

const char *requirements_unmet(const struct kernel_facts *f, const char *list, const char **bad)
{
	*bad = NULL;
	if (!list)
		return NULL;
	*bad = first_unknown(list);
	if (*bad)
		return NULL;
	while (*list) {
		size_t len;
		const char *why;

		list += strspn(list, SEPARATORS);
		len = strcspn(list, SEPARATORS);
		if (len && (why = requirement_unmet(f, requirement_lookup(list, len))))
			return why;
		list += len;
	}
	return NULL;
}
