/* test_emit_c.c - the C reproducer's words and calls for every step kind come from the kind table. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "emit_c.h"
#include "unit.h"

/* The ioctl each host kind makes, and the reproducer's call of it on its own fd. */
static const struct {
	uint8_t kind;
	const char *ioctl, *call;
} host_calls[] = {
	{ STEP_HOST_MASK, "KVM_ENABLE_CAP(", "host_call(0, enable_cap(vm.fd, " },
	{ STEP_HOST_FILTER, "KVM_X86_SET_MSR_FILTER ", "host_call(0, set_filter(vm.fd, " },
	{ STEP_HOST_GET_MSRS, "KVM_GET_MSRS ", "host_msrs(0, vm.vcpu[0].fd, KVM_GET_MSRS, " },
	{ STEP_HOST_SET_MSRS, "KVM_SET_MSRS ", "host_msrs(0, vm.vcpu[0].fd, KVM_SET_MSRS, " },
	{ STEP_HOST_IMMEDIATE_EXIT, "KVM_RUN ", "host_immediate_exit(0, &vm.vcpu[0]);" },
	{ STEP_HOST_GET_REGS, "KVM_GET_REGS ", "host_regs(0, &vm.vcpu[0]);" },
	{ STEP_HOST_GET_EVENTS, "KVM_GET_VCPU_EVENTS ", "host_events(0, &vm.vcpu[0]);" },
	{ STEP_HOST_CHECK_CAP, "KVM_CHECK_EXTENSION(", "ioctl(vm.fd, KVM_CHECK_EXTENSION, " },
};

static char *out_buf;
static size_t out_len;

static FILE *out_open(void)
{
	free(out_buf);
	out_buf = NULL;
	return open_memstream(&out_buf, &out_len);
}

static void one_step(struct program *p, uint8_t kind)
{
	program_init(p);
	p->nvcpus = 1;
	p->setup_filter = HOST_FILTER_NONE;
	p->nsteps = 1;
	step_init(&p->steps[0], kind);
}

static const char *emit_main(const struct program *p)
{
	static struct expected e;
	static const char *const op_text[] = { "op" };
	struct batch_plan batch = { 0, 1, 0, false };
	FILE *f = out_open();

	memset(&e, 0, sizeof(e));
	e.setup_filter_err = -1;
	e.g[0].nalt = 1;
	ec_emit_main(f, p, &e, op_text, &batch, step_is_guest(p->steps[0].kind));
	fclose(f);
	return out_buf;
}

/* ec_comment's lines joined again: a cut line goes on after a newline and two spaces. */
static void unwrap(char *s)
{
	char *w = s;

	for (const char *r = s; *r; r++) {
		if (r[0] == '\n' && r[1] == ' ' && r[2] == ' ') {
			*w++ = ' ';
			r += 2;
		} else {
			*w++ = *r;
		}
	}
	*w = 0;
}

static const char *describe_host(const struct step *s)
{
	static struct host_exp x;
	FILE *f = out_open();

	ec_describe_host(f, "", s, &x);
	fclose(f);
	unwrap(out_buf);
	return out_buf;
}

/* Every host kind: its own ioctl in words and in the call, on the fd its table row names. */
static void test_host_kinds(void)
{
	static struct program p;
	unsigned nhost = 0;

	for (unsigned i = 0; i < sizeof(host_calls) / sizeof(host_calls[0]); i++) {
		const char *fd;

		one_step(&p, host_calls[i].kind);
		CHECK(strstr(emit_main(&p), host_calls[i].call), "%s: no '%s' in\n%s",
		      step_name(host_calls[i].kind), host_calls[i].call, out_buf);
		fd = step_kinds[host_calls[i].kind].fd == STEP_FD_VM ? "on the VM fd." :
								       "on vCPU 0's fd.";
		CHECK(!strncmp(describe_host(&p.steps[0]), host_calls[i].ioctl,
			       strlen(host_calls[i].ioctl)) &&
			  strstr(out_buf, fd),
		      "%s: '%s', not %s ... %s", step_name(host_calls[i].kind), out_buf,
		      host_calls[i].ioctl, fd);
	}
	for (unsigned i = 0; i < step_kind_count; i++)
		nhost += !step_kinds[step_kind_list[i]].guest;
	/* a new host kind: a row above */
	CHECK_EQ(nhost, sizeof(host_calls) / sizeof(host_calls[0]));
}

/* on=system sends every kind that honours a target to /dev/kvm, in words and in the call. */
static void test_system_fd(void)
{
	static const uint8_t kinds[] = { STEP_HOST_MASK, STEP_HOST_FILTER, STEP_HOST_GET_MSRS,
					 STEP_HOST_SET_MSRS, STEP_HOST_CHECK_CAP };
	static struct program p;

	for (unsigned i = 0; i < sizeof(kinds); i++) {
		one_step(&p, kinds[i]);
		p.steps[0].h.target = TARGET_SYSTEM;
		CHECK(strstr(emit_main(&p), "(vm.sys_fd, ") || strstr(out_buf, "(0, vm.sys_fd, "),
		      "%s on /dev/kvm:\n%s", step_name(kinds[i]), out_buf);
		CHECK(strstr(describe_host(&p.steps[0]), "on the /dev/kvm fd."), "%s: %s",
		      step_name(kinds[i]), out_buf);
	}
}

/* Guest kinds: the mnemonic is the kind's name, a read is any kind that does not write. */
static void test_guest_kinds(void)
{
	static struct program p;
	static struct guest_exp x;

	for (unsigned i = 0; i < step_kind_count; i++) {
		const struct step_kind_desc *d = &step_kinds[step_kind_list[i]];
		char want[32], rdmsr[16];
		FILE *f;

		if (!d->guest)
			continue;
		for (unsigned k = 0; k <= strlen(d->name) && k < sizeof(want); k++)
			want[k] = (char)toupper((unsigned char)d->name[k]);
		one_step(&p, d->kind);
		f = out_open();
		ec_describe_guest(f, "", &p.steps[0], &x);
		fclose(f);
		CHECK(!strncmp(out_buf, want, strlen(want)) && out_buf[strlen(want)] == ' ',
		      "%s: '%s'", d->name, out_buf);
		snprintf(rdmsr, sizeof(rdmsr), ".rdmsr = %d,", !d->write);
		CHECK(strstr(emit_main(&p), rdmsr), "%s: no '%s' in\n%s", d->name, rdmsr, out_buf);
	}
}

int main(void)
{
	test_host_kinds();
	test_system_fd();
	test_guest_kinds();
	free(out_buf);
	return unit_summary("emit_c");
}
