/* bench.h - pieces of `msrexit bench` shared between its files. */
#ifndef MSREXIT_BENCH_H
#define MSREXIT_BENCH_H

#include "facts.h"
#include "pool.h"
#include "vm.h"

#define BENCH_MAX_ROUNDS 256

double bench_median(double *v, int n);

/* The raw costs of this machine in the same run: an MSR exit, an in-kernel RDMSR (us). */
int bench_limit(struct kvm_sys *sys, int rounds, double *exit_us, double *in_kernel_us);
/* The same with iters exits (and in-kernel RDMSRs) a round instead of 4096. */
int bench_limit_iters(struct kvm_sys *sys, int rounds, int iters, double *exit_us,
		      double *in_kernel_us);

/* Executions of a fixed mixed corpus (bench_corpus.c). */
struct corpus_figures {
	unsigned corpus, seeds; /* inputs, of which conformance programs (the rest generated) */
	unsigned long execs, fresh_execs; /* timed executions with reuse, with a new VM each */
	double exec_us, execs_per_s, fresh_execs_per_s, speedup;
	double ideal_us; /* per execution: its kernel round trips at the raw costs */
	/* the raw costs, the mean of the calibrations between the chunks (us) */
	double raw_exit_us, raw_in_kernel_us, raw_cpl3_us, raw_fep_us, raw_filter_us;
	double efficiency; /* ideal_us / exec_us */
	long rss_kb, rss_growth_kb; /* over the timed executions */
	int fds, fd_growth;
	struct vm_pool_stats warm, stats; /* the pool's after the warm-up pass, and at the end */
};

/*
 * Reuse over execs executions (after one untimed pass), a new VM over at most
 * 200; the raw costs in rounds of calibration between chunks of them.
 */
int bench_corpus(struct kvm_sys *sys, const struct kernel_facts *f, int rounds, unsigned long execs,
		 struct corpus_figures *g);

#endif
