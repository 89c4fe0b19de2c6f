/* trace.h - what happened in one run (observed) and what may happen (expected), step by step. */
#ifndef MSREXIT_TRACE_H
#define MSREXIT_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "kvm_abi.h"
#include "program.h"

#define VEC_UD 6
#define VEC_GP 13

/* Observed result of one guest RDMSR/WRMSR. RIPs are relative to the instruction. */
struct guest_obs {
	bool ran; /* the guest reached this step and recorded a result */
	bool exited; /* KVM_RUN returned an MSR exit for it */
	uint32_t exit_reason; /* kvm_run->exit_reason (29/30) */
	uint8_t exit_error; /* msr.error as the kernel left it at exit */
	bool exit_pad_dirty; /* any msr.pad byte non-zero at exit */
	uint32_t reason, index;
	uint64_t data;
	int64_t exit_rip; /* RIP at exit minus instruction address */
	bool faulted;
	uint8_t vector;
	uint32_t error_code;
	int64_t rip; /* fault RIP, or where execution continued, minus instruction address */
	bool stray; /* execution ran through bytes it should not have (RSI canary changed) */
	uint64_t rax, rdx, rcx;
};

/* Observed result of a host step. */
struct host_obs {
	bool ran;
	long ret;
	int err; /* errno when ret < 0 */
	uint8_t nvals;
	uint64_t vals[PROG_MAX_HOST_MSRS]; /* GET_MSRS data; GET_REGS: rip(rel), rax, rdx; EVENTS */
};

/* GET_REGS values: [0] RIP relative to the pending/last instruction, [1] RAX, [2] RDX. */
/* GET_EVENTS values: [0] exception injected-or-pending, [1] vector, [2] has error code, [3] code */

struct trace {
	struct guest_obs g[PROG_MAX_STEPS];
	struct host_obs h[PROG_MAX_STEPS];
	int setup_filter_err; /* set-up filter: 0 installed, an errno, -1 none, -2 not ours */
	int abort_step; /* -1, or the step at which the run stopped early */
	char abort_msg[256];
	unsigned nexits;
};

/* One allowed outcome of a guest access. */
struct guest_alt {
	uint32_t exit; /* 0 = no MSR exit, else 29/30 */
	uint32_t reason;
	uint64_t exit_data;
	bool gp; /* guest sees #GP(0) at the instruction, RAX/RDX unchanged */
	bool ud; /* guest sees #UD at the instruction (not enumerated; prefix disabled) */
	bool data_any; /* success: RAX/RDX may hold any value (TSC, probed-unknown MSR) */
	uint64_t rax, rdx; /* success: RAX/RDX expected (upper halves clear) */
};

#define MAX_ALTS 4
struct guest_exp {
	uint8_t nalt;
	struct guest_alt alt[MAX_ALTS];
	int8_t rip_after; /* expected relative RIP after success (instruction length) */
	int8_t
	    fault_rip; /* RIP a fault or an exit reports: 0, or 5 when KVM emulated past the prefix */
};

struct host_exp {
	bool ret_any;
	long ret;
	int err; /* expected errno when ret < 0 */
	uint8_t nvals;
	uint64_t vals[PROG_MAX_HOST_MSRS];
	uint8_t val_any; /* bit i: vals[i] unconstrained */
};

/* Choices the oracle made from the kernel's version or parameters (expected.notes). */
#define NOTE_FAILED_READ_ZERO 0x1u /* kernel >= 6.12: a failed host read's data is 0 */
#define NOTE_FAILED_READ_STALE 0x2u /* kernel < 6.12: a failed host read's data may be stale */
#define NOTE_IGNORE_MSRS 0x4u /* ignore_msrs=Y: an UNKNOWN access succeeded silently */
#define NOTE_CPU_SVM 0x8u /* kvm_amd: the CPU handled a guest access itself */
#define NOTE_CPU_VMX 0x10u /* kvm_intel: the CPU handled a guest access itself */
#define NOTE_SYSENTER_LOW32 0x20u /* kvm_amd, non-Intel guest: SYSENTER_EIP/ESP keep 32 bits */
#define NOTE_SYSENTER_INTEL 0x40u /* kvm_amd, Intel guest: SYSENTER_EIP/ESP keep 64 bits */
#define NOTE_TPR_CR8 0x80u /* kvm_amd: the x2APIC TPR loses bits 3:0 to CR8 once the vCPU runs */
#define NOTE_COUNT 8

struct expected {
	struct guest_exp g[PROG_MAX_STEPS];
	struct host_exp h[PROG_MAX_STEPS];
	uint32_t notes; /* NOTE_* */
	int setup_filter_err; /* as trace.setup_filter_err */
};

/* The sentence for note bit i (0 .. NOTE_COUNT-1), or NULL. */
const char *expected_note(unsigned i);

/* A verdict: mismatches, each with a stable signature. */
#define MAX_MISMATCHES 16
struct mismatch {
	int step;
	uint32_t line;
	char field[32];
	char expected[96];
	char observed[96];
	char signature[96];
};

struct verdict {
	unsigned n;
	struct mismatch m[MAX_MISMATCHES];
};

void trace_init(struct trace *t);
/* Compare observed with expected; returns number of mismatches (verdict filled). */
unsigned compare(const struct program *p, const struct expected *e, const struct trace *t,
		 struct verdict *v);
/* Human-readable trace of one run, one line per step. */
void trace_print(const struct program *p, const struct trace *t, const struct expected *e,
		 FILE *out);

#endif
