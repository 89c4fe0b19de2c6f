/* facts_probe.c - probes the kernel facts the oracle needs, once per process. */
#include <cpuid.h>
#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "execute.h"
#include "facts_probe.h"
#include "vm.h"

/*
 * The stable release matters where a fix was backported (6.12.41 took the
 * 6.13 canonical checks). Debian names its 6.1 kernels 6.1.0-N: the real
 * release is in the version string ("... Debian 6.1.192-3 ...").
 */
static void probe_version(struct kernel_facts *f)
{
	unsigned major, minor, sub;
	struct utsname u;
	const char *deb;

	if (uname(&u) != 0)
		return;
	sscanf(u.release, "%u.%u.%u", &f->kver_major, &f->kver_minor, &f->kver_sub);
	deb = strstr(u.version, "Debian ");
	if (deb && sscanf(deb, "Debian %u.%u.%u", &major, &minor, &sub) == 3 &&
	    major == f->kver_major && minor == f->kver_minor)
		f->kver_sub = sub;
}

/* A 12-character CPUID signature from three registers, in the order given. */
static void signature(char out[13], uint32_t r0, uint32_t r1, uint32_t r2)
{
	memcpy(out, &r0, 4);
	memcpy(out + 4, &r1, 4);
	memcpy(out + 8, &r2, 4);
	out[12] = 0;
}

/*
 * What runs this kernel: the hypervisor leaf as the host kernel sees it. A
 * kernel tested inside QEMU without KVM runs on TCG, whose CPU model
 * deviates from real hardware in places (docs/spec.md §9).
 */
static void probe_platform(struct kernel_facts *f)
{
	unsigned a, b, c, d;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 31)))
		return;
	__cpuid(0x40000000, a, b, c, d);
	signature(f->hypervisor_id, b, c, d);
	f->tcg = !strcmp(f->hypervisor_id, "TCGTCGTCGTCG");
}

/* cpuid.h guest_cpuid_is_amd_or_hygon, is_guest_vendor_intel. */
static enum cpu_vendor classify_vendor(const char *id)
{
	if (!strcmp(id, "GenuineIntel"))
		return VENDOR_INTEL;
	if (!strcmp(id, "AuthenticAMD") || !strcmp(id, "AMDisbetter!"))
		return VENDOR_AMD;
	if (!strcmp(id, "HygonGenuine"))
		return VENDOR_HYGON;
	return VENDOR_OTHER;
}

/*
 * The module serving /dev/kvm. kvm_pvm is looked for first: it may be loaded
 * beside kvm_intel or kvm_amd, and then it is the one the suite runs on.
 */
static enum kvm_backend probe_backend(void)
{
	static const struct {
		const char *module;
		enum kvm_backend backend;
	} modules[] = {
		{ "/sys/module/kvm_pvm", BACKEND_KVM_PVM },
		{ "/sys/module/kvm_intel", BACKEND_KVM_INTEL },
		{ "/sys/module/kvm_amd", BACKEND_KVM_AMD },
	};

	for (unsigned i = 0; i < sizeof(modules) / sizeof(modules[0]); i++)
		if (access(modules[i].module, F_OK) == 0)
			return modules[i].backend;
	return BACKEND_UNKNOWN;
}

/*
 * WRMSRNS: the CPUID the vCPU really has (kvm_pvm, at least, rewrites some
 * of what KVM_SET_CPUID2 was given), read back. Canonical checks of MSR
 * values follow what KVM supports, not the guest's CPUID (measured: with
 * LA57 supported but absent from the vCPU's CPUID, LSTAR takes
 * 0x0000800000000000), so va_bits comes from the supported CPUID.
 */
static int probe_cpuid(struct vm *vm, struct kernel_facts *f)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + 512 * sizeof(c->entries[0]));
	const struct kvm_cpuid_entry2 *e;

	int r;

	if (!c)
		return kvm_error(ENOMEM, "out of memory");
	c->nent = 512;
	r = KVM_IOCTL(vm->vcpu[0].fd, KVM_GET_CPUID2, c, "vcpu 0");
	if (r < 0) {
		free(c);
		return r;
	}
	/*
	 * x86.h is_noncanonical_msr_address (6.13, and 6.12.41 on): KVM's
	 * own LA57 support; before, vcpu_virt_addr_bits: the guest's CR4.LA57,
	 * which the stub leaves clear. The CPU checks accesses it handles
	 * itself against its own LA57 support.
	 */
	e = cpuid_find(vm->sys->cpuid, 7, 0);
	f->cpu_va_bits = e && (e->ecx & (1u << 16)) ? 57 : 48;
	f->va_bits = kernel_at_least_sub(f, 6, 12, 41) ? f->cpu_va_bits : 48;
	e = cpuid_find(c, 7, 1);
	f->has_wrmsrns = e && (e->eax & (1u << 19));
	e = cpuid_find(c, 7, 0);
	f->has_tsc_adjust = e && (e->ebx & (1u << 1));
	f->has_pred_cmd = e && (e->edx & (1u << 26)); /* SPEC_CTRL */
	e = cpuid_find(c, 0x80000008, 0);
	f->has_pred_cmd |= e && (e->ebx & (1u << 12)); /* AMD_IBPB */
	e = cpuid_find(c, 0x80000021, 0);
	f->has_pred_cmd |= e && (e->eax & (1u << 27)); /* SBPB */
	/* cpuid.c cpuid_query_maxphyaddr: 36 without the leaf */
	e = cpuid_find(c, 0x80000008, 0);
	f->maxphyaddr = e && (e->eax & 0xff) ? e->eax & 0xff : 36;
	f->guest_mem_end = GUEST_MEM_SIZE;
	e = cpuid_find(c, 0, 0);
	if (e)
		signature(f->guest_vendor_id, e->ebx, e->edx, e->ecx);
	f->guest_vendor = classify_vendor(f->guest_vendor_id);
	free(c);
	return 0;
}

/* Host reads of each table MSR, alone, on every vCPU of a fresh VM. */
static int probe_host_reads(struct vm *vm, struct kernel_facts *f)
{
	for (unsigned i = 0; i < msr_table_len; i++) {
		for (int v = 0; v < vm->nvcpus; v++) {
			uint64_t data = 0;
			int r =
			    __msr_io_one(vm->vcpu[v].fd, KVM_GET_MSRS, msr_table[i].index, &data);

			if (r < 0)
				return kvm_error(EPROTO, "probe: KVM_GET_MSRS(0x%x) failed: %s",
						 msr_table[i].index, strerror(-r));
			if (v == 0)
				f->msr[i].host_read_ok = r == 1;
			f->msr[i].initial[v] = r == 1 ? data : 0;
		}
	}
	return 0;
}

static void add_probe_read(struct program *p, uint32_t index)
{
	struct step *s = &p->steps[p->nsteps++];

	memset(s, 0, sizeof(*s));
	s->kind = STEP_RDMSR;
	s->g.rcx = index;
}

/*
 * With every reason on and no filter, a read either succeeds or exits UNKNOWN
 * or INVAL. Anything else is the kernel misbehaving, not a fact to build on.
 */
static int classify_read(const struct guest_obs *g, uint8_t *out, const char *name)
{
	if (g->ran && !g->exited && !g->faulted) {
		*out = ACC_OK;
		return 0;
	}
	if (g->ran && g->exited && (g->reason == REASON_UNKNOWN || g->reason == REASON_INVAL)) {
		*out = g->reason == REASON_UNKNOWN ? ACC_UNKNOWN : ACC_INVAL;
		return 0;
	}
	char what[80];

	if (!g->ran)
		snprintf(what, sizeof(what), "never completed");
	else if (!g->exited)
		snprintf(what, sizeof(what), "faulted (vector %u) without an exit", g->vector);
	else
		snprintf(what, sizeof(what), "exited with reason 0x%x", g->reason);
	return kvm_error(EPROTO,
			 "the kernel misbehaved during the facts probe: a guest read of %s with "
			 "every exit reason on and no filter %s",
			 name, what);
}

/* Guest reads of the probed MSRs from table position *next on, as many as one program holds. */
static int probe_read_batch(struct kvm_sys *sys, struct kernel_facts *f, unsigned *next)
{
	static struct program p;
	static struct trace t;
	struct exec_opts o = { .no_inject = true };
	int pos[PROG_MAX_STEPS], n = 0, r;
	struct vm vm;

	memset(&p, 0, sizeof(p));
	p.nvcpus = 1;
	p.mask = REASON_VALID_MASK;
	p.setup_filter = HOST_FILTER_NONE;
	for (; *next < msr_table_len && n < PROG_MAX_STEPS; (*next)++) {
		if (msr_table[*next].support != SUPPORT_PROBED)
			continue;
		pos[n++] = (int)*next;
		add_probe_read(&p, msr_table[*next].index);
	}
	if (!n)
		return 0;
	r = __vm_create(&vm, sys, 1);
	if (r)
		return r;
	r = execute(&vm, &p, &o, &t);
	vm_destroy(&vm);
	if (r)
		return kvm_error(
		    EPROTO,
		    "the kernel misbehaved during the facts probe: guest reads stopped "
		    "at step %d: %s",
		    t.abort_step, t.abort_msg);
	for (int k = 0; k < n && !r; k++)
		r = classify_read(&t.g[k], &f->msr[pos[k]].guest_read, msr_table[pos[k]].name);
	return r;
}

/* Guest reads of the MSRs whose support depends on CPUID or kernel, with every exit on. */
static int probe_guest_reads(struct kvm_sys *sys, struct kernel_facts *f)
{
	unsigned next = 0;
	int r;

	for (unsigned i = 0; i < msr_table_len; i++)
		f->msr[i].guest_read = ACC_OK;
	r = __exec_watchdog_init(); /* this process's limits, not the kernel's behaviour */
	if (r)
		return r;
	while (!r && next < msr_table_len)
		r = probe_read_batch(sys, f, &next);
	return r;
}

int __facts_probe(struct kvm_sys *sys, struct kernel_facts *f)
{
	struct vm vm;
	int r;

	kvm_clear_error();
	memset(f, 0, sizeof(*f));
	if (msr_table_len > sizeof(f->msr) / sizeof(f->msr[0]))
		return kvm_error(EINVAL, "msr_table has %u entries, facts hold %zu", msr_table_len,
				 sizeof(f->msr) / sizeof(f->msr[0]));
	probe_version(f);
	probe_platform(f);
	f->backend = probe_backend();
	f->ignore_msrs = kvm_param("ignore_msrs") == 1;
	f->ignore_msrs_unread = kvm_param("ignore_msrs") < 0;
	f->force_emulation_prefix = kvm_param("force_emulation_prefix");
	if (f->force_emulation_prefix < 0)
		f->force_emulation_prefix = 0;
	r = __vm_create(&vm, sys, PROG_MAX_VCPUS);
	if (r)
		return r; /* the device works (opened), this environment does not */
	r = probe_cpuid(&vm, f); /* after probe_version: the canonical rule depends on it */
	if (!r)
		r = probe_host_reads(&vm, f);
	vm_destroy(&vm);
	return r ? r : probe_guest_reads(sys, f);
}

const struct kernel_facts *facts_get(int *status)
{
	static struct kernel_facts facts;
	static int done, st;
	static char why[512];
	struct kvm_sys *sys;

	if (!done) {
		sys = kvm_sys_get(&st);
		if (sys) {
			int r = __facts_probe(sys, &facts);

			st = !r ? EXIT_OK : r == -EPROTO ? EXIT_MISMATCH : EXIT_BAD_INPUT;
		}
		snprintf(why, sizeof(why), "%s", kvm_last_error());
		done = 1;
	}
	/* each call says why the probe failed, not whatever failed since */
	kvm_set_error("%s", why);
	if (status)
		*status = st;
	return st ? NULL : &facts;
}

static const char *guest_read_name(const struct msr_info *m, uint8_t a)
{
	static const char *names[] = { "ok", "UNKNOWN", "INVAL", "UNKNOWN-or-INVAL" };

	if (m->support == SUPPORT_ALWAYS)
		return "ok (by spec)";
	if (m->support == SUPPORT_NEVER)
		return "UNKNOWN (by spec)";
	return a < 4 ? names[a] : "?";
}

const char *facts_ignore_msrs_text(const struct kernel_facts *f)
{
	if (f->ignore_msrs_unread)
		return "N (assumed: the parameter is unreadable)";
	return f->ignore_msrs ? "Y" : "N";
}

const char *facts_backend_text(const struct kernel_facts *f)
{
	static const char *names[] = {
		[BACKEND_UNKNOWN] = "unknown",
		[BACKEND_KVM_INTEL] = "kvm_intel",
		[BACKEND_KVM_AMD] = "kvm_amd",
		[BACKEND_KVM_PVM] = "kvm_pvm",
	};

	return (unsigned)f->backend < sizeof(names) / sizeof(names[0]) ? names[f->backend] : "?";
}

const char *facts_platform_text(const struct kernel_facts *f)
{
	static char text[64];

	if (f->tcg)
		return "QEMU TCG (hypervisor TCGTCGTCGTCG)";
	if (!f->hypervisor_id[0])
		return "bare metal (no hypervisor bit)";
	snprintf(text, sizeof(text), "virtual (hypervisor %s)", f->hypervisor_id);
	return text;
}

void facts_print(const struct kernel_facts *f, FILE *out)
{
	fprintf(
	    out,
	    "kernel %u.%u.%u, backend %s, ignore_msrs=%s, force_emulation_prefix=%d, WRMSRNS %s, "
	    "%u-bit canonical addresses (the CPU's own: %u-bit)\n",
	    f->kver_major, f->kver_minor, f->kver_sub, facts_backend_text(f),
	    facts_ignore_msrs_text(f), f->force_emulation_prefix,
	    f->has_wrmsrns ? "in CPUID" : "not in CPUID", f->va_bits, f->cpu_va_bits);
	fprintf(out, "guest CPU vendor %s, hardware %s\n",
		f->guest_vendor_id[0] ? f->guest_vendor_id : "(none)", facts_platform_text(f));
	fprintf(out, "guest MAXPHYADDR %u, TSC_ADJUST %s, PRED_CMD %s, memory [0, 0x%llx)\n",
		f->maxphyaddr, f->has_tsc_adjust ? "in CPUID" : "not in CPUID",
		f->has_pred_cmd ? "in CPUID" : "not in CPUID",
		(unsigned long long)f->guest_mem_end);
	for (unsigned i = 0; i < msr_table_len; i++) {
		const struct msr_info *m = &msr_table[i];

		fprintf(out, "  %-21s 0x%08x  guest read %-18s host read %-4s initial 0x%llx\n",
			m->name, m->index, guest_read_name(m, f->msr[i].guest_read),
			f->msr[i].host_read_ok ? "ok" : "fail",
			(unsigned long long)f->msr[i].initial[0]);
	}
}
