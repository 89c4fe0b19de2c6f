/* test_msr_ids.c - MSR rows keep their ids, so saved binary inputs keep their meaning as the table grows. */
#include <dirent.h>
#include <string.h>

#include "msr_table.h"
#include "program.h"
#include "unit.h"

/*
 * Every row's id, index and name. A new row is a new line at the end with
 * the next id; a line is never changed or removed (docs/program-format.md,
 * "Compatibility").
 */
static const struct {
	unsigned id;
	uint32_t index;
	const char *name;
} pinned[] = {
	{ 0, 0xc0000080, "EFER" },
	{ 1, 0xc0000081, "STAR" },
	{ 2, 0xc0000082, "LSTAR" },
	{ 3, 0xc0000083, "CSTAR" },
	{ 4, 0xc0000084, "SFMASK" },
	{ 5, 0xc0000100, "FS_BASE" },
	{ 6, 0xc0000101, "GS_BASE" },
	{ 7, 0xc0000102, "KERNEL_GS_BASE" },
	{ 8, 0xc0000103, "TSC_AUX" },
	{ 9, 0x174, "SYSENTER_CS" },
	{ 10, 0x175, "SYSENTER_ESP" },
	{ 11, 0x176, "SYSENTER_EIP" },
	{ 12, 0x10, "TSC" },
	{ 13, 0x277, "PAT" },
	{ 14, 0x1b, "APIC_BASE" },
	{ 15, 0x2ff, "MTRR_DEF_TYPE" },
	{ 16, 0x1a0, "MISC_ENABLE" },
	{ 17, 0x6e0, "TSC_DEADLINE" },
	{ 18, 0x802, "X2APIC_ID" },
	{ 19, 0x808, "X2APIC_TPR" },
	{ 20, 0x12345678, "UNKNOWN_12345678" },
	{ 21, 0xdeadbeef, "UNKNOWN_DEADBEEF" },
	{ 22, 0xbadc0de, "UNKNOWN_0BADC0DE" },
	{ 23, 0x7fffffff, "UNKNOWN_7FFFFFFF" },
	{ 64, 0x3b, "TSC_ADJUST" },
	{ 65, 0xfe, "MTRRCAP" },
	{ 66, 0x250, "MTRR_FIX64K_00000" },
	{ 67, 0x258, "MTRR_FIX16K_80000" },
	{ 68, 0x259, "MTRR_FIX16K_A0000" },
	{ 69, 0x268, "MTRR_FIX4K_C0000" },
	{ 70, 0x269, "MTRR_FIX4K_C8000" },
	{ 71, 0x26a, "MTRR_FIX4K_D0000" },
	{ 72, 0x26b, "MTRR_FIX4K_D8000" },
	{ 73, 0x26c, "MTRR_FIX4K_E0000" },
	{ 74, 0x26d, "MTRR_FIX4K_E8000" },
	{ 75, 0x26e, "MTRR_FIX4K_F0000" },
	{ 76, 0x26f, "MTRR_FIX4K_F8000" },
	{ 77, 0x200, "MTRR_PHYSBASE0" },
	{ 78, 0x201, "MTRR_PHYSMASK0" },
	{ 79, 0x202, "MTRR_PHYSBASE1" },
	{ 80, 0x203, "MTRR_PHYSMASK1" },
	{ 81, 0x204, "MTRR_PHYSBASE2" },
	{ 82, 0x205, "MTRR_PHYSMASK2" },
	{ 83, 0x206, "MTRR_PHYSBASE3" },
	{ 84, 0x207, "MTRR_PHYSMASK3" },
	{ 85, 0x208, "MTRR_PHYSBASE4" },
	{ 86, 0x209, "MTRR_PHYSMASK4" },
	{ 87, 0x20a, "MTRR_PHYSBASE5" },
	{ 88, 0x20b, "MTRR_PHYSMASK5" },
	{ 89, 0x20c, "MTRR_PHYSBASE6" },
	{ 90, 0x20d, "MTRR_PHYSMASK6" },
	{ 91, 0x20e, "MTRR_PHYSBASE7" },
	{ 92, 0x20f, "MTRR_PHYSMASK7" },
	{ 93, 0x179, "MCG_CAP" },
	{ 94, 0x17a, "MCG_STATUS" },
	{ 95, 0x17b, "MCG_CTL" },
	{ 96, 0x400, "MC0_CTL" },
	{ 97, 0x401, "MC0_STATUS" },
	{ 98, 0x402, "MC0_ADDR" },
	{ 99, 0x403, "MC0_MISC" },
	{ 100, 0x404, "MC1_CTL" },
	{ 101, 0x47c, "MC31_CTL" },
	{ 102, 0x47d, "MC31_STATUS" },
	{ 103, 0x47e, "MC31_ADDR" },
	{ 104, 0x47f, "MC31_MISC" },
	{ 105, 0x280, "MC0_CTL2" },
	{ 106, 0xc0010015, "HWCR" },
	{ 107, 0x4b564d00, "KVM_WALL_CLOCK_NEW" },
	{ 108, 0x4b564d01, "KVM_SYSTEM_TIME_NEW" },
	{ 109, 0x4b564d02, "KVM_ASYNC_PF_EN" },
	{ 110, 0x4b564d03, "KVM_STEAL_TIME" },
	{ 111, 0x4b564d04, "KVM_PV_EOI_EN" },
	{ 112, 0x4b564d05, "KVM_POLL_CONTROL" },
	{ 113, 0x4b564d06, "KVM_ASYNC_PF_INT" },
	{ 114, 0x4b564d07, "KVM_ASYNC_PF_ACK" },
	{ 115, 0x11, "KVM_WALL_CLOCK" },
	{ 116, 0x12, "KVM_SYSTEM_TIME" },
	{ 117, 0x48, "SPEC_CTRL" },
	{ 118, 0x49, "PRED_CMD" },
	{ 119, 0xda0, "XSS" },
	{ 120, 0x1d9, "DEBUGCTL" },
	{ 121, 0x140, "MISC_FEATURES_ENABLES" },
	{ 122, 0xce, "PLATFORM_INFO" },
	{ 123, 0x8b, "UCODE_REV" },
	{ 124, 0x34, "SMI_COUNT" },
	{ 125, 0x1fc, "POWER_CTL" },
	{ 126, 0xc0010058, "MMIO_CONF_BASE" },
	{ 127, 0xc0010140, "OSVW_ID_LENGTH" },
	{ 128, 0xc0010141, "OSVW_STATUS" },
	{ 129, 0x80a, "X2APIC_PPR" },
	{ 130, 0x80b, "X2APIC_EOI" },
	{ 131, 0x80d, "X2APIC_LDR" },
	{ 132, 0x80f, "X2APIC_SVR" },
	{ 133, 0x828, "X2APIC_ESR" },
	{ 134, 0x830, "X2APIC_ICR" },
	{ 135, 0x832, "X2APIC_LVT_TIMER" },
	{ 136, 0x835, "X2APIC_LVT_LINT0" },
	{ 137, 0x837, "X2APIC_LVT_ERROR" },
	{ 138, 0x838, "X2APIC_TMICT" },
	{ 139, 0x839, "X2APIC_TMCCT" },
	{ 140, 0x83e, "X2APIC_TDCR" },
	{ 141, 0x83f, "X2APIC_SELF_IPI" },
};

/* The table of version 1, before ids: INDEX class 0 was v1_index[u % 24]. */
static const uint32_t v1_index[MSR_V1_ROWS] = {
	0xc0000080, 0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084, 0xc0000100,
	0xc0000101, 0xc0000102, 0xc0000103, 0x174,	0x175,	    0x176,
	0x10,	    0x277,	0x1b,	    0x2ff,	0x1a0,	    0x6e0,
	0x802,	    0x808,	0x12345678, 0xdeadbeef, 0x0badc0de, 0x7fffffff,
};

static void test_pinned(void)
{
	unsigned n = sizeof(pinned) / sizeof(pinned[0]);

	CHECK(msr_table_len == n, "%u rows, %u pinned: pin a new row here", msr_table_len, n);
	for (unsigned i = 0; i < n && i < msr_table_len; i++) {
		CHECK(msr_table[i].id == pinned[i].id, "row %u: id %u, pinned %u", i,
		      msr_table[i].id, pinned[i].id);
		CHECK(msr_table[i].index == pinned[i].index, "row %u index 0x%x, pinned 0x%x", i,
		      msr_table[i].index, pinned[i].index);
		CHECK(!strcmp(msr_table[i].name, pinned[i].name), "row %u: %s, pinned %s", i,
		      msr_table[i].name, pinned[i].name);
	}
	for (unsigned i = 0; i < msr_table_len; i++) {
		unsigned id = msr_table[i].id;

		CHECK(id < MSR_ID_LIMIT, "%s: id %u", msr_table[i].name, id);
		CHECK(id < MSR_V1_ROWS || id >= 64, "%s: id %u is in 24..63", msr_table[i].name,
		      id);
		CHECK(i == 0 || id > msr_table[i - 1].id, "%s: ids increase", msr_table[i].name);
		CHECK(msr_by_id(id) == &msr_table[i], "msr_by_id(%u)", id);
	}
	for (unsigned u = 0; u < MSR_V1_ROWS; u++)
		CHECK(msr_by_id(u) && msr_by_id(u)->index == v1_index[u], "version-1 row %u", u);
}

/* A one-step program: a frame of bytes after an empty set-up. */
static void decode_step(const uint8_t *frame, size_t n, struct program *p)
{
	uint8_t buf[32] = { 0, 0, 0, 0x7e };

	memcpy(buf + 4, frame, n);
	program_decode(buf, 4 + n, p);
}

/* INDEX class 0: a byte that names a row gets it, any other keeps its version-1 meaning. */
static void test_index_bytes(void)
{
	struct program p;
	unsigned rows = 0, v1 = 0;

	for (unsigned u = 0; u < 256; u++) {
		uint8_t rd[] = { 0x00, 0x00, (uint8_t)u };
		const struct msr_info *m = u < MSR_ID_LIMIT ? msr_by_id(u) : NULL;
		uint32_t want = m ? m->index : v1_index[u % MSR_V1_ROWS];

		if (u == 0x7d || u == 0x7e)
			continue; /* escape and separator */
		decode_step(rd, sizeof(rd), &p);
		CHECK(p.nsteps == 1 && guest_index(&p.steps[0].g) == want,
		      "byte %u: 0x%x, want 0x%x", u, p.nsteps ? guest_index(&p.steps[0].g) : 0,
		      want);
		if (m && u >= MSR_V1_ROWS)
			rows++;
		else
			v1++;
	}
	CHECK(rows >= 20, "%u bytes name rows added since version 1", rows);
	CHECK(v1 > 100, "%u bytes decode as in version 1", v1);
}

/*
 * MVALUE classes 1 and 2: the first entries of a version-1 row keep their
 * selectors, entries added later take selectors from 55 down, every other
 * selector decodes as version 1 did (entry sel % n1, or sel / INTERESTING).
 */
static void test_list_selectors(void)
{
	static const uint8_t v1_n[2][MSR_V1_ROWS] = {
		{ 4, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 2, 0, 2, 0, 1, 0, 0, 0, 0, 0, 0 },
		{ 2, 0, 2, 2, 0, 2, 2, 2, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0 },
	};
	static const uint64_t interesting13 = 0xff00000000000000ull;
	struct program p;

	for (unsigned id = 0; id < MSR_V1_ROWS; id++) {
		const struct msr_info *m = msr_by_id(id);

		for (unsigned cls = 1; cls <= 2; cls++) {
			const uint64_t *list = cls == 1 ? m->valid : m->invalid;
			unsigned n = cls == 1 ? m->nvalid : m->ninvalid, n1 = v1_n[cls - 1][id];

			for (unsigned sel = 0; sel < 64; sel++) {
				uint8_t wr[] = { 0x06, 0x00, (uint8_t)id,
						 (uint8_t)(sel << 2 | cls) };
				unsigned k = n1 + (MSR_MAX_VALUES - 1 - sel);
				uint64_t want;

				if (sel < n1)
					want = list[sel];
				else if (sel < MSR_MAX_VALUES && k < n)
					want = list[k];
				else if (n1)
					want = list[sel % n1];
				else
					want = cls == 1 ? sel : sel % 16 == 13 ? interesting13 : 1;
				if (!n1 && cls == 2 && sel % 16 != 13 &&
				    !(sel < MSR_MAX_VALUES && k < n))
					continue; /* INTERESTING checked at 13 only */
				if (wr[3] == 0x7d || wr[3] == 0x7e)
					continue; /* escape and separator */
				decode_step(wr, sizeof(wr), &p);
				CHECK(guest_wrmsr_value(&p.steps[0].g) == want,
				      "%s class %u sel %u: 0x%llx, want 0x%llx", m->name, cls, sel,
				      (unsigned long long)guest_wrmsr_value(&p.steps[0].g),
				      (unsigned long long)want);
			}
		}
	}
}

static size_t read_file(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "rb");
	size_t n = f ? fread(buf, 1, size - 1, f) : 0;

	if (f)
		fclose(f);
	buf[n] = 0;
	return n;
}

/*
 * tests/golden/decode/table-*: byte strings hitting every table-dependent
 * choice, with the text `msrexit disasm --binary` gave before ids
 * (table-goldens.py made them). 78 rows later they decode the same.
 */
static void test_golden(void)
{
	static char bin[PROG_BIN_MAX_SIZE], want[1 << 16], got[1 << 16];
	static struct program p;
	unsigned files = 0;
	struct dirent *e;
	DIR *dir = opendir(GOLDEN_DIR);
	char path[512];
	size_t n;

	CHECK(dir, "cannot open %s", GOLDEN_DIR);
	while (dir && (e = readdir(dir))) {
		size_t len = strlen(e->d_name);

		if (strncmp(e->d_name, "table-", 6) || len < 5 ||
		    strcmp(e->d_name + len - 4, ".bin"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", GOLDEN_DIR, e->d_name);
		n = read_file(path, bin, sizeof(bin));
		snprintf(path + strlen(path) - 4, 5, ".msr");
		read_file(path, want, sizeof(want));
		program_decode((const uint8_t *)bin, n, &p);
		program_format(&p, got, sizeof(got));
		CHECK(!strcmp(got, want), "%s decodes to\n%s\nnot\n%s", e->d_name, got, want);
		files++;
	}
	if (dir)
		closedir(dir);
	CHECK(files == 6, "%u table goldens", files);
}

int main(void)
{
	test_pinned();
	test_index_bytes();
	test_list_selectors();
	test_golden();
	return unit_summary("msr_ids");
}
