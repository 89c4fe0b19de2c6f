/* cases_host.c - host-initiated KVM_GET_MSRS/KVM_SET_MSRS: feature MSRs, round trips, versions (§6). */
#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "conform.h"
#include "msr_table.h"
#include "program_build.h"

/* KVM_GET_MSRS on /dev/kvm reads every MSR of KVM_GET_MSR_FEATURE_INDEX_LIST. */
static int feature_msrs(struct case_ctx *c)
{
	struct kvm_msr_list *list = calloc(1, sizeof(*list) + 1024 * sizeof(__u32));
	struct kvm_msrs *m = calloc(1, sizeof(*m) + 255 * sizeof(struct kvm_msr_entry));
	int r, n;

	if (!list || !m)
		return case_fail(c, "out of memory");
	list->nmsrs = 1024;
	if (ioctl(c->sys->fd, KVM_GET_MSR_FEATURE_INDEX_LIST, list) < 0) {
		case_fail(c, "KVM_GET_MSR_FEATURE_INDEX_LIST: %s", strerror(errno));
		goto out;
	}
	n = list->nmsrs < 255 ? (int)list->nmsrs : 255;
	case_diag(c, "%u feature MSRs listed", list->nmsrs);
	m->nmsrs = (__u32)n;
	for (int i = 0; i < n; i++)
		m->entries[i].index = list->indices[i];
	r = ioctl(c->sys->fd, KVM_GET_MSRS, m);
	CASE_EXPECT(c, r == n, "reading the %d listed feature MSRs: ret %d errno %d", n, r,
		    r < 0 ? errno : 0);
	/* EFER is not a feature MSR: the system fd refuses it (0 done) */
	m->nmsrs = 1;
	m->entries[0].index = 0xc0000080;
	r = ioctl(c->sys->fd, KVM_GET_MSRS, m);
	CASE_EXPECT(c, r == 0, "EFER on /dev/kvm: ret %d, want 0 entries done", r);
out:
	free(list);
	free(m);
	return CASE_PASS;
}

static bool roundtrip_candidate(const struct kernel_facts *f, unsigned i)
{
	const struct msr_info *m = &msr_table[i];

	return m->kind == MSR_STORAGE && m->nvalid >= 2 && f->msr[i].host_read_ok &&
	       f->msr[i].guest_read == ACC_OK && m->support != SUPPORT_NEVER;
}

/* A value the host writes is what the guest reads, and the other way round, per known MSR. */
static int known_msr_roundtrip(struct case_ctx *c)
{
	static struct program p;
	unsigned done = 0;

	pb_init(&p, 1, REASON_VALID_MASK);
	for (unsigned i = 0; i < msr_table_len; i++) {
		const struct msr_info *m = &msr_table[i];

		if (!roundtrip_candidate(c->facts, i))
			continue;
		if (p.nsteps + 4 > PROG_MAX_STEPS) {
			case_run(c, &p);
			pb_init(&p, 1, REASON_VALID_MASK);
		}
		pb_host_msrs(&p, STEP_HOST_SET_MSRS, 1, &m->index, &m->valid[0]);
		pb_rdmsr(&p, m->index);
		pb_wrmsr(&p, m->index, m->valid[1]);
		pb_host_msrs(&p, STEP_HOST_GET_MSRS, 1, &m->index, NULL);
		done++;
	}
	if (p.nsteps)
		case_run(c, &p);
	case_diag(c, "%u MSRs round-tripped", done);
	CASE_EXPECT(c, done >= 8, "only %u MSRs qualified", done);
	return CASE_PASS;
}

/* A failed host read's data: 0 since 6.12 (6.8 for feature MSRs); older kernels may leave it. */
static int failed_read_data(struct case_ctx *c)
{
	static struct program p;
	uint32_t idx[3] = { 0xc0000080, 0x12345678, 0xc0000081 };
	uint64_t sentinel[3] = { 0x1111, 0x7777777777777777ull, 0x3333 };

	case_diag(c, "kernel %u.%u", c->facts->kver_major, c->facts->kver_minor);
	pb_init(&p, 1, 0);
	pb_host_msrs(&p, STEP_HOST_GET_MSRS, 3, idx, sentinel);
	case_run(c, &p);
	return CASE_PASS;
}

const struct conform_case host_cases[] = {
	{ "host_c.feature_msrs", "6", "KVM_GET_MSRS on /dev/kvm reads the feature MSRs it lists",
	  feature_msrs, NULL },
	{ "host_c.known_msr_roundtrip", "6",
	  "for every known MSR the host writes what the guest reads, and back", known_msr_roundtrip,
	  NULL },
	{ "host_c.failed_read_data", "6,8",
	  "a failed host read's data, by kernel version (0 since 6.12); later entries untouched",
	  failed_read_data, NULL },
	{ 0 },
};
