/* oracle_backend.c - which guest MSR accesses each backend leaves to the CPU, and what the CPU does. */
#include "oracle_backend.h"
#include "msr_index.h"
#include "msr_table.h"
#include "trace.h"

/*
 * Sources, read in Debian's linux-source-6.1 (6.1.192) and linux-source-6.12
 * (6.12.117); the lists below are the same in both unless said:
 *
 * SVM: arch/x86/kvm/svm/svm.c direct_access_msrs[] (.always = true: STAR,
 * SYSENTER_CS, GS_BASE, FS_BASE, KERNEL_GS_BASE, LSTAR, CSTAR, SYSCALL_MASK),
 * whose intercepts svm_vcpu_init_msrpm clears at vCPU creation;
 * init_vmcb_after_set_cpuid clears SYSENTER_EIP/ESP's too unless the guest
 * vendor is Intel (guest_cpuid_is_intel in 6.1, guest_cpuid_is_intel_compatible
 * in 6.12). SPEC_CTRL (svm_set_msr, on the first non-zero write; at creation
 * with V_SPEC_CTRL), PRED_CMD (6.1: svm_set_msr on the first write; 6.12:
 * svm_vcpu_after_set_cpuid, if the guest has IBPB), DEBUGCTL and the LBR MSRs
 * (svm_enable_lbrv) and the x2APIC MSRs (svm_set_x2apic_msr_interception,
 * x2AVIC) depend on state facts do not hold. EFER, PAT, XSS, TSC_AUX only for
 * SEV-ES guests (sev.c), which msrexit does not make.
 *
 * VMX: arch/x86/kvm/vmx/vmx.c vmx_vcpu_create (vmx_create_vcpu in 6.1):
 * vmx_disable_intercept_for_msr for TSC (reads), FS_BASE, GS_BASE,
 * KERNEL_GS_BASE, SYSENTER_CS, _ESP, _EIP (both), out of
 * vmx_possible_passthrough_msrs[]; SPEC_CTRL (vmx_set_msr, first non-zero
 * write), PRED_CMD (6.1: first write; 6.12: vmx_vcpu_after_set_cpuid) and
 * the x2APIC MSRs (vmx_update_msr_bitmap_x2apic, APICv) depend on state.
 *
 * Both recompute the intercepts when the filter changes
 * (svm_msr_filter_changed, vmx_msr_filter_changed, at the next entry):
 * set_msr_interception_bitmap and vmx_disable_intercept_for_msr keep an
 * access intercepted that kvm_msr_allowed denies, per direction. kvm_pvm
 * intercepts every access.
 */

static bool is_sysenter_addr(uint32_t index)
{
	return index == MSR_SYSENTER_EIP || index == MSR_SYSENTER_ESP;
}

/* The MSRs holding a linear address the CPU checks for canonicality on WRMSR. */
static bool is_address_msr(uint32_t index)
{
	return index == MSR_FS_BASE || index == MSR_GS_BASE || index == MSR_KERNEL_GS_BASE ||
	       index == MSR_LSTAR || index == MSR_CSTAR;
}

static bool is_x2apic(uint32_t index)
{
	return index >= X2APIC_FIRST && index <= X2APIC_LAST;
}

bool backend_vendor_known(const struct kernel_facts *f)
{
	return f->guest_vendor_id[0] != 0;
}

bool backend_guest_intel(const struct kernel_facts *f)
{
	if (kernel_at_least(f, 6, 11))
		return f->guest_vendor != VENDOR_AMD && f->guest_vendor != VENDOR_HYGON;
	return f->guest_vendor == VENDOR_INTEL;
}

static enum passthrough svm_passthrough(const struct kernel_facts *f, uint32_t index, bool write)
{
	switch (index) {
	case MSR_STAR:
	case MSR_SYSENTER_CS:
	case MSR_GS_BASE:
	case MSR_FS_BASE:
	case MSR_KERNEL_GS_BASE:
	case MSR_LSTAR:
	case MSR_CSTAR:
	case MSR_SFMASK:
		return PASS_YES;
	case MSR_SYSENTER_EIP:
	case MSR_SYSENTER_ESP:
		if (!backend_vendor_known(f))
			return PASS_MAYBE;
		return backend_guest_intel(f) ? PASS_NO : PASS_YES;
	case MSR_SPEC_CTRL:
	case MSR_DEBUGCTL:
		return PASS_MAYBE;
	case MSR_PRED_CMD:
		return write ? PASS_MAYBE : PASS_NO;
	default:
		/* QEMU's TCG has no AVIC: there kvm_amd intercepts the x2APIC MSRs */
		return is_x2apic(index) && !f->tcg ? PASS_MAYBE : PASS_NO;
	}
}

static enum passthrough vmx_passthrough(uint32_t index, bool write)
{
	switch (index) {
	case MSR_TSC:
		return write ? PASS_NO : PASS_YES;
	case MSR_FS_BASE:
	case MSR_GS_BASE:
	case MSR_KERNEL_GS_BASE:
	case MSR_SYSENTER_CS:
	case MSR_SYSENTER_ESP:
	case MSR_SYSENTER_EIP:
		return PASS_YES;
	case MSR_SPEC_CTRL:
		return PASS_MAYBE;
	case MSR_PRED_CMD:
		return write ? PASS_MAYBE : PASS_NO;
	default:
		return is_x2apic(index) ? PASS_MAYBE : PASS_NO;
	}
}

enum passthrough backend_passthrough(const struct kernel_facts *f, uint32_t index, bool write)
{
	switch (f->backend) {
	case BACKEND_KVM_AMD:
		return svm_passthrough(f, index, write);
	case BACKEND_KVM_INTEL:
		return vmx_passthrough(index, write);
	default:
		return PASS_NO; /* kvm_pvm: every access; unknown: as upstream without hardware */
	}
}

static void cpu_takes(struct cpu_write *w, uint64_t stored)
{
	w->ok = true;
	w->nstored = 1;
	w->stored[0] = stored;
}

/* A value the hardware's rule does not settle: taken (to some value) or #GP. */
static void cpu_either(struct cpu_write *w)
{
	w->ok = w->gp = true;
	w->nstored = 0;
}

/*
 * The AMD CPU (APM vol. 2, WRMSR; x86.c __kvm_set_msr's comment on
 * SYSENTER): an address MSR takes only a value canonical to the CPU's own
 * LA57 support, else #GP; SYSENTER_EIP/ESP keep bits 31:0 (no 64-bit
 * SYSENTER). The high halves of SYSENTER_CS and SFMASK are reserved, and
 * whether a write of them faults is not settled here.
 */
static bool amd_cpu_write(const struct kernel_facts *f, uint32_t index, uint64_t val,
			  struct cpu_write *w)
{
	if (is_address_msr(index)) {
		if (is_canonical(val, f->cpu_va_bits))
			cpu_takes(w, val);
		else
			w->gp = true;
	} else if (is_sysenter_addr(index)) {
		cpu_takes(w, (uint32_t)val);
	} else if (index == MSR_SYSENTER_CS) {
		if (val >> 16)
			cpu_either(w);
		else
			cpu_takes(w, val);
	} else if (index == MSR_SFMASK) {
		if (val >> 32)
			cpu_either(w);
		else
			cpu_takes(w, val);
	} else if (index == MSR_STAR) {
		cpu_takes(w, val);
	} else {
		return false;
	}
	return true;
}

/* The Intel CPU (SDM WRMSR): the address MSRs and SYSENTER_EIP/ESP must be canonical. */
static bool intel_cpu_write(const struct kernel_facts *f, uint32_t index, uint64_t val,
			    struct cpu_write *w)
{
	if (is_address_msr(index) || is_sysenter_addr(index)) {
		if (is_canonical(val, f->cpu_va_bits))
			cpu_takes(w, val);
		else
			w->gp = true;
	} else if (index == MSR_SYSENTER_CS) {
		if (val >> 32)
			cpu_either(w);
		else
			cpu_takes(w, val);
	} else {
		return false;
	}
	return true;
}

bool backend_cpu_write(const struct kernel_facts *f, uint32_t index, uint64_t val,
		       struct cpu_write *w)
{
	*w = (struct cpu_write){ 0 };
	if (f->backend == BACKEND_KVM_AMD)
		return amd_cpu_write(f, index, val, w);
	if (f->backend == BACKEND_KVM_INTEL)
		return intel_cpu_write(f, index, val, w);
	return false;
}

static uint64_t canonical(uint64_t v, unsigned bits)
{
	int shift = 64 - (int)(bits >= 32 && bits <= 63 ? bits : 48);

	return (uint64_t)((int64_t)(v << shift) >> shift);
}

/*
 * x86.c __kvm_set_msr makes SYSENTER_EIP/ESP canonical (to facts' va_bits:
 * vcpu_virt_addr_bits before 6.12.41, max_host_virt_addr_bits after); then
 * svm.c svm_set_msr keeps bits 31:0 in the VMCB and the upper half in
 * sysenter_e?p_hi only for an Intel guest (svm_get_msr puts it back), vmx.c
 * keeps all 64 bits in the VMCS. SYSENTER_CS: svm.c all 64 bits, vmx.c
 * vmcs_write32. kvm_pvm: either. On kvm_amd a guest read of SYSENTER_CS goes
 * to the CPU (passed through): QEMU TCG's gave bits 31:0 on Debian 6.1 (gate fuzz).
 */
unsigned backend_sysenter_stored(const struct kernel_facts *f, uint32_t index, uint64_t val,
				 uint64_t *out)
{
	bool amd = f->backend == BACKEND_KVM_AMD, intel = f->backend == BACKEND_KVM_INTEL;
	uint64_t wide = index == MSR_SYSENTER_CS ? val : canonical(val, f->va_bits);
	uint64_t narrow = (uint32_t)val;

	if (index == MSR_SYSENTER_CS) {
		/* amd: a guest read is the CPU's, which may keep only the low half VMRUN loaded */
		out[0] = amd ? wide : narrow;
		out[1] = intel || amd ? narrow : wide;
	} else if (amd && backend_vendor_known(f)) {
		out[0] = out[1] = backend_guest_intel(f) ? wide : narrow;
	} else {
		out[0] = intel ? wide : narrow;
		out[1] = wide;
	}
	return out[0] == out[1] ? 1 : 2;
}

/*
 * lapic.c kvm_lapic_reg_write keeps TPR bits 7:0. svm.c then syncs it with
 * V_TPR, CR8's four bits, around every run (sync_lapic_to_cr8 before,
 * sync_cr8_to_lapic after, while CR8 writes are not intercepted: nothing is
 * pending here), so once the vCPU has run bits 3:0 are gone: at once for a
 * guest write (an exit ends every run), after the next run for a host one.
 * Same in 6.1.192 and 6.12.117. With x2AVIC the x2APIC MSRs are PASS_MAYBE
 * and nothing is known of the value anyway.
 */
unsigned backend_tpr_stored(const struct kernel_facts *f, uint64_t val, bool host, uint64_t *out)
{
	out[0] = val & 0xff;
	if (f->backend != BACKEND_KVM_AMD)
		return 1;
	out[1] = val & 0xf0;
	if (!host)
		out[0] = out[1];
	return out[0] == out[1] ? 1 : 2;
}

uint32_t backend_notes(const struct kernel_facts *f, uint32_t index, bool guest, bool write)
{
	uint32_t notes = 0;

	if (guest && backend_passthrough(f, index, write) != PASS_NO)
		notes |= f->backend == BACKEND_KVM_AMD ? NOTE_CPU_SVM : NOTE_CPU_VMX;
	if (f->backend == BACKEND_KVM_AMD && is_sysenter_addr(index) && backend_vendor_known(f))
		notes |= backend_guest_intel(f) ? NOTE_SYSENTER_INTEL : NOTE_SYSENTER_LOW32;
	if (f->backend == BACKEND_KVM_AMD && index == MSR_X2APIC_TPR)
		notes |= NOTE_TPR_CR8;
	return notes;
}
