/* oracle_int.h - state shared by the oracle's guest half (oracle.c) and host half (oracle_host.c). */
#ifndef MSREXIT_ORACLE_INT_H
#define MSREXIT_ORACLE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "facts.h"
#include "msr_rules.h"
#include "program.h"
#include "trace.h"

/* Size of kernel_facts.msr[]: the model covers every table position facts can describe. */
#define ORACLE_MAX_MSRS (sizeof(((struct kernel_facts *)0)->msr) / sizeof(struct msr_fact))

/* At most this many values a table MSR may hold where kernels or vendors differ. */
#define MODEL_MAX_VALS 2

/* What the oracle knows of a table MSR on one vCPU: one of val[0..n-1]; n = 0: nothing. */
struct msr_model {
	uint8_t n;
	uint64_t val[MODEL_MAX_VALS];
};

/* CR0 as harness/kvm/vm.c setup_sregs leaves it (PG WP NE ET MP PE); no step changes it. */
#define ORACLE_GUEST_CR0 0x80050033ull

/* Whether a vCPU's local APIC is in x2APIC mode, per the APIC_BASE the model holds. */
enum x2apic_state {
	X2APIC_OFF,
	X2APIC_ON,
	X2APIC_UNSURE,
};

/*
 * An MSR exit left pending (REPLY_HOLD) while host steps run.
 * HOLD_UNSURE: some alternatives exit and some do not (or a step made the
 * state unknowable); everything that depends on it is "any".
 */
enum hold_state {
	HOLD_NONE,
	HOLD_PENDING, /* exit not yet completed: guest still at the instruction */
	HOLD_DONE, /* completed by KVM_RUN with immediate_exit */
	HOLD_UNSURE,
};

struct held_exit {
	uint8_t state; /* enum hold_state */
	uint8_t vcpu;
	uint8_t len; /* instruction length: RIP after a successful completion */
	bool error; /* the completion injects #GP(0) */
	uint64_t rax, rdx; /* registers before completion (the step's initial ones) */
	uint64_t done_rax; /* after a successful completion */
	uint64_t done_rdx;
};

struct oracle_state {
	const struct program *p;
	const struct kernel_facts *f;
	uint64_t mask;
	int filter; /* index into p->filters, or -1 for no filter */
	struct held_exit hold;
	uint64_t cr0[PROG_MAX_VCPUS];
	struct msr_model m[PROG_MAX_VCPUS][ORACLE_MAX_MSRS];
	uint32_t notes; /* NOTE_*: version- or parameter-dependent choices made */
};

/* 0, or the errno KVM_X86_SET_MSR_FILTER gives for this filter (docs/spec.md §3). */
int oracle_filter_check(const struct prog_filter *flt);

static inline unsigned step_vcpu(const struct step *s)
{
	return s->vcpu %
	       PROG_MAX_VCPUS; /* the codec keeps it below nvcpus; this keeps us in bounds */
}

/* msr_table position of index, or -1 if the table (or facts) do not describe it. */
int oracle_table_pos(uint32_t index);
/* A SUPPORT_PROBED MSR the probe found the guest cannot use. */
bool oracle_probed_unsupported(const struct kernel_facts *f, int pos);

/* oracle_state.c: the model of each vCPU, and the rules that depend on it. */
void oracle_model_init(struct oracle_state *st);
/* How KVM takes a write of val to pos on v now, from the guest or (host) KVM_SET_MSRS. */
enum write_class oracle_write_class(const struct oracle_state *st, unsigned v, int pos,
				    uint64_t val, bool host);
/* The vCPU state msr_rules.c needs, for an access to v from the guest or (host) user space. */
void oracle_rule_ctx(const struct oracle_state *st, unsigned v, bool host, struct rule_ctx *c);
/* The values a read of pos may return (out has MODEL_MAX_VALS); 0 if it cannot be known. */
unsigned oracle_model_read(const struct oracle_state *st, unsigned v, int pos, uint64_t *out);
/* A write of val to pos succeeded on v. */
void oracle_model_write(struct oracle_state *st, unsigned v, int pos, uint64_t val, bool host);
/* A write of val to pos may have succeeded, or left the MSR as it was. */
void oracle_model_maybe_write(struct oracle_state *st, unsigned v, int pos, uint64_t val,
			      bool host);
/* Nothing is known of pos any more. */
void oracle_model_forget(struct oracle_state *st, unsigned v, int pos);
/* pos is one of the x2APIC MSRs (0x800-0x8ff): they exist only in x2APIC mode. */
bool oracle_is_x2apic_msr(int pos);
enum x2apic_state oracle_x2apic_mode(const struct oracle_state *st, unsigned v);

void oracle_predict_host(struct oracle_state *st, const struct step *s, struct host_exp *h);

#endif
