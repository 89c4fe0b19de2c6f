/* facts.h - what was probed about this kernel, once per process; the oracle reads only this. */
#ifndef MSREXIT_FACTS_H
#define MSREXIT_FACTS_H

#include <stdbool.h>
#include <stdint.h>

#include "msr_table.h"
#include "program.h"

/* Guest access outcome classes, as probed or predicted. */
enum access_class {
	ACC_OK = 0,
	ACC_UNKNOWN = 1, /* KVM does not know the MSR: reason UNKNOWN */
	ACC_INVAL = 2, /* KVM refused: reason INVAL */
	ACC_EITHER = 3, /* known-but-unsupported: UNKNOWN or INVAL, by kernel version */
};

struct msr_fact {
	uint8_t guest_read; /* enum access_class, for table MSRs of SUPPORT_PROBED */
	bool host_read_ok; /* KVM_GET_MSRS of this index alone returns 1 */
	uint64_t initial[PROG_MAX_VCPUS]; /* value right after VM creation (host read) */
};

/* Which module serves /dev/kvm: the backends deviate from each other in places (docs/spec.md §9). */
enum kvm_backend {
	BACKEND_UNKNOWN = 0,
	BACKEND_KVM_INTEL,
	BACKEND_KVM_AMD,
	BACKEND_KVM_PVM,
};

/* The guest's CPU vendor (CPUID leaf 0), in the classes KVM's vendor rules use (cpuid.h). */
enum cpu_vendor {
	VENDOR_OTHER = 0,
	VENDOR_INTEL, /* GenuineIntel */
	VENDOR_AMD, /* AuthenticAMD, AMDisbetter! */
	VENDOR_HYGON, /* HygonGenuine */
};

struct kernel_facts {
	unsigned kver_major, kver_minor;
	/* the stable release (6.12.N), 0 if unknown (Debian's 6.1.0-N names none) */
	unsigned kver_sub;
	enum kvm_backend backend;
	uint8_t guest_vendor; /* enum cpu_vendor, of the CPUID the vCPUs get */
	char guest_vendor_id[13];
	/* the "hardware" under KVM is QEMU's TCG (host CPUID 0x40000000 says "TCGTCGTCGTCG") */
	bool tcg;
	char hypervisor_id[13]; /* host CPUID 0x40000000, "" without the hypervisor bit */
	bool ignore_msrs;
	bool ignore_msrs_unread; /* /sys/module/kvm/parameters/ignore_msrs unreadable: N assumed */
	int force_emulation_prefix;
	bool has_wrmsrns; /* guest CPUID.(7,1):EAX[19] */
	unsigned va_bits; /* KVM's canonical checks of MSR values: 57 or 48 (facts_probe.c) */
	unsigned cpu_va_bits; /* the CPU's own (accesses it handles): 57 if it has LA57, else 48 */
	unsigned maxphyaddr; /* the vCPU's CPUID.80000008H:EAX[7:0] (36 without the leaf) */
	bool has_tsc_adjust; /* the vCPU's CPUID.(7,0):EBX[1] */
	bool has_pred_cmd; /* CPUID SPEC_CTRL, AMD_IBPB or SBPB (guest_has_pred_cmd_msr) */
	uint64_t guest_mem_end; /* guest memory is [0, guest_mem_end) (harness/kvm/vm.c) */
	struct msr_fact msr[128]; /* parallel to msr_table */
};

static inline bool kernel_at_least(const struct kernel_facts *f, unsigned major, unsigned minor)
{
	return f->kver_major > major || (f->kver_major == major && f->kver_minor >= minor);
}

/* major.minor.sub or later; a stable series with an unknown sub counts as its .0. */
static inline bool kernel_at_least_sub(const struct kernel_facts *f, unsigned major, unsigned minor,
				       unsigned sub)
{
	if (f->kver_major != major || f->kver_minor != minor)
		return kernel_at_least(f, major, minor);
	return f->kver_sub >= sub;
}

#endif
