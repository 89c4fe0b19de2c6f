/* oracle_backend.h - which guest MSR accesses each backend leaves to the CPU, and what the CPU does. */
#ifndef MSREXIT_ORACLE_BACKEND_H
#define MSREXIT_ORACLE_BACKEND_H

#include <stdbool.h>
#include <stdint.h>

#include "facts.h"

/* Who handles a guest RDMSR/WRMSR that the filter allows. */
enum passthrough {
	PASS_NO, /* KVM intercepts it: KVM's rules decide, exits included */
	PASS_YES, /* the CPU handles it: never an exit, whatever the mask */
	PASS_MAYBE, /* depends on what facts do not say (APICv, x2AVIC): either */
};

/*
 * A guest access (not forced-emulated: the emulator always goes through
 * KVM) to index, a write or a read, when the filter allows it. A filter
 * that denies it makes KVM intercept it again (svm_msr_filter_changed,
 * vmx_msr_filter_changed), so denied accesses never get here.
 */
enum passthrough backend_passthrough(const struct kernel_facts *f, uint32_t index, bool write);

/* The guest CPUID vendor is known (facts probed it). */
bool backend_vendor_known(const struct kernel_facts *f);

/*
 * KVM's vendor test for its Intel-only rules: cpuid.h guest_cpuid_is_intel
 * (GenuineIntel) before 6.11, guest_cpuid_is_intel_compatible (not AMD or
 * Hygon) from 6.11 on (kvm-x86-misc-6.11, "Intel compat vCPUs").
 */
bool backend_guest_intel(const struct kernel_facts *f);

/* What the CPU does with a guest WRMSR it handles itself. */
struct cpu_write {
	bool ok, gp; /* both set: either (the hardware's rule is not known) */
	unsigned nstored; /* after ok: the MSR holds one of stored[]; 0: unknown */
	uint64_t stored[2];
};

/*
 * The CPU's own rule for a write of val to index, in *w; false where it has
 * none of its own: it then takes what KVM takes and refuses with #GP (never
 * an exit) what KVM refuses.
 */
bool backend_cpu_write(const struct kernel_facts *f, uint32_t index, uint64_t val,
		       struct cpu_write *w);

/*
 * What KVM keeps of a write (guest or host) of val to SYSENTER_CS, _ESP or
 * _EIP it handles: the values a read may give back (out has room for 2).
 */
unsigned backend_sysenter_stored(const struct kernel_facts *f, uint32_t index, uint64_t val,
				 uint64_t *out);

/*
 * What KVM keeps of a write of val to the x2APIC TPR, by the guest or the
 * host, as later reads see it (out has room for 2).
 */
unsigned backend_tpr_stored(const struct kernel_facts *f, uint64_t val, bool host, uint64_t *out);

/* The NOTE_* bits (trace.h) an access of index by the guest or the host makes the oracle choose. */
uint32_t backend_notes(const struct kernel_facts *f, uint32_t index, bool guest, bool write);

#endif
