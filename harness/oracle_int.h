/* oracle_int.h - state shared by the oracle's guest half (oracle.c) and host half (oracle_host.c). */
#ifndef MSREXIT_ORACLE_INT_H
#define MSREXIT_ORACLE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "facts.h"
#include "program.h"
#include "trace.h"

/* Size of kernel_facts.msr[]: the model covers every table position facts can describe. */
#define ORACLE_MAX_MSRS (sizeof(((struct kernel_facts *)0)->msr) / sizeof(struct msr_fact))

/* The value the oracle believes a table MSR holds on one vCPU. */
struct msr_model {
	bool known;
	uint64_t val;
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
	struct msr_model m[PROG_MAX_VCPUS][ORACLE_MAX_MSRS];
	uint32_t notes; /* NOTE_*: version- or parameter-dependent choices made */
};

/* 0, or the errno KVM_X86_SET_MSR_FILTER gives for this filter (docs/spec.md §3). */
int oracle_filter_check(const struct prog_filter *flt);

/* How KVM takes a write of a value to a table MSR it supports (docs/spec.md §4). */
enum write_class {
	WRITE_OK,
	WRITE_INVAL,
	WRITE_MAYBE, /* the table does not say: success or INVAL */
};

static inline unsigned step_vcpu(const struct step *s)
{
	return s->vcpu %
	       PROG_MAX_VCPUS; /* the codec keeps it below nvcpus; this keeps us in bounds */
}

/* msr_table position of index, or -1 if the table (or facts) do not describe it. */
int oracle_table_pos(uint32_t index);
/* A SUPPORT_PROBED MSR the probe found the guest cannot use. */
bool oracle_probed_unsupported(const struct kernel_facts *f, int pos);
enum write_class oracle_write_class(struct oracle_state *st, unsigned v, int pos, uint64_t val);

/* The value a read returns per the model: false if it cannot be known. */
bool oracle_model_read(struct oracle_state *st, unsigned v, int pos, uint64_t *val);
/* A write of val to pos succeeded on v. */
void oracle_model_write(struct oracle_state *st, unsigned v, int pos, uint64_t val);
/* A write to pos may or may not have happened. */
void oracle_model_forget(struct oracle_state *st, unsigned v, int pos);

void oracle_predict_host(struct oracle_state *st, const struct step *s, struct host_exp *h);

#endif
